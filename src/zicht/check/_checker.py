"""The independent release checker: re-read a release and the unit data, and try to break it.

``zicht check RELEASE_DIR --units UNITS`` runs :func:`check_release`. It shares no code
with the publisher (:mod:`zicht.publish`, :mod:`zicht.publish`): it reads the published
files (GeoPackage, CSV, ``manifest.json``, ``region_pieces.csv``) and the unit-level file
with its own code, recomputes every true value from the units, and attacks the release
the way someone outside the secure environment would:

1. the folder holds only release files, each with the SHA-256 its manifests list, the
   GeoPackage and CSVs agree, and the map page holds only what the map writer emits, with
   the published values (:mod:`zicht.check._integrity`, :mod:`zicht.check._map`);
2. every published value rests on at least ``min_units`` units, features that are not
   published carry no value, and published values match the units (rounded as declared);
3. no count from 1 to ``min_units - 1`` can be read exactly from a feature's own figures
   (count, rate and population together), no share beyond the group-disclosure limit and
   no company value against the dominance rule is published;
4. hot-spot scores appear only where the whole Gi* window is published;
5. differencing between every pair of published geographies (also across the releases
   given with ``--against``), the residuals of the whole nested family, and interval
   propagation through every published sum reveal no small count and no group share;
6. no hidden value can only have been hidden by a rule that names the hidden fact (group
   disclosure, the company rules): :mod:`zicht.check._reasons`.

It prints what it tried and every violation; the command exits non-zero on any.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zicht.check._cellkey import read_perturbation, record_keys
from zicht.check._features import FeatureSums, check_classes, check_hotspots, check_layer
from zicht.check._files import (
    PublishedLayer,
    ReleaseFiles,
    check_inventory,
    read_release,
    unit_membership,
)
from zicht.check._floors import judged_rules
from zicht.check._integrity import check_files
from zicht.check._leaks import (
    Atoms,
    Finding,
    laminar_blocks,
    pair_differences,
    propagate_intervals,
)
from zicht.check._magnitudes import check_magnitudes
from zicht.check._map import check_maps
from zicht.check._reasons import check_reasons
from zicht.check._report import CheckReport
from zicht.check._search import exact_search
from zicht.check._units import combine_units, release_changes
from zicht.check._windows import check_windows

__all__ = ["check_release"]


# ----------------------------------------------------------------------------- reading


# ----------------------------------------------------------------------------- membership


# ----------------------------------------------------------------------------- per feature


# ----------------------------------------------------------------------------- main


def check_release(
    release_dir: str | Path,
    units_path: str | Path,
    *,
    against: Sequence[str | Path] | None = None,
    min_units: int | None = None,
    against_units: Sequence[str | Path | None] | None = None,
    allow_internal: bool = False,
) -> CheckReport:
    """Re-read a release and the unit data and try to break the release.

    Parameters
    ----------
    release_dir
        Folder written by :func:`zicht.export.write_release`.
    units_path
        Parquet file with one row per unit (see ``docs/publication.md``): the unit keys
        of every layer, the numerator columns, ``x``/``y`` in EPSG:28992.
    against
        Other release folders published from the same units (earlier releases, other
        boundaries); every pair of layers across them is attacked too.
    min_units
        Check against a stricter threshold than the release declares.
    against_units
        The unit file of each release in ``against`` (``None``: the same units as
        ``units_path``). With them, each release is checked against its own units and a
        feature that changed between releases is differenced unit by unit.
    allow_internal
        Judge a release made with ``[rules] purpose = "internal"`` by its own rules
        (below the publication floors) instead of failing it; it must still say
        NIET VOOR PUBLICATIE on every output.

    Returns
    -------
    CheckReport
        What was tried and every violation.
    """
    path = Path(release_dir)
    report = CheckReport(release=str(path))
    main = _read_checked(path, report)
    if main is None:
        return report
    others = [read_release(Path(p), f"r{i + 1}:", report) for i, p in enumerate(against or [])]
    rules = judged_rules(main, report, allow_internal=allow_internal, min_units=min_units)
    thr = int(rules.get("min_units", 10))
    numerators = dict(main.manifest.get("numerators", {}))
    layers = main.layers + [layer for r in others for layer in r.layers]
    check_inventory(path, Path(units_path), report, [layer.name for layer in main.layers])
    sets = combine_units(
        pd.read_parquet(units_path),
        [pd.read_parquet(u) if u else None for u in _padded(against_units, len(others))],
    )
    units = sets.units
    report.tried.append(
        f"read {len(layers)} layers ({', '.join(x.label for x in layers)}) and {len(units):,} units"
    )
    missing = [c for c in numerators.values() if c not in units]
    if missing:
        report.add("units file", str(units_path), f"lacks numerator columns {missing}")
        return report
    known = _Known(membership=pd.DataFrame(index=units.index), numerators=numerators)
    _attach_cell_keys([main, *others], sets.rows, report)
    for layer in layers:
        source = main if layer.release == "" else others[int(layer.release[1:]) - 1]
        own = sets.rows[0 if layer.release == "" else int(layer.release[1:])]
        _check_one_layer(layer, source.pieces, main.manifest, own, rules, known, report)
    check_magnitudes(main.layers, known.membership, units, main.manifest, rules, report)
    check_reasons(main.layers, known.membership, main.manifest, rules, report)
    report.tried.append(
        f"per feature: threshold {thr}, values against the units, small counts read from "
        "count + rate + population, group disclosure, company rules"
    )
    values = {
        c: pd.to_numeric(units[u], errors="coerce").fillna(0).to_numpy()
        for c, u in numerators.items()
    }
    atoms = Atoms.from_units(known.membership, values)
    report.tried.append(f"{len(atoms.n):,} atoms (units sharing every published feature)")
    limits = _Limits(
        thr=thr,
        group_pct=float(rules.get("group_max_pct", 90.0)),
        group_low=bool(rules.get("group_low", False)),
    )
    findings = _differencing(atoms, known, limits, report)
    findings += _nested_family(atoms, known, limits, report)
    seen = set()
    for item in findings:
        key = (item.attack, item.features, item.what)
        if key in seen:
            continue
        seen.add(key)
        report.add(
            "differencing",
            f"{item.layers}: {item.features}",
            f"{item.attack}: {item.what} = {item.value} on {item.units} units",
        )
    tables = {
        c: pd.concat(known.features_k[c], ignore_index=True)
        for c in numerators
        if known.features_k[c]
    }
    for where, detail in release_changes(known.membership, tables, units, values, thr):
        report.add("across releases", where, detail)
    if others:
        report.tried.append(
            "across releases: every feature published in two releases, with the units that "
            "changed between them ("
            + ", ".join(
                f"r{i + 1}: " + ("its own units" if own else "the same units")
                for i, own in enumerate(sets.shared)
            )
            + ")"
        )
    _same_indicator_twice(layers, known.membership, report)
    return report


def _attach_cell_keys(
    releases: list[ReleaseFiles], rows: list[pd.DataFrame], report: CheckReport
) -> None:
    """Give every layer of a cell-key release its verified table and the units' record keys."""
    for release, units in zip(releases, rows, strict=False):
        ck = read_perturbation(release.manifest, release.path.name, report)
        if ck is None:
            continue
        keys = record_keys(units, ck, f"units of {release.path.name}", report)
        for layer in release.layers:
            layer.cell_key, layer.record_keys = ck, keys
        report.tried.append(
            f"{release.path.name}: cell-key perturbation (±{ck.d}); every published count "
            "recomputed from the units' record keys and the perturbation table, which was "
            "checked row by row"
        )


def _read_checked(path: Path, report: CheckReport) -> ReleaseFiles | None:
    """Verify the folder's files, read them and check the map; ``None`` if they cannot be read."""
    if not check_files(path, report):
        return None  # manifest.json itself cannot be read: nothing else can be judged
    try:
        main = read_release(path, "", report)
    except Exception as exc:  # a changed file that no longer parses
        if report.ok:
            raise
        report.add("files listed", str(path), f"the changed files cannot be read ({exc})")
        return None
    check_maps(main, report)
    return main


def _padded(paths: Sequence[str | Path | None] | None, n: int) -> list[str | Path | None]:
    """One unit file (or ``None``) per release in ``against``."""
    given = list(paths or [])
    if len(given) > n:
        raise ValueError(f"{len(given)} unit files given for {n} releases in --against")
    return given + [None] * (n - len(given))


@dataclass
class _Known:
    """What the per-layer checks leave for the attacks across layers.

    ``membership`` holds, per layer, the published feature of every unit ('' when none);
    ``known_n`` / ``known_k`` the features whose population / count an attacker knows
    exactly; ``features_k`` every published feature's count interval.
    """

    membership: pd.DataFrame
    numerators: dict[str, str]
    known_n: dict[str, set[str]] = field(default_factory=dict)
    known_k: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    features_k: dict[str, list[pd.DataFrame]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.known_k = {c: {} for c in self.numerators}
        self.features_k = {c: [] for c in self.numerators}


@dataclass(frozen=True)
class _Limits:
    """The thresholds the attacks test against."""

    thr: int
    group_pct: float
    group_low: bool


def _check_one_layer(
    layer: PublishedLayer,
    pieces: pd.DataFrame | None,
    manifest: dict[str, Any],
    units: pd.DataFrame,
    rules: dict[str, Any],
    known: _Known,
    report: CheckReport,
) -> None:
    """Attack one layer's features and record what an attacker learns from it."""
    rows = units.index
    units = units.reset_index(drop=True)
    member = unit_membership(layer, units, pieces, report)
    shown = member.where(member.isin(set(layer.frame.loc[layer.published, "area_id"])), "")
    # units that are not in this layer's release lie in none of its features
    known.membership[layer.label] = shown.set_axis(rows).reindex(
        known.membership.index, fill_value=""
    )
    intervals = check_layer(
        layer,
        member,
        units,
        rules,
        list(manifest.get("indicators", [])),
        known.numerators,
        manifest.get("company_column"),
        report,
    )
    sums = FeatureSums(member, layer.frame["area_id"])
    truth_n = pd.Series(sums.counts(), index=pd.Index(layer.frame["area_id"]), name="count")
    pub_ids = layer.frame.loc[layer.published, "area_id"]
    known.known_n[layer.label] = set(pub_ids)
    n_pub = pd.to_numeric(layer.frame["n_units"], errors="coerce").to_numpy(dtype=float)
    if layer.cell_key is not None:
        n_hi = n_pub + layer.cell_key.d
    else:
        n_hi = np.where(
            layer.rounded, n_pub + math.ceil(int(rules.get("rounding_base", 5)) / 2) - 1, n_pub
        )
    # a feature whose population is not shown is bounded by all the units, never by NaN
    n_hi = np.where(np.isfinite(n_hi), n_hi, len(units))
    for col, (lo, hi) in intervals.items():
        pub = layer.published.to_numpy()
        known.known_k[col][layer.label] = set(layer.frame["area_id"][pub & (lo == hi)])
        known.features_k[col].append(
            pd.DataFrame(
                {
                    "layer": layer.label,
                    "area_id": layer.frame["area_id"][pub],
                    "lo": lo[pub],
                    "hi": hi[pub],
                    "n_hi": n_hi[pub].astype(np.int64),
                    "n_true": truth_n.to_numpy()[pub],
                }
            )
        )
    hotspot_k = int((manifest.get("metadata", {}).get("hotspot") or {}).get("k", 1) or 1)
    truth = {"n_units": truth_n.to_numpy()} | {
        col: sums.total(pd.to_numeric(units[u], errors="coerce").fillna(0))
        for col, u in known.numerators.items()
    }
    windowed = check_windows(
        layer, list(manifest.get("indicators", [])), truth, rules, hotspot_k, report
    )
    if windowed:
        report.tried.append(
            f"{layer.label}: {windowed} spatially smoothed rates recomputed from the published "
            "figures of their windows (the feature and its published neighbours)"
        )
    tested = (manifest.get("metadata", {}).get("hotspot") or {}).get("indicator")
    if check_classes(layer, tested if isinstance(tested, str) else None, report):
        report.tried.append(
            f"{layer.label}: every hot-spot class beside a published value of {tested!r}"
        )
    scored = check_hotspots(layer, hotspot_k, truth_n, report)
    if scored:
        report.tried.append(
            f"{layer.label}: hot-spot scores on {scored} features, each window checked"
        )


def _differencing(
    atoms: Atoms, known: _Known, limits: _Limits, report: CheckReport
) -> list[Finding]:
    """Difference every pair of published layers, populations and every count."""
    thr, g, low = limits.thr, limits.group_pct, limits.group_low
    findings: list[Finding] = []
    labels = list(known.membership.columns)
    pairs = list(combinations(labels, 2))
    tried_pairs = 0
    for a, b in pairs:
        f, t = pair_differences(atoms, a, b, known.known_n, "n_units", min_units=thr)
        findings += f
        tried_pairs += t
        for col in known.numerators:
            f, t = pair_differences(
                atoms, a, b, known.known_k[col], col, min_units=thr, group_pct=g, group_low=low
            )
            findings += f
            tried_pairs += t
    report.tried.append(
        f"differencing between {len(pairs)} pairs of layers: {tried_pairs:,} differences "
        "(feature minus the features inside it; features around a straddling feature)"
    )
    return findings


def _nested_family(
    atoms: Atoms, known: _Known, limits: _Limits, report: CheckReport
) -> list[Finding]:
    """Attack the residuals of the whole nested family, and propagate count intervals."""
    thr, g, low = limits.thr, limits.group_pct, limits.group_low
    f, stats = laminar_blocks(atoms, known.known_n, "n_units", min_units=thr)
    findings = list(f)
    report.tried.append(_laminar_text("populations", stats))
    findings += _exact_unless_laminar(
        atoms, known.known_n, "n_units", "populations", thr, stats, report
    )
    for col in known.numerators:
        f, stats = laminar_blocks(
            atoms, known.known_k[col], col, min_units=thr, group_pct=g, group_low=low
        )
        findings += f
        report.tried.append(_laminar_text(f"{col} (values pinned by their figures)", stats))
        findings += _exact_unless_laminar(atoms, known.known_k[col], col, col, thr, stats, report)
        features = known.features_k[col]
        table = pd.concat(features, ignore_index=True) if features else None
        if table is not None and len(table):
            result = propagate_intervals(
                atoms, table, col, min_units=thr, group_pct=g, group_low=low
            )
            findings += result.findings
            report.tried.append(
                f"{col}: interval propagation in exact integers through {len(table):,} "
                f"published sums ({result.rounds} rounds)"
            )
            if result.contradiction:
                report.notes.append(
                    f"{col}: interval propagation stopped, the published figures contradict "
                    f"the units given ({result.contradiction}); nothing was derived from them"
                )
    return findings


def _exact_unless_laminar(
    atoms: Atoms,
    known: dict[str, set[str]],
    quantity: str,
    what: str,
    thr: int,
    laminar: dict[str, int],
    report: CheckReport,
) -> list[Finding]:
    """Run the exact search, needed only where the known features are not nested."""
    if laminar["crossing"] == 0:
        report.tried.append(
            f"exact search, {what}: not needed — the known features are nested, so the "
            "residual blocks above are every set that can be derived"
        )
        return []
    found, stats = exact_search(atoms, known, quantity, min_units=thr)
    report.tried.append(_exact_text(what, stats))
    return found


def _exact_text(what: str, stats: dict[str, int]) -> str:
    text = (
        f"exact search, {what}: {stats['pinned_atoms']:,} atoms pinned by published totals; "
        f"{stats['groups']:,} groups of the rest, {stats['searched']:,} searched exhaustively "
        f"({stats['candidates']:,} unions of small atoms tested)"
    )
    if stats["skipped"]:
        text += f"; {stats['skipped']} group(s) too large to search completely"
    return text


def _laminar_text(what: str, stats: dict[str, int]) -> str:
    if stats["features"] == 0:
        return f"nested family, {what}: nothing known"
    complete = (
        "complete"
        if stats["crossing"] == 0
        else f"NOT laminar ({stats['crossing']} crossing pairs; pairs only)"
    )
    return (
        f"nested family, {what}: {stats['features']:,} known features, {stats['duplicates']:,} "
        f"duplicates and {stats['redundant']:,} exact sums set aside, {stats['blocks']:,} "
        f"residual blocks checked — {complete}"
    )


def _same_indicator_twice(
    layers: list[PublishedLayer], membership: pd.DataFrame, report: CheckReport
) -> None:
    """Flag areas published under one id in two layers with different unit sets."""
    by_id: dict[str, list[str]] = {}
    for layer in layers:
        for a in layer.frame.loc[layer.published, "area_id"]:
            by_id.setdefault(a, []).append(layer.label)
    twice = {a: ls for a, ls in by_id.items() if len(ls) > 1}
    labels = {label for ls in twice.values() for label in ls}
    units_of = {label: _unit_sets(membership[label]) for label in labels}
    changed = 0
    for a, ls in twice.items():
        sets = [units_of[label].get(a, frozenset()) for label in ls]
        if len(set(sets)) > 1:
            changed += 1
            report.notes.append(f"area {a} is published in {ls} with different boundaries")
    report.tried.append(
        f"same area published twice: {len(twice)} ids in several layers, {changed} with "
        "different boundaries (their differences are attacked with every pair above)"
    )


def _unit_sets(column: pd.Series) -> dict[str, frozenset[int]]:
    """Return the positions of the units in each feature of a layer (one pass, not one per id)."""
    codes, ids = pd.factorize(column)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(ids) + 1))
    return {ids[i]: frozenset(order[bounds[i] : bounds[i + 1]].tolist()) for i in range(len(ids))}
