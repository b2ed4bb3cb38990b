"""Writing a release folder whole or not at all, and one run at a time.

A run never writes into ``--out`` itself. :func:`staged_release` takes the folder's lock,
makes two empty folders beside it on the same file system (``<out>.zicht-unfinished-<pid>``
for the release, ``<out>_internal.zicht-unfinished-<pid>`` for the files that stay inside),
and the run writes every file there. Only when all are written (and, in ``zicht run``, the
release passes the checker's code path) does :meth:`ReleaseStage.commit` move them into
place. On Linux each move is one atomic ``renameat2(RENAME_EXCHANGE)``: the old folder and
the new one trade names, so ``--out`` always holds one whole release; the old one is then
removed. Elsewhere (or on a file system without the exchange) the old folder is renamed
aside to ``<out>.zicht-previous-<pid>`` and the new one renamed in, leaving a window of two
system calls in which ``--out`` does not exist; a run that finds ``--out`` missing and a
``zicht-previous`` folder puts it back first.

The release folder and the internal folder are two names, so they are moved one after the
other (release first): a process killed between those two calls leaves the new release
beside the previous run's unit file, which ``zicht check`` reports as belonging to another
run. The next run into the same ``--out`` removes what an interrupted run left behind and
says so.

The lock ``<out>.zicht-lock`` beside ``--out`` holds the process id, host and start time of
the run that writes. It is an advisory ``flock`` that the kernel drops when the process
dies, so a lock left by a killed run is recognised as stale and taken over with a warning;
where ``fcntl`` is missing (Windows) a lock whose process no longer lives on this host is
stale. Local file systems only: ``flock`` over NFS is not reliable.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import signal
import socket
import sys
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zicht._errors import DisclosureError, OutputError
from zicht._strings import text

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "KILL_HOOK",
    "ReleaseStage",
    "ensure_unlocked",
    "internal_dir_for",
    "kill_point",
    "lock_path_for",
    "staged_release",
]

UNFINISHED = "zicht-unfinished"
PREVIOUS = "zicht-previous"
#: Set to a point name (``written``, ``checked``, ``swapped``) to SIGKILL the run there;
#: the tests of whole-or-nothing writing use it. Nothing else reads it.
KILL_HOOK = "ZICHT_TEST_KILL_AT"
_RELEASE_MARKERS = ("manifest.json", "run_manifest.json")
_INTERNAL_MARKERS = ("units.parquet", "audit.csv")


def _both(name: str, /, **fields: object) -> str:
    """One message in Dutch, then in English, from the string catalogue."""
    return f"{text('release', name, 'nl', **fields)}\n{text('release', name, 'en', **fields)}"


def kill_point(point: str) -> None:
    """SIGKILL this process at ``point`` when the environment variable names it (tests only).

    Parameters
    ----------
    point
        ``written`` (every file staged, before the check), ``checked`` (before the first
        move) or ``swapped`` (between the release's move and the internal folder's).
    """
    if os.environ.get(KILL_HOOK) == point:  # pragma: no cover - the process dies here
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def lock_path_for(out_dir: str | Path) -> Path:
    """Return the lock file of a release folder: ``<out>.zicht-lock`` beside it.

    Parameters
    ----------
    out_dir
        The release folder (``--out``).

    Returns
    -------
    pathlib.Path
        The lock file (it lies beside the folder, as the folder itself is replaced).
    """
    out = Path(out_dir)
    return out.parent / f"{out.name}.zicht-lock"


def internal_dir_for(out_dir: str | Path) -> Path:
    """Return the folder for the files that stay inside the secure environment.

    A sibling of the release folder named ``<release>_internal`` (``out/demo`` →
    ``out/demo_internal``), never inside it.
    """
    out = Path(out_dir)
    return out.parent / f"{out.name}_internal"


# ----------------------------------------------------------------------------- the lock


@dataclass
class _Lock:
    path: Path
    fd: int

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self.fd)


def _holder(raw: bytes) -> dict[str, str]:
    try:
        info = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    if not isinstance(info, dict):
        return {}
    return {k: str(info.get(k, "?")) for k in ("pid", "host", "started")}


def _read(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 4096)


def _alive(pid: str, host: str) -> bool:
    """Whether the process that wrote a lock may still run (unknown hosts: yes)."""
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _try_flock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover - Windows: the pid in the file decides
        held = _holder(_read(fd))
        return not held or not _alive(held["pid"], held["host"])
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _acquire(out: Path) -> _Lock:
    """Take the lock of ``out`` or raise :class:`OutputError` naming the run that holds it."""
    path = lock_path_for(out)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(_both("not_writable", out=out, reason=exc.strerror)) from exc
        if not _try_flock(fd):
            held = _holder(_read(fd)) or {"pid": "?", "host": "?", "started": "?"}
            os.close(fd)
            raise OutputError(_both("locked", out=out, lock=path, **held))
        try:
            same = os.fstat(fd).st_ino == path.stat().st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the run before us removed the file between our open and our lock
            os.close(fd)
            continue
        stale = _holder(_read(fd))
        if stale:
            warnings.warn(_both("stale_lock", lock=path, **stale), UserWarning, stacklevel=3)
        mine = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "out": str(out),
        }
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(mine).encode("utf-8"))
        os.fsync(fd)
        return _Lock(path, fd)


def ensure_unlocked(out_dir: str | Path) -> None:
    """Refuse at once when another run holds the lock of ``out_dir`` (before a long check).

    The run takes the lock itself later (:func:`staged_release`); this lets ``zicht run``
    say so before it spends time checking its inputs. A stale lock passes.

    Parameters
    ----------
    out_dir
        The release folder (``--out``).

    Raises
    ------
    OutputError
        If a living run holds the lock; the message names its process and start time.
    """
    out = Path(out_dir)
    if out.is_symlink():
        out = out.resolve()
    path = lock_path_for(out)
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return  # no lock (or none readable): the run itself reports what it finds
    try:
        if not _try_flock(fd):
            held = _holder(_read(fd)) or {"pid": "?", "host": "?", "started": "?"}
            raise OutputError(_both("locked", out=out, lock=path, **held))
    finally:
        os.close(fd)  # closing drops the lock this probe may have taken


# ----------------------------------------------------------------------------- the folders


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux ``renameat2``); False where that is not possible."""
    if not sys.platform.startswith("linux"):  # pragma: no cover - other systems
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:  # pragma: no cover - glibc before 2.28
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # pragma: no cover
        return False
    raise OSError(err, os.strerror(err), str(b))  # pragma: no cover


def _swap_in(new: Path, final: Path) -> None:
    """Put the folder ``new`` at ``final``; the folder that was there is removed."""
    if not final.exists():
        new.rename(final)
        return
    if _exchange(new, final):
        # It holds the previous folder now. The new release is in place whatever happens
        # here; what cannot be removed stays, named, for the next run to remove.
        shutil.rmtree(new, ignore_errors=True)
        return
    old = final.parent / f"{final.name}.{PREVIOUS}-{os.getpid()}"  # pragma: no cover
    final.rename(old)  # pragma: no cover
    new.rename(final)  # pragma: no cover
    shutil.rmtree(old)  # pragma: no cover


def _leftovers(final: Path) -> list[Path]:
    return sorted(
        p
        for tag in (UNFINISHED, PREVIOUS)
        for p in final.parent.glob(f"{final.name}.{tag}-*")
        if p.is_dir()
    )


def _clean_leftovers(*finals: Path) -> None:
    """Remove what interrupted runs left (under the lock); put back a folder moved aside."""
    removed: list[str] = []
    for final in finals:
        for path in _leftovers(final):
            if PREVIOUS in path.name and not final.exists():
                path.rename(final)  # killed between its two renames: the old one returns
                removed.append(f"{path.name} → {final.name}")
                continue
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    if removed:
        warnings.warn(_both("leftovers", names=", ".join(removed)), UserWarning, stacklevel=3)


def _refuse(final: Path, internal: Path | None, inputs: Mapping[str, Path]) -> None:
    """Refuse an ``--out`` that is a file, holds other files, or holds an input."""
    folders = [(final, _RELEASE_MARKERS)]
    if internal is not None:
        folders.append((internal, _INTERNAL_MARKERS))
    for folder, markers in folders:
        if folder.exists() and not folder.is_dir():
            raise OutputError(_both("out_is_file", out=folder))
        if folder.is_dir():
            names = sorted(p.name for p in folder.iterdir())
            if names and not any(m in names for m in markers):
                shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
                raise OutputError(_both("out_not_release", out=folder, names=shown))
    for key, path in inputs.items():
        resolved = Path(path).resolve()
        for folder, _ in folders:
            if folder.resolve() in resolved.parents:
                raise OutputError(_both("input_in_out", setting=key, path=path, out=folder))


def _fresh(final: Path) -> Path:
    path = final.parent / f"{final.name}.{UNFINISHED}-{os.getpid()}"
    try:
        path.mkdir()
    except OSError as exc:
        raise OutputError(_both("not_writable", out=final, reason=exc.strerror)) from exc
    return path


@dataclass
class ReleaseStage:
    """The two folders a run writes into before its release counts (see the module).

    Attributes
    ----------
    final, internal_final
        Where the release and the internal files go (``--out``, ``<out>_internal``).
    out, internal
        The folders to write into now, beside them (``internal`` is None for a run
        without internal files).
    committed
        Whether :meth:`commit` has moved them into place.
    """

    final: Path
    internal_final: Path
    out: Path
    internal: Path | None
    committed: bool = field(default=False)

    def final_path(self, path: str | Path) -> Path:
        """Return where a file written into the stage lies once committed."""
        p = Path(path)
        for stage, final in ((self.out, self.final), (self.internal, self.internal_final)):
            if stage is not None and (p == stage or stage in p.parents):
                return final / p.relative_to(stage)
        return p

    def verify(self, units: Path, *, allow_internal: bool = False, then: Any = None) -> None:
        """Run the checker's code path (``zicht check``) on the staged release.

        Parameters
        ----------
        units
            The staged unit-level file the release was computed from.
        allow_internal
            Whether a release marked NIET VOOR PUBLICATIE may pass (``purpose = "internal"``).
        then
            A further check, ``then(release_dir, units)``, once the checker passed (the
            release history's check against every earlier release, docs/years.md); it
            raises to refuse the release, which then never lands.

        Raises
        ------
        DisclosureError
            On the first violation: nothing is moved, ``final`` stays as it was.
        """
        from zicht.check import check_release  # the independent checker, loaded when used

        report = check_release(self.out, units, allow_internal=allow_internal)
        if not report.ok:
            first = report.violations[0]
            where = f"{first.check} · {first.where}: {first.detail}"
            raise DisclosureError(
                _both("check_failed", n=len(report.violations), out=self.final, first=where)
            )
        if then is not None:
            then(self.out, units)

    def commit(self) -> None:
        """Move both folders into place (release first); the previous ones are removed."""
        kill_point("checked")
        try:
            _swap_in(self.out, self.final)
            kill_point("swapped")
            if self.internal is not None:
                _swap_in(self.internal, self.internal_final)
        except OSError as exc:
            raise OutputError(_both("not_writable", out=self.final, reason=exc)) from exc
        self.committed = True


@contextlib.contextmanager
def staged_release(
    out_dir: str | Path, *, inputs: Mapping[str, Path] | None = None, internal: bool = True
) -> Iterator[ReleaseStage]:
    """Lock ``out_dir`` and give a run two empty folders to write its release into.

    Parameters
    ----------
    out_dir
        The release folder (``--out``); its internal folder is
        :func:`~zicht.export.internal_dir_for` of it.
    inputs
        The files the run reads, by config key: none may lie in a folder that is replaced.
    internal
        Whether the run writes internal files too (an area-table run has none: then
        ``stage.internal`` is ``None`` and the internal folder is left alone).

    Yields
    ------
    ReleaseStage
        Write into ``stage.out`` and ``stage.internal``, then call ``stage.commit()``.
        Leaving the block without it removes both and leaves ``out_dir`` untouched.

    Raises
    ------
    OutputError
        If another run holds the lock, ``out_dir`` is a file or holds files that are not
        a release, an input lies in it, or nothing can be written beside it.
    """
    final = Path(out_dir)
    if final.is_symlink():
        final = final.resolve()
    internal_final = internal_dir_for(final)
    _refuse(final, internal_final if internal else None, inputs or {})
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(_both("not_writable", out=final, reason=exc.strerror)) from exc
    lock = _acquire(final)
    stage: ReleaseStage | None = None
    try:
        _clean_leftovers(final, *([internal_final] if internal else []))
        inner = _fresh(internal_final) if internal else None
        stage = ReleaseStage(final, internal_final, _fresh(final), inner)
        yield stage
    finally:
        if stage is not None and not stage.committed:
            for path in (stage.out, stage.internal):
                if path is not None:
                    shutil.rmtree(path, ignore_errors=True)
        lock.release()
