"""PostgreSQL + PostGIS plumbing for :mod:`zicht.ingest` (the only caller).

A database is named by a connection URL, ``postgresql://user:password@host:port/dbname``
(``postgres://`` and ``postgresql+psycopg://`` work too; a unix-socket directory goes in
``?host=/path``). Layers are read with :func:`geopandas.read_postgis` and written with
:meth:`geopandas.GeoDataFrame.to_postgis` through SQLAlchemy and psycopg 3.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import geopandas as gpd

from zicht._errors import InputError

__all__ = ["is_database_url", "read_postgis_layer", "redact_url", "write_postgis_layer"]

_URL = re.compile(r"^(postgres|postgresql)(\+psycopg)?://", re.IGNORECASE)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def is_database_url(source: object) -> bool:
    """Tell whether ``source`` is a PostgreSQL connection URL."""
    return isinstance(source, str) and bool(_URL.match(source))


def redact_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***`` (for reports and errors)."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _sqlalchemy_url(url: str) -> str:
    return _URL.sub("postgresql+psycopg://", url, count=1)


@contextmanager
def _engine(url: str) -> Iterator[Any]:
    try:
        import sqlalchemy
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise InputError("reading or writing PostGIS needs sqlalchemy and psycopg") from exc
    engine = sqlalchemy.create_engine(_sqlalchemy_url(url))
    try:
        yield engine
    finally:
        engine.dispose()


def _check_identifier(name: str) -> str:
    if not _IDENT.match(name):
        raise InputError(
            f"table name {name!r} is not a plain SQL identifier ([schema.]name with letters, "
            "digits and underscores); pass sql= for anything else"
        )
    return name


def read_postgis_layer(
    url: str,
    *,
    table: str | None = None,
    sql: str | None = None,
    geometry_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one table, or the result of one query, from PostGIS.

    Parameters
    ----------
    url
        Connection URL.
    table
        ``[schema.]table`` to read whole.
    sql
        A query instead of a table; must return ``geometry_column``.
    geometry_column
        Name of the geometry column; by default looked up in PostGIS's
        ``geometry_columns`` for a table, and ``geom`` for a query.

    Returns
    -------
    geopandas.GeoDataFrame
        In the CRS the geometry column declares (its SRID).

    Raises
    ------
    InputError
        If the database cannot be reached, or the table or query fails.
    """
    if (table is None) == (sql is None):
        raise InputError("read from PostGIS with exactly one of table= (layer=) or sql=")
    query = sql if sql is not None else f"SELECT * FROM {_check_identifier(str(table))}"
    try:
        import sqlalchemy

        with _engine(url) as engine, engine.connect() as conn:
            geom_col = geometry_column or (
                _geometry_column(conn, str(table)) if table is not None else "geom"
            )
            return gpd.read_postgis(sqlalchemy.text(query), conn, geom_col=geom_col)
    except InputError:
        raise
    except Exception as exc:  # any driver or SQL failure becomes one clear message
        raise InputError(
            f"cannot read {table or 'query'} from {redact_url(url)}: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}"
        ) from exc


def _geometry_column(conn: Any, table: str) -> str:
    import sqlalchemy

    schema, _, bare = table.rpartition(".")
    rows = conn.execute(
        sqlalchemy.text(
            "SELECT f_geometry_column FROM geometry_columns WHERE f_table_name = :t "
            "AND (:s = '' OR f_table_schema = :s) ORDER BY f_geometry_column"
        ),
        {"t": bare, "s": schema},
    ).fetchall()
    if not rows:
        raise InputError(f"table {table} has no registered geometry column (or does not exist)")
    return str(rows[0][0])


def write_postgis_layer(
    frame: gpd.GeoDataFrame, url: str, *, table: str, if_exists: str = "fail"
) -> str:
    """Write a layer to PostGIS, with a spatial index on its geometry.

    Parameters
    ----------
    frame
        Layer to write (any CRS; its EPSG code becomes the SRID).
    url
        Connection URL.
    table
        ``[schema.]table`` to create.
    if_exists
        ``"fail"``, ``"replace"`` or ``"append"``.

    Returns
    -------
    str
        The table written.

    Raises
    ------
    InputError
        If the database cannot be reached or the table exists and ``if_exists="fail"``.
    """
    name = _check_identifier(table)
    schema, _, bare = name.rpartition(".")
    try:
        with _engine(url) as engine:
            frame.to_postgis(bare, engine, schema=schema or None, if_exists=if_exists, index=False)
    except Exception as exc:
        raise InputError(
            f"cannot write {name} to {redact_url(url)}: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}"
        ) from exc
    return name
