"""The ``zicht`` command line: arguments → config → pipeline, nothing more.

Every :class:`~zicht.ZichtError` becomes a one-line message and its own exit code.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from zicht._errors import ZichtError
from zicht._version import __version__
from zicht.cli._check import register as register_check
from zicht.cli._parks import parks_app

if TYPE_CHECKING:
    from zicht.config import RunConfig
    from zicht.pipeline import RunResult

app = typer.Typer(
    name="zicht",
    help="Privacy-safe geospatial risk maps for the prevention of subversive crime.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(parks_app, name="parks")
register_check(app)
console = Console(stderr=True)


def _fail(exc: ZichtError) -> None:
    console.print(f"[bold red]error[/]: {escape(str(exc))}")
    raise typer.Exit(code=exc.exit_code)


@contextmanager
def _translated_warnings() -> Iterator[None]:
    """Print every warning once, as a note in words, after the step (never raw)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen: set[str] = set()
    for w in caught:
        text = str(w.message)
        if text in seen:
            continue
        seen.add(text)
        module = Path(w.filename).parts
        ours = "zicht" in module
        if ours and issubclass(w.category, UserWarning):
            console.print(f"[yellow]note[/]: {escape(text)}")
        else:
            where = "/".join(module[-2:])
            console.print(
                f"[yellow]note[/]: a computation in {escape(where)} warned "
                f"({w.category.__name__}: {escape(text)}); a value it made may be missing "
                "or undefined. Please report it if the inputs look right."
            )


def _preflight(settings: RunConfig, out: Path | None) -> None:
    from zicht.config import preflight

    found = preflight(settings, out)
    for line in found.lines:
        console.print(f"  {escape(line)}")
    for note in found.notes:
        console.print(f"[yellow]note[/]: {escape(note)}")
    console.print(f"checked in {found.seconds:.1f} s")


def _preflight_years(config: Path, out: Path | None) -> None:
    from zicht.config import load_years_config

    settings, years = load_years_config(config)
    from zicht._years import preflight_years  # heavy: after the config

    for year, found in preflight_years(settings, years, out).items():
        console.print(f"{year}:")
        for line in found.lines:
            console.print(f"  {escape(line)}")
        for note in found.notes:
            console.print(f"  [yellow]note[/]: {escape(note)}")
        console.print(f"  checked in {found.seconds:.1f} s")


@app.command()
def validate(
    config: Annotated[Path, typer.Argument(help="TOML file describing the run.")],
    out: Annotated[
        Path | None, typer.Option(help="Output folder the run would write (checked too).")
    ] = None,
) -> None:
    """Check a configuration and every input it names, without running the pipeline.

    The config keys, every path (by key), the schema, CRS and codes of every layer, the
    unit table's columns and flags, and the join coverage on a sample of the units; for an
    area table its keys, both files and the table's columns; for a ``[years]`` table, the
    checks ``zicht run`` makes before the first year, then each year's inputs.
    """
    from zicht.config import check_area_inputs, load_area_config, load_config

    try:
        with _translated_warnings():
            if _is_area_config(config):  # an area table: its keys, files and columns
                check_area_inputs(load_area_config(config))
            elif _is_years_config(config):
                _preflight_years(config, out)
            else:
                _preflight(load_config(config), out)
    except ZichtError as exc:
        _fail(exc)
        return
    typer.echo(f"{config}: ready to run")


@app.command()
def version() -> None:
    """Print the zicht version."""
    typer.echo(__version__)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the outputs.")] = Path("out/demo"),
    config: Annotated[
        Path | None,
        typer.Option(help="TOML file with demo settings (default: the shipped geodata/demo.toml)."),
    ] = None,
) -> None:
    """Run the whole pipeline on the shipped data for gemeente Ede (GM0228)."""
    from zicht.config import load_config

    try:
        with _translated_warnings():
            settings = load_config(config) if config else None
            with console.status("running the zicht demo on the shipped data …"):
                from zicht.pipeline import run_demo  # heavy: after the config

                result = run_demo(settings, out)
    except ZichtError as exc:
        _fail(exc)
        return
    _report(result, out, "zicht demo")


@app.command()
def run(
    config: Annotated[Path, typer.Argument(help="TOML file describing the run.")],
    out: Annotated[Path, typer.Option(help="Folder for the outputs.")] = Path("out/run"),
    history: Annotated[
        Path | None,
        typer.Option(
            help="Release history folder: check the release against every release in it "
            "before it lands, withhold areas that differ by fewer units than the threshold, "
            "and register it under the name of --out (docs/years.md)."
        ),
    ] = None,
) -> None:
    """Run the whole pipeline from one TOML file (see docs/configuration.md).

    A file with an ``[areas]`` table is an area-table run (docs/area-tables.md); one with a
    ``[years]`` table runs once per year and writes the trends (docs/years.md).
    """
    from zicht.config import load_config
    from zicht.export import ensure_unlocked

    if _is_area_config(config):
        _run_areas(config, out)
        return
    if _is_years_config(config):
        _run_years(config, out)
        return
    try:
        with _translated_warnings():
            settings = load_config(config)
            ensure_unlocked(out)  # a second run into the same folder stops here, at once
            _preflight(settings, out)
            with console.status(f"running zicht on {config} …"):
                from zicht.pipeline import (
                    run as run_pipeline,
                )  # heavy: after the config

                if history is None:
                    result = run_pipeline(settings, out)
                else:
                    result = _run_with_history(settings, out, history)
    except ZichtError as exc:
        _fail(exc)
        return
    _report(result, out, "zicht run")


@app.command()
def init(
    buurten: Annotated[Path, typer.Option(help="Your buurt boundaries (any vector file).")],
    units: Annotated[Path, typer.Option(help="Your unit table (GeoPackage, GeoParquet).")],
    gemeente: Annotated[
        list[str] | None,
        typer.Option(help="Gemeente code of the study area; repeat for more (default: all)."),
    ] = None,
    config: Annotated[Path, typer.Option(help="Configuration file to write.")] = Path("zicht.toml"),
    assume_crs: Annotated[
        str, typer.Option(help="CRS of a buurt file that declares none (e.g. RD New).")
    ] = "",
    force: Annotated[bool, typer.Option(help="Overwrite an existing configuration.")] = False,
) -> None:
    """Write a commented configuration that runs as written, from your own two files."""
    from zicht.config import starter_config

    if config.exists() and not force:
        console.print(f"[bold red]error[/]: {escape(str(config))} exists; pass --force")
        raise typer.Exit(code=2)
    try:
        with _translated_warnings():
            made = starter_config(
                buurten,
                units,
                target=config,
                gemeente=tuple(gemeente or ()),
                assume_crs=assume_crs,
            )
    except ZichtError as exc:
        _fail(exc)
        return
    config.write_text(made.text, encoding="utf-8")
    for note in made.notes:
        console.print(f"[yellow]note[/]: {escape(note)}")
    typer.echo(
        f"wrote {config}: gemeente {', '.join(made.gemeenten)}, {len(made.flags)} rate "
        f"indicator(s) ({', '.join(made.flags)}). Next: zicht validate {config}"
    )


def _is_area_config(config: Path) -> bool:
    import tomllib

    from zicht.config import is_area_config

    try:
        return is_area_config(tomllib.loads(config.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # load_config names the problem


def _run_with_history(settings: Any, out: Path, folder: Path) -> Any:
    from zicht._years import run_checked
    from zicht.check import ReleaseHistory

    result, entry = run_checked(settings, out, ReleaseHistory(folder), key=out.name)
    held = sum(len(v) for v in entry.withheld.values())
    against = ", ".join(entry.checked_against) or "none yet"
    typer.echo(
        f"release history {folder}: registered as {entry.key}, checked against {against}"
        + (f"; {held} area(s) withheld to pass (see {folder}/index.json)" if held else "")
    )
    return result


def _is_years_config(config: Path) -> bool:
    import tomllib

    from zicht.config import is_years_config

    try:
        return is_years_config(tomllib.loads(config.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # load_config names the problem


def _run_years(config: Path, out: Path) -> None:
    from zicht.config import load_years_config

    try:
        with _translated_warnings():
            settings, years = load_years_config(config)
            with console.status(f"running {config} for {len(years.tables)} years …"):
                from zicht._years import run_years  # heavy: after the config

                result = run_years(settings, years, out)
    except ZichtError as exc:
        _fail(exc)
        return
    for year, run in result.runs.items():
        layers = run.summary["layers"]
        shown = ", ".join(f"{n} {v['published']} published" for n, v in layers.items())
        typer.echo(f"{year}: {shown}; registered in the release history")
    for layer, table in result.trends.items():
        counts = table["trend"].replace("", "not tested").value_counts().to_dict()
        typer.echo(f"trends {layer}: {counts}")
    if result.emerging is not None:
        shown = result.emerging[result.emerging["category"] != ""]
        typer.echo(f"emerging hot spots (h3): {shown['category'].value_counts().to_dict()}")
    typer.echo(f"Outputs written to {out.resolve()}:")
    for role, path in sorted(result.paths.items()):
        typer.echo(f"  {role:<16} {path}")


def _run_areas(config: Path, out: Path) -> None:
    from zicht.config import check_area_inputs, load_area_config

    try:
        with _translated_warnings():
            settings = load_area_config(config)
            check_area_inputs(settings)  # the files and the table's header: at once
            with console.status(f"running the area table {config} …"):
                from zicht._areas import run_area_table  # heavy: after the checks

                result = run_area_table(settings, out)
    except ZichtError as exc:
        _fail(exc)
        return
    join = result.join
    layer = next(iter(result.release.layers.values()))
    labels = layer["hotspot_label"].value_counts().to_dict() if "hotspot_label" in layer else {}
    typer.echo(
        f"{join['joined']} of {join['rows']} table rows joined to {join['areas']} areas "
        f"({join['n_rows_without_polygon']} rows without a polygon, "
        f"{join['n_areas_without_row']} areas without a row); "
        f"published {int((layer['status'] == 'published').sum())}; hot-spot labels {labels}"
    )
    typer.echo(f"Outputs written to {out.resolve()}:")
    for role, path in sorted(result.paths.items()):
        typer.echo(f"  {role:<16} {path}")


def _report(result: RunResult, out: Path, title: str) -> None:
    summary = result.summary
    units = "units (synthetic)" if summary["synthetic_note"] else "units"
    table = Table(title=f"{title} — {summary['study_area']} — run {summary['run_id']}")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row(f"{units} in", f"{summary['units_in']:,}")
    table.add_row("joined", f"{summary['units_joined']:,}")
    for reason, n in summary["units_not_joined"].items():
        table.add_row(f"not joined: {reason}", f"{n:,}")
    for name, layer in summary["layers"].items():
        merged = layer.get("merged", 0)
        table.add_row(f"{name}: published", f"{layer['published']:,}")
        if merged:
            table.add_row(f"{name}: merged into publishable regions", f"{merged:,}")
        table.add_row(
            f"{name}: suppressed (< {summary['rules']['min_units']} units)",
            f"{layer['suppressed']:,}",
        )
    for label, n in sorted(summary["hotspot_cells"].items()):
        table.add_row(f"h3 cells labelled {label or 'not tested'}", f"{n:,}")
    for name, comp in summary.get("composite", {}).items():
        table.add_row(f"{name}: composite ranks unstable", f"{comp['n_unstable']:,}")
    screen = summary.get("proxy_screen")
    table.add_row(
        "proxy screen: flagged", "not run" if screen is None else f"{screen['flagged']:,}"
    )
    table.add_row("register fields to write", f"{len(summary.get('register_to_be_written', [])):,}")
    table.add_row("seconds", f"{summary['seconds']:.1f}")
    console.print(table)
    for comp in summary.get("composite", {}).values():
        console.print(f"[yellow]{escape(comp['verdict'])}[/]")
    if summary["synthetic_note"]:
        # the note quotes config keys such as [inputs.units]: text, not markup
        console.print(f"[dim]{escape(summary['synthetic_note'])}[/]")
    typer.echo(f"Outputs written to {out.resolve()}:")
    for role, path in sorted(result.paths.items()):
        typer.echo(f"  {role:<16} {path}")


if __name__ == "__main__":  # pragma: no cover
    app()
