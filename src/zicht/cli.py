"""The ``zicht`` command line: arguments → config → pipeline, nothing more.

Every :class:`~zicht.ZichtError` becomes a one-line message and its own exit code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from zicht import __version__
from zicht._errors import ZichtError

app = typer.Typer(
    name="zicht",
    help="Privacy-safe geospatial risk maps for the prevention of subversive crime.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


def _fail(exc: ZichtError) -> None:
    console.print(f"[bold red]error[/]: {exc}")
    raise typer.Exit(code=exc.exit_code)


@app.command()
def version() -> None:
    """Print the zicht version."""
    typer.echo(__version__)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the outputs.")] = Path("out/demo"),
    config: Annotated[
        Path | None, typer.Option(help="TOML file with demo settings (optional).")
    ] = None,
) -> None:
    """Run the whole pipeline on the shipped data for gemeente Ede (GM0228)."""
    from zicht.config import DemoConfig, load_config
    from zicht.pipeline import run_demo

    try:
        settings = load_config(config) if config else DemoConfig()
        with console.status("running the zicht demo on the shipped data …"):
            result = run_demo(settings, out)
    except ZichtError as exc:
        _fail(exc)
        return
    summary = result.summary
    table = Table(title=f"zicht demo — {summary['study_area']} — run {summary['run_id']}")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("addresses in (synthetic)", f"{summary['units_in']:,}")
    table.add_row("addresses joined", f"{summary['units_joined']:,}")
    for reason, n in summary["units_not_joined"].items():
        table.add_row(f"not joined: {reason}", f"{n:,}")
    for name, layer in summary["layers"].items():
        table.add_row(f"{name}: published", f"{layer['published']:,}")
        table.add_row(
            f"{name}: suppressed (< {summary['rules']['min_units']} units)",
            f"{layer['suppressed']:,}",
        )
    for label, n in sorted(summary["hotspot_cells"].items()):
        table.add_row(f"h3 cells labelled {label}", f"{n:,}")
    table.add_row("seconds", f"{summary['seconds']:.1f}")
    console.print(table)
    console.print(f"[dim]{summary['synthetic_note']}[/]")
    typer.echo(f"Outputs written to {out.resolve()}:")
    for role, path in sorted(result.paths.items()):
        typer.echo(f"  {role:<16} {path}")


if __name__ == "__main__":  # pragma: no cover
    app()
