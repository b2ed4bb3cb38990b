"""What the checker found: every violation, and what it tried."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Violation:
    """One way the release breaks the rules."""

    check: str
    where: str
    detail: str


@dataclass
class CheckReport:
    """What the checker tried and what it found."""

    release: str
    tried: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no violation was found."""
        return not self.violations

    def add(self, check: str, where: str, detail: str) -> None:
        """Record a violation."""
        self.violations.append(Violation(check, where, detail))

    def to_text(self, limit: int = 200) -> str:
        """Return a readable report: what was tried, then every violation."""
        lines = [f"zicht check {self.release}", "", "tried:"]
        lines += [f"  - {t}" for t in self.tried]
        if self.notes:
            lines += ["", "notes:"] + [f"  - {n}" for n in self.notes]
        lines += ["", f"violations: {len(self.violations)}"]
        for v in self.violations[:limit]:
            lines.append(f"  ! [{v.check}] {v.where}: {v.detail}")
        if len(self.violations) > limit:
            lines.append(f"  … and {len(self.violations) - limit} more")
        lines.append("")
        lines.append("RESULT: " + ("PASS" if self.ok else "FAIL"))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-serialisable data."""
        return {
            "release": self.release,
            "ok": self.ok,
            "tried": self.tried,
            "notes": self.notes,
            "violations": [v.__dict__ for v in self.violations],
        }
