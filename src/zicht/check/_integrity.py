"""Every file of a release folder is the one its manifests list, byte for byte.

``run_manifest.json`` (written by ``zicht run``) lists every file of the release with its
SHA-256; ``manifest.json`` lists the data files. The checker recomputes every hash, fails
on a listed file that is missing or changed and on a file that no manifest lists, and
checks ``run_manifest.json`` itself against the ``self_sha256`` it carries (the SHA-256 of
its own bytes with that value written as 64 zeros), so that no byte of the folder is left
unverified. A folder without ``run_manifest.json`` (a bundle written by
``zicht.export.write_release`` alone) may hold only what ``manifest.json`` lists.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from zicht.check._report import CheckReport

__all__ = ["check_files", "self_hash"]

RUN_MANIFEST = "run_manifest.json"
MANIFEST = "manifest.json"
SELF_KEY = "self_sha256"
ZEROS = "0" * 64


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def self_hash(raw: bytes, recorded: str) -> str:
    """Return the SHA-256 of ``raw`` with the recorded self hash written as 64 zeros."""
    return hashlib.sha256(
        raw.replace(recorded.encode("ascii"), ZEROS.encode("ascii"), 1)
    ).hexdigest()


def _listed(manifest: dict[str, Any], source: str, report: CheckReport) -> dict[str, str]:
    files = manifest.get("files")
    if not isinstance(files, dict):
        report.add("files listed", source, "lists no files (no 'files' table)")
        return {}
    out: dict[str, str] = {}
    for role, entry in files.items():
        if not isinstance(entry, dict) or not entry.get("path") or not entry.get("sha256"):
            report.add("files listed", f"{source}: {role}", "an entry without path and SHA-256")
            continue
        out[str(entry["path"])] = str(entry["sha256"])
    return out


def _run_manifest(path: Path, report: CheckReport) -> dict[str, Any] | None:
    file = path / RUN_MANIFEST
    if not file.is_file():
        return None
    raw = file.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.add("files listed", RUN_MANIFEST, f"is not readable JSON ({exc})")
        return {}
    recorded = str(data.get(SELF_KEY) or "")
    if not recorded:
        report.add("files listed", RUN_MANIFEST, f"carries no {SELF_KEY}: it cannot be verified")
    elif self_hash(raw, recorded) != recorded:
        report.add("files listed", RUN_MANIFEST, f"changed: its bytes do not give its {SELF_KEY}")
    return data


def _manifest(path: Path, report: CheckReport) -> dict[str, Any] | None:
    try:
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.add("files listed", MANIFEST, f"is not readable JSON ({exc})")
        return None
    if not isinstance(data, dict):
        report.add("files listed", MANIFEST, "is not a JSON object")
        return None
    return data


def check_files(path: Path, report: CheckReport) -> bool:
    """Verify every file of the release folder against the manifests (see the module).

    Parameters
    ----------
    path
        The release folder.
    report
        Where violations go.

    Returns
    -------
    bool
        False when ``manifest.json`` is there but cannot be read (then nothing else is).
    """
    if not (path / MANIFEST).is_file():
        return True  # not a release folder: read_release says so
    manifest = _manifest(path, report)
    if manifest is None:
        return False
    run = _run_manifest(path, report)
    listed = _listed(manifest, MANIFEST, report)
    allowed = {MANIFEST}
    if run is not None:
        allowed.add(RUN_MANIFEST)
        for name, sha in _listed(run, RUN_MANIFEST, report).items():
            if name in listed and listed[name] != sha:
                report.add(
                    "files listed",
                    name,
                    "manifest.json and run_manifest.json differ on its SHA-256",
                )
            listed.setdefault(name, sha)
    else:
        report.notes.append(
            "no run_manifest.json: only the files manifest.json lists are verified, "
            "and manifest.json itself is not"
        )
    for name, sha in sorted(listed.items()):
        file = path / name
        if not file.is_file():
            report.add("files listed", name, "listed with its SHA-256 in the manifest, but missing")
        elif (found := _sha256(file)) != sha:
            report.add(
                "files listed",
                name,
                f"changed: its SHA-256 is {found[:12]}…, the manifest says {sha[:12]}…",
            )
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path).as_posix()
        if rel not in listed and rel not in allowed:
            report.add(
                "files listed", rel, "in the folder but in no manifest: not part of this release"
            )
    report.tried.append(
        f"files: {len(listed)} SHA-256 hashes recomputed, the folder holds nothing else"
        + (", run_manifest.json against its own hash" if run is not None else "")
    )
    return True
