"""Cell-key perturbation (``[rules] method = "cell_key"``): the same units, the same noise.

Every unit gets a **record key**, a 32-bit number derived from its id and a secret with
HMAC-SHA256 (the secret is read from the environment variable named by
``DisclosureRules.cell_key_secret_env`` and never written anywhere). The **cell key** of a
published count is the sum of the record keys of the units it counts, modulo 2³²: it
depends only on *which* units are counted, so the same set of units gets the same cell key
in every run and every year, and averaging releases gains nothing. The cell key picks the
noise from a **perturbation table**: per true count ``n`` a distribution of the noise ``v``
in ``[-D, D]``, the maximum-entropy distribution with mean 0 and variance ``V`` (as the R
package ``ptable`` makes), with ``n + v ≥ 0``, zeros left at zero and, with a threshold
``js > 1``, no published value from 1 to ``js - 1`` (the ONS variant). Rows from
``n = D + js`` on are the same.

Disclosure control decides, as with rounding, which features and values are published
(thresholds, group disclosure, company rules, secondary protection); the cell key replaces
the rounding of every published count, on every layer (gemeente totals too), and rates are
computed from the perturbed counts. **Additivity is lost**: a wijk's published count is not
the sum of its buurten's, because each is the true count plus its own noise; the error of a
sum of published values grows with the number of terms, the published total's does not.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from zicht._errors import DisclosureError
from zicht.publish._cellkey_sums import Family, protect_perturbed
from zicht.publish._columns import count_bases, link_indicators
from zicht.publish._loss import information_loss
from zicht.publish._model import (
    AUDIT_COLUMNS,
    RELEASE_TOKEN,
    STATUS_PUBLISHED,
    Release,
    UnitTable,
)
from zicht.publish._rules import DisclosureRules
from zicht.publish._windows import published_window_rates

__all__ = ["apply_cell_key", "perturbation_table", "record_keys", "unit_record_keys"]

_MOD = 2**32
HIDE = "indicator_suppressed"


def record_keys(ids: np.ndarray | list[str], secret: str) -> np.ndarray:
    """Return each unit's 32-bit record key, HMAC-SHA256 of its id under ``secret``.

    Parameters
    ----------
    ids
        Unit identifiers (as text).
    secret
        The secret of the secure environment; the same secret and id give the same key.

    Returns
    -------
    numpy.ndarray
        ``uint64`` keys in ``[0, 2**32)``.

    Examples
    --------
    >>> record_keys(["U1", "U2"], "s").tolist() == record_keys(["U1", "U2"], "s").tolist()
    True
    >>> bool((record_keys(["U1"], "s") != record_keys(["U1"], "t")).all())
    True
    """
    key = secret.encode()
    out = np.empty(len(ids), dtype=np.uint64)
    for i, unit in enumerate(ids):
        digest = hmac.new(key, str(unit).encode(), hashlib.sha256).digest()
        out[i] = int.from_bytes(digest[:4], "big")
    return out


def _max_entropy(support: np.ndarray, variance: float) -> np.ndarray:
    """Maximum-entropy probabilities on ``support``: mean exactly 0, variance near ``variance``.

    The solution has the form ``p(v) ∝ exp(a·v + b·v²)``: for each ``b`` the ``a`` that gives
    mean 0 is found by bisection, and ``b`` is chosen for the variance (clipped to what the
    support allows).
    """
    from scipy.optimize import brentq

    v = support.astype(float)
    if v.min() >= 0 or v.max() <= 0:  # mean 0 only with all mass on 0
        return (v == 0).astype(float)

    def probs(a: float, b: float) -> np.ndarray:
        z = a * v + b * v**2
        w = np.exp(z - z.max())
        return w / w.sum()

    def centred(b: float) -> np.ndarray:
        return probs(brentq(lambda a: float(probs(a, b) @ v), -60.0, 60.0, xtol=1e-14), b)

    def spread(b: float) -> float:
        return float(centred(b) @ v**2) - variance

    low, high = -8.0, 8.0
    if spread(low) >= 0:
        return centred(low)
    if spread(high) <= 0:
        return centred(high)
    return centred(brentq(spread, low, high, xtol=1e-12))


def perturbation_table(d: int = 2, variance: float = 1.0, js: int = 0) -> pd.DataFrame:
    """Return the perturbation table: per true count, each noise and its key interval.

    Parameters
    ----------
    d
        Largest absolute noise.
    variance
        Target variance of the noise (reached where the support allows).
    js
        Published values from 1 to ``js - 1`` never occur (0 or 1: no such values).

    Returns
    -------
    pandas.DataFrame
        Columns ``n`` (true count; the last row holds for every larger count), ``v``
        (noise), ``p`` (its probability), ``lower`` and ``upper`` (the cell keys, as
        integers in ``[0, 2**32]``, that give this noise: ``lower <= key < upper``).

    Examples
    --------
    >>> table = perturbation_table(2, 1.0)
    >>> table[table["n"] == 0][["v", "p"]].values.tolist()
    [[0.0, 1.0]]
    >>> big = table[table["n"] == table["n"].max()]
    >>> round(float((big["p"] * big["v"]).sum()), 6), big["v"].tolist()
    (0.0, [-2, -1, 0, 1, 2])
    """
    rows = []
    for n in range(d + max(js, 1) + 1):
        v = np.arange(-d, d + 1)
        out = n + v
        allowed = (out >= 0) & ~((out >= 1) & (out < js))
        if n == 0:
            allowed = v == 0
        support = v[allowed]
        p = _max_entropy(support, variance)
        upper = np.round(np.cumsum(p) * _MOD).astype(np.int64)
        upper[-1] = _MOD
        lower = np.concatenate([[0], upper[:-1]])
        rows += [
            (n, int(s), float(q), int(lo), int(hi))
            for s, q, lo, hi in zip(support, p, lower, upper, strict=True)
        ]
    return pd.DataFrame(rows, columns=["n", "v", "p", "lower", "upper"])


def _noise(table: pd.DataFrame, n: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Look up the noise of true counts ``n`` with cell keys ``keys``."""
    top = int(table["n"].max())
    row = np.minimum(n.astype(np.int64), top)
    out = np.zeros(len(n), dtype=np.int64)
    for r, part in table.groupby("n"):
        at = np.flatnonzero(row == r)
        if not len(at):
            continue
        index = np.searchsorted(part["upper"].to_numpy(), keys[at].astype(np.int64), side="right")
        out[at] = part["v"].to_numpy()[index]
    return out


def _secret(rules: DisclosureRules) -> str:
    secret = os.environ.get(rules.cell_key_secret_env, "")
    if len(secret) < 16:
        raise DisclosureError(
            f'method = "cell_key" needs a secret of at least 16 characters in the environment '
            f"variable {rules.cell_key_secret_env} (set it inside the secure environment and "
            "keep it the same across runs and years; it is never written to any output)"
        )
    return secret


def _membership(release: Release, units: UnitTable, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Return the area id of every unit in each layer (``""`` where none)."""
    import h3.api.basic_int as h3i

    cells = pd.to_numeric(frame[units.cell]).astype("int64")
    hexes = cells.map({c: h3i.int_to_str(int(c)) for c in cells.unique()}).to_numpy()
    columns = {**dict(units.areas), **dict(units.extra)}
    out: dict[str, np.ndarray] = {}
    for name in release.layers:
        if name == "h3":
            out[name] = hexes.astype(object)
        elif name == "region" and release.regions is not None:
            keys = [c for c in release.regions.columns if c != "region_id"]
            table = pd.DataFrame(index=range(len(frame)))
            for col in keys:
                if col == "h3_cell":
                    table[col] = hexes
                    continue
                table[col] = frame[col].astype(str).to_numpy() if col in frame else ""
                table[col] = table[col].replace({"nan": "", "<NA>": "", "None": ""})
            lookup = release.regions.assign(
                **{c: release.regions[c].astype(str) for c in keys}
            ).set_index(keys)["region_id"]
            found = lookup.reindex(pd.MultiIndex.from_frame(table[keys])).fillna("")
            out[name] = found.to_numpy().astype(object)
        elif name in columns:
            out[name] = frame[columns[name]].astype(str).fillna("").to_numpy().astype(object)
    return out


def unit_record_keys(units: UnitTable, rules: DisclosureRules) -> np.ndarray:
    """Return the record key of every unit of ``units`` with all its keys (the units file's rows).

    Parameters
    ----------
    units
        The unit table; its ``unit_id`` column names the units.
    rules
        The rules; ``cell_key_secret_env`` names the environment variable of the secret.

    Returns
    -------
    numpy.ndarray
        One ``uint64`` key in ``[0, 2**32)`` per unit whose H3 cell and area codes are known.

    Raises
    ------
    DisclosureError
        If the secret is missing or shorter than 16 characters, or the table has no unit id.
    """
    if units.unit_id is None:
        raise DisclosureError('method = "cell_key" needs a unit id column (UnitTable.unit_id)')
    frame = _keyed(units)
    return record_keys(frame[units.unit_id].astype(str).to_numpy(), _secret(rules))


def _keyed(units: UnitTable) -> pd.DataFrame:
    keys = [units.cell, *units.areas.values()]
    return units.frame[units.frame[keys].notna().all(axis=1)]


class _Perturber:
    """Counts of one layer: the true count, and the true count plus the noise of its cell key."""

    def __init__(self, member: np.ndarray, keys: np.ndarray, table: pd.DataFrame, ids: Any):
        self.member, self.keys, self.table, self.ids = member, keys, table, ids

    def __call__(self, counted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sel = counted & (self.member != "")
        frame = pd.DataFrame({"a": self.member[sel], "k": self.keys[sel]})
        grouped = frame.groupby("a")["k"]
        n = grouped.size().reindex(self.ids, fill_value=0).to_numpy()
        ck = (grouped.sum() % _MOD).reindex(self.ids, fill_value=0).to_numpy()
        return n, n + _noise(self.table, n, ck.astype(np.uint64))


def apply_cell_key(release: Release, units: UnitTable) -> Release:
    """Replace every published count of ``release`` by its cell-key perturbed true count.

    Parameters
    ----------
    release
        A release made from ``units`` with ``method = "cell_key"`` rules: which features and
        values are published is decided; their rounding is replaced here.
    units
        The unit table the release was made from.

    Returns
    -------
    Release
        The same features; counts perturbed, and hidden where published sums would pin
        them (:mod:`zicht.publish._cellkey_sums`); rates from perturbed counts, smoothed
        rates recomputed from them (``eb_global`` over the published features,
        ``eb_spatial`` over each window of published features); ``disclosure["cell_key"]``
        holds the perturbation table.
    """
    rules = release.rules
    keys = unit_record_keys(units, rules)
    frame = _keyed(units)
    table = perturbation_table(rules.cell_key_d, rules.cell_key_variance, rules.cell_key_js)
    member = _membership(release, units, frame)
    numerators = dict(release.disclosure.get("numerators", {}))
    links = link_indicators(release.indicators, set(numerators))
    bases = count_bases(links)
    columns = sorted(({*bases, *bases.values()} - {"n_units"}) & set(numerators))
    counted = {c: pd.to_numeric(frame[numerators[c]]).to_numpy() > 0 for c in columns}
    counted["n_units"] = np.ones(len(frame), dtype=bool)
    missing = [name for name in release.layers if name not in member]
    if missing:
        raise DisclosureError(f"cell key: layers {missing} have no unit key")
    outs = {name: layer.copy() for name, layer in release.layers.items()}
    figures = {}
    for name, out in outs.items():
        count = _Perturber(member[name], keys, table, out["area_id"].astype(str).to_numpy())
        figures[name] = {c: count(counted[c]) for c in ["n_units", *columns]}
    audit = _protect(outs, figures, member, links, columns, rules)
    hotspot = release.metadata.get("hotspot")
    hotspot_k = int(hotspot.get("k") or 1) if isinstance(hotspot, Mapping) else 1
    perturbed = 0
    for name, out in outs.items():
        values = {c: pair[1] for c, pair in figures[name].items()}
        for column, value in values.items():
            if column in out:
                shown = out[column].notna().to_numpy()
                out[column] = np.where(shown, value, np.nan)
                perturbed += int(shown.sum())
        _rates(out, links, values, (rules, hotspot_k if name == "h3" else None))
    disclosure = dict(release.disclosure)
    audit = pd.concat([release.audit, audit], ignore_index=True)
    if "loss" in disclosure:  # measured again on the perturbed values
        truth = _truth_frames(outs, figures, bases)
        disclosure["loss"] = information_loss(outs, truth, links, rules, audit)
    disclosure["cell_key"] = {
        "d": rules.cell_key_d,
        "variance": rules.cell_key_variance,
        "js": rules.cell_key_js,
        "record_key_column": "record_key",
        "values_perturbed": perturbed,
        "secondary_hidden": int(
            audit["reason"].astype(str).str.startswith("secondary: cell-key").sum()
        ),
        "table": table.to_dict(orient="list"),
    }
    return Release(
        layers=MappingProxyType(outs),
        indicators=release.indicators,
        context=release.context,
        rules=rules,
        metadata=release.metadata,
        audit=audit,
        regions=release.regions,
        disclosure=MappingProxyType(disclosure),
        _token=RELEASE_TOKEN,
    )


def _truth_frames(
    outs: dict[str, Any],
    figures: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]],
    bases: dict[str, str],
) -> dict[str, pd.DataFrame]:
    """Return the true figures of every feature, as :func:`information_loss` takes them."""
    truth = {}
    for name, out in outs.items():
        frame = pd.DataFrame(
            {c: pair[0] for c, pair in figures[name].items()},
            index=out["area_id"].astype(str).to_numpy(),
        )
        for count, base in bases.items():
            if base != "n_units" and base in frame:
                frame[f"{count}__base"] = frame[base]
        truth[name] = frame
    return truth


_WHY = "secondary: cell-key noise and published sums would pin a small count or a share"


def _protect(
    outs: dict[str, Any],
    figures: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]],
    member: dict[str, np.ndarray],
    links: list[Any],
    columns: list[str],
    rules: DisclosureRules,
) -> pd.DataFrame:
    """Hide the perturbed values that published sums pin; return their audit rows."""
    positions = {}
    for name, out in outs.items():
        published = out["status"].to_numpy() == STATUS_PUBLISHED
        row = pd.Series(np.arange(len(out)), index=out["area_id"].astype(str).to_numpy())
        row = row[published]
        positions[name] = pd.Series(member[name]).map(row).fillna(-1).to_numpy(np.int64)
    fam = Family.build(positions)
    rows = []
    for c in columns:
        raw = [x.column for x in links if x.role == "rate" and x.count == c and not x.smoothing]
        derived = [x.column for x in links if x.role == "rate" and c in (x.count, x.base)]
        shown, truth, value = (np.zeros(len(fam.feature_pos)) for _ in range(3))
        for name, out in outs.items():
            at = np.flatnonzero(fam.feature_layer == name)
            pos = fam.feature_pos[at]
            cols = [x for x in [c, *raw] if x in out]
            shown[at] = out[cols].notna().any(axis=1).to_numpy()[pos] if cols else False
            truth[at], value[at] = (v[pos] for v in figures[name][c])
        keep = protect_perturbed(fam, value, truth, shown.astype(bool), rules)
        for i in np.flatnonzero(shown.astype(bool) & ~keep):
            out = outs[fam.feature_layer[i]]
            pos = int(fam.feature_pos[i])
            for col in [x for x in [c, *derived] if x in out]:
                out.iloc[pos, out.columns.get_loc(col)] = np.nan
            rows.append((fam.feature_layer[i], str(out["area_id"].iloc[pos]), HIDE, c, _WHY))
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def _rates(
    out: pd.DataFrame, links: list[Any], values: dict[str, np.ndarray], ctx: tuple[Any, Any]
) -> None:
    """Recompute every shown rate from the perturbed counts (``ctx``: rules, H3 ring)."""
    from zicht.stats import eb_global_rates

    rules, h3_k = ctx
    for link in links:
        if link.role != "rate" or link.column not in out or link.count not in values:
            continue
        shown = out[link.column].notna().to_numpy()
        k = values[link.count].astype(float)
        base = values.get(link.base, values["n_units"]).astype(float)
        rate = np.full(len(out), np.nan)
        ok = shown & (base > 0)
        if link.smoothing == "eb_global":
            rate[ok] = eb_global_rates(k[ok], base[ok])
        elif link.smoothing:
            # a window statistic over the published features, from their perturbed figures
            rate = published_window_rates(out, ok, k, base, per=1.0, h3_k=h3_k)
        else:
            rate[ok] = k[ok] / base[ok]
        out[link.column] = np.where(shown, np.round(link.per * rate, rules.rate_decimals), np.nan)
