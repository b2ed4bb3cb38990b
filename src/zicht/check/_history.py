"""The release history: every release registered, each new one checked against all earlier.

A history is a folder inside the secure environment::

    history/
      index.json               every entry: key, run id, when, input hashes, values hash
      <key>/release/           the published files, as written
      <key>/units.parquet      the unit file `zicht check` needs for it (unit-level: internal)
      refused.json             every release that was refused, with the reasons

:meth:`ReleaseHistory.register` runs :func:`zicht.check.check_release` on the new release
against every release already in the history, each with its own units: the very code path
of ``zicht check RELEASE --against EARLIER …``. A new release that passes is copied in; one
that fails (a difference between two years or two boundary vintages isolates fewer units
than the threshold, or anything else the checker finds) is refused with the checker's
reasons and not registered.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zicht._errors import DisclosureError
from zicht.check._checker import check_release
from zicht.check._report import CheckReport

__all__ = ["HistoryEntry", "ReleaseHistory", "ReleaseRefusedError"]

_INDEX = "index.json"
_REFUSED = "refused.json"
#: The published files whose content is "the published values" of a release.
_VALUE_SUFFIXES = (".csv",)


class ReleaseRefusedError(DisclosureError):
    """A release that the checks against the history refused; ``report`` says why."""

    def __init__(self, message: str, report: CheckReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class HistoryEntry:
    """One registered release.

    Attributes
    ----------
    key
        Its name in the history (e.g. the year, ``2023``; a second release of the same
        year gets ``2023-r2``).
    run_id, created
        From the release's manifest.
    values_sha256
        Hash of its published value files (the CSVs), to tell a re-registration of the
        same release from a new one.
    inputs
        The input files' SHA-256: the boundaries and the config as the manifest records
        them, and ``units``, the unit file the checks read.
    checked_against
        The keys it was checked against when it was registered.
    """

    key: str
    run_id: str
    created: str
    values_sha256: str
    inputs: dict[str, Any] = field(default_factory=dict)
    checked_against: tuple[str, ...] = ()
    registered: str = ""


def _values_hash(release_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(release_dir.iterdir()):
        if path.suffix in _VALUE_SUFFIXES and path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _input_hashes(manifest: dict[str, Any], units_path: Path) -> dict[str, Any]:
    """Return the boundary inputs and the config as the manifest records them, and the units."""
    metadata = manifest.get("metadata", {})
    inputs = metadata.get("inputs", {}) or manifest.get("inputs", {})
    out: dict[str, Any] = {}
    if isinstance(inputs, dict):
        for name, info in inputs.items():
            if isinstance(info, dict):
                out[str(name)] = {"source": info.get("source"), "sha256": info.get("sha256")}
    config = metadata.get("config")
    if isinstance(config, dict) and config.get("sha256"):
        out["config"] = {"source": config.get("source"), "sha256": config["sha256"]}
    # the units as the checker reads them (the joined unit file beside the release)
    out["units"] = {"source": str(units_path), "sha256": _file_hash(units_path)}
    return out


class ReleaseHistory:
    """A folder of earlier releases that every new release is checked against.

    Parameters
    ----------
    folder
        The history folder (created on first registration). It holds unit-level files:
        keep it inside the secure environment, never publish it.

    Examples
    --------
    >>> import tempfile
    >>> ReleaseHistory(tempfile.mkdtemp()).entries()
    []
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def entries(self) -> list[HistoryEntry]:
        """Every registered release, oldest first."""
        index = self.folder / _INDEX
        if not index.is_file():
            return []
        data = json.loads(index.read_text(encoding="utf-8"))
        return [
            HistoryEntry(**{**e, "checked_against": tuple(e.get("checked_against", ()))})
            for e in data["entries"]
        ]

    def release_dir(self, key: str) -> Path:
        """Return the folder of a registered release's copy."""
        return self.folder / key / "release"

    def units_path(self, key: str) -> Path:
        """Return the unit file of a registered release."""
        return self.folder / key / "units.parquet"

    def check(self, release_dir: str | Path, units_path: str | Path) -> CheckReport:
        """Check a release against every registered one (``zicht check --against`` each).

        Parameters
        ----------
        release_dir, units_path
            The new release and its unit file (``<release>_internal/units.parquet``).

        Returns
        -------
        CheckReport
            The checker's report; ``ok`` when nothing was found.
        """
        keys = [e.key for e in self.entries()]
        return check_release(
            release_dir,
            units_path,
            against=[self.release_dir(k) for k in keys],
            against_units=[self.units_path(k) for k in keys],
        )

    def register(self, release_dir: str | Path, units_path: str | Path, key: str) -> HistoryEntry:
        """Check a release against the history and, if it passes, add it.

        Parameters
        ----------
        release_dir, units_path
            The new release and its unit file.
        key
            Its name (e.g. the year). When the history already holds ``key`` with the same
            published values nothing changes; with other values the release is a new
            version of it (``key-r2``, ``key-r3`` …) and is checked against the old one too.

        Returns
        -------
        HistoryEntry

        Raises
        ------
        ReleaseRefusedError
            The checker found a violation; its reasons are in the message, in
            ``refused.json`` and in the exception's ``report``. Nothing is registered.
        """
        release = Path(release_dir)
        values = _values_hash(release)
        entries = self.entries()
        keys = {e.key for e in entries}
        for entry in entries:
            if entry.key.split("-r")[0] == key and entry.values_sha256 == values:
                return entry
        name, version = key, 1
        while name in keys:
            version += 1
            name = f"{key}-r{version}"
        report = self.check(release, units_path)
        if not report.ok:
            self._refuse(name, release, report)
        manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
        target = self.folder / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(release, target / "release")
        shutil.copy2(units_path, target / "units.parquet")
        metadata = manifest.get("metadata", {})
        entry = HistoryEntry(
            key=name,
            run_id=str(metadata.get("run_id", "")),
            created=str(metadata.get("created", manifest.get("created", ""))),
            values_sha256=values,
            inputs=_input_hashes(manifest, Path(units_path)),
            checked_against=tuple(e.key for e in entries),
            registered=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self._write_index([*entries, entry])
        return entry

    def _write_index(self, entries: list[HistoryEntry]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {
            "kind": "zicht release history (internal: holds unit-level files)",
            "entries": [asdict(e) | {"checked_against": list(e.checked_against)} for e in entries],
        }
        (self.folder / _INDEX).write_text(json.dumps(data, indent=2), encoding="utf-8")

    def _refuse(self, name: str, release: Path, report: CheckReport) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / _REFUSED
        refused = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
        # what changed between the releases first: it is the reason the history adds
        ordered = sorted(report.violations, key=lambda v: v.check != "across releases")
        reasons = [f"{v.check}: {v.where}: {v.detail}" for v in ordered]
        refused.append(
            {
                "key": name,
                "release": str(release),
                "refused": datetime.now(UTC).isoformat(timespec="seconds"),
                "checked_against": [e.key for e in self.entries()],
                "reasons": reasons,
            }
        )
        path.write_text(json.dumps(refused, indent=2, ensure_ascii=False), encoding="utf-8")
        shown = "\n".join(f"  - {r}" for r in reasons[:10])
        more = f"\n  … and {len(reasons) - 10} more" if len(reasons) > 10 else ""
        raise ReleaseRefusedError(
            f"release {release} ({name}) refused: checked against the release history "
            f"{self.folder} ({', '.join(e.key for e in self.entries()) or 'empty'}), "
            f"{len(reasons)} violation(s); it is not registered and must not be published. "
            f"Reasons:\n{shown}{more}\n(also in {path})",
            report,
        )
