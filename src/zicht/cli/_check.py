"""The ``zicht check`` command: attack a release with the unit data, exit non-zero on a leak.

``cli.py`` adds it with ``register(app)``. Exit codes: 0 when no violation is found, 1 when
the release breaks a rule, 3 when a file cannot be read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["check_command", "register"]

EXIT_CLEAN = 0
EXIT_VIOLATION = 1
EXIT_UNREADABLE = 3


def check_command(
    release_dir: Annotated[
        Path, typer.Argument(help="Release folder (manifest.json, release.gpkg, CSVs).")
    ],
    units: Annotated[
        Path | None,
        typer.Option(
            "--units",
            help="Unit-level Parquet file written outside the release (default: "
            "<release_dir>_internal/units.parquet, where `zicht run` writes it).",
        ),
    ] = None,
    against: Annotated[
        list[Path] | None,
        typer.Option(
            "--against",
            help="Another release from the same units (earlier run, other boundaries); "
            "repeatable. Every pair of layers across the releases is attacked.",
        ),
    ] = None,
    against_units: Annotated[
        list[Path] | None,
        typer.Option(
            "--against-units",
            help="The unit file of each --against release, in the same order (default: "
            "<release>_internal/units.parquet where it exists, else the --units file).",
        ),
    ] = None,
    min_units: Annotated[
        int | None,
        typer.Option(help="Check against a stricter threshold than the release declares."),
    ] = None,
    allow_internal: Annotated[
        bool,
        typer.Option(
            "--allow-internal",
            help='Judge a release made with [rules] purpose = "internal" (NIET VOOR '
            "PUBLICATIE) by its own rules instead of failing it.",
        ),
    ] = False,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the report as JSON here.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Violations to print at most.")] = 200,
) -> None:
    """Re-read a release and the unit data with independent code and try to break it.

    Prints what was tried and every violation; exits 1 on any violation.
    """
    from zicht.check import check_release
    from zicht.export import internal_dir_for

    if units is None:
        units = internal_dir_for(release_dir) / "units.parquet"
        if not units.is_file():
            typer.echo(
                f"error: no --units given and {units} does not exist; pass the unit-level "
                "file that `zicht run` wrote outside the release",
                err=True,
            )
            raise typer.Exit(code=EXIT_UNREADABLE)
    others = list(against or [])
    own_units: list[Path | None] = list(against_units or [])
    for release in others[len(own_units) :]:
        default = internal_dir_for(release) / "units.parquet"
        own_units.append(default if default.is_file() else None)
    try:
        report = check_release(
            release_dir,
            units,
            against=others,
            min_units=min_units,
            against_units=own_units,
            allow_internal=allow_internal,
        )
    except (OSError, ValueError, KeyError) as exc:
        typer.echo(f"error: cannot check {release_dir}: {exc}", err=True)
        raise typer.Exit(code=EXIT_UNREADABLE) from exc
    typer.echo(report.to_text(limit=limit))
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    raise typer.Exit(code=EXIT_CLEAN if report.ok else EXIT_VIOLATION)


def register(app: typer.Typer) -> None:
    """Add the ``check`` command to the zicht command line.

    Parameters
    ----------
    app
        The ``zicht`` Typer application.
    """
    app.command(name="check")(check_command)
