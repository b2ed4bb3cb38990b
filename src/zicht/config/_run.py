"""Typed, frozen configuration of a zicht run, read from one TOML file.

Every option lives in a frozen dataclass with its default; :func:`load_config` reads a
TOML file into them, collects every unknown key, wrong type and wrong value, and raises one
:class:`~zicht.ConfigError` naming each with the allowed keys or values. A configuration
that uses a protected attribute cannot be made at all (:class:`~zicht.ProfilingError`).

The defaults run the minimal demo on the shipped data (gemeente Ede, synthetic units, two
indicators); ``geodata/demo.toml`` is the full demo, and :func:`configuration_reference`
writes every key with its default (``docs/configuration.md``).

Layout of a configuration file::

    title, gemeente, resolution     the study area and the H3 resolution
    [question]                      the research-question card (heads the report)
    [inputs]                        boundaries, parks and the unit table
    [[indicators]]                  the declared indicators
    [composite]                     the composite index and its uncertainty analysis
    [stats]                         the hot-spot test
    [rules]                         the disclosure rules
    [guard]                         the proxy screen of the profiling guard
    [map]                           the published geographies and how the map draws them
    [register]                      what is already known for the algorithm register

This module holds the run itself (:class:`RunConfig`, the checks that span tables, and the
loading); the question card, stats, guard, map and register tables are in ``_tables.py``, the
inputs in ``_inputs.py``.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from zicht._errors import ConfigError, ProfilingError
from zicht._strings import text
from zicht.config._extent import extent_problems
from zicht.config._inputs import InputsConfig, problems_error
from zicht.config._tables import (
    GuardConfig,
    MapConfig,
    QuestionCard,
    RegisterConfig,
    StatsConfig,
)
from zicht.config._toml import MISSING, Collector, build, own_inputs, resolve_geodata
from zicht.indicators import CompositeSpec, IndicatorSpec, filter_columns
from zicht.ingest import default_geodata_dir
from zicht.publish import DisclosureRules, Magnitude

__all__ = [
    "DEMO_CONFIG_PATH",
    "DEMO_INDICATORS",
    "RunConfig",
    "config_from_mapping",
    "load_config",
]

#: The shipped demo configuration (``zicht demo`` runs it).
DEMO_CONFIG_PATH = default_geodata_dir() / "demo.toml"

#: The two signals of the synthetic unit generator: the default indicators.
DEMO_INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        id="registration_mismatch",
        title="Registration mismatch",
        numerator="registration_mismatch",
        description="Addresses where the registered residents do not match the dwelling.",
    ),
    IndicatorSpec(
        id="vacant",
        title="Vacancy",
        numerator="vacant",
        description="Addresses with no registered resident for a long time.",
    ),
)


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs, from one TOML file.

    Parameters
    ----------
    title
        Title of the run (``""``: made from the gemeente).
    gemeente
        CBS code of the study area (default Ede, ``GM0228``), a list of codes for a
        region of several gemeenten (e.g. the Veluwe; the outputs name them all), a
        province (``"PV25"`` or ``"Gelderland"``: every gemeente in it) or ``"all"`` (the
        whole country: every buurt in the buurt layer).
    resolution
        H3 resolution of the hexagon layer (7–12).
    question
        The research-question card.
    inputs
        Boundaries, parks and the unit table.
    indicators
        The declared indicators (``[[indicators]]`` tables); default: the two signals of the
        synthetic generator.
    magnitudes
        Sums and means of an amount per area (``[[magnitudes]]`` tables, see
        ``zicht.publish.Magnitude``), published under the p% and dominance rules; none
        by default.
    composite
        The composite index (``[composite]``, ``[[composite.components]]``,
        ``[composite.uncertainty]``); none by default.
    stats
        Hot-spot statistics.
    rules
        Disclosure rules (``zicht.publish.DisclosureRules``).
    guard
        The proxy screen of the profiling guard.
    map
        Published geographies and map drawing.
    register
        Known fields of the algorithm-register entry.

    Examples
    --------
    >>> RunConfig().gemeente
    ('GM0228',)
    >>> RunConfig(gemeente=("GM0228", "GM0203")).study_area
    'GM0228+GM0203'
    >>> RunConfig(resolution=14)
    Traceback (most recent call last):
    ...
    zicht._errors.ConfigError: resolution must be 7 to 12, got 14
    """

    title: str = ""
    gemeente: tuple[str, ...] = ("GM0228",)
    resolution: int = 9
    question: QuestionCard = field(default_factory=QuestionCard)
    inputs: InputsConfig = field(default_factory=InputsConfig)
    indicators: tuple[IndicatorSpec, ...] = DEMO_INDICATORS
    magnitudes: tuple[Magnitude, ...] = ()
    composite: CompositeSpec = field(default_factory=CompositeSpec)
    # 9,999 permutations: with ~1,200 cells, FDR needs pseudo p-values below the
    # floor of 1/1,000 that 999 permutations can give.
    stats: StatsConfig = field(default_factory=lambda: StatsConfig(permutations=9999))
    rules: DisclosureRules = field(default_factory=DisclosureRules)
    guard: GuardConfig = field(default_factory=GuardConfig)
    map: MapConfig = field(default_factory=MapConfig)
    register: RegisterConfig = field(default_factory=RegisterConfig)
    source: str = field(default="", compare=False, metadata={"internal": True})
    source_sha256: str = field(default="", compare=False, metadata={"internal": True})

    def __post_init__(self) -> None:
        if not isinstance(self.indicators, tuple):
            object.__setattr__(self, "indicators", tuple(self.indicators))
        if not isinstance(self.magnitudes, tuple):
            object.__setattr__(self, "magnitudes", tuple(self.magnitudes))
        problems: list[str] = []
        if not 7 <= self.resolution <= 12:
            problems.append(f"resolution must be 7 to 12, got {self.resolution}")
        if isinstance(self.gemeente, str):
            object.__setattr__(self, "gemeente", (self.gemeente,))
        elif not isinstance(self.gemeente, tuple):
            object.__setattr__(self, "gemeente", tuple(self.gemeente))
        problems += extent_problems(self.gemeente)
        problems += self._input_problems()
        if "park" in self.map.layers and not self.inputs.park_areas.enabled:
            problems.append(
                "map.layers holds 'park' but [inputs.park_areas] names no park boundaries"
            )
        problems += self._indicator_problems()
        if problems:
            raise problems_error("", problems)
        self._guard()

    def _input_problems(self) -> list[str]:
        """List the inputs the run uses but does not have."""
        inputs = self.inputs
        problems = []
        if not inputs.buurten.given:
            problems.append("[inputs.buurten] path: a run needs a buurt layer")
        if inputs.units.source == "synthetic" and not inputs.wijken.given:
            problems.append(
                "[inputs.wijken] path: synthetic units are spread over the wijken by their "
                "CBS dwelling_total, so they need a wijk layer (or use source = 'file')"
            )
        if inputs.units.source == "synthetic" and not inputs.parks.given:
            problems.append("[inputs.parks] path: synthetic units need the park locations")
        if not inputs.parks.given:
            problems += [
                f"indicator {s.id!r} has features = 'parks' but [inputs.parks] names no "
                "park locations"
                for s in self.indicators
                if s.features == "parks"
            ]
        return problems

    def _indicator_problems(self) -> list[str]:
        problems: list[str] = []
        ids = [s.id for s in self.indicators]
        if not ids:
            problems.append("declare at least one indicator ([[indicators]])")
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"indicator ids {dupes} are declared more than once")
        level = self.inputs.units.level
        for spec in self.indicators:
            if spec.unit_level != level:
                problems.append(
                    f"indicator {spec.id!r} has unit_level {spec.unit_level!r} but the unit "
                    f"table ([inputs.units] level) holds {level!r} units; the disclosure "
                    "threshold rests on one population, so run each unit level separately"
                )
        problems += self._unprotected_places()
        columns = [m.column for m in self.magnitudes]
        twice = sorted({c for c in columns if columns.count(c) > 1})
        if twice:
            problems.append(f"magnitudes {twice} are declared more than once")
        unknown = [c.indicator for c in self.composite.components if c.indicator not in ids]
        if unknown:
            problems.append(
                f"composite components {unknown} are not declared indicators; declared: {ids}"
            )
        if self.stats.indicator and self.stats.indicator not in ids:
            problems.append(
                f"stats.indicator = {self.stats.indicator!r} is not a declared indicator; "
                f"declared: {ids}"
            )
        return problems

    def _unprotected_places(self) -> list[str]:
        """List densities and distances that rest on unit columns not declared public."""
        public = set(self.inputs.units.public_columns)
        problems = []
        for spec in self.indicators:
            if spec.counted:
                continue
            read = filter_columns(spec.numerator) if spec.features == "units" else []
            if spec.denominator is not None:
                read += filter_columns(spec.denominator)
            private = sorted(set(read) - public)
            if private:
                problems.append(
                    f"indicator {spec.id!r} ({spec.kind}) reads unit columns {private} that "
                    "are not declared public: a density or distance is published without "
                    "disclosure control, so it may rest only on public facts. Use kind = "
                    "'rate' for confidential ones, or list the columns in [inputs.units] "
                    f"public_columns if they are public (now: {sorted(public)})"
                )
        return problems

    def _guard(self) -> None:
        from zicht.guard import check_names

        names = [("composite component", c.indicator) for c in self.composite.components]
        check_names(names, subject="composite weights")
        for m in self.magnitudes:
            columns = [c for c in (m.amount, m.contributor, m.per) if c]
            check_names(
                [(f"magnitude {m.id!r}, id", m.id), (f"magnitude {m.id!r}, title", m.title)]
                + [(f"magnitude {m.id!r}, column", c) for c in columns],
                subject=f"magnitude {m.id!r}",
            )

    # --- conveniences ---------------------------------------------------------------------

    @property
    def geodata(self) -> Path:
        """The folder of the inputs (``inputs.geodata``)."""
        return self.inputs.geodata

    @property
    def seed(self) -> int:
        """Seed of the synthetic units (``inputs.units.seed``)."""
        return self.inputs.units.seed

    @property
    def run_title(self) -> str:
        """The run title, or one made from the gemeente."""
        if self.title or self.map.title:
            return self.title or self.map.title
        return f"{text('map', 'page_title', self.map.language)} {self.study_area}"

    @property
    def synthetic(self) -> bool:
        """True when the unit data are synthetic (generated, or a file declared so)."""
        units = self.inputs.units
        return units.source == "synthetic" or units.synthetic

    @property
    def study_area(self) -> str:
        """The gemeente code, or the codes joined by ``+`` for a region of several."""
        if self.gemeente and self.gemeente[0].lower() in ("all", "nl"):
            return "NL"
        return "+".join(self.gemeente)

    def hotspot_spec(self) -> IndicatorSpec:
        """Return the indicator the hot-spot test runs on."""
        if self.stats.indicator:
            return next(s for s in self.indicators if s.id == self.stats.indicator)
        rated = [s for s in self.indicators if s.kind in ("rate", "share")]
        return rated[0] if rated else self.indicators[0]

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as JSON-serialisable data (filters as readable text)."""
        return _plain(self)


def _plain(value: Any) -> Any:
    if isinstance(value, IndicatorSpec):
        return value.to_dict()
    if isinstance(value, CompositeSpec):
        return value.to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in fields(value)
            if not f.metadata.get("internal")
        }
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def config_from_mapping(data: Mapping[str, Any], *, base: Path | None = None) -> RunConfig:
    """Build a :class:`RunConfig` from parsed TOML, listing every problem at once.

    Parameters
    ----------
    data
        The parsed TOML document.
    base
        Folder relative ``inputs.geodata`` is taken from (the config file's folder).

    Returns
    -------
    RunConfig
        The validated configuration.

    Raises
    ------
    ProfilingError
        If anything uses a protected attribute (with the other problems, if any).
    ConfigError
        Listing every unknown key, wrong type and wrong value with the allowed ones.
    """
    doc = own_inputs(resolve_geodata(dict(data), base or Path.cwd()))
    collector = Collector()
    config = build(RunConfig, doc, "", collector)
    messages = collector.profiling + collector.problems
    if collector.profiling:
        raise ProfilingError("\n".join(messages))
    if config is MISSING or collector.problems:
        if len(messages) == 1:
            raise ConfigError(messages[0])
        listing = "\n".join(f"  - {m}" for m in messages)
        raise ConfigError(f"{len(messages)} problems in the configuration\n{listing}")
    result: RunConfig = config
    return result


def load_config(path: str | Path) -> RunConfig:
    """Read a TOML file into a :class:`RunConfig`.

    Parameters
    ----------
    path
        TOML file; see ``docs/configuration.md`` for every key and its default.

    Returns
    -------
    RunConfig
        The validated configuration; ``source`` and ``source_sha256`` record the file.

    Raises
    ------
    ConfigError
        If the file cannot be read or is not valid TOML, or a key or value is not allowed.
    ProfilingError
        If an indicator, filter or weight uses a protected attribute.

    Examples
    --------
    >>> load_config(DEMO_CONFIG_PATH).gemeente
    'GM0228'
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    config = config_from_mapping(data, base=path.resolve().parent)
    return replace(config, source=str(path), source_sha256=hashlib.sha256(raw).hexdigest())
