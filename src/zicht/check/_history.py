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
from zicht.check._units import combine_units

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
    withheld
        Per layer, the features withheld so that the release passed (area id → reason);
        empty when it passed as first computed.
    """

    key: str
    run_id: str
    created: str
    values_sha256: str
    inputs: dict[str, Any] = field(default_factory=dict)
    checked_against: tuple[str, ...] = ()
    registered: str = ""
    withheld: dict[str, dict[str, str]] = field(default_factory=dict)


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

    def small_changes(
        self, release_dir: str | Path, units_path: str | Path, min_units: int
    ) -> dict[str, dict[str, str]]:
        """Features whose units differ from an earlier release's by 1 to ``min_units - 1``.

        A feature published under one id in two releases whose units differ by so few
        isolates them: the two published values bound what those units hold. Withholding the
        feature in the new release (:func:`zicht.publish.publish_release`'s ``withhold``)
        removes the difference; the checker then judges the result.

        Parameters
        ----------
        release_dir, units_path
            The new release and its unit file. Its layers with a unit column are compared:
            ``h3`` (``h3_cell``), ``region`` (``region_id``) and the CBS levels
            (``<layer>_code``, e.g. ``buurt_code``).
        min_units
            The threshold of the rules.

        Returns
        -------
        dict
            Per layer, area id → the reason (the earlier release and the number of units).
        """
        import pandas as pd

        new = pd.read_parquet(units_path)
        keys = {"h3": "h3_cell", "region": "region_id"}
        keys |= {str(c)[:-5]: str(c) for c in new.columns if str(c).endswith("_code")}
        keys = {k: v for k, v in keys.items() if (Path(release_dir) / f"{k}.csv").is_file()}
        out: dict[str, dict[str, str]] = {}
        for entry in self.entries():
            old = pd.read_parquet(self.units_path(entry.key))
            sets = combine_units(new, [old])
            for layer, column in keys.items():
                if column not in new.columns or column not in old.columns:
                    continue
                both = pd.concat(
                    [
                        pd.DataFrame(
                            {"f": new[column].to_numpy(), "u": sets.rows[0].index, "s": 1}
                        ),
                        pd.DataFrame(
                            {"f": old[column].to_numpy(), "u": sets.rows[1].index, "s": 2}
                        ),
                    ]
                )
                side = both.groupby(["f", "u"])["s"].sum()
                changed = (side != 3).groupby(level="f").sum()
                present = set(new[column].astype(str))
                for area, n in changed[(changed > 0) & (changed < min_units)].items():
                    if str(area) in present and str(area):
                        out.setdefault(layer, {})[str(area)] = (
                            f"release history: {int(n)} unit(s) differ from release "
                            f"{entry.key} (fewer than {min_units})"
                        )
        return out

    def register(
        self,
        release_dir: str | Path,
        units_path: str | Path,
        key: str,
        *,
        report: CheckReport | None = None,
        withheld: dict[str, dict[str, str]] | None = None,
    ) -> HistoryEntry:
        """Check a release against the history and, if it passes, add it.

        Parameters
        ----------
        release_dir, units_path
            The new release and its unit file.
        key
            Its name (e.g. the year). When the history already holds ``key`` with the same
            published values nothing changes; with other values the release is a new
            version of it (``key-r2``, ``key-r3`` …) and is checked against the old one too.
        report
            The report of :meth:`check` on this release against this history, when it was
            already checked (before it was moved into place); else it is checked here.
        withheld
            The features withheld to pass (recorded in the entry).

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
        for entry in entries:
            if entry.key.split("-r")[0] == key and entry.values_sha256 == values:
                return entry
        name = self.next_key(key)
        if report is None:  # not yet checked against this history
            report = self.check(release, units_path)
        if not report.ok:
            self.refuse(name, release, report)
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
            withheld={k: dict(v) for k, v in (withheld or {}).items()},
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

    def next_key(self, key: str) -> str:
        """Return the name a new release of ``key`` gets (``key``, else ``key-r2`` …)."""
        keys = {e.key for e in self.entries()}
        name, version = key, 1
        while name in keys:
            version += 1
            name = f"{key}-r{version}"
        return name

    def refuse(self, name: str, release: str | Path, report: CheckReport) -> None:
        """Log a refused release in ``refused.json`` and raise :class:`ReleaseRefusedError`.

        Parameters
        ----------
        name
            The key it would have had.
        release
            Its folder.
        report
            The checker's report, whose violations are the reasons.
        """
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
