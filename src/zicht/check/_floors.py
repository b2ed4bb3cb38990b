"""The rules a release is judged by: the publication floors, not what its manifest declares.

A manifest can declare any rules (``min_units = 1`` writes a unit-level release); the
checker holds every release to :data:`zicht.schemas.PUBLICATION_FLOORS`. A release made for
internal use (``[rules] purpose = "internal"``) fails unless the check is told to allow it,
and then it must carry NIET VOOR PUBLICATIE on every output the checker can read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zicht._strings import text
from zicht.check._files import ReleaseFiles
from zicht.check._report import CheckReport
from zicht.schemas import PUBLICATION_FLOORS

#: The column an internal release marks every feature with (written by the publisher).
INTERNAL_COLUMN = "publicatie"


def judged_rules(
    release: ReleaseFiles,
    report: CheckReport,
    *,
    allow_internal: bool = False,
    min_units: int | None = None,
) -> dict[str, Any]:
    """Return the rules to judge ``release`` by, and report rules below the floors.

    Without ``allow_internal`` the thresholds are the stricter of the declared rule and its
    floor; rounding is checked as declared (a value must match what the release says it
    did) and a weak rounding rule is a violation of its own.
    """
    declared = dict(release.manifest.get("rules", {}))
    purpose = str(declared.get("purpose", "publication"))
    weak = PUBLICATION_FLOORS.problems(declared)
    rules = dict(declared)
    if purpose == "internal":
        _check_marks(release, report)
        if not allow_internal:
            report.add(
                "floors",
                "rules",
                'purpose = "internal": this release is NIET VOOR PUBLICATIE'
                + (f" ({'; '.join(weak)})" if weak else "")
                + "; check it with --allow-internal to judge it by its own rules",
            )
    else:
        for problem in weak:
            report.add("floors", "rules", f"{problem} (publication floors of the CBS rules)")
    if not (purpose == "internal" and allow_internal):
        rules = _raised(declared)
        report.tried.append(
            "rules judged against the publication floors "
            f"(min_units {rules['min_units']}, group {rules['group_max_pct']:g} %, "
            f"companies {rules['min_companies']}, dominance ({rules['dominance_n']}, "
            f"{rules['dominance_pct']:g} %)), not the manifest's own"
        )
    else:
        report.notes.append("internal release checked against its own rules (--allow-internal)")
    if min_units is not None:
        rules["min_units"] = max(int(min_units), int(rules.get("min_units", 1)))
    return rules


def _raised(declared: dict[str, Any]) -> dict[str, Any]:
    """Raise every declared rule to at least its floor."""
    floors = PUBLICATION_FLOORS
    rules = dict(declared)
    for key in ("min_units", "min_companies", "dominance_n"):
        rules[key] = max(int(declared.get(key, getattr(floors, key))), getattr(floors, key))
    for key in ("group_max_pct", "dominance_pct"):
        rules[key] = min(float(declared.get(key, getattr(floors, key))), getattr(floors, key))
    rules.setdefault("rounding_base", floors.rounding_base)
    return rules


def _check_marks(release: ReleaseFiles, report: CheckReport) -> None:
    """Check that an internal release says NIET VOOR PUBLICATIE in every file read."""
    mark = text("common", "not_for_publication")
    for layer in release.layers:
        column = layer.frame.get(INTERNAL_COLUMN)
        if column is None or not (column.astype(str) == mark).all():
            report.add("floors", layer.label, f"internal release without {mark!r} on every row")
    if str(release.manifest.get("metadata", {}).get("not_for_publication", "")) != mark:
        report.add("floors", "manifest.json", f"internal release without {mark!r}")
    for name in ("disclosure_report.md", "risk_map.html"):
        path = Path(release.path) / name
        if path.is_file() and mark not in path.read_text(encoding="utf-8"):
            report.add("floors", name, f"internal release without {mark!r}")


__all__ = ["INTERNAL_COLUMN", "judged_rules"]
