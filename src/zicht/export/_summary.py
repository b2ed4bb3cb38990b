"""The run summary: what a run did, in numbers (``run_summary.json``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from zicht.export._register import RunRecord, register_draft
from zicht.publish import STATUS_MERGED, STATUS_PUBLISHED, STATUS_SUPPRESSED, DisclosureRules

__all__ = ["LayerCounts", "RunSummary"]


@dataclass(frozen=True)
class LayerCounts:
    """The features of a published layer by status.

    ``published`` features carry values of their own, ``merged`` ones are published only
    through the region that holds them, ``suppressed`` ones have no value anywhere;
    ``withheld`` counts both of the latter.
    """

    features: int
    published: int
    merged: int
    suppressed: int
    withheld: int

    @classmethod
    def of(cls, frame: pd.DataFrame) -> LayerCounts:
        """Count the statuses of a published layer."""
        status = frame["status"]
        return cls(
            features=len(frame),
            published=int((status == STATUS_PUBLISHED).sum()),
            merged=int((status == STATUS_MERGED).sum()),
            suppressed=int((status == STATUS_SUPPRESSED).sum()),
            withheld=int((status != STATUS_PUBLISHED).sum()),
        )


@dataclass(frozen=True)
class RunSummary(Mapping[str, Any]):
    """What a run did, in numbers; :meth:`to_dict` is ``run_summary.json``.

    It also reads like that file (``summary["units_in"]``), for code written against it.

    Attributes
    ----------
    run_id, study_area
        The run and its gemeente codes.
    units_in, units_joined, units_not_joined, join_balanced
        Units read, joined, not joined by reason, and whether every unit is accounted for.
    layers
        The features of every published layer by status.
    hotspot_cells
        Published H3 cells per hot-spot label.
    composite
        Per ranked layer, the stability of the composite index.
    proxy_flagged
        Indicators the proxy screen flagged (None without a screen).
    register_to_be_written
        Fields of the algorithm-register draft a person must still write.
    rules
        The disclosure rules applied.
    seconds
        Wall-clock time of the run.
    synthetic_note
        The label of a run on synthetic data ("" for real data).
    not_for_publication
        NIET VOOR PUBLICATIE for a run under rules below the publication floors
        (``[rules] purpose = "internal"``), else "".
    information_loss
        What disclosure control cost, per layer and published count or rate (the
        ``loss`` of the disclosure record; empty where it was not measured).
    """

    run_id: str
    study_area: str
    units_in: int
    units_joined: int
    units_not_joined: Mapping[str, int]
    join_balanced: bool
    layers: Mapping[str, LayerCounts]
    hotspot_cells: Mapping[str, int]
    composite: Mapping[str, Mapping[str, Any]]
    proxy_flagged: int | None
    register_to_be_written: tuple[str, ...]
    rules: DisclosureRules
    seconds: float
    synthetic_note: str
    not_for_publication: str = ""
    information_loss: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, record: RunRecord, seconds: float) -> RunSummary:
        """Summarise a run from its record and the time it took."""
        release = record.release
        hotspot_cells: dict[str, int] = {}
        if "h3" in release.layers and "hotspot_label" in release.layers["h3"]:
            h3 = release.layers["h3"]
            labels = h3.loc[h3["status"] == STATUS_PUBLISHED, "hotspot_label"].astype("str")
            hotspot_cells = {str(k): int(v) for k, v in labels.value_counts().items()}
        units = record.units
        not_joined = dict(units["not_joined"])
        screen = record.proxy_screen
        return cls(
            run_id=record.run_id,
            study_area=record.config.study_area,
            units_in=units["rows_in"],
            units_joined=units["joined"],
            units_not_joined=not_joined,
            join_balanced=units["joined"] + sum(not_joined.values()) == units["rows_in"],
            layers={name: LayerCounts.of(frame) for name, frame in release.layers.items()},
            hotspot_cells=hotspot_cells,
            composite={name: r.summary for name, r in record.composites.items()},
            proxy_flagged=None if screen is None else int(screen.table["flagged"].sum()),
            register_to_be_written=tuple(register_draft(record)["_zicht"]["to_be_written"]),
            rules=record.config.rules,
            seconds=round(seconds, 2),
            synthetic_note=str(release.metadata.get("synthetic_note", "")),
            not_for_publication=str(release.metadata.get("not_for_publication", "")),
            information_loss=dict(dict(release.disclosure).get("loss") or {}),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as ``run_summary.json`` holds it."""
        return {
            "run_id": self.run_id,
            "study_area": self.study_area,
            "units_in": self.units_in,
            "units_joined": self.units_joined,
            "units_not_joined": dict(self.units_not_joined),
            "join_balanced": self.join_balanced,
            "layers": {name: asdict(counts) for name, counts in self.layers.items()},
            "hotspot_cells": dict(self.hotspot_cells),
            "composite": {name: dict(s) for name, s in self.composite.items()},
            "proxy_screen": None if self.proxy_flagged is None else {"flagged": self.proxy_flagged},
            "register_to_be_written": list(self.register_to_be_written),
            "rules": asdict(self.rules),
            "seconds": self.seconds,
            "synthetic_note": self.synthetic_note,
            "not_for_publication": self.not_for_publication,
            "information_loss": dict(self.information_loss),
        }

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())
