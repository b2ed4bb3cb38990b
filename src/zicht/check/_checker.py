"""The independent release checker: re-read a release and the unit data, and try to break it.

``zicht check RELEASE_DIR --units UNITS`` runs :func:`check_release`. It shares no code
with the publisher (:mod:`zicht.publish`, :mod:`zicht.publish`): it reads the published
files (GeoPackage, CSV, ``manifest.json``, ``region_pieces.csv``) and the unit-level file
with its own code, recomputes every true value from the units, and attacks the release
the way someone outside the secure environment would:

1. the folder holds only release files, and the GeoPackage and CSVs agree;
2. every published value rests on at least ``min_units`` units, features that are not
   published carry no value, and published values match the units (rounded as declared);
3. no count from 1 to ``min_units - 1`` can be read exactly from a feature's own figures
   (count, rate and population together), no share beyond the group-disclosure limit and
   no company value against the dominance rule is published;
4. hot-spot scores appear only where the whole Gi* window is published;
5. differencing between every pair of published geographies (also across the releases
   given with ``--against``), the residuals of the whole nested family, and interval
   propagation through every published sum reveal no small count and no group share.

It prints what it tried and every violation; the command exits non-zero on any.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zicht.check._leaks import (
    Atoms,
    Finding,
    exact_search,
    laminar_blocks,
    pair_differences,
    propagate_intervals,
)

__all__ = ["CheckReport", "Violation", "check_release"]

_EXPECTED = {"release.gpkg", "manifest.json", "disclosure_report.md", "region_pieces.csv"}
_UNIT_LEVEL_HINTS = {"unit_id", "address_id", "x", "y", "company_id", "person_id"}
_STAT_PREFIXES = ("hotspot_", "moran_")


def _score_columns(frame: pd.DataFrame) -> list[str]:
    return [
        str(c)
        for c in frame.columns
        if str(c).startswith(_STAT_PREFIXES) and not str(c).endswith(("_label", "_bin"))
    ]


@dataclass(frozen=True)
class Violation:
    """One way the release breaks the rules."""

    check: str
    where: str
    detail: str


@dataclass
class CheckReport:
    """What the checker tried and what it found."""

    release: str
    tried: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no violation was found."""
        return not self.violations

    def add(self, check: str, where: str, detail: str) -> None:
        """Record a violation."""
        self.violations.append(Violation(check, where, detail))

    def to_text(self, limit: int = 200) -> str:
        """Return a readable report: what was tried, then every violation."""
        lines = [f"zicht check {self.release}", "", "tried:"]
        lines += [f"  - {t}" for t in self.tried]
        if self.notes:
            lines += ["", "notes:"] + [f"  - {n}" for n in self.notes]
        lines += ["", f"violations: {len(self.violations)}"]
        for v in self.violations[:limit]:
            lines.append(f"  ! [{v.check}] {v.where}: {v.detail}")
        if len(self.violations) > limit:
            lines.append(f"  … and {len(self.violations) - limit} more")
        lines.append("")
        lines.append("RESULT: " + ("PASS" if self.ok else "FAIL"))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-serialisable data."""
        return {
            "release": self.release,
            "ok": self.ok,
            "tried": self.tried,
            "notes": self.notes,
            "violations": [v.__dict__ for v in self.violations],
        }


@dataclass
class _Layer:
    release: str
    name: str
    frame: pd.DataFrame  # the CSV, area_id as str
    geometry: gpd.GeoSeries | None
    unit_key: str
    rounded: bool

    @property
    def label(self) -> str:
        return self.name if self.release == "" else f"{self.release}:{self.name}"

    @property
    def published(self) -> pd.Series:
        return self.frame["status"].astype(str) == "published"


@dataclass
class _Release:
    path: Path
    manifest: dict[str, Any]
    layers: list[_Layer]
    pieces: pd.DataFrame | None


# ----------------------------------------------------------------------------- reading


def _read_release(path: Path, tag: str, report: CheckReport) -> _Release:
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{path} has no manifest.json; is it a zicht release folder?")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    gpkg = path / "release.gpkg"
    layers = []
    for name, info in manifest.get("layers", {}).items():
        csv_path = path / info.get("csv", f"{name}.csv")
        frame = pd.read_csv(
            csv_path, dtype={"area_id": str, "region_id": str}, keep_default_na=True
        )
        frame["area_id"] = frame["area_id"].astype(str)
        geometry = None
        if gpkg.is_file():
            spatial = gpd.read_file(gpkg, layer=name)
            geometry = gpd.GeoSeries(
                spatial.geometry.to_numpy(), index=spatial["area_id"].astype(str), crs=spatial.crs
            )
            _compare_files(frame, spatial, f"{tag}{name}", report)
        layers.append(
            _Layer(
                release=tag.rstrip(":"),
                name=name,
                frame=frame,
                geometry=geometry,
                unit_key=str(info.get("unit_key") or ""),
                rounded=bool(info.get("rounded", True)),
            )
        )
    pieces = None
    if (path / "region_pieces.csv").is_file():
        pieces = pd.read_csv(path / "region_pieces.csv", dtype=str, keep_default_na=False)
    return _Release(path=path, manifest=manifest, layers=layers, pieces=pieces)


def _compare_files(
    csv: pd.DataFrame, gpkg: gpd.GeoDataFrame, where: str, report: CheckReport
) -> None:
    attrs = pd.DataFrame(gpkg.drop(columns=gpkg.geometry.name))
    if len(attrs) != len(csv) or set(attrs.columns) != set(csv.columns):
        report.add("files agree", where, "GeoPackage layer and CSV have different rows or columns")
        return
    attrs = attrs.set_index(attrs["area_id"].astype(str))
    other = csv.set_index("area_id")
    for col in other.columns:
        a = pd.to_numeric(attrs[col], errors="coerce").reindex(other.index)
        b = pd.to_numeric(other[col], errors="coerce")
        if a.notna().any() or b.notna().any():
            differ = ~((a == b) | (a.isna() & b.isna()) | np.isclose(a, b, equal_nan=True))
            if differ.any():
                report.add(
                    "files agree", where, f"column {col!r} differs for {int(differ.sum())} features"
                )


def _inventory(path: Path, units_path: Path, report: CheckReport, layer_names: list[str]) -> None:
    allowed = _EXPECTED | {f"{n}.csv" for n in layer_names}
    try:
        units_path.resolve().relative_to(path.resolve())
        report.add(
            "release folder", str(units_path), "the unit-level file lies inside the release folder"
        )
    except ValueError:
        pass
    for file in sorted(path.rglob("*")):
        if file.is_dir():
            continue
        rel = file.relative_to(path).as_posix()
        if file.suffix in (".parquet", ".feather", ".pkl", ".pickle"):
            report.add("release folder", rel, "a binary table that is not part of a release")
        elif file.suffix == ".csv":
            header = set(pd.read_csv(file, nrows=0).columns)
            if header & _UNIT_LEVEL_HINTS:
                report.add(
                    "release folder",
                    rel,
                    f"columns {sorted(header & _UNIT_LEVEL_HINTS)} look unit-level",
                )
            if rel not in allowed:
                report.notes.append(f"extra file in the release folder: {rel}")
        elif rel not in allowed and file.suffix not in (
            ".html",
            ".png",
            ".json",
            ".js",
            ".css",
            ".md",
        ):
            report.notes.append(f"extra file in the release folder: {rel}")


# ----------------------------------------------------------------------------- membership


def _membership(
    layer: _Layer, units: pd.DataFrame, pieces: pd.DataFrame | None, report: CheckReport
) -> pd.Series:
    """Find the feature of every unit (``""`` where none), by key or by location."""
    key = layer.unit_key
    if key == "region_pieces":
        if pieces is None:
            report.add("membership", layer.label, "region layer without region_pieces.csv")
            return pd.Series("", index=units.index)
        keys = [c for c in pieces.columns if c != "region_id"]
        missing = [k for k in keys if k not in units]
        if missing:
            report.add("membership", layer.label, f"units file lacks piece keys {missing}")
            return pd.Series("", index=units.index)
        lookup = pieces.set_index(keys)["region_id"]
        index = pd.MultiIndex.from_frame(units[keys].astype(str).fillna(""))
        found = lookup.reindex(index).fillna("").to_numpy()
        member = pd.Series(found, index=units.index, dtype=object)
    elif key and key in units:
        member = units[key].astype(object).where(units[key].notna(), "").astype(str)
    else:
        if layer.geometry is None or not {"x", "y"} <= set(units.columns):
            report.add(
                "membership", layer.label, f"no unit key {key!r} and no coordinates to place units"
            )
            return pd.Series("", index=units.index)
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(units["x"], units["y"]), crs=28992)
        polygons = gpd.GeoDataFrame(
            {"area_id": layer.geometry.index},
            geometry=layer.geometry.to_numpy(),
            crs=layer.geometry.crs,
        ).to_crs(28992)
        joined = gpd.sjoin(points, polygons, predicate="within", how="left")
        first = joined.sort_values("area_id").groupby(level=0)["area_id"].first()
        overlaps = joined.groupby(level=0).size()
        if (overlaps > 1).any():
            report.notes.append(
                f"{layer.label}: {int((overlaps > 1).sum())} units lie in several features; "
                "each is counted in the first"
            )
        member = first.reindex(units.index).fillna("").astype(str)
        report.notes.append(f"{layer.label}: units placed in features by location (no unit key)")
    known = set(layer.frame["area_id"])
    stray = ~member.isin(known) & (member != "")
    if stray.any():
        member[stray] = ""
    return member


# ----------------------------------------------------------------------------- per feature


def _preimage(values: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    lo = np.ceil(values - base / 2.0)
    hi = np.ceil(values + base / 2.0) - 1
    return np.maximum(lo, 0), hi


def _decimals_ok(values: np.ndarray, decimals: int) -> bool:
    finite = values[np.isfinite(values)]
    return bool(np.all(np.abs(np.round(finite, decimals) - finite) < 1e-9))


def _count_interval(
    n_pub: np.ndarray,
    k_pub: np.ndarray,
    r_pub: np.ndarray,
    *,
    rounded: bool,
    base: int,
    min_units: int,
    decimals: int,
    small_round: bool,
    per: float = 100.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the interval of counts an attacker reads from a feature's own figures."""
    size = len(n_pub)
    if rounded and base > 1:
        n_lo, n_hi = _preimage(n_pub, base)
        n_lo = np.maximum(n_lo, min_units)
    else:
        n_lo, n_hi = n_pub.copy(), n_pub.copy()
    k_lo = np.zeros(size)
    k_hi = n_hi.copy()
    has_k = np.isfinite(k_pub)
    if rounded and base > 1:
        lo, hi = _preimage(k_pub[has_k], base)
        k_lo[has_k], k_hi[has_k] = lo, hi
    else:
        k_lo[has_k], k_hi[has_k] = k_pub[has_k], k_pub[has_k]
        if base > 1:
            # On exact layers a small count, or a total that protects another, is shown
            # rounded: any multiple of the base may stand for a count that rounds to it.
            maybe = has_k & (k_pub % base == 0)
            lo, hi = _preimage(k_pub[maybe], base)
            k_lo[maybe], k_hi[maybe] = lo, hi
    half = 0.5 * 10.0 ** (-decimals) + 1e-9
    has_r = np.isfinite(r_pub)
    with np.errstate(divide="ignore", invalid="ignore"):
        from_rounded = np.round(per * k_pub / n_pub, decimals)
    informative = has_r & ~(has_k & np.isclose(from_rounded, r_pub, atol=1e-9))
    out_lo = np.full(size, np.inf)
    out_hi = np.full(size, -np.inf)
    widths = (n_hi - n_lo)[np.isfinite(n_hi - n_lo)]
    span = int(widths.max()) + 1 if len(widths) else 1
    for step in range(max(span, 1)):
        n = n_lo + step
        valid = n <= n_hi
        lo = k_lo.copy()
        hi = np.minimum(k_hi, n)
        r_lo = np.ceil((r_pub - half) * n / per - 1e-9)
        r_hi = np.floor((r_pub + half) * n / per + 1e-9)
        lo = np.where(informative, np.maximum(lo, r_lo), lo)
        hi = np.where(informative, np.minimum(hi, r_hi), hi)
        ok = valid & (lo <= hi)
        out_lo = np.where(ok, np.minimum(out_lo, lo), out_lo)
        out_hi = np.where(ok, np.maximum(out_hi, hi), out_hi)
    empty = out_lo > out_hi
    out_lo[empty] = k_lo[empty]
    out_hi[empty] = k_hi[empty]
    return out_lo, out_hi


def _check_layer(
    layer: _Layer,
    member: pd.Series,
    units: pd.DataFrame,
    rules: dict[str, Any],
    indicators: list[dict[str, Any]],
    numerators: dict[str, str],
    company: str | None,
    report: CheckReport,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-feature checks; returns each count column's attacker interval."""
    frame = layer.frame
    where = layer.label
    thr = int(rules["min_units"])
    base = int(rules["rounding_base"])
    published = layer.published.to_numpy()
    ids = frame["area_id"]
    truth_n = member[member != ""].value_counts().reindex(ids, fill_value=0).to_numpy()
    value_cols = [
        "n_units",
        *[m["column"] for m in indicators if m["column"] in frame],
        *_score_columns(frame),
    ]
    for col in value_cols:
        leak = ~published & frame[col].notna().to_numpy()
        if leak.any():
            report.add(
                "no value unless published", where, f"{int(leak.sum())} features carry {col!r}"
            )
    if "hotspot_label" in frame:
        bad = (
            ~published
            & ~frame["hotspot_label"].isin(["not publishable", ""])
            & frame["hotspot_label"].notna()
        )
        if bad.any():
            report.add(
                "no value unless published",
                where,
                f"{int(bad.sum())} features carry a hot-spot class",
            )
    small = published & (truth_n < thr)
    for i in np.flatnonzero(small):
        report.add(
            "threshold", f"{where}:{ids.iloc[i]}", f"published on {truth_n[i]} units (< {thr})"
        )
    n_pub = pd.to_numeric(frame["n_units"], errors="coerce").to_numpy(dtype=float)
    expected_n = _rounded(truth_n, base) if layer.rounded else truth_n
    wrong = published & np.isfinite(n_pub) & (n_pub != expected_n)
    if wrong.any():
        report.add(
            "values match the units",
            where,
            f"n_units differs from the units for {int(wrong.sum())} features",
        )
    intervals: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    decimals = int(rules.get("rate_decimals", 1))
    for meta in indicators:
        col = meta["column"]
        if col in frame and meta.get("role") == "rate":
            values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
            if not _decimals_ok(values, decimals):
                report.add("rate precision", where, f"{col!r} has more than {decimals} decimals")
    counted = {m.get("count_column") for m in indicators if m.get("role") in ("count", "rate")}
    for count_col, unit_col in numerators.items():
        if count_col not in counted:
            continue
        # the raw rate on the whole population is what can pin a count; smoothed rates and
        # rates on restricted denominators are not modelled (see docs/publication.md)
        raw = [
            m
            for m in indicators
            if m.get("role") == "rate"
            and m.get("count_column") == count_col
            and m.get("base_column", "n_units") == "n_units"
            and not m.get("smoothing")
            and m["column"] in frame
        ]
        rate_cols = [m["column"] for m in raw]
        per = float(raw[0].get("per", 100.0)) if raw else 100.0
        k_pub = (
            pd.to_numeric(frame[count_col], errors="coerce").to_numpy(dtype=float)
            if count_col in frame
            else np.full(len(frame), np.nan)
        )
        r_pub = (
            pd.to_numeric(frame[rate_cols[0]], errors="coerce").to_numpy(dtype=float)
            if rate_cols
            else np.full(len(frame), np.nan)
        )
        values = pd.to_numeric(units[unit_col], errors="coerce").fillna(0)
        truth_k = (
            values.groupby(member).sum().reindex(ids, fill_value=0).to_numpy().astype(np.int64)
        )
        lo, hi = _count_interval(
            n_pub,
            k_pub,
            r_pub,
            rounded=layer.rounded,
            base=base,
            min_units=thr,
            decimals=decimals,
            small_round=rules.get("small_count", "round") == "round",
            per=per,
        )
        lo = np.where(published, lo, 0)
        hi = np.where(published, hi, np.where(np.isfinite(n_pub), n_pub, 0))
        shown = published & (np.isfinite(k_pub) | np.isfinite(r_pub))
        outside = shown & ((truth_k < lo) | (truth_k > hi))
        if outside.any():
            report.add(
                "values match the units",
                where,
                f"{count_col!r}: {int(outside.sum())} features show figures the units do not give",
            )
        exact_small = shown & (lo == hi) & (truth_k >= 1) & (truth_k < thr) & (lo == truth_k)
        for i in np.flatnonzero(exact_small):
            report.add(
                "small count shown exactly",
                f"{where}:{ids.iloc[i]}",
                f"{count_col} = {truth_k[i]} can be read from the published figures",
            )
        share = np.where(truth_n > 0, 100.0 * truth_k / np.maximum(truth_n, 1), 0.0)
        g = float(rules.get("group_max_pct", 90.0))
        group = shown & (share > g)
        if rules.get("group_low"):
            group |= shown & (truth_n > 0) & (share < 100.0 - g)
        for i in np.flatnonzero(group):
            report.add(
                "group disclosure",
                f"{where}:{ids.iloc[i]}",
                f"{count_col} is {share[i]:.1f} % of {truth_n[i]} units and is published",
            )
        basis = {m.get("basis", "units") for m in indicators if m.get("count_column") == count_col}
        if "companies" in basis and company and company in units:
            _check_companies(
                layer, member, units, unit_col, company, shown, count_col, rules, report
            )
        intervals[count_col] = (
            np.where(np.isfinite(lo), lo, 0).astype(np.int64),
            np.where(np.isfinite(hi), hi, 0).astype(np.int64),
        )
    return intervals


def _rounded(values: np.ndarray, base: int) -> np.ndarray:
    return np.floor(np.asarray(values, dtype=float) / base + 0.5) * base if base > 1 else values


def _check_companies(
    layer: _Layer,
    member: pd.Series,
    units: pd.DataFrame,
    unit_col: str,
    company: str,
    shown: np.ndarray,
    count_col: str,
    rules: dict[str, Any],
    report: CheckReport,
) -> None:
    values = pd.to_numeric(units[unit_col], errors="coerce").fillna(0)
    frame = pd.DataFrame(
        {"f": member.to_numpy(), "c": units[company].astype(str).to_numpy(), "v": values.to_numpy()}
    )
    per = frame[(frame["f"] != "") & (frame["v"] > 0)].groupby(["f", "c"])["v"].sum()
    ids = layer.frame["area_id"].to_numpy()
    top_n = int(rules.get("dominance_n", 2))
    for i in np.flatnonzero(shown):
        f = ids[i]
        if f not in per.index.get_level_values(0):
            continue
        contrib = np.sort(per.loc[f].to_numpy())[::-1]
        if len(contrib) < int(rules.get("min_companies", 3)):
            report.add(
                "companies", f"{layer.label}:{f}", f"{count_col} rests on {len(contrib)} companies"
            )
        elif 100.0 * contrib[:top_n].sum() / contrib.sum() > float(
            rules.get("dominance_pct", 85.0)
        ):
            report.add(
                "dominance",
                f"{layer.label}:{f}",
                f"{top_n} largest companies make up more than "
                f"{rules.get('dominance_pct')} % of {count_col}",
            )


def _check_hotspots(layer: _Layer, k: int, truth_n: pd.Series, report: CheckReport) -> int:
    """Scores only where every feature with units in the window is published."""
    present = _score_columns(layer.frame)
    if not present or layer.geometry is None:
        return 0
    frame = layer.frame
    has_score = frame[present].notna().any(axis=1).to_numpy()
    if not has_score.any():
        return 0
    geoms = gpd.GeoDataFrame(
        {"area_id": layer.geometry.index},
        geometry=layer.geometry.to_numpy(),
        crs=layer.geometry.crs,
    )
    empty = truth_n.reindex(frame["area_id"]).fillna(0).to_numpy() == 0
    published = dict(zip(frame["area_id"], layer.published.to_numpy() | empty, strict=True))
    window = {a: {a} for a in frame["area_id"]}
    near = gpd.sjoin(geoms, geoms.assign(geometry=geoms.buffer(1.0)), predicate="intersects")
    adjacency = near.groupby("area_id_left")["area_id_right"].apply(set).to_dict()
    for _ in range(max(k, 1)):
        window = {a: set().union(*(adjacency.get(b, {b}) for b in w)) for a, w in window.items()}
    bad = [
        a
        for a, s in zip(frame["area_id"], has_score, strict=True)
        if s and not all(published.get(b, False) for b in window.get(a, ()))
    ]
    # Cells outside the layer (no feature at all) have no units and need no protection.
    for a in bad[:50]:
        report.add(
            "hot-spot scores",
            f"{layer.label}:{a}",
            "z/p/q published while its Gi* window holds an unpublished feature",
        )
    if len(bad) > 50:
        report.add("hot-spot scores", layer.label, f"… {len(bad) - 50} more features")
    return int(has_score.sum())


# ----------------------------------------------------------------------------- main


def check_release(
    release_dir: str | Path,
    units_path: str | Path,
    *,
    against: Sequence[str | Path] | None = None,
    min_units: int | None = None,
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

    Returns
    -------
    CheckReport
        What was tried and every violation.
    """
    path = Path(release_dir)
    report = CheckReport(release=str(path))
    main = _read_release(path, "", report)
    others = [_read_release(Path(p), f"r{i + 1}:", report) for i, p in enumerate(against or [])]
    rules = dict(main.manifest.get("rules", {}))
    if min_units is not None:
        rules["min_units"] = max(int(min_units), int(rules.get("min_units", 1)))
    thr = int(rules.get("min_units", 10))
    indicators = list(main.manifest.get("indicators", []))
    numerators = dict(main.manifest.get("numerators", {}))
    company = main.manifest.get("company_column")
    layers = main.layers + [layer for r in others for layer in r.layers]
    _inventory(path, Path(units_path), report, [layer.name for layer in main.layers])
    units = pd.read_parquet(units_path)
    report.tried.append(
        f"read {len(layers)} layers ({', '.join(x.label for x in layers)}) and {len(units):,} units"
    )
    missing = [c for c in numerators.values() if c not in units]
    if missing:
        report.add("units file", str(units_path), f"lacks numerator columns {missing}")
        return report
    membership = pd.DataFrame(index=units.index)
    known_n: dict[str, set[str]] = {}
    known_k: dict[str, dict[str, set[str]]] = {c: {} for c in numerators}
    features_k: dict[str, list[pd.DataFrame]] = {c: [] for c in numerators}
    for layer in layers:
        source = main if layer.release == "" else others[int(layer.release[1:]) - 1]
        member = _membership(layer, units, source.pieces, report)
        membership[layer.label] = member.where(
            member.isin(set(layer.frame.loc[layer.published, "area_id"])), ""
        )
        intervals = _check_layer(
            layer, member, units, rules, indicators, numerators, company, report
        )
        truth_n = member[member != ""].value_counts().reindex(layer.frame["area_id"], fill_value=0)
        pub_ids = layer.frame.loc[layer.published, "area_id"]
        known_n[layer.label] = set(pub_ids)
        n_pub = pd.to_numeric(layer.frame["n_units"], errors="coerce").to_numpy(dtype=float)
        n_hi = np.where(
            layer.rounded, n_pub + math.ceil(int(rules.get("rounding_base", 5)) / 2) - 1, n_pub
        )
        for col, (lo, hi) in intervals.items():
            pub = layer.published.to_numpy()
            known_k[col][layer.label] = set(layer.frame["area_id"][pub & (lo == hi)])
            features_k[col].append(
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
        hotspot_k = int((main.manifest.get("metadata", {}).get("hotspot") or {}).get("k", 1) or 1)
        scored = _check_hotspots(layer, hotspot_k, truth_n, report)
        if scored:
            report.tried.append(
                f"{layer.label}: hot-spot scores on {scored} features, each window checked"
            )
    report.tried.append(
        f"per feature: threshold {thr}, values against the units, small counts read from "
        "count + rate + population, group disclosure, company rules"
    )
    values = {
        c: pd.to_numeric(units[u], errors="coerce").fillna(0).to_numpy()
        for c, u in numerators.items()
    }
    atoms = Atoms.from_units(membership, values)
    report.tried.append(f"{len(atoms.n):,} atoms (units sharing every published feature)")
    g = float(rules.get("group_max_pct", 90.0))
    low = bool(rules.get("group_low", False))
    findings: list[Finding] = []
    labels = list(membership.columns)
    pairs = list(combinations(labels, 2))
    tried_pairs = 0
    for a, b in pairs:
        f, t = pair_differences(atoms, a, b, known_n, "n_units", min_units=thr)
        findings += f
        tried_pairs += t
        for col in numerators:
            f, t = pair_differences(
                atoms, a, b, known_k[col], col, min_units=thr, group_pct=g, group_low=low
            )
            findings += f
            tried_pairs += t
    report.tried.append(
        f"differencing between {len(pairs)} pairs of layers: {tried_pairs:,} differences "
        "(feature minus the features inside it; features around a straddling feature)"
    )
    f, stats = laminar_blocks(atoms, known_n, "n_units", min_units=thr)
    findings += f
    report.tried.append(_laminar_text("populations", stats))
    findings += _exact_unless_laminar(atoms, known_n, "n_units", "populations", thr, stats, report)
    for col in numerators:
        f, stats = laminar_blocks(
            atoms, known_k[col], col, min_units=thr, group_pct=g, group_low=low
        )
        findings += f
        report.tried.append(_laminar_text(f"{col} (values pinned by their figures)", stats))
        findings += _exact_unless_laminar(atoms, known_k[col], col, col, thr, stats, report)
        table = pd.concat(features_k[col], ignore_index=True) if features_k[col] else None
        if table is not None and len(table):
            f, rounds = propagate_intervals(
                atoms, table, col, min_units=thr, group_pct=g, group_low=low
            )
            findings += f
            report.tried.append(
                f"{col}: interval propagation through {len(table):,} published sums "
                f"({rounds} rounds)"
            )
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
    _same_indicator_twice(layers, membership, report)
    return report


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
    layers: list[_Layer], membership: pd.DataFrame, report: CheckReport
) -> None:
    """Flag areas published under one id in two layers with different unit sets."""
    by_id: dict[str, list[str]] = {}
    for layer in layers:
        for a in layer.frame.loc[layer.published, "area_id"]:
            by_id.setdefault(a, []).append(layer.label)
    twice = {a: ls for a, ls in by_id.items() if len(ls) > 1}
    changed = 0
    for a, ls in twice.items():
        sets = [frozenset(np.flatnonzero(membership[label].to_numpy() == a)) for label in ls]
        if len(set(sets)) > 1:
            changed += 1
            report.notes.append(f"area {a} is published in {ls} with different boundaries")
    report.tried.append(
        f"same area published twice: {len(twice)} ids in several layers, {changed} with "
        "different boundaries (their differences are attacked with every pair above)"
    )
