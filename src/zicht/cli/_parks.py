"""``zicht parks …``: derive, edit, import, version, compare and publish park boundaries.

Thin like the main CLI: arguments → :mod:`zicht.parks` → a table and files. Every
:class:`~zicht.ZichtError` becomes a message and its own exit code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from zicht._errors import ConfigError, InputError, ZichtError

if TYPE_CHECKING:  # pandas is imported by the commands that use it: `zicht --help` needs none
    import pandas as pd

parks_app = typer.Typer(
    name="parks",
    help="Holiday-park boundaries: derive by a rule, edit on a map, validate, version, compare.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)
out_console = Console()

DEFAULT_STORE = Path("out/parks/parks.gpkg")
StoreOption = Annotated[
    Path, typer.Option("--store", help="The park store (GeoPackage with every version).")
]
GemeenteOption = Annotated[
    list[str] | None,
    typer.Option(
        "--gemeente",
        help="Gemeente code of the study area; repeat for more. Default: the seven Veluwe "
        "gemeenten. 'all' for the whole country.",
    ),
]
GeodataOption = Annotated[
    Path | None, typer.Option(help="Folder with the shipped real data (default: geodata/).")
]


def _fail(exc: ZichtError) -> None:
    # The message may hold "[check]" tags and names from the data: print it as plain text.
    console.print("[bold red]error[/]: ", end="")
    console.print(str(exc), markup=False, highlight=False)
    raise typer.Exit(code=exc.exit_code)


def _geodata(path: Path | None) -> Path:
    from zicht.ingest import default_geodata_dir

    return path or default_geodata_dir()


def _gemeenten(values: list[str] | None) -> list[str] | None:
    from zicht.parks import VELUWE

    if not values:
        return list(VELUWE)
    if [v.lower() for v in values] == ["all"]:
        return None
    return [v.upper() for v in values]


def _table(title: str, frame: pd.DataFrame, limit: int = 40) -> Table:
    import pandas as pd

    table = Table(title=title)
    for col in frame.columns:
        table.add_column(str(col), justify="right" if frame[col].dtype.kind in "iuf" else "left")
    for row in frame.head(limit).itertuples(index=False):
        table.add_row(*("–" if pd.isna(v) else str(v) for v in row))
    if len(frame) > limit:
        table.caption = f"… and {len(frame) - limit} more rows (see the CSV)"
    return table


# Exception (docs/exceptions.md): typer makes each parameter one CLI option.
@parks_app.command()
def derive(  # noqa: PLR0913
    source: Annotated[
        str,
        typer.Option(
            help="'synthetic': synthetic addresses (BAG-like gebruiksdoel) with parks planted at "
            "the real park locations, recovery measured; 'otterlo': the real BGT buildings, "
            "roads and water and BRK parcels around Otterlo."
        ),
    ] = "synthetic",
    gemeente: GemeenteOption = None,
    rule_file: Annotated[
        Path | None, typer.Option("--rule", help="TOML file with the rule's parameters.")
    ] = None,
    min_objects: Annotated[int | None, typer.Option(help="N: recreational objects.")] = None,
    link_distance: Annotated[float | None, typer.Option(help="D: link distance, m.")] = None,
    min_share: Annotated[
        float | None, typer.Option(help="X: recreational share inside the outline, 0–1.")
    ] = None,
    outline: Annotated[str | None, typer.Option(help="'concave_hull' or 'buffer_union'.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data.")] = 20240,
    store: StoreOption = DEFAULT_STORE,
    author: Annotated[str, typer.Option(help="Who saves the version.")] = "zicht parks derive",
    reason: Annotated[str | None, typer.Option(help="Why (default: the rule).")] = None,
    save: Annotated[bool, typer.Option(help="Save the result as a new version.")] = True,
    out: Annotated[
        Path, typer.Option(help="Folder for the boundaries, report and recovery tables.")
    ] = Path("out/parks"),
    geodata: GeodataOption = None,
) -> None:
    """Propose park boundaries from data by a written rule, and store them as a version."""
    from dataclasses import replace

    from zicht import parks as zp

    try:
        rule = zp.load_rule(rule_file) if rule_file else zp.DeriveRule()
        overrides: dict[str, Any] = {
            k: v
            for k, v in {
                "min_objects": min_objects,
                "link_distance_m": link_distance,
                "min_recreational_share": min_share,
                "outline": outline,
            }.items()
            if v is not None
        }
        rule = replace(rule, **overrides) if overrides else rule
        data = _geodata(geodata)
        _, point_report = zp.read_park_points(data)
        result, recovery, area_note, sites = _derive_from(source, data, gemeente, seed, rule)
        out.mkdir(parents=True, exist_ok=True)
        paths = _write_derive_outputs(out, source, result, recovery, point_report, area_note, sites)
        version = None
        if save and len(result.parks):
            parent = zp.list_park_versions(store)
            version = zp.save_park_version(
                store,
                result.parks,
                author=author,
                reason=reason or f"derived from {source} data by rule {rule.rule_id}",
                parent_version=None if parent.empty else str(parent["version_id"].iloc[-1]),
                netherlands=zp.netherlands_polygon(data),
            )
    except ZichtError as exc:
        _fail(exc)
        return
    console.print(f"[bold]Rule[/] {rule.describe()}", highlight=False)
    console.print(f"[dim]{area_note}[/]", highlight=False)
    shown = result.parks[
        ["park_id", "name", "park_type", "n_recreational", "recreational_share", "area_m2"]
    ]
    out_console.print(_table(f"{len(result.parks)} parks derived ({source})", shown))
    rejected = result.report["candidates_rejected"]
    if rejected:
        console.print(f"rejected clusters: {rejected}")
    console.print(
        f"park points: {point_report['parks']} distinct ({point_report['rows_read']} records); "
        f"{point_report['untrusted']} only a place centre — reported, not used "
        f"(list in {paths['report'].name})",
        highlight=False,
    )
    console.print(f"park types (TOP10NL rules): {result.report['park_types']}", highlight=False)
    if recovery is not None:
        console.print(f"[bold]Recovery of the planted parks[/]: {recovery.summary}")
    if version is not None:
        console.print(f"saved as version [bold]{version.version_id}[/] in {store}")
    for role, path in sorted(paths.items()):
        typer.echo(f"  {role:<10} {path}")


def _derive_from(
    source: str, data: Path, gemeente: list[str] | None, seed: int, rule: Any
) -> tuple[Any, Any, str, Any]:
    """Derive from the synthetic study or the real Otterlo data: result, recovery, note, sites."""
    from zicht import parks as zp

    if source == "synthetic":
        with console.status("generating the synthetic study (fixed seed) …"):
            study = zp.synthetic_park_study(data, _gemeenten(gemeente), seed=seed)
        result = zp.derive_parks(study.addresses, rule, known_parks=study.points)
        recovery = zp.evaluate_recovery(result.parks, study.sites)
        return result, recovery, f"synthetic addresses, {study.settings}", study.sites
    if source == "otterlo":
        otterlo = zp.read_otterlo(data)
        points, _ = zp.read_park_points(data)
        result = zp.derive_parks(
            otterlo.objects,
            rule,
            parcels=otterlo.parcels,
            roads=otterlo.roads,
            water=otterlo.water,
            known_parks=points,
        )
        note = (
            f"real BGT buildings around Otterlo ({len(otterlo.objects)} main buildings, "
            f"{int(otterlo.objects['recreational'].sum())} recreational-like by footprint); "
            f"BRK parcels: {len(otterlo.parcels)}"
        )
        return result, None, note, None
    raise ConfigError(f"--source must be 'synthetic' or 'otterlo', got {source!r}")


def _write_derive_outputs(
    out: Path,
    source: str,
    result: Any,
    recovery: Any,
    point_report: dict[str, Any],
    area_note: str,
    planted: Any = None,
) -> dict[str, Path]:
    import pandas as pd

    paths = {
        "geojson": out / f"derived_{source}.geojson",
        "report": out / f"derive_{source}_report.json",
        "candidates": out / f"candidates_{source}.csv",
    }
    paths["geojson"].unlink(missing_ok=True)
    if len(result.parks):
        result.parks.to_crs(4326).to_file(paths["geojson"], driver="GeoJSON")
    pd.DataFrame(result.candidates.drop(columns="geometry")).to_csv(
        paths["candidates"], index=False
    )
    report = {
        **result.report,
        "data": area_note,
        "park_points": point_report,
        "recovery": recovery.summary if recovery is not None else None,
    }
    if recovery is not None:
        paths["recovery"] = out / f"recovery_{source}.csv"
        recovery.sites.to_csv(paths["recovery"], index=False)
    if planted is not None:
        # The planted footprints, as a stand-in for a gemeente's registered boundaries
        # (SYNTHETIC): `zicht parks compare` takes them like a real file.
        paths["planted"] = out / f"planted_sites_{source}.geojson"
        paths["planted"].unlink(missing_ok=True)
        sites = planted[planted["planted"]]
        sites.assign(name=sites["park_id"], synthetic=True)[
            ["park_id", "name", "park_type", "shape", "synthetic", "geometry"]
        ].to_crs(4326).to_file(paths["planted"], driver="GeoJSON")
    paths["report"].write_text(
        json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    return paths


@parks_app.command("versions")
def versions(store: StoreOption = DEFAULT_STORE) -> None:
    """List the versions in the park store."""
    from zicht.parks import list_park_versions

    try:
        table = list_park_versions(store)
    except ZichtError as exc:
        _fail(exc)
        return
    if table.empty:
        console.print(f"{store} holds no version yet")
        return
    cols = ["version_id", "created", "author", "reason", "parent_version", "n_parks"]
    out_console.print(_table(f"park versions in {store}", table[cols]))


LanguageOption = Annotated[str, typer.Option(help="Words on the page: 'nl' (default) or 'en'.")]


@parks_app.command("edit-map")
def edit_map(
    store: StoreOption = DEFAULT_STORE,
    version: Annotated[str | None, typer.Option(help="Version to edit (default: latest).")] = None,
    out: Annotated[Path, typer.Option(help="The HTML file.")] = Path("out/parks/edit_map.html"),
    tiles: Annotated[
        str | None,
        typer.Option(help="'pdok' (topographic map and aerial photo) or 'osm': online background."),
    ] = None,
    language: LanguageOption = "nl",
    geodata: GeodataOption = None,
) -> None:
    """Write the offline editor: edit, draw, check and export boundaries as GeoJSON."""
    from zicht import parks as zp
    from zicht._strings import text

    try:
        data = _geodata(geodata)
        parks, info = zp.load_park_version(store, version)
        context = zp.edit_context(data, parks)
        page = zp.render_edit_map(
            parks,
            meta={"parent_version": info.version_id, "store": str(store.resolve())},
            context=context,
            tiles_name=tiles,
            filename=f"parks_{info.version_id}_edited.geojson",
            language=language,
        )
    except ZichtError as exc:
        _fail(exc)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    typer.echo(f"Editor of {info.version_id} ({info.n_parks} parks) written to {out.resolve()}")
    traced = [f"{text('parks', t.label, 'en')}: {len(t.frame)}" for t in context.trace]
    typer.echo("trace layers (objects near the parks): " + ", ".join(traced))
    typer.echo(
        "Open it in a browser, edit, fill in your name and the reason, press 'Download het "
        "bestand met de grenzen', then: zicht parks import <file> "
        f"(the file names the store {store}, the author and the reason)"
    )


def _interactive() -> bool:
    """Say whether a person is at the terminal (then a missing author or reason is asked)."""
    return sys.stdin.isatty()


def _ask(value: str | None, what: str) -> str:
    if value and value.strip():
        return value
    if _interactive():
        return str(typer.prompt(what.capitalize()))
    return ""


def _target_store(store: Path | None, meta: dict[str, Any]) -> tuple[Path, str]:
    """Return the store to write into: the one asked for, else the one the file names."""
    named = str(meta.get("store") or "")
    if store is not None:
        note = f" (the file names {named})" if named and Path(named) != store.resolve() else ""
        return store, f"store {store}{note}"
    if named:
        return Path(named), f"store {named} (named in the file)"
    return DEFAULT_STORE, f"store {DEFAULT_STORE} (the default; the file names none)"


def _report_problems(frame: Any, file: Path, netherlands: Any) -> None:
    """Print every problem of the file at once and stop, saving nothing."""
    from zicht import parks as zp

    problems = zp.check_boundaries(frame, netherlands=netherlands)
    if not len(problems):
        return
    out_console.print(_table(f"{len(problems)} problem(s) in {file}", problems, 500))
    try:
        zp.validate_boundaries(frame, subject=str(file), netherlands=netherlands)
    except ZichtError as exc:
        console.print(
            f"[bold red]error[/]: {len(problems)} problem(s) in {file} (listed above); "
            "nothing was saved",
            highlight=False,
        )
        raise typer.Exit(code=exc.exit_code) from exc


@parks_app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="Boundary file (GeoJSON from the edit map, GPKG …).")
    ],
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", help="The park store; default: the one named in the file (edit map)."
        ),
    ] = None,
    author: Annotated[
        str | None,
        typer.Option(help="Who makes this version (default: the file's, else asked for)."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Why (default: the file's, else asked for).")
    ] = None,
    parent: Annotated[
        str,
        typer.Option(
            help="Parent version: 'auto' (from the file, else the latest), a version id, or 'none'."
        ),
    ] = "auto",
    dry_run: Annotated[bool, typer.Option(help="Only validate; save nothing.")] = False,
    tolerance_mm: Annotated[
        float, typer.Option(help="A boundary that moved less than this is unchanged.")
    ] = 1.0,
    geodata: GeodataOption = None,
) -> None:
    """Validate a boundary file (every problem at once) and store it as a new version.

    The store is the one the file names (the edit map writes it in), unless --store says
    otherwise. When no park changed against the parent, nothing is saved and it says so.
    """
    from zicht import parks as zp

    try:
        frame, meta = zp.read_boundary_file(file)
        target, where = _target_store(store, meta)
        netherlands = zp.netherlands_polygon(_geodata(geodata))
        _report_problems(frame, file, netherlands)
        console.print(f"{file}: {len(frame)} parks, valid; {where}", highlight=False)
        if "rd_vertices" in meta:
            rd = meta["rd_vertices"]
            console.print(
                f"coordinates: {rd['kept']} vertices kept exactly in RD New, "
                f"{rd['converted']} moved or new (converted from WGS84), "
                f"{rd['changed_outside_editor']} changed outside the editor (converted)",
                highlight=False,
            )
        if dry_run:
            return
        parent_id = _parent(target, parent, meta)
        if parent_id and not target.exists():
            raise InputError(
                f"the {where} does not exist, so its version {parent_id} cannot be the "
                "parent; name the store with --store, or start a new one with --parent none"
            )
        frame = _carry_rules(frame, target, parent_id)
        if parent_id and _unchanged(frame, target, parent_id, tolerance_mm / 1000):
            return
        info = zp.save_park_version(
            target,
            frame,
            # the editor writes the name and the reason its user gave into the file
            author=_ask(author or str(meta.get("author") or ""), "author"),
            reason=_ask(reason or str(meta.get("reason") or ""), "reason"),
            parent_version=parent_id,
            netherlands=netherlands,
        )
    except ZichtError as exc:
        _fail(exc)
        return
    typer.echo(
        f"saved version {info.version_id} ({info.n_parks} parks, parent "
        f"{info.parent_version or '–'}, author {info.author}) in {target}"
    )


def _unchanged(frame: Any, store: Path, parent: str, tolerance_m: float) -> bool:
    """Say (and print) whether the file holds the parent's boundaries, within the tolerance."""
    from zicht import parks as zp

    before, _ = zp.load_park_version(store, parent)
    clean = zp.validate_boundaries(frame)
    result = zp.diff_parks(before, clean, label_a=parent, label_b="file", tolerance_m=tolerance_m)
    s = result.summary
    console.print(
        f"against {parent}: {s['added']} added, {s['removed']} removed, {s['changed']} changed, "
        f"{s['unchanged']} unchanged (boundaries within {1000 * s['tolerance_m']:g} mm)",
        highlight=False,
    )
    if result.n_changes:
        return False
    typer.echo(f"no change against {parent}: no new version saved in {store}")
    return True


def _parent(store: Path, parent: str, meta: dict[str, Any]) -> str | None:
    from zicht.parks import list_park_versions

    if parent == "none":
        return None
    if parent != "auto":
        return parent
    if meta.get("parent_version"):
        return str(meta["parent_version"])
    versions = list_park_versions(store)
    return None if versions.empty else str(versions["version_id"].iloc[-1])


def _carry_rules(frame: Any, store: Path, parent: str | None) -> Any:
    """Keep the rule record (and a missing type) of parks that came from the parent version."""
    from zicht.parks import load_park_version

    if parent is None:
        return frame
    before, _ = load_park_version(store, parent)
    kept = before.set_index("park_id")
    out = frame.copy()
    for col in ("rule_id", "rule_json", "rule_text", "matched_park_ids", "park_type"):
        if col not in out:
            out[col] = ""
        carried = out["park_id"].astype("str").map(kept[col]).fillna("")
        out[col] = out[col].fillna("").astype("str").where(out[col].fillna("") != "", carried)
    return out


@parks_app.command()
def diff(
    version_a: Annotated[str, typer.Argument(help="Version A, e.g. v1.")],
    version_b: Annotated[str, typer.Argument(help="Version B, e.g. v2.")],
    store: StoreOption = DEFAULT_STORE,
    out: Annotated[Path, typer.Option(help="Folder for the table and the map.")] = Path(
        "out/parks"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic addresses.")] = 20240,
    tolerance_mm: Annotated[
        float, typer.Option(help="A boundary that moved less than this is unchanged.")
    ] = 1.0,
    language: LanguageOption = "nl",
    geodata: GeodataOption = None,
) -> None:
    """Compare two versions: parks added, removed, changed; area; addresses and parcels moved."""
    import pandas as pd

    from zicht import parks as zp

    try:
        data = _geodata(geodata)
        a, info_a = zp.load_park_version(store, version_a)
        b, info_b = zp.load_park_version(store, version_b)
        gemeenten = zp.read_gemeenten(data)
        both = pd.concat([a.geometry, b.geometry]).union_all()
        codes = sorted(gemeenten.loc[gemeenten.intersects(both), "code"])
        with console.status("generating the synthetic addresses of the area …"):
            study = zp.synthetic_park_study(data, codes, seed=seed)
        parcels = zp.read_otterlo(data).parcels
        result = zp.diff_parks(
            a,
            b,
            addresses=study.addresses,
            parcels=parcels,
            label_a=info_a.version_id,
            label_b=info_b.version_id,
            tolerance_m=tolerance_mm / 1000,
        )
        page = zp.render_diff_map(result, points=study.points, language=language)
    except ZichtError as exc:
        _fail(exc)
        return
    out.mkdir(parents=True, exist_ok=True)
    stem = f"diff_{info_a.version_id}_{info_b.version_id}"
    (out / f"{stem}.csv").write_text(result.table.to_csv(index=False), encoding="utf-8")
    (out / f"{stem}.html").write_text(page, encoding="utf-8")
    columns = ["park_id", "change", "area_change_m2", "iou", "max_shift_m"]
    columns += ["addresses_in", "addresses_out", "parcels_in", "parcels_out"]
    changed = result.table.loc[result.table["change"] != "unchanged", columns]
    out_console.print(
        _table(f"{info_a.version_id} → {info_b.version_id}: parks that changed", changed)
    )
    console.print(f"summary: {result.summary}", highlight=False)
    console.print(
        f"[dim]addresses: synthetic (seed {seed}) in {len(codes)} gemeenten; parcels: the BRK "
        f"sample around Otterlo ({len(parcels)} parcels)[/]",
        highlight=False,
    )
    typer.echo(f"  table  {out / f'{stem}.csv'}\n  map    {out / f'{stem}.html'}")


@parks_app.command()
def compare(
    registered: Annotated[
        Path,
        typer.Argument(help="Registered boundaries: a gemeente's own file or TOP10NL areas."),
    ],
    store: StoreOption = DEFAULT_STORE,
    version: Annotated[str | None, typer.Option(help="Version (default: latest).")] = None,
    id_column: Annotated[str | None, typer.Option(help="Column with the park id.")] = None,
    name_column: Annotated[str | None, typer.Option(help="Column with the name.")] = None,
    min_iou: Annotated[float, typer.Option(help="IoU a pair needs to be a match.")] = 0.1,
    out: Annotated[Path, typer.Option(help="Folder for the table and the map.")] = Path(
        "out/parks"
    ),
    language: LanguageOption = "nl",
) -> None:
    """Compare a version with registered boundaries: IoU per park, parks only in one set, map."""
    from zicht import parks as zp

    try:
        derived, info = zp.load_park_version(store, version)
        other, report = zp.read_registered_boundaries(
            registered, id_column=id_column, name_column=name_column
        )
        result = zp.compare_boundaries(
            derived, other, label_a=info.version_id, label_b=registered.stem, min_iou=min_iou
        )
        page = zp.render_compare_map(result, language=language)
    except ZichtError as exc:
        _fail(exc)
        return
    out.mkdir(parents=True, exist_ok=True)
    stem = f"compare_{info.version_id}_{registered.stem}"
    (out / f"{stem}.csv").write_text(result.table.to_csv(index=False), encoding="utf-8")
    (out / f"{stem}.html").write_text(page, encoding="utf-8")
    shown = result.table[["kind", "park_id_a", "park_id_b", "iou", "park_type_a", "park_type_b"]]
    out_console.print(_table(f"{info.version_id} against {registered.name}", shown, 60))
    console.print(f"read: {report}", highlight=False)
    console.print(f"summary: {result.summary}", highlight=False)
    typer.echo(f"  table  {out / f'{stem}.csv'}\n  map    {out / f'{stem}.html'}")


@parks_app.command()
def indicators(
    store: StoreOption = DEFAULT_STORE,
    version: Annotated[str | None, typer.Option(help="Version (default: latest).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the release.")] = Path(
        "out/parks/indicators"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic addresses.")] = 20240,
    min_units: Annotated[
        int, typer.Option(help="Addresses a park (or merged group) needs to be published.")
    ] = 10,
    rounding_base: Annotated[int, typer.Option(help="Counts are rounded to this base.")] = 5,
    geodata: GeodataOption = None,
) -> None:
    """Publish park-level indicators for a version (small parks merged per gemeente)."""
    from zicht import parks as zp
    from zicht._strings import text
    from zicht.export import write_release
    from zicht.maps import write_map
    from zicht.publish import DisclosureRules

    try:
        data = _geodata(geodata)
        parks, info = zp.load_park_version(store, version)
        gemeenten = zp.read_gemeenten(data)
        codes = sorted(gemeenten.loc[gemeenten.intersects(parks.geometry.union_all()), "code"])
        study = zp.synthetic_park_study(data, codes, seed=seed)
        units = study.addresses.copy()
        units["park_id"] = zp.assign_points_to_parks(units, parks)
        units["n_registered_residents"] = zp.synthesize_registered_residents(units, seed=seed)
        release = zp.publish_park_indicators(
            units,
            parks,
            gemeenten,
            rules=DisclosureRules(min_units=min_units, rounding_base=rounding_base),
            metadata={
                "title": f"zicht park indicators — park version {info.version_id}",
                "park_version": info.to_manifest(),
                "synthetic": True,
                "synthetic_note": text("report", "synthetic_generated"),
                "data_date": "synthetic units generated at run time; CBS gemeenten 2022",
            },
            context={"parks": study.points[["park_id", "name", "location_trusted", "geometry"]]},
        )
        paths = write_release(release, out)
        paths["map"] = write_map(release, out / "park_map.html")
    except ZichtError as exc:
        _fail(exc)
        return
    for name, frame in release.layers.items():
        published = int((frame["status"] == "published").sum())
        console.print(f"{name}: {published} published, {len(frame) - published} suppressed")
    console.print(f"the manifest names park version {info.version_id}")
    for role, path in sorted(paths.items()):
        typer.echo(f"  {role:<16} {path}")
