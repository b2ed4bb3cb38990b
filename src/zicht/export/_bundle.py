"""Writing a :class:`~zicht.publish.Release` to files: the release bundle.

Like the map writer, these functions accept only a ``Release``, so nothing that skipped
disclosure control can be written. The bundle (one folder) holds:

* ``release.gpkg`` — one layer per published geography (status per feature: published,
  merged, suppressed; features that are not published carry no value) and the public
  context layers (``context_*``);
* ``<layer>.csv`` — the same tables without geometry;
* ``region_pieces.csv`` — which H3 cell parts (cell × buurt) make up each region;
* ``manifest.json`` — rules, thresholds, inputs with hashes, versions, seeds, time, and
  for every layer the unit key ``zicht check`` uses;
* ``disclosure_report.md`` — what was merged, suppressed, rounded or hidden, in numbers.

Two files are *not* for publication and are written outside the bundle by
:func:`write_internal_files`: the unit-level file ``zicht check`` needs and the audit log,
whose per-feature reasons can themselves disclose (a share above the group limit).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import geopandas as gpd
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from zicht._errors import DisclosureError
from zicht._escape import csv_safe, markdown_html_off
from zicht._strings import DEFAULT_LANGUAGE
from zicht.export._words import Say
from zicht.publish import DisclosureRules, Release, UnitTable, unit_record_keys

__all__ = [
    "disclosure_report",
    "file_sha256",
    "write_internal_files",
    "write_release",
]

_VERSIONED = (
    "zicht",
    "geopandas",
    "shapely",
    "pandas",
    "numpy",
    "h3",
    "libpysal",
    "spopt",
    "esda",
    "pyproj",
)


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 hex digest of a file (for the manifest's input hashes)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - optional packages
            continue
    return out


def _require_release(release: object, what: str) -> Release:
    if not isinstance(release, Release):
        raise TypeError(
            f"{what} accepts only a zicht.publish.Release, got {type(release).__name__}"
        )
    return release


def write_release(
    release: Release, out_dir: str | Path, *, language: str = DEFAULT_LANGUAGE
) -> dict[str, Path]:
    """Write the release bundle (see the module docstring).

    Parameters
    ----------
    release
        The checked statistics.
    out_dir
        Folder to write into (created if needed).
    language
        The language of ``disclosure_report.md``: ``"nl"`` (default) or ``"en"``.

    Returns
    -------
    dict of str to Path
        Every file written, by role.

    Raises
    ------
    TypeError
        If ``release`` is not a :class:`Release`.
    DisclosureError
        If the release publishes several layers that were not protected against
        differencing (made without the unit table).
    """
    release = _require_release(release, "write_release")
    if not release.differencing_verified:
        raise DisclosureError(
            "this release publishes several layers that were not protected against "
            "differencing (publish_release was called without the unit table); pass "
            "units= to publish_release, or publish one layer"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gpkg = out / "release.gpkg"
    gpkg.unlink(missing_ok=True)
    written: dict[str, Path] = {"geopackage": gpkg}
    for name, frame in release.layers.items():
        frame.to_file(gpkg, layer=name, driver="GPKG")
        csv = out / f"{name}.csv"
        csv_safe(pd.DataFrame(frame.drop(columns="geometry"))).to_csv(csv, index=False)
        written[f"csv:{name}"] = csv
    for name, frame in release.context.items():
        frame.to_file(gpkg, layer=f"context_{name}", driver="GPKG")
    if release.regions is not None:
        pieces = out / "region_pieces.csv"
        csv_safe(release.regions).to_csv(pieces, index=False)
        written["region_pieces"] = pieces
    report = out / "disclosure_report.md"
    report.write_text(markdown_html_off(disclosure_report(release, language)), encoding="utf-8")
    written["disclosure_report"] = report
    manifest = _manifest(release, written)
    manifest_path = out / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    written["manifest"] = manifest_path
    return written


def _manifest(release: Release, written: dict[str, Path]) -> dict[str, Any]:
    disclosure = dict(release.disclosure)
    unit_keys = dict(disclosure.get("unit_keys", {}))
    layers = {}
    for name, frame in release.layers.items():
        status = frame["status"]
        layers[name] = {
            "csv": f"{name}.csv",
            "features": len(frame),
            "published": int((status == "published").sum()),
            "merged": int((status == "merged").sum()),
            "suppressed": int((status == "suppressed").sum()),
            "rounded": release.rules.is_rounded(name),
            "perturbed": release.rules.method == "cell_key",
            "unit_key": unit_keys.get(name, ""),
        }
    metadata = dict(release.metadata)
    seeds = {
        k: v
        for k, v in {
            "units": metadata.get("seed"),
            "hotspot_permutations": (metadata.get("hotspot") or {}).get("seed"),
        }.items()
        if v is not None
    }
    return _jsonable(
        {
            "format": "zicht-release/1",
            "created": metadata.get("created") or datetime.now(UTC).isoformat(timespec="seconds"),
            "written": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": _versions(),
            "seeds": seeds,
            "metadata": metadata,
            "inputs": metadata.get("inputs", {}),
            "rules": asdict(release.rules),
            "indicators": _indicator_entries(release),
            "numerators": disclosure.get("numerators", {}),
            "company_column": disclosure.get("company_column"),
            "piece_keys": disclosure.get("piece_keys", []),
            "layers": layers,
            "context_layers": sorted(release.context),
            "disclosure": {k: v for k, v in disclosure.items() if k not in ("unit_keys",)},
            "files": {
                role: {"path": p.name, "sha256": file_sha256(p)}
                for role, p in written.items()
                if p.is_file()
            },
        }
    )


def _indicator_entries(release: Release) -> list[dict[str, Any]]:
    links = {x["column"]: x for x in dict(release.disclosure).get("links", [])}
    out = []
    for meta in release.indicators:
        link = links.get(meta.column, {})
        out.append(
            {
                **asdict(meta),
                "role": link.get("role", "value"),
                "count_column": link.get("count"),
                "base_column": link.get("base", "n_units"),
                "per": link.get("per", 100.0),
                "smoothing": link.get("smoothing"),
            }
        )
    return out


def _differencing_note(d: Mapping[str, Any], say: Say) -> str:
    """Say in the report's language why differencing was (not) verified."""
    if d.get("path") == "unit table":
        return say("differencing_regions")
    if d.get("path") == "aggregated layers":
        pairs = int(d.get("overlapping_pairs", 0))
        return say("differencing_overlaps", n=pairs) if pairs else say("differencing_no_overlap")
    return str(d.get("differencing_note", ""))


def disclosure_report(release: Release, language: str = DEFAULT_LANGUAGE) -> str:
    """Write the public report of what disclosure control did, in numbers (Markdown).

    Parameters
    ----------
    release
        The checked statistics.
    language
        ``"nl"`` (default) or ``"en"``: the words come from the string catalogue
        (``disclosure.toml``).

    Returns
    -------
    str
        Markdown text.
    """
    release = _require_release(release, "disclosure_report")
    say = Say("disclosure", language)
    d = dict(release.disclosure)
    meta = release.metadata
    verified = "verified" if release.differencing_verified else "not_verified"
    lines = [
        f"# {say('title')}",
        "",
        say(
            "run",
            run_id=meta.get("run_id", "?"),
            version=meta.get("zicht_version", "?"),
            created=meta.get("created", "?"),
        ),
        "",
        *_internal_lines(release, say),
        *_rules_lines(release.rules, say),
        f"## {say('h_differencing')}",
        "",
        say(verified, note=_differencing_note(d, say)),
        "",
        *_regions_lines(d, say),
        *_layer_lines(release, d, say),
        *_loss_lines(d, say),
    ]
    return "\n".join(lines)


def _loss_lines(d: dict[str, Any], say: Say) -> list[str]:
    """Return the report's section on information loss (none without a measurement)."""
    loss = d.get("loss")
    if not loss:
        return []

    def show(value: Any, unit: str = "") -> str:
        return "–" if value is None else f"{say.number(value, 'g')}{unit}"

    lines = [
        f"## {say('h_loss')}",
        "",
        say("loss_intro", min_features=loss["min_features"]),
        "",
        say("loss_table"),
        "|---|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for name, layer in loss["layers"].items():
        for column, c in layer["columns"].items():
            why = ", ".join(
                f"{say.maybe('reason_', k)} {say.number(v)}" for k, v in c["withheld"].items()
            )
            dev = c.get("mean_abs_dev", c.get("mean_abs_dev_points"))
            lines.append(
                f"| {name} | {column} | {say.number(c['features'])} "
                f"| {say.number(c['with_value'])} | {why or say('none')} "
                f"| {show(c['units_with_value_pct'], ' %')} "
                f"| {show(dev, '' if 'mean_abs_dev' in c else say('points'))} "
                f"| {show(c['mean_rel_dev_pct'], ' %')} | {show(c.get('hellinger'))} |"
            )
    lines.append("")
    return lines


def _internal_lines(release: Release, say: Say) -> list[str]:
    """Return the warning of a release under rules below the floors (none otherwise)."""
    mark = release.metadata.get("not_for_publication")
    if not mark:
        return []
    return [say("internal", mark=mark), ""]


def _small_count_words(rules: DisclosureRules, say: Say) -> str:
    if rules.method == "cell_key":
        return say("small_cell_key")
    return say("small_round" if rules.small_count == "round" else "small_hidden")


def _rules_lines(rules: DisclosureRules, say: Say) -> list[str]:
    """Return the report's section on the rules applied."""
    low = say("group_low", low_pct=say.number(100 - rules.group_max_pct, "g"))
    hotspot = (
        say("hotspot_rounded", z=rules.z_decimals, p=rules.p_decimals)
        if rules.hotspot_scores == "rounded"
        else say("hotspot_hidden")
    )
    return [
        f"## {say('h_rules')}",
        "",
        say("rule_threshold", min_units=rules.min_units),
        _protection_line(rules, say),
        say("small_counts", max=rules.min_units - 1, how=_small_count_words(rules, say)),
        say(
            "group",
            max_pct=say.number(rules.group_max_pct, "g"),
            low=low if rules.group_low else "",
        ),
        say(
            "companies",
            min_companies=rules.min_companies,
            n=rules.dominance_n,
            pct=say.number(rules.dominance_pct, "g"),
        ),
        say("secondary"),
        hotspot,
        "",
    ]


def _protection_line(rules: DisclosureRules, say: Say) -> str:
    """Return the report's line on how published counts are protected."""
    if rules.method == "cell_key":
        return say(
            "cell_key",
            d=rules.cell_key_d,
            variance=say.number(rules.cell_key_variance, "g"),
            decimals=rules.rate_decimals,
        )
    return say(
        "rounding",
        base=rules.rounding_base,
        exact=", ".join(rules.exact_layers) or say("none"),
        decimals=rules.rate_decimals,
    )


def _regions_lines(d: dict[str, Any], say: Say) -> list[str]:
    """Return the report's section on the publishable regions (none without regions)."""
    regions = d.get("regions")
    if not regions:
        return []
    n = say.number
    levels = ", ".join(f"{k.replace('_code', '')} {n(v)}" for k, v in regions["by_level"].items())
    return [
        f"## {say('h_regions')}",
        "",
        say(
            "regions_method",
            method=regions["method"],
            cells=n(regions["occupied_cells"]),
            resolution=d.get("resolution"),
            pieces=n(regions["occupied_pieces"]),
            all_pieces=n(regions["pieces"]),
        ),
        say(
            "regions_count",
            n=n(regions["regions_with_units"]),
            single=n(regions["single_cell_regions"]),
            median=n(regions["median_units"], "g"),
        ),
        say("regions_nesting", levels=levels),
        say("regions_below", n=n(regions["below_threshold"])),
        say(
            "regions_built",
            seconds=n(regions["seconds"], "g"),
            rounds=regions["merge_rounds"],
        ),
        "",
    ]


def _counts_word(rules: DisclosureRules, layer: str, say: Say) -> str:
    if rules.method == "cell_key":
        return say("counts_cell_key")
    return say("counts_rounded" if rules.is_rounded(layer) else "counts_exact")


def _layer_lines(release: Release, d: dict[str, Any], say: Say) -> list[str]:
    """Return the report's tables of layers and indicator values, and its closing counts."""
    rules = release.rules
    n = say.number
    lines = [f"## {say('h_layers')}", "", say("layers_table"), "|---|---:|---:|---:|---:|---|"]
    for name, frame in release.layers.items():
        status = frame["status"]
        lines.append(
            f"| {name} | {n(len(frame))} | {n(int((status == 'published').sum()))} | "
            f"{n(int((status == 'merged').sum()))} | {n(int((status == 'suppressed').sum()))} | "
            f"{_counts_word(rules, name, say)} |"
        )
    indicators = d.get("indicators") or {}
    if indicators:
        lines += [
            "",
            f"## {say('h_indicators')}",
            "",
            say("indicators_table"),
            "|---|---:|---:|---:|---:|---:|",
        ]
        for col, s in indicators.items():
            lines.append(
                f"| {col} | {n(s['values_published_exact'])} | {n(s['rounded_small_count'])} "
                f"| {n(s['hidden_primary'])} | {n(s['secondary_rounded'])} "
                f"| {n(s['secondary_hidden'])} |"
            )
    lines += _magnitude_lines(d.get("magnitudes") or {}, rules, say)
    closing = say(
        "closing",
        populations=n(d.get("secondary_population_suppressions", 0)),
        scores=n(d.get("hotspot_scores_withheld", 0)),
    )
    return [*lines, "", closing, ""]


def _magnitude_lines(magnitudes: dict[str, Any], rules: DisclosureRules, say: Say) -> list[str]:
    """Return the magnitudes table of the disclosure report (per column and layer)."""
    if not magnitudes:
        return []
    heading = say(
        "h_magnitudes",
        p=say.number(rules.p_pct, "g"),
        n=rules.dominance_n,
        pct=say.number(rules.dominance_pct, "g"),
        min_companies=rules.min_companies,
    )
    lines = ["", f"## {heading}", "", say("magnitudes_table"), "|---|---|---:|---:|---:|---:|"]
    n = say.number
    for col, spec in magnitudes.items():
        for layer, s in spec["layers"].items():
            lines.append(
                f"| {col} | {layer} | {n(s['published'])} | {n(s['primary_hidden'])} "
                f"| {n(s['secondary_hidden'])} | {n(s['area_not_published'])} |"
            )
    return lines


#: The dtype a frame gives a column assigned an object array of text (pandas' ``str``).
_TEXT = pd.Series(np.array(["a"], dtype=object)).dtype


def _text_column(values: pd.Series, fill: str | None = None) -> Any:
    """Return ``values`` as text, by position (``fill`` for the missing ones).

    The column a frame makes of ``values.astype(str).fillna(fill).to_numpy()``, without the
    round trip through millions of Python strings when the text is of that dtype already.
    """
    text = values.astype(str)
    if fill is not None:
        text = text.fillna(fill)
    return text.array if text.dtype == _TEXT else text.to_numpy()


def _hex_cells(cells: pd.Series) -> Any:
    """Return the H3 cells (integers) as hexadecimal text, by position; each distinct once."""
    codes, uniques = pd.factorize(pd.to_numeric(cells).astype("int64"))
    return pd.array([h3i.int_to_str(int(c)) for c in uniques], dtype=_TEXT).take(codes)


def _region_ids(regions: pd.DataFrame, table: pd.DataFrame) -> Any:
    """Return the region of every unit, its row of ``regions`` by the piece keys (``""``: none).

    What ``regions`` reindexed by a MultiIndex of the table's keys gives, found by a hash
    join on the keys combined column by column (each pair factorised) instead: the
    MultiIndex of 8.8 M units took 11 s.
    """
    piece_keys = [c for c in regions.columns if c != "region_id"]
    lookup = regions.set_index(piece_keys)["region_id"]
    keys = table[piece_keys]
    n = len(regions)
    combined = np.zeros(n + len(table), dtype=np.int64)
    for col in piece_keys:
        codes = pd.factorize(pd.concat([regions[col], keys[col]], ignore_index=True))[0]
        # a missing key (-1) becomes 0, which no unit has: the table's keys are all known
        pair = combined * (int(codes.max(initial=-1)) + 2) + (codes.astype(np.int64) + 1)
        combined = pd.factorize(pair)[0].astype(np.int64)
    known = pd.Index(combined[:n])
    exact = piece_keys and lookup.dtype == _TEXT and not keys.isna().to_numpy().any()
    if not (exact and known.is_unique and lookup.index.is_unique):
        # the MultiIndex's own answer (an error for keys that are not unique)
        return lookup.reindex(pd.MultiIndex.from_frame(keys)).fillna("").to_numpy()
    found = known.get_indexer(combined[n:])
    return pd.Series(lookup.array.take(found, allow_fill=True)).fillna("").array


def write_internal_files(
    release: Release, units: UnitTable, out_dir: str | Path
) -> dict[str, Path]:
    """Write the files that must stay inside the secure environment.

    ``units.parquet`` (one row per unit: ``unit_id``, ``x``, ``y`` in EPSG:28992,
    ``h3_cell``, the area codes, ``region_id``, the numerator columns, the company) is what
    ``zicht check --units`` reads; ``audit.csv`` is the per-feature audit log.

    Parameters
    ----------
    release
        The release the units were published in.
    units
        The unit table given to :func:`~zicht.publish.publish_release`.
    out_dir
        A folder outside the release folder (see :func:`internal_dir_for`).

    Returns
    -------
    dict of str to Path
        ``units`` and ``audit``.

    Raises
    ------
    DisclosureError
        If ``out_dir`` is a release folder or lies inside one.
    """
    release = _require_release(release, "write_internal_files")
    out = Path(out_dir)
    for parent in [out, *out.parents]:
        if (parent / "manifest.json").is_file() and (parent / "release.gpkg").is_file():
            raise DisclosureError(
                f"{out} lies inside the release folder {parent}: unit-level data must stay "
                "out of it"
            )
    out.mkdir(parents=True, exist_ok=True)
    frame = units.frame
    keys = [units.cell, *units.areas.values()]
    has = frame[keys].notna().all(axis=1)
    rows = frame if bool(has.all()) else frame[has]  # every column is read by position
    table = pd.DataFrame(index=range(len(rows)))
    table["unit_id"] = (
        _text_column(rows[units.unit_id]) if units.unit_id else [f"U{i}" for i in range(len(rows))]
    )
    if isinstance(rows, gpd.GeoDataFrame) and rows.geometry.name in rows:
        points = rows.geometry
        table["x"] = points.x.to_numpy()
        table["y"] = points.y.to_numpy()
    elif "_x" in rows and "_y" in rows:  # units read as coordinate columns
        table["x"] = rows["_x"].to_numpy(dtype="float64")
        table["y"] = rows["_y"].to_numpy(dtype="float64")
    table["h3_cell"] = _hex_cells(rows[units.cell])
    for col in [*units.areas.values(), *units.extra.values()]:
        table[col] = _text_column(rows[col], fill="") if col in rows else ""
    for col in units.extra.values():
        table[col] = table[col].replace({"nan": "", "<NA>": ""})
    if release.regions is not None:
        table["region_id"] = _region_ids(release.regions, table)
    for col in sorted(set(dict(release.disclosure).get("numerators", {}).values())):
        table[col] = pd.to_numeric(rows[col]).astype("int64").to_numpy()
    if units.company:
        table["company_id"] = rows[units.company].astype(str).to_numpy()
    for spec in dict(dict(release.disclosure).get("magnitudes", {})).values():
        for col in (spec["amount"], spec.get("per"), spec.get("contributor")):
            if col and col not in table:
                table[col] = rows[col].to_numpy()
    if release.rules.method == "cell_key":
        # the checker recomputes every cell key from these (the secret stays in the env)
        table["record_key"] = unit_record_keys(units, release.rules).astype("int64")
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    meta = {
        "kind": "zicht units for zicht check",
        "not_for_publication": True,
        "release_run_id": str(release.metadata.get("run_id", "")),
        "unit_keys": dict(release.disclosure).get("unit_keys", {}),
    }
    arrow = arrow.replace_schema_metadata(
        {**(arrow.schema.metadata or {}), b"zicht": json.dumps(meta).encode()}
    )
    units_path = out / "units.parquet"
    pq.write_table(arrow, units_path)
    audit_path = out / "audit.csv"
    release.audit.to_csv(audit_path, index=False)
    return {"units": units_path, "audit": audit_path}
