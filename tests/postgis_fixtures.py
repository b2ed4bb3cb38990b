"""pytest plugin: a throwaway PostgreSQL + PostGIS server for the ``postgis`` tests.

Registered from ``tests/conftest.py`` (``pytest_plugins = ["postgis_fixtures"]``). The
session fixture ``postgis_url`` runs ``initdb`` into a temporary folder, starts the server
on a free localhost port (and a unix socket in that folder), creates a database with the
``postgis`` extension, yields its URL, and stops and deletes it all at the end. PostgreSQL
refuses to run as root, so as root the server runs as the ``postgres`` system user.

The Debian packages ``postgresql`` and ``postgresql-15-postgis-3`` provide the binaries;
``scripts/ensure-test-services.sh`` (run by ``make test``) installs them when absent. The
tests are skipped, with the reason, when the binaries, the extension or the Python driver
are missing; under CI (``CI=true``) a server that fails to start fails the tests instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_DB = "zicht_test"


def _pg_bindir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if candidates:
        return candidates[0].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _postgis_available(bindir: Path) -> bool:
    version = bindir.parent.name
    controls = list(Path("/usr/share/postgresql").glob(f"{version}/extension/postgis.control"))
    return bool(controls) or bool(
        list(Path("/usr/share/postgresql").glob("*/extension/postgis.control"))
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    """PostgreSQL will not run as root: run as the ``postgres`` system user then."""
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(cmd)]


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120, **kwargs)  # type: ignore[call-overload]


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true" and os.geteuid() == 0:
        pytest.fail(f"PostGIS test server: {reason}")
    pytest.skip(f"PostGIS test server: {reason}")


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """URL of a fresh PostGIS database on a throwaway local server (session-wide)."""
    for module in ("psycopg", "sqlalchemy", "geoalchemy2"):
        try:
            __import__(module)
        except ImportError:
            pytest.skip(f"PostGIS tests need the Python package {module}")
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL binaries not found (install Debian's postgresql and "
            "postgresql-15-postgis-3, or run scripts/ensure-test-services.sh as root)"
        )
    if not _postgis_available(bindir):
        pytest.skip("the PostGIS extension is not installed (Debian postgresql-15-postgis-3)")
    if os.geteuid() == 0:
        try:
            _run(["id", "postgres"])
        except (subprocess.CalledProcessError, FileNotFoundError):
            pytest.skip("running as root without a 'postgres' system user to run the server")
    root = Path(tempfile.mkdtemp(prefix="zicht-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    pg_ctl = str(bindir / "pg_ctl")
    started = False
    try:
        _run(
            _as_server_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ]
            )
        )
        options = (
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        _run(
            _as_server_user(
                [
                    pg_ctl,
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(root / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            )
        )
        started = True
        psql = str(bindir / "psql")
        base = [psql, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
        _run([*base, "-d", "postgres", "-c", f"CREATE DATABASE {_DB}"])
        _run([*base, "-d", _DB, "-c", "CREATE EXTENSION postgis"])
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        log = ""
        with contextlib.suppress(OSError):
            log = (root / "server.log").read_text()[-800:]
        detail = getattr(exc, "stderr", "") or str(exc)
        if started:
            with contextlib.suppress(Exception):
                _run(_as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]))
        shutil.rmtree(root, ignore_errors=True)
        _skip_or_fail(f"could not start: {detail.strip()[:400]} {log.strip()}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/{_DB}"
    finally:
        with contextlib.suppress(Exception):
            _run(_as_server_user([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]))
        shutil.rmtree(root, ignore_errors=True)
