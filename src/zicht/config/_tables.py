"""The configuration's own tables: the question card, statistics, guard, map and register.

Each table of a run's TOML file that is not an input, an indicator or a disclosure rule is one
frozen dataclass here, validated in its ``__post_init__``; :class:`~zicht.config.RunConfig`
(``_run.py``) holds them and :func:`~zicht.config.load_config` fills them::

    [question]                      QuestionCard (with a ReviewStatus per review)
    [stats]                         StatsConfig, the hot-spot test
    [guard]                         GuardConfig, the proxy screen of the profiling guard
    [map]                           MapConfig, the published geographies and the map
    [register]                      RegisterConfig (with Link), the algorithm register
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from zicht._strings import LANGUAGES
from zicht.config._inputs import allowed_keys, problems_error

if TYPE_CHECKING:
    from zicht.maps import MapOptions

__all__ = [
    "GuardConfig",
    "Link",
    "MapConfig",
    "QuestionCard",
    "RegisterConfig",
    "ReviewStatus",
    "StatsConfig",
]

CORRECTIONS = ("fdr_bh", "bonferroni", "none")
TESTED_RATES = ("eb_global", "raw")
REVIEW_STATUSES = (
    "not_started",
    "in_progress",
    "approved",
    "approved_with_conditions",
    "rejected",
    "not_required",
)
LAYERS = ("h3", "buurt", "wijk", "gemeente", "park")
TILES = ("none", "pdok", "osm")
REGISTER_STATUSES = ("In ontwikkeling", "In gebruik", "Buiten gebruik")
PUBLICATION_CATEGORIES = ("Impactvolle algoritmes", "Overige algoritmes", "Hoog-risico AI-systeem")


# --- the research-question card -------------------------------------------------------------


@dataclass(frozen=True)
class ReviewStatus:
    """The status of one review (legal, ethics, DPIA, IAMA).

    Parameters
    ----------
    status
        ``"not_started"``, ``"in_progress"``, ``"approved"``, ``"approved_with_conditions"``,
        ``"rejected"`` or ``"not_required"``.
    by
        Who reviewed (e.g. the data protection officer, the ethics committee).
    date
        Date of the decision (ISO, ``2025-03-01``).
    reference
        Link or document number of the review.
    notes
        Conditions or remarks.
    """

    status: str = "not_started"
    by: str = ""
    date: str = ""
    reference: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        problems: list[str] = []
        allowed_keys(problems, "status", self.status, REVIEW_STATUSES)
        if self.date and not re.match(r"^\d{4}-\d{2}(-\d{2})?$", self.date):
            problems.append(f"date = {self.date!r} must be ISO (YYYY-MM-DD)")
        if problems:
            raise problems_error("", problems)

    @property
    def done(self) -> bool:
        """True when approved (with or without conditions) or not required."""
        return self.status in ("approved", "approved_with_conditions", "not_required")


@dataclass(frozen=True)
class QuestionCard:
    """The research-question card, as the programme's method asks for it.

    It heads the run report and feeds the algorithm-register draft.

    Parameters
    ----------
    question
        The research question, e.g. "Where in Ede do holiday parks show signs of
        permanent residence and exploitation, so that we can direct prevention?".
    problem_owner
        The municipality that leads and owns the results (the register's organisation).
    partners
        Partners in the question (police, RIEC, Belastingdienst …).
    data_sources
        The data sources asked for, with their holder.
    legal_review
        Status of the legal review (lawful basis, purpose limitation).
    ethics_review
        Status of the ethics review.
    dpia
        Data protection impact assessment.
    iama
        Human-rights and algorithms impact assessment (IAMA / FRAIA).
    """

    question: str = ""
    problem_owner: str = ""
    partners: tuple[str, ...] = ()
    data_sources: tuple[str, ...] = ()
    legal_review: ReviewStatus = field(default_factory=ReviewStatus)
    ethics_review: ReviewStatus = field(default_factory=ReviewStatus)
    dpia: ReviewStatus = field(default_factory=ReviewStatus)
    iama: ReviewStatus = field(default_factory=ReviewStatus)

    def reviews(self) -> dict[str, ReviewStatus]:
        """Return the four reviews by label."""
        return {
            "legal review": self.legal_review,
            "ethics review": self.ethics_review,
            "DPIA": self.dpia,
            "IAMA": self.iama,
        }


# --- statistics, guard, map, register --------------------------------------------------------


@dataclass(frozen=True)
class StatsConfig:
    """Hot-spot statistics settings (Getis-Ord Gi* on the H3 layer).

    Parameters
    ----------
    k
        H3 k-ring of the binary weights (1 = the six touching hexagons).
    permutations
        Conditional permutations for pseudo p-values; 0 uses the analytic z-test.
    seed
        Seed of the permutations.
    alpha
        Significance level after correction, at most 0.10.
    correction
        Multiple-testing correction: ``"fdr_bh"`` (Benjamini–Hochberg), ``"bonferroni"``
        or ``"none"``.
    indicator
        Id of the indicator tested (``""``: the first ``rate`` or ``share`` indicator).
    rate
        For a rate or share: ``"eb_global"`` (default; the global empirical-Bayes rate) or
        ``"raw"``. Spatial EB is not offered: it borrows from the very neighbours Gi* sums.
    """

    k: int = 1
    permutations: int = 999
    seed: int = 20221126
    alpha: float = 0.05
    correction: str = "fdr_bh"
    indicator: str = ""
    rate: str = "eb_global"

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.correction not in CORRECTIONS:
            problems.append(
                f"stats.correction = {self.correction!r} is not allowed; use one of {CORRECTIONS}"
            )
        if self.k < 1:
            problems.append(f"stats.k must be at least 1, got {self.k}")
        if self.permutations < 0:
            problems.append(f"stats.permutations must be 0 or more, got {self.permutations}")
        if not 0 < self.alpha <= 0.10:
            problems.append(
                f"stats.alpha must lie in (0, 0.10] (the widest hot-spot bin is 90 %), "
                f"got {self.alpha}"
            )
        allowed_keys(problems, "stats.rate", self.rate, TESTED_RATES)
        if problems:
            raise problems_error("", problems)


@dataclass(frozen=True)
class GuardConfig:
    """The proxy screen of the profiling guard (the refusal itself cannot be configured).

    Parameters
    ----------
    reference
        File with reference shares of protected groups per area (CSV or Parquet), relative
        to ``inputs.geodata``; ``""`` skips the screen (the report says so).
    area_column
        Column of ``reference`` with the CBS area code.
    columns
        Share columns to screen (empty: every numeric column).
    level
        Area level of the reference shares: ``"buurt"`` or ``"wijk"``.
    threshold
        ``|Spearman rho|`` at or above which an indicator is flagged as a possible proxy.
    min_areas
        Fewest areas with both values for a correlation.
    fail_on_proxy
        Stop the run (nothing is written) when an indicator is flagged.
    """

    reference: Path = Path()
    area_column: str = "code"
    columns: tuple[str, ...] = ()
    level: str = "buurt"
    threshold: float = 0.5
    min_areas: int = 10
    fail_on_proxy: bool = False

    def __post_init__(self) -> None:
        problems: list[str] = []
        allowed_keys(problems, "guard.level", self.level, ("buurt", "wijk"))
        if not 0 < self.threshold <= 1:
            problems.append(f"guard.threshold must lie in (0, 1], got {self.threshold}")
        if self.min_areas < 3:
            problems.append(f"guard.min_areas must be at least 3, got {self.min_areas}")
        if problems:
            raise problems_error("", problems)

    @property
    def enabled(self) -> bool:
        """True when a reference file is configured."""
        return str(self.reference) not in ("", ".")


@dataclass(frozen=True)
class MapConfig:
    """The published geographies and how the map draws them.

    Parameters
    ----------
    title
        Map and report title (``""``: made from the gemeente).
    layers
        Published geographies, finest first: a subset of ``"h3"``, ``"buurt"``,
        ``"wijk"``, ``"gemeente"`` and ``"park"`` (needs ``[inputs.park_areas]``). The
        hot-spot test runs on ``"h3"`` when it is published.
    scheme
        Classification of the choropleths: ``"outlier_aware"`` (natural breaks, an outlier in
        a class of its own, classes no further apart than chance merged), ``"natural_breaks"``,
        ``"fisher_jenks"``, ``"quantiles"`` or ``"equal_interval"``.
    k
        Number of classes (2–9).
    palette
        A colour-blind-safe sequential palette (see ``zicht.maps.PALETTES``).
    simplify_m
        Boundary simplification tolerance in metres.
    tiles
        Background map: ``"none"`` (offline), ``"pdok"`` or ``"osm"`` (online when opened).
    language
        The language of every word zicht writes for people: the map, ``report.md``,
        ``indicators.md``, ``disclosure_report.md`` and the algorithm-register draft (its
        JSON keys stay the standard's): ``"nl"`` (Dutch, the default) or ``"en"``. Titles
        and texts from the configuration pass as written.
    pages
        ``"one"`` (default): one page, ``risk_map.html``. ``"gemeente"``: for many
        gemeenten (a national run), ``risk_map.html`` is an overview of the gemeente and
        wijk layers that links to one page per gemeente, ``gemeenten/<code>.html``, with
        every published geography of that gemeente (needs ``"gemeente"`` in ``layers``).
    """

    title: str = ""
    layers: tuple[str, ...] = ("h3", "buurt")
    scheme: str = "outlier_aware"
    k: int = 5
    palette: str = "YlOrRd"
    simplify_m: float = 5.0
    tiles: str = "none"
    language: str = "nl"
    pages: str = "one"

    def __post_init__(self) -> None:
        problems: list[str] = []
        allowed_keys(problems, "map.pages", self.pages, ("one", "gemeente"))
        if self.pages == "gemeente" and "gemeente" not in self.layers:
            problems.append('map.pages = "gemeente" needs "gemeente" in map.layers')
        bad = [name for name in self.layers if name not in LAYERS]
        if bad or not self.layers or len(set(self.layers)) != len(self.layers):
            problems.append(
                f"map.layers = {list(self.layers)!r}: use distinct names from {list(LAYERS)}"
            )
        allowed_keys(problems, "map.tiles", self.tiles, TILES)
        allowed_keys(problems, "map.language", self.language, LANGUAGES)
        if problems:
            raise problems_error("", problems)
        self.options()  # validates scheme, k, palette and simplify_m

    def options(self) -> MapOptions:
        """Return the map's drawing options (scheme, classes, palette, simplification, language)."""
        from zicht.maps import MapOptions

        return MapOptions(
            scheme=self.scheme,
            k=self.k,
            palette=self.palette,
            simplify_m=self.simplify_m,
            language=self.language,
        )


@dataclass(frozen=True)
class Link:
    """A titled link (legal basis, data source).

    Parameters
    ----------
    title
        What the link points to.
    url
        The address.
    """

    title: str
    url: str = ""


@dataclass(frozen=True)
class RegisterConfig:
    """What is already known for the algorithm-register entry (publicatiestandaard 1.0).

    Everything left empty is marked in the draft as to be written by the organisation.

    Parameters
    ----------
    name
        Name of the algorithm (``""``: made from the gemeente).
    organisation
        Organisation that registers it (``""``: the problem owner of the question card).
    contact
        E-mail address or website for questions (``contact_email``).
    website
        Public page about the algorithm.
    status
        ``"In ontwikkeling"`` (default), ``"In gebruik"`` or ``"Buiten gebruik"``.
    publication_category
        ``"Impactvolle algoritmes"`` (default), ``"Overige algoritmes"`` or
        ``"Hoog-risico AI-systeem"``.
    themes
        Register themes (``category``), e.g. ``["Openbare orde en veiligheid"]``.
    begin_date
        Month the algorithm was taken into use (``YYYY-MM``).
    lawful_basis
        The legal basis of the process in words.
    lawful_basis_links
        Titled links to the legal basis.
    process_index_url
        Link to the public record of processing activities.
    provider
        Supplier (``""``: "zicht (open source)" plus the organisation's own configuration).
    source_code_url
        Link to the source code and the configuration used.
    """

    name: str = ""
    organisation: str = ""
    contact: str = ""
    website: str = ""
    status: str = "In ontwikkeling"
    publication_category: str = "Impactvolle algoritmes"
    themes: tuple[str, ...] = ("Openbare orde en veiligheid",)
    begin_date: str = ""
    lawful_basis: str = ""
    lawful_basis_links: tuple[Link, ...] = ()
    process_index_url: str = ""
    provider: str = ""
    source_code_url: str = ""

    def __post_init__(self) -> None:
        problems: list[str] = []
        allowed_keys(problems, "register.status", self.status, REGISTER_STATUSES)
        allowed_keys(
            problems,
            "register.publication_category",
            self.publication_category,
            PUBLICATION_CATEGORIES,
        )
        if self.begin_date and not re.match(r"^\d{4}-\d{2}$", self.begin_date):
            problems.append(f"register.begin_date = {self.begin_date!r} must be YYYY-MM")
        if problems:
            raise problems_error("", problems)
