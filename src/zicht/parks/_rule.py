"""The written, configurable rule that turns objects into park boundaries.

The rule (:class:`DeriveRule`) reads: *a park is a cluster of at least* ``min_objects``
*recreational objects, each within* ``link_distance_m`` *of another, whose outline holds at
least* ``min_recreational_share`` *recreational objects among all objects; the outline is a
concave hull (or a buffer-union) of the cluster, snapped to the cadastral parcels it covers,
minus public roads and water.* Every cluster is typed by the TOP10NL rules
(:class:`~zicht.parks.Typology`), and the settings that shape a park can differ per type
(``classes``): a camping may need fewer objects or a wider margin than a bungalowpark.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from zicht._errors import ConfigError
from zicht._strings import text
from zicht._validate import Problems
from zicht.parks._typology import PARK_TYPES, Typology

__all__ = ["CLASS_KEYS", "OUTLINES", "DeriveRule", "describe_record", "load_rule"]

OUTLINES = ("concave_hull", "buffer_union")
#: The settings a park type may set for itself; clustering (``link_distance_m``) and what is
#: recreational are decided before a cluster is typed, so they hold for every type.
CLASS_KEYS = (
    "min_objects",
    "min_recreational_share",
    "outline",
    "concave_ratio",
    "buffer_m",
    "parcel_min_overlap",
    "road_functions",
    "subtract_water",
    "min_area_m2",
)


@dataclass(frozen=True)
class DeriveRule:
    """The written rule that turns objects into park boundaries.

    Parameters
    ----------
    min_objects
        N: a park holds at least this many recreational objects.
    link_distance_m
        D: two recreational objects belong to one cluster when they are at most this far
        apart (single linkage, so a cluster is a chain of such links).
    min_recreational_share
        X: the share (0–1) of recreational objects among *all* objects inside the outline.
        A cluster below it is rejected, so a village with a few holiday homes does not
        become a park.
    outline
        ``"concave_hull"`` (shapely's concave hull of the cluster, then buffered) or
        ``"buffer_union"`` (union of discs of radius D/2, then shrunk back to
        ``buffer_m`` around the objects).
    concave_ratio
        Ratio of the concave hull (0 = tightest, 1 = convex hull).
    buffer_m
        Margin around the outermost objects, in metres.
    parcel_min_overlap
        A cadastral parcel is taken whole into a park when at least this share of its area
        lies inside the outline, and cut out of it otherwise.
    road_functions
        BGT ``wegdeel`` functions that count as public road and are cut out of a park.
    subtract_water
        Cut BGT ``waterdeel`` out of a park.
    min_area_m2
        A park smaller than this after all steps is rejected.
    recreational_uses
        BAG ``gebruiksdoel`` values that make an object recreational.
    name
        A short name of the rule, recorded with every boundary.
    typology
        The TOP10NL thresholds that type every cluster (:class:`~zicht.parks.Typology`).
    classes
        Per park type (``"camping"`` …) the settings of :data:`CLASS_KEYS` that differ from
        the ones above, e.g. ``{"camping": {"min_objects": 8}}``.
    """

    min_objects: int = 15
    link_distance_m: float = 50.0
    min_recreational_share: float = 0.6
    outline: str = "concave_hull"
    concave_ratio: float = 0.3
    buffer_m: float = 15.0
    parcel_min_overlap: float = 0.5
    road_functions: tuple[str, ...] = (
        "rijbaan autosnelweg",
        "rijbaan autoweg",
        "rijbaan regionale weg",
        "OV-baan",
        "spoorbaan",
    )
    subtract_water: bool = True
    min_area_m2: float = 5_000.0
    recreational_uses: tuple[str, ...] = ("logiesfunctie",)
    name: str = "zicht-default"
    typology: Typology = field(default_factory=Typology)
    classes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        problems = Problems("park derivation rule")
        self._check_values(problems)
        self._check_classes(problems)
        problems.raise_if_any(ConfigError)
        # TOML gives lists and tables; keep the rule hashable and its JSON stable.
        object.__setattr__(self, "road_functions", tuple(self.road_functions))
        object.__setattr__(self, "recreational_uses", tuple(self.recreational_uses))
        if isinstance(self.typology, Mapping):
            object.__setattr__(self, "typology", Typology.from_dict(self.typology))
        classes = {
            k: {
                key: tuple(v) if isinstance(v, list) else v
                for key, v in sorted(dict(self.classes[k]).items())
            }
            for k in sorted(self.classes)
        }
        object.__setattr__(self, "classes", classes)

    def _check_values(self, problems: Problems) -> None:
        checks = (
            (self.min_objects >= 2, f"min_objects must be at least 2, got {self.min_objects}"),
            (
                0 < self.link_distance_m <= 1_000,
                f"link_distance_m must lie in (0, 1000], got {self.link_distance_m}",
            ),
            (
                0 <= self.min_recreational_share <= 1,
                "min_recreational_share is a share in [0, 1] (0.6 = 60 %), "
                f"got {self.min_recreational_share}",
            ),
            (self.outline in OUTLINES, f"outline must be one of {OUTLINES}, got {self.outline!r}"),
            (
                0 <= self.concave_ratio <= 1,
                f"concave_ratio must lie in [0, 1], got {self.concave_ratio}",
            ),
            (
                0 <= self.buffer_m <= self.link_distance_m,
                f"buffer_m must lie in [0, link_distance_m = {self.link_distance_m}], "
                f"got {self.buffer_m}",
            ),
            (
                0 < self.parcel_min_overlap <= 1,
                f"parcel_min_overlap must lie in (0, 1], got {self.parcel_min_overlap}",
            ),
            (self.min_area_m2 >= 0, f"min_area_m2 must be 0 or more, got {self.min_area_m2}"),
        )
        for ok, message in checks:
            if not ok:
                problems.add(message)

    def _check_classes(self, problems: Problems) -> None:
        if not isinstance(self.classes, Mapping):
            problems.add(f"classes must be a table per park type, got {self.classes!r}")
            return
        for park_type, settings in self.classes.items():
            if park_type not in PARK_TYPES:
                problems.add(f"classes.{park_type}: not a park type; types are {PARK_TYPES}")
                continue
            unknown = sorted(set(settings) - set(CLASS_KEYS))
            if unknown:
                problems.add(
                    f"classes.{park_type}: {unknown} cannot be set per type (clustering and "
                    f"what is recreational come first); settable: {list(CLASS_KEYS)}"
                )
                continue
            try:
                replace(self, classes={}, **dict(settings))
            except ConfigError as exc:
                problems.add(f"classes.{park_type}: {exc}")

    def for_type(self, park_type: str) -> DeriveRule:
        """Return the rule as it applies to parks of ``park_type`` (its class settings applied).

        Examples
        --------
        >>> DeriveRule(classes={"camping": {"min_objects": 8}}).for_type("camping").min_objects
        8
        """
        settings = dict(self.classes.get(park_type, {}))
        return replace(self, classes={}, **settings) if settings else replace(self, classes={})

    def to_dict(self) -> dict[str, Any]:
        """Return every parameter as a JSON-serialisable dict."""
        out = asdict(self)
        out["road_functions"] = list(self.road_functions)
        out["recreational_uses"] = list(self.recreational_uses)
        out["typology"] = asdict(self.typology)
        out["classes"] = {
            k: {key: list(v) if isinstance(v, tuple) else v for key, v in settings.items()}
            for k, settings in self.classes.items()
        }
        return out

    def to_json(self) -> str:
        """Return the parameters as canonical JSON (sorted keys)."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    def record(self, park_type: str, reason: str) -> str:
        """Return what a boundary of ``park_type`` stores as its rule.

        That is the settings that made it, its type and why, and the id of the whole rule.

        Examples
        --------
        >>> json.loads(DeriveRule().record("camping", "only pitches"))["park_type"]
        'camping'
        """
        effective = self.for_type(park_type).to_dict() if park_type else self.to_dict()
        effective.pop("classes", None)
        effective.update(
            park_type=park_type, type_reason=reason, rule_id=self.rule_id, name=self.name
        )
        return json.dumps(effective, sort_keys=True, ensure_ascii=False)

    @property
    def rule_id(self) -> str:
        """Return a short hash of the parameters: equal rules have equal ids."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()[:10]

    @property
    def min_objects_any(self) -> int:
        """Return the fewest objects any park type needs (clusters below it are no park)."""
        return min(
            [self.min_objects]
            + [int(s["min_objects"]) for s in self.classes.values() if "min_objects" in s]
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeriveRule:
        """Build a rule from a dict (TOML), naming unknown keys.

        Raises
        ------
        ConfigError
            If a key is unknown or a value is not allowed.
        """
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ConfigError(f"unknown rule key(s) {unknown}; allowed: {sorted(allowed)}")
        values = dict(data)
        if "typology" in values:
            values["typology"] = Typology.from_dict(values["typology"])
        try:
            return cls(**values)
        except TypeError as exc:  # pragma: no cover - every field has a default
            raise ConfigError(f"park rule: {exc}") from exc

    def describe(self, park_type: str | None = None, language: str = "en") -> str:
        """Return the rule as one written sentence (for one park type, when given).

        The words come from the string catalogue (``parks``); English by default, because the
        sentence is stored with every boundary (``rule_text``) as the record of how it was made.

        Examples
        --------
        >>> DeriveRule().describe()[:60]
        'A park is a cluster of at least 15 recreational objects (log'
        >>> DeriveRule().describe(language="nl")[:44]
        'Een park is een cluster van ten minste 15 re'
        """
        return _sentence(self, park_type, self.rule_id, language)


def describe_record(record: str, language: str = "en") -> str:
    """Return the sentence of a boundary's stored rule record (``rule_json``), or ``""``.

    Parameters
    ----------
    record
        What :meth:`DeriveRule.record` wrote: the settings that made the park, its type and
        the id of the whole rule.
    language
        ``"en"`` or ``"nl"``.

    Examples
    --------
    >>> describe_record(DeriveRule().record("camping", "only pitches"), "nl").endswith(
    ...     "Type: camping. Regel 'zicht-default', id b20342a94f.")
    True
    """
    try:
        data = json.loads(record)
    except (TypeError, ValueError):
        return ""
    if not isinstance(data, dict) or "min_objects" not in data:
        return ""
    allowed = {f.name for f in fields(DeriveRule)} - {"classes"}
    try:
        rule = DeriveRule.from_dict({k: v for k, v in data.items() if k in allowed})
    except ConfigError:
        return ""
    park_type = str(data.get("park_type") or "") or None
    return _sentence(rule, park_type, str(data.get("rule_id") or rule.rule_id), language)


def _number(value: float, language: str) -> str:
    out = f"{value:g}"
    return out.replace(".", ",") if language == "nl" else out


def _sentence(whole: DeriveRule, park_type: str | None, rule_id: str, language: str) -> str:
    """Write the rule sentence of ``whole`` (as it applies to ``park_type``)."""

    def t(key: str, **values: object) -> str:
        return text("parks", key, language, **values)

    def n(value: float) -> str:
        return _number(value, language)

    rule = whole.for_type(park_type) if park_type else whole
    outline = (
        t("rule_outline_concave", ratio=n(rule.concave_ratio), buffer=n(rule.buffer_m))
        if rule.outline == "concave_hull"
        else t("rule_outline_union", radius=n(rule.link_distance_m / 2), buffer=n(rule.buffer_m))
    )
    cut = [t("rule_cut_roads", functions=", ".join(rule.road_functions))]
    cut = cut if rule.road_functions else []
    if rule.subtract_water:
        cut.append(t("rule_cut_water"))
    per_type = "; ".join(
        f"{k}: {', '.join(f'{key} = {v}' for key, v in s.items())}"
        for k, s in whole.classes.items()
    )
    return t(
        "rule_sentence",
        min_objects=rule.min_objects,
        uses=", ".join(rule.recreational_uses),
        link=n(rule.link_distance_m),
        share=n(100 * rule.min_recreational_share),
        outline=outline,
        overlap=n(100 * rule.parcel_min_overlap),
        cut=t("rule_cut", what=t("rule_and").join(cut)) if cut else "",
        min_area=n(rule.min_area_m2),
        typology=whole.typology.describe(language),
        type=t("rule_type", park_type=park_type) if park_type else "",
        per_type=t("rule_per_type", per_type=per_type) if per_type and not park_type else "",
        name=whole.name,
        rule_id=rule_id,
    )


def load_rule(path: str | Path) -> DeriveRule:
    """Read a :class:`DeriveRule` from a TOML file (top-level keys, or a ``[rule]`` table).

    A ``[typology]`` table sets the TOP10NL thresholds, ``[classes.camping]`` (and the other
    types) the settings of one park type.

    Parameters
    ----------
    path
        TOML file, e.g. ``min_objects = 20`` and ``link_distance_m = 40``.

    Returns
    -------
    DeriveRule
        The validated rule.

    Raises
    ------
    ConfigError
        If the file cannot be read, or a key or value is not allowed.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read park rule {path}: {exc}") from exc
    return DeriveRule.from_dict(data.get("rule", data))
