"""An integer-programming attacker on written releases (issue 17, item 8).

It shares no code with zicht: it reads the release files (``manifest.json``, every layer's
CSV) and the unit file ``zicht check`` reads, and asks an exact integer solver
(``scipy.optimize.milp``, HiGHS) what the published figures allow.

**What the attacker knows.** The rules (from the manifest) and every published figure; more
than a reader can know, it knows the exact population of every *atom* (the units that lie
in the same published feature of every layer), so every difference of populations is known.

**The model.** Per count, one integer variable per atom, ``0 ≤ x_a ≤ n_a``. Every published
feature of every geography (H3 cells, regions, buurten, wijken, gemeenten, parks …; of
every release given) is the sum of its atoms, and its figures bound that sum:

* a count rounded to base ``b``: every integer that rounds to it (``[K − ⌊b/2⌋, …]``);
* a count on an exact layer: exactly that count, unless it is a multiple of the base (a
  small count or a protecting total shown rounded): then every integer that rounds to it;
* a cell-key perturbed count ``p``: ``[max(p − D, 0), p + D]``, at least 1 when ``p ≥ 1``;
* a raw rate on the population, when it is not the rate of the published (rounded or
  perturbed) figures: every count whose rate rounds to it, over the exact population;
* a hidden value on a published feature: any reason for hiding is possible (group
  disclosure, the company rules, and secondary suppression, which can hide any value), so
  it bounds the count by ``[0, n]`` only; a merged or suppressed feature gives nothing.

Smoothed rates and rates on restricted denominators are not used (they are functions of
the figures above, see ``docs/publication.md``); magnitudes are not counts and have their
own rules.

**What it proves.** For every group it can form: every atom, every feature of every layer
that is a union of atoms (published or not), and every published feature minus the
features of another layer inside it. A group is *pinned beyond the documented policy* when
its count is forced to one value from 1 to ``min_units − 1`` (the solver finds no other
value), or its share is forced above ``group_max_pct``. A count forced to 0, or to at least
``min_units``, is allowed by the policy. Only groups whose true value could break the
policy need the solver; most are cleared by a few solutions of random objectives, the rest
by minimising and maximising their count, each on its connected component.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components

from ilp_magnitudes import attack_magnitudes
from ilp_reasons import NESTED_KEYS, prior, reason_bounds, smoothed_bounds


@dataclass
class Release:
    """One release as the attacker reads it."""

    manifest: dict[str, Any]
    layers: dict[str, pd.DataFrame]
    units: pd.DataFrame

    @classmethod
    def read(cls, folder: str | Path, units: str | Path) -> Release:
        folder = Path(folder)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        layers = {
            name: pd.read_csv(folder / info["csv"], dtype={"area_id": str, "region_id": str})
            for name, info in manifest["layers"].items()
        }
        return cls(manifest, layers, pd.read_parquet(units))

    def _labels(self, name: str) -> pd.Series:
        key = self.manifest["layers"][name]["unit_key"]
        column = "region_id" if key == "region_pieces" else key
        ids = self.units[column].astype(str).replace({"nan": "", "None": "", "<NA>": ""})
        return pd.Series(ids.to_numpy(dtype=object), index=self.units["unit_id"].astype(str))

    def membership(self, name: str) -> pd.Series:
        """Every unit's published feature of layer ``name`` ('' where none), by unit id."""
        ids = self._labels(name)
        frame = self.layers[name]
        published = set(frame.loc[frame["status"] == "published", "area_id"])
        return ids.where(ids.isin(published), "")

    def all_features(self, name: str) -> pd.Series:
        """Every unit's feature of layer ``name``, published or not, by unit id."""
        return self._labels(name)

    def values(self, count: str) -> pd.Series:
        """Every unit's value of ``count`` (0 where the release does not count it)."""
        col = self.manifest.get("numerators", {}).get(count)
        index = self.units["unit_id"].astype(str)
        if not col or col not in self.units:
            return pd.Series(0.0, index=index)
        return pd.Series(
            pd.to_numeric(self.units[col], errors="coerce").fillna(0).to_numpy(), index=index
        )


@dataclass
class Finding:
    """A group whose count the published figures pin beyond the policy."""

    release: str
    count: str
    group: str
    units: int
    value: int
    what: str


@dataclass
class Attack:
    """What the attacker modelled and found."""

    findings: list[Finding] = field(default_factory=list)
    variables: int = 0
    constraints: int = 0
    groups: int = 0
    candidates: int = 0
    solves: int = 0
    seconds: float = 0.0
    misled: int = 0
    extensions: tuple[str, ...] = ()
    hidden_values: int = 0
    reason_narrowed: int = 0
    smoothed_narrowed: int = 0
    magnitude_targets: int = 0


def _preimage(value: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    lo = np.ceil(value - base / 2.0)
    hi = np.ceil(value + base / 2.0) - 1
    return np.maximum(lo, 0), hi


def _count_bounds(
    release: Release,
    name: str,
    frame: pd.DataFrame,
    count: str,
    n: np.ndarray,
    moments: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on one count per published feature, from its count, raw and smoothed rates."""
    rules = release.manifest["rules"]
    info = release.manifest["layers"][name]
    base = int(rules.get("rounding_base", 5))
    size = len(frame)
    lo, hi = np.zeros(size), n.astype(float)
    k = pd.to_numeric(frame.get(count, pd.Series(np.nan, index=frame.index)), errors="coerce")
    k = k.to_numpy(dtype=float)
    has = np.isfinite(k)
    if rules.get("method") == "cell_key":
        d = int(rules.get("cell_key_d", 2))
        lo[has] = np.maximum(k[has] - d, (k[has] >= 1).astype(float))
        hi[has] = k[has] + d
    elif info.get("rounded", True) and base > 1:
        lo[has], hi[has] = _preimage(k[has], base)
    else:
        lo[has], hi[has] = k[has], k[has]
        fuzzy = has & (k % base == 0) if base > 1 else np.zeros(size, dtype=bool)
        lo[fuzzy], hi[fuzzy] = _preimage(k[fuzzy], base)
    decimals = int(rules.get("rate_decimals", 1))
    half = 0.5 * 10.0 ** (-decimals) + 1e-9
    n_pub = pd.to_numeric(frame["n_units"], errors="coerce").to_numpy(dtype=float)
    for meta in release.manifest.get("indicators", []):
        if (
            moments is not None
            and meta.get("smoothing") == "eb_global"
            and meta.get("count_column") == count
            and meta.get("base_column", "n_units") == "n_units"
            and rules.get("method") != "cell_key"
        ):
            found = smoothed_bounds(meta, frame, count, n, moments, decimals)
            if found is not None:
                lo, hi = np.maximum(lo, found[0]), np.minimum(hi, found[1])
        if (
            meta.get("role") != "rate"
            or meta.get("count_column") != count
            or meta.get("base_column", "n_units") != "n_units"
            or meta.get("smoothing")
            or meta["column"] not in frame
        ):
            continue
        per = float(meta.get("per", 100.0))
        r = pd.to_numeric(frame[meta["column"]], errors="coerce").to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            from_published = np.round(per * k / n_pub, decimals)
        exact = np.isfinite(r) & ~(has & np.isclose(from_published, r, atol=1e-9))
        lo[exact] = np.maximum(lo[exact], np.ceil((r[exact] - half) * n[exact] / per - 1e-9))
        hi[exact] = np.minimum(hi[exact], np.floor((r[exact] + half) * n[exact] / per + 1e-9))
    return np.maximum(lo, 0), np.minimum(hi, n)


class _Model:
    """Atoms over every release (units matched by id), and the sums their features give."""

    def __init__(self, releases: dict[str, Release]):
        self.releases = releases
        index = pd.Index([], dtype=object)
        for r in releases.values():
            ids = pd.Index(r.units["unit_id"].astype(str))
            index = index.append(ids[~ids.isin(index)])
        self.index = index
        key = pd.DataFrame(
            {
                f"{tag}{name}": self.align(r.membership(name))
                for tag, r in releases.items()
                for name in r.layers
            }
        )
        self.atom = pd.MultiIndex.from_frame(key).factorize()[0]
        self.n_atoms = int(self.atom.max()) + 1
        self.n = np.bincount(self.atom, minlength=self.n_atoms)

    def align(self, labels: pd.Series) -> np.ndarray:
        """``labels`` (by unit id) on the model's units; '' for units the release lacks."""
        return labels.reindex(self.index).fillna("").to_numpy(dtype=object)

    def incidence(self, labels: pd.Series) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Feature × atom matrix of the units' ``labels`` ('' = none), and the feature ids."""
        aligned = self.align(labels)
        keep = aligned != ""
        codes, ids = pd.factorize(pd.Series(aligned[keep]))
        m = sparse.coo_matrix(
            (np.ones(int(keep.sum())), (codes, self.atom[keep])),
            shape=(len(ids), self.n_atoms),
        ).tocsr()
        m.data[:] = 1.0
        return m, np.asarray(ids, dtype=object)

    def sizes(self, labels: pd.Series) -> np.ndarray:
        """Units per feature, in the order of :meth:`incidence`."""
        aligned = self.align(labels)
        codes, ids = pd.factorize(pd.Series(aligned[aligned != ""]))
        return np.bincount(codes, minlength=len(ids))

    def values(self, count: str) -> np.ndarray:
        """Every unit's value of ``count``, from the first release that holds the unit."""
        out = pd.Series(np.nan, index=self.index)
        for r in self.releases.values():
            out = out.fillna(r.values(count).reindex(self.index))
        return out.fillna(0).to_numpy()


def _groups(model: _Model) -> tuple[sparse.csr_matrix, list[str]]:
    """Atoms and every feature (published or not) that is a union of atoms."""
    rows = [sparse.identity(model.n_atoms, format="csr")]
    labels = [f"atom {i}" for i in range(model.n_atoms)]
    for tag, release in model.releases.items():
        for name in release.layers:
            m_all, ids = model.incidence(release.all_features(name))
            # a feature is a union of atoms when it holds every unit of each of its atoms
            units_in = np.asarray(m_all.multiply(model.n).sum(axis=1)).ravel()
            whole = np.isclose(units_in, model.sizes(release.all_features(name)))
            rows.append(m_all[whole])
            labels += [f"{tag}{name}:{a}" for a in ids[whole]]
    return sparse.vstack(rows, format="csr"), labels


def _minus_groups(
    layers: dict[str, tuple[sparse.csr_matrix, np.ndarray, np.ndarray]],
) -> tuple[sparse.csr_matrix, list[str]]:
    """Every published feature minus the features inside it whose value is shown.

    Per other layer, and all other layers at once: what is left of a total when the
    known parts inside it are subtracted (the hidden parts together, a residual).
    """
    rows, labels = [], []
    for outer, (m_out, ids_out, _) in layers.items():
        cover_all = sparse.csr_matrix(m_out.shape)
        for inner, (m_in, _, shown) in layers.items():
            m_s = m_in[shown]
            if inner == outer or m_s.shape[0] == 0:
                continue
            overlap = (m_s @ m_out.T).tocoo()
            size = np.asarray(m_s.sum(axis=1)).ravel()
            inside = overlap.data == size[overlap.row]
            pick = sparse.coo_matrix(
                (np.ones(int(inside.sum())), (overlap.col[inside], overlap.row[inside])),
                shape=(m_out.shape[0], m_s.shape[0]),
            ).tocsr()
            cover = ((pick @ m_s) > 0).astype(float)
            cover_all = cover_all + cover
            for label, c in ((f"minus {inner}", cover),):
                rest = (m_out - m_out.multiply(c > 0)).tocsr()
                rest.eliminate_zeros()
                keep = (np.asarray(rest.sum(axis=1)).ravel() > 0) & (
                    np.asarray(c.sum(axis=1)).ravel() > 0
                )
                rows.append(rest[keep])
                labels += [f"{outer}:{a} {label}" for a in ids_out[keep]]
        rest = (m_out - m_out.multiply(cover_all > 0)).tocsr()
        rest.eliminate_zeros()
        keep = (np.asarray(rest.sum(axis=1)).ravel() > 0) & (
            np.asarray(cover_all.sum(axis=1)).ravel() > 0
        )
        rows.append(rest[keep])
        labels += [f"{outer}:{a} minus every known part" for a in ids_out[keep]]
    if not rows:
        return sparse.csr_matrix((0, 0)), []
    return sparse.vstack(rows, format="csr"), labels


def _solve(c: np.ndarray, a: sparse.csr_matrix, lo: np.ndarray, hi: np.ndarray, ub: np.ndarray):
    res = milp(
        c,
        constraints=LinearConstraint(a, lo, hi) if a.shape[0] else (),
        integrality=np.ones(len(c)),
        bounds=Bounds(np.zeros(len(c)), ub),
    )
    if res.status != 0:
        raise AssertionError(f"the attacker's model has no solution: {res.message}")
    return np.round(res.x).astype(np.int64)


EXTENSIONS = ("reasons", "smoothing", "magnitudes")


def attack(
    releases: dict[str, tuple[str | Path, str | Path]],
    rng_seed: int = 17,
    extend: tuple[str, ...] = EXTENSIONS,
) -> Attack:
    """Attack one release, or several of the same units together (tag → folder, units).

    ``extend`` names the readings beyond counts and raw rates (``tests/ilp_reasons.py``,
    ``tests/ilp_magnitudes.py``): the reasons for hiding, smoothed rates, magnitudes.
    Returns every group pinned beyond the policy and what was modelled.
    """
    started = time.perf_counter()
    read = {tag: Release.read(folder, units) for tag, (folder, units) in releases.items()}
    model = _Model(read)
    first = next(iter(read.values()))
    rules = first.manifest["rules"]
    # judged by the publication floors (10 units, 90 %), or the release's stricter rules
    thr = max(int(rules["min_units"]), 10)
    g = min(float(rules.get("group_max_pct", 90.0)), 90.0) / 100.0
    static, static_labels = _groups(model)
    out = Attack(variables=model.n_atoms, extensions=tuple(extend))
    counts = sorted({c for r in read.values() for c in r.manifest.get("numerators", {})})
    rng = np.random.default_rng(rng_seed)
    for count in ["n_units", *counts]:
        if count == "n_units":
            truth, a, lo, hi, layers, ub = _population_system(model, read)
        else:
            truth, a, lo, hi, layers, stats = _system(model, read, count, frozenset(extend))
            for name, value in stats.items():
                setattr(out, name, getattr(out, name) + value)
            ub = model.n.astype(float)
        minus, minus_labels = _minus_groups(layers)
        groups = sparse.vstack([static, minus], format="csr") if minus.shape[0] else static
        labels = static_labels + minus_labels
        n_group = groups @ model.n
        out.groups += groups.shape[0]
        out.constraints += a.shape[0]
        q_true = groups @ truth
        pin = (q_true >= 1) & (q_true < thr)
        share = (q_true > g * n_group) if count != "n_units" else np.zeros(len(q_true), bool)
        candidates = np.flatnonzero(pin | share)
        out.candidates += len(candidates)
        if not len(candidates):
            continue
        seen_lo, seen_hi = q_true.copy(), q_true.copy()
        for _ in range(4):  # solutions of random objectives clear most groups at once
            c = rng.normal(size=model.n_atoms)
            for sign in (1.0, -1.0):
                x = _solve(sign * c, a, lo, hi, ub)
                out.solves += 1
                q = groups[candidates] @ x
                seen_lo[candidates] = np.minimum(seen_lo[candidates], q)
                seen_hi[candidates] = np.maximum(seen_hi[candidates], q)
        comp = _components(a, model.n_atoms)
        for i in candidates:
            need_pin = pin[i] and seen_lo[i] == seen_hi[i]
            need_share = share[i] and seen_lo[i] > g * n_group[i]
            if not (need_pin or need_share):
                continue
            low, high = _extremes(groups[i], (a, lo, hi, ub), comp, out)
            what = ""
            if pin[i] and low == high:
                what = "population pinned" if count == "n_units" else "count pinned"
            elif share[i] and low > g * n_group[i]:
                what = f"share certain above {100 * g:g} %"
            if what:
                out.findings.append(
                    Finding("+".join(read), count, labels[i], int(n_group[i]), int(low), what)
                )
    if "magnitudes" in extend:
        _magnitudes(read, out)
    out.seconds = time.perf_counter() - started
    return out


def _magnitudes(read: dict[str, Release], out: Attack) -> None:
    """The largest contributor of every magnitude, bounded by the runner-up's coalition."""
    for tag, r in read.items():
        pinned, solves = attack_magnitudes(r)
        out.solves += solves
        out.magnitude_targets += solves
        p = r.manifest["rules"].get("p_pct", 10)
        for column, group, contributors, x1, ub in pinned:
            what = f"largest contributor within {p:g} % ({x1:g}, ≤ {ub:g})"
            out.findings.append(Finding(tag, column, group, contributors, round(x1), what))


def _system(model: _Model, read: dict[str, Release], count: str, extend: frozenset[str]):
    """The true atom values and the constraints of every published feature of one count."""
    values = model.values(count)
    truth = np.bincount(model.atom, weights=values, minlength=model.n_atoms).astype(np.int64)
    per_layer = {}
    stats = {"misled": 0, "hidden_values": 0, "reason_narrowed": 0, "smoothed_narrowed": 0}
    for tag, r in read.items():
        for name, frame in r.layers.items():
            m, ids = model.incidence(r.membership(name))
            at = frame.set_index("area_id").reindex(ids).reset_index()
            n = np.asarray(m @ model.n).ravel()
            f_lo, f_hi = _count_bounds(r, name, at, count, n)
            if "smoothing" in extend:
                moments = _layer_prior(model, r, name, values)
                s_lo, s_hi = _count_bounds(r, name, at, count, n, moments)
                stats["smoothed_narrowed"] += int(((s_lo > f_lo) | (s_hi < f_hi)).sum())
                f_lo, f_hi = s_lo, s_hi
            per_layer[f"{tag}{name}"] = {
                "r": r,
                "name": name,
                "m": m,
                "ids": ids,
                "at": at,
                "lo": f_lo,
                "hi": f_hi,
            }
    if "reasons" in extend:
        _add_reasons(model, per_layer, count, truth, stats)
    rows, lo, hi, layers = [], [], [], {}
    for key, d in per_layer.items():
        n = np.asarray(d["m"] @ model.n).ravel()
        informative = (d["lo"] > 0) | (d["hi"] < n)
        layers[key] = (d["m"], d["ids"], informative)
        rows.append(d["m"][informative])
        lo.append(d["lo"][informative])
        hi.append(d["hi"][informative])
    a = sparse.vstack(rows, format="csr") if rows else sparse.csr_matrix((0, model.n_atoms))
    lo_a, hi_a = np.concatenate(lo), np.concatenate(hi)
    q = a @ truth
    bad = (q < lo_a - 1e-9) | (q > hi_a + 1e-9)
    if bad.any():
        raise AssertionError(
            f"{count}: {int(bad.sum())} published features do not hold their true count; "
            "the attacker misreads the release"
        )
    return truth, a, lo_a, hi_a, layers, stats


def _layer_prior(model: _Model, r: Release, name: str, values: np.ndarray) -> tuple[float, float]:
    """The prior of the layer's smoothed rates, from every feature's true figures."""
    labels = model.align(r.all_features(name))
    keep = labels != ""
    frame = pd.DataFrame({"f": labels[keep], "k": values[keep]})
    per = frame.groupby("f")["k"].agg(["sum", "size"])
    return prior(per["sum"].to_numpy(), per["size"].to_numpy())


def _add_reasons(
    model: _Model, per_layer: dict, count: str, truth: np.ndarray, stats: dict[str, int]
) -> None:
    """Narrow hidden counts by the rules that could have hidden them (counted in ``stats``)."""
    first = next(iter(per_layer.values()))["r"]
    rules = first.manifest["rules"]
    company = first.manifest.get("company_column")
    info = {}
    for key, d in per_layer.items():
        r, name, at = d["r"], d["name"], d["at"]
        if count not in at:
            hidden = np.zeros(len(at), dtype=bool)
        else:
            k = pd.to_numeric(at[count], errors="coerce").to_numpy(dtype=float)
            hidden = ~np.isfinite(k)
        nested = r.manifest["layers"][name].get("unit_key") in NESTED_KEYS
        regions = np.ones(len(at))
        if not nested and "region_id" in r.units:
            labels = model.align(r.membership(name))
            ids = r.units["region_id"].astype(str).to_numpy(dtype=object)
            reg = model.align(pd.Series(ids, index=r.units["unit_id"].astype(str)))
            keep = labels != ""
            spread = pd.DataFrame({"f": labels[keep], "g": reg[keep]}).groupby("f")["g"].nunique()
            regions = spread.reindex(d["ids"]).fillna(1).to_numpy()
        info[key] = {"m": d["m"], "hidden": hidden, "nested": nested, "regions": regions}
    bounds = reason_bounds(info, model.n, rules, company)
    for key, d in per_layer.items():
        lo, hi = bounds[key]
        n = np.asarray(d["m"] @ model.n).ravel()
        q = d["m"] @ truth
        wrong = (q < lo - 1e-9) | (q > hi + 1e-9)
        stats["misled"] += int(wrong.sum())
        stats["hidden_values"] += int(info[key]["hidden"].sum())
        lo, hi = np.where(wrong, 0, lo), np.where(wrong, np.inf, hi)
        stats["reason_narrowed"] += int(((lo > 0) | (hi < n)).sum())
        d["lo"], d["hi"] = np.maximum(d["lo"], lo), np.minimum(d["hi"], hi)


def _components(a: sparse.csr_matrix, n_atoms: int) -> np.ndarray:
    """The connected component of every atom (atoms tied by a published sum)."""
    link = (a.T @ a).tocsr() if a.shape[0] else sparse.csr_matrix((n_atoms, n_atoms))
    return connected_components(link, directed=False)[1]


def _extremes(group, system, comp, out: Attack) -> tuple[int, int]:
    """The smallest and largest value of ``group``, each on the components it touches."""
    a, lo, hi, ub = system
    keep = np.isin(comp, np.unique(comp[group.indices]))
    atoms = np.flatnonzero(keep)
    sub = a[:, atoms]
    rows = np.flatnonzero(np.asarray(abs(sub).sum(axis=1)).ravel() > 0)
    sub = sub[rows]
    c = np.asarray(group[:, atoms].todense()).ravel()
    x_min = _solve(c, sub, lo[rows], hi[rows], ub[atoms])
    x_max = _solve(-c, sub, lo[rows], hi[rows], ub[atoms])
    out.solves += 2
    return int(c @ x_min), int(c @ x_max)


def _population_system(model: _Model, read: dict[str, Release]):
    """Populations as the documented policy's attacker knows them: every published one exact.

    Every atom's population is a variable (``0 ≤ m_a``, at most the smallest published
    feature around it); every published feature fixes the sum of its atoms.
    """
    rows, layers = [], {}
    for tag, r in read.items():
        for name in r.layers:
            m, ids = model.incidence(r.membership(name))
            layers[f"{tag}{name}"] = (m, ids, np.ones(m.shape[0], dtype=bool))
            rows.append(m)
    a = sparse.vstack(rows, format="csr")
    n_f = a @ model.n
    ub = np.full(model.n_atoms, float(model.n.sum()))
    coo = a.tocoo()
    np.minimum.at(ub, coo.col, n_f[coo.row].astype(float))
    return model.n.copy(), a, n_f.astype(float), n_f.astype(float), layers, ub
