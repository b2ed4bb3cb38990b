"""The disclosure rules of a release (:class:`DisclosureRules`).

Kept free of heavy imports, so that a configuration can be checked without loading the
publication machinery.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from zicht._errors import DisclosureError
from zicht.schemas import PUBLICATION_FLOORS, PURPOSES

__all__ = [
    "HOTSPOT_SCORE_MODES",
    "METHODS",
    "SMALL_COUNT_MODES",
    "DisclosureRules",
]

SMALL_COUNT_MODES = ("round", "suppress")
METHODS = ("round", "cell_key")
HOTSPOT_SCORE_MODES = ("rounded", "labels")


@dataclass(frozen=True)
class DisclosureRules:
    """The disclosure rules; set the numbers of the CBS output guidelines you work under.

    Defaults follow the CBS guidelines for microdata output (minimum of 10 units per
    published value; group disclosure above 90 %; at least 3 companies and the (2, 85 %)
    dominance rule for business data) and the rounding of the CBS *Kerncijfers wijken en
    buurten* (counts rounded to multiples of 5). See ``docs/publication.md``.

    Parameters
    ----------
    min_units
        A value is published only if its population holds at least this many units
        (addresses, persons, households).
    rounding_base
        Counts on rounded layers are rounded to a multiple of this base; ``1`` disables
        rounding (then ``small_count`` must be ``"suppress"``).
    exact_layers
        Layers whose counts are published exactly (gemeente totals); small counts are
        still never exact.
    rate_decimals
        Decimals of published rates (per cent).
    small_count
        How a count from 1 to ``min_units - 1`` is shown: ``"round"`` (rounded, and its
        rate computed from the rounded figures so it cannot undo the rounding) or
        ``"suppress"`` (not shown).
    group_max_pct
        A share above this (per cent of the population) is not published: it discloses
        (nearly) every member.
    group_low
        Also refuse shares below ``100 - group_max_pct`` (when *not* having the
        attribute is the sensitive fact).
    min_companies
        Company-based indicators: contributors a non-zero value must rest on.
    dominance_n, dominance_pct
        Company-based indicators and magnitudes: the ``dominance_n`` largest contributors
        may not make up more than ``dominance_pct`` per cent of the value.
    p_pct
        Magnitudes (sums and means of an amount): the p% rule. A sum is not published when
        the second largest contributor, subtracting its own share, could estimate the
        largest contribution to within ``p_pct`` per cent.
    method
        How published counts are protected: ``"round"`` (rounding to ``rounding_base``,
        the default) or ``"cell_key"`` (cell-key perturbation: every count is its true value
        plus noise picked by the record keys of the units it counts, so the same units get
        the same noise in every run; rates from the perturbed counts).
    cell_key_d, cell_key_variance, cell_key_js
        The perturbation table of ``"cell_key"``: largest absolute noise, its variance, and
        the smallest published non-zero value (0: no such limit).
    cell_key_secret_env
        The environment variable holding the secret the record keys are made with (at
        least 16 characters; never written to any output).
    hotspot_scores
        ``"rounded"``: publish hot-spot classes, and z, p and q rounded where the whole
        window is published; ``"labels"``: classes only.
    z_decimals, p_decimals
        Decimals of published z-scores and p/q-values.
    purpose
        ``"publication"`` (default): every rule must hold at least its floor
        (:data:`zicht.schemas.PUBLICATION_FLOORS`, the CBS output rules), else the rules
        are refused. ``"internal"``: lower values are allowed, every output says
        NIET VOOR PUBLICATIE, and ``zicht check`` fails the release unless it is run
        with ``--allow-internal``.
    """

    min_units: int = 10
    rounding_base: int = 5
    exact_layers: tuple[str, ...] = ("gemeente",)
    rate_decimals: int = 1
    small_count: str = "round"
    group_max_pct: float = 90.0
    group_low: bool = False
    min_companies: int = 3
    dominance_n: int = 2
    dominance_pct: float = 85.0
    p_pct: float = 10.0
    method: str = "round"
    cell_key_d: int = 2
    cell_key_variance: float = 1.0
    cell_key_js: int = 0
    cell_key_secret_env: str = "ZICHT_CELL_KEY_SECRET"
    hotspot_scores: str = "rounded"
    z_decimals: int = 1
    p_decimals: int = 3
    purpose: str = "publication"

    def __post_init__(self) -> None:
        object.__setattr__(self, "exact_layers", tuple(self.exact_layers))
        problems = []
        if self.min_units < 1:
            problems.append(f"min_units must be at least 1, got {self.min_units}")
        if self.rounding_base < 1:
            problems.append(f"rounding_base must be at least 1, got {self.rounding_base}")
        if self.small_count not in SMALL_COUNT_MODES:
            problems.append(
                f"small_count must be one of {SMALL_COUNT_MODES}, got {self.small_count!r}"
            )
        elif self.small_count == "round" and self.rounding_base < 2:
            problems.append(
                "small_count = 'round' needs rounding_base of at least 2 (with 1 a small "
                "count would be shown exactly); use small_count = 'suppress'"
            )
        if not 50.0 <= self.group_max_pct <= 100.0:
            problems.append(f"group_max_pct must lie in [50, 100], got {self.group_max_pct}")
        if not 0 <= self.rate_decimals <= 6:
            problems.append(f"rate_decimals must be 0 to 6, got {self.rate_decimals}")
        if self.min_companies < 1:
            problems.append(f"min_companies must be at least 1, got {self.min_companies}")
        if self.dominance_n < 1 or not 0.0 < self.dominance_pct <= 100.0:
            problems.append(
                f"dominance rule ({self.dominance_n}, {self.dominance_pct} %) is not valid"
            )
        if not 0.0 <= self.p_pct <= 100.0:
            problems.append(f"p_pct must lie in [0, 100], got {self.p_pct}")
        problems += self._cell_key_problems()
        if self.hotspot_scores not in HOTSPOT_SCORE_MODES:
            problems.append(
                f"hotspot_scores must be one of {HOTSPOT_SCORE_MODES}, got {self.hotspot_scores!r}"
            )
        if not (0 <= self.z_decimals <= 6 and 0 <= self.p_decimals <= 6):
            problems.append("z_decimals and p_decimals must be 0 to 6")
        problems += self._purpose_problems(not problems)
        if problems:
            raise DisclosureError("disclosure rules: " + "; ".join(problems))

    def _purpose_problems(self, valid: bool) -> list[str]:
        """Check the purpose and, for publication, every rule against its floor."""
        if self.purpose not in PURPOSES:
            return [f"purpose must be one of {PURPOSES}, got {self.purpose!r}"]
        weak = PUBLICATION_FLOORS.problems(asdict(self)) if valid else []
        if self.purpose == "internal" or not weak:
            return []
        return [
            "; ".join(weak) + " (floors of the CBS output rules); lower values only with "
            'purpose = "internal", which marks every output NIET VOOR PUBLICATIE'
        ]

    def _cell_key_problems(self) -> list[str]:
        problems = []
        if self.method not in METHODS:
            problems.append(f"method must be one of {METHODS}, got {self.method!r}")
        if not 1 <= self.cell_key_d <= 10:
            problems.append(f"cell_key_d must be 1 to 10, got {self.cell_key_d}")
        if not 0.0 < self.cell_key_variance <= self.cell_key_d**2:
            problems.append(
                f"cell_key_variance must lie in (0, cell_key_d²], got {self.cell_key_variance}"
            )
        if not 0 <= self.cell_key_js <= min(self.min_units, self.cell_key_d + 1):
            # a count below js must be able to move to 0 and to js
            problems.append(
                f"cell_key_js must be 0 to cell_key_d + 1 (and at most min_units), got "
                f"{self.cell_key_js}"
            )
        if self.method == "cell_key" and 2 * self.cell_key_d + 1 < self.rounding_base:
            # which values are published is decided for rounding intervals; the noise must
            # leave every published count at least as uncertain
            problems.append(
                f"cell_key_d = {self.cell_key_d} leaves less doubt than rounding_base = "
                f"{self.rounding_base}; use cell_key_d of at least {self.rounding_base // 2}"
            )
        return problems

    @property
    def internal(self) -> bool:
        """Whether these rules are for internal use only (below the publication floors)."""
        return self.purpose == "internal"

    def is_rounded(self, layer: str) -> bool:
        """Whether counts on ``layer`` are rounded."""
        return layer not in self.exact_layers and self.rounding_base > 1
