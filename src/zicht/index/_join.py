"""The array core of the joins in :mod:`zicht.index`.

Shared by the in-memory, partitioned and dask paths so that all three give identical keys.

Works on x/y arrays (RD New) and area *ranks* (positions in an :class:`AreaIndex`'s sorted
codes); codes become strings (or categoricals) only when the output is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from zicht._errors import SchemaError
from zicht._h3 import CellsJob, map_in_threads, rd_cells, submit_rd_cells
from zicht._validate import NestingReport, check_nesting, require_rd
from zicht.index._areas import AreaIndex, build_area_index

if TYPE_CHECKING:
    from zicht.ingest import PointPartition

__all__ = [
    "MISMATCH_BUURT_WIJK",
    "MISMATCH_WIJK_GEMEENTE",
    "REASONS",
    "REASON_INVALID_GEOMETRY",
    "REASON_MISSING_LOCATION",
    "REASON_OUTSIDE_AREAS",
    "REASON_OUTSIDE_GEMEENTE",
    "REASON_OUTSIDE_WIJK",
    "JoinLayers",
    "JoinReport",
    "join_arrays",
    "join_partition",
    "key_columns",
    "locate_chunk",
    "prepare_join",
    "ranks_to_str",
]

REASON_MISSING_LOCATION = "missing or empty location"
REASON_INVALID_GEOMETRY = "invalid geometry (not a point)"
REASON_OUTSIDE_AREAS = "outside every buurt"
REASON_OUTSIDE_WIJK = "outside every wijk"
REASON_OUTSIDE_GEMEENTE = "outside every gemeente"
#: Joined rows whose levels, taken from layers of different vintages, disagree.
MISMATCH_BUURT_WIJK = "buurt code names another wijk"
MISMATCH_WIJK_GEMEENTE = "wijk code names another gemeente"


#: Every reason a unit can fail to join, in the order they are tested.
REASONS = [
    REASON_MISSING_LOCATION,
    REASON_INVALID_GEOMETRY,
    REASON_OUTSIDE_AREAS,
    REASON_OUTSIDE_WIJK,
    REASON_OUTSIDE_GEMEENTE,
]


@dataclass
class JoinReport:
    """Accounts for every input row of a join.

    Attributes
    ----------
    rows_in
        Rows offered to the join.
    joined
        Rows that got every key.
    not_joined
        Rows that did not, counted per reason (each row under its first failing reason,
        in the order missing location, invalid geometry, outside every buurt, wijk,
        gemeente; reasons with no rows are left out).
    mismatched
        Joined rows whose levels come from layers of different vintages and disagree
        (e.g. a 2014 buurt code naming another wijk than the 2022 wijk the row lies in).
    nesting
        How the boundary layers nest, when more than one was given.
    sentinels
        Per attribute column, the CBS sentinel values (``-99999999`` …) the reader set to
        missing in the rows offered (the rows themselves are counted above).
    """

    rows_in: int
    joined: int
    not_joined: dict[str, int] = field(default_factory=dict)
    mismatched: dict[str, int] = field(default_factory=dict)
    nesting: NestingReport | None = None
    sentinels: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        """True when joined plus not joined equals the rows offered."""
        return self.joined + sum(self.not_joined.values()) == self.rows_in

    def __add__(self, other: JoinReport) -> JoinReport:
        """Add the counts of two reports (e.g. of two partitions)."""
        reasons = dict(self.not_joined)
        for key, n in other.not_joined.items():
            reasons[key] = reasons.get(key, 0) + n
        mismatched = dict(self.mismatched)
        for key, n in other.mismatched.items():
            mismatched[key] = mismatched.get(key, 0) + n
        sentinels = dict(self.sentinels)
        for key, n in other.sentinels.items():
            sentinels[key] = sentinels.get(key, 0) + n
        return JoinReport(
            rows_in=self.rows_in + other.rows_in,
            joined=self.joined + other.joined,
            not_joined=reasons,
            mismatched=mismatched,
            nesting=self.nesting or other.nesting,
            sentinels=sentinels,
        )

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        nesting: NestingReport | None = None,
        sentinels: Mapping[str, int] | None = None,
    ) -> JoinReport:
        """Rebuild the report from a joined frame's ``not_joined_reason``/``levels_nest``.

        Parameters
        ----------
        frame
            Output of a join (any of the in-memory, partitioned or dask paths).
        nesting
            The nesting report of the layers, if any.
        sentinels
            The CBS sentinels the reader set to missing (e.g. the ``report=`` of
            :func:`zicht.ingest.read_addresses_dask`), which the frame no longer shows.
        """
        counts = frame["not_joined_reason"].value_counts()
        not_joined = {str(k): int(v) for k, v in counts.items() if v}
        not_joined = {r: not_joined[r] for r in REASONS if r in not_joined}
        report = cls(
            rows_in=len(frame),
            joined=int(frame["joined"].sum()),
            not_joined=not_joined,
            nesting=nesting,
            sentinels=dict(sentinels or {}),
        )
        if "levels_nest" in frame:
            joined = frame["joined"].astype(bool)
            for label, lower, upper, stop in (
                (MISMATCH_BUURT_WIJK, "buurt_code", "wijk_code", 8),
                (MISMATCH_WIJK_GEMEENTE, "wijk_code", "gemeente_code", 6),
            ):
                low = frame[lower].astype("str").str.slice(2, stop)
                up = frame[upper].astype("str").str.slice(2, stop)
                n = int((joined & (low != up)).sum())
                if n:
                    report.mismatched[label] = n
        return report

    def to_dict(self) -> dict[str, object]:
        """Return the report as a JSON-serialisable dict."""
        out: dict[str, object] = {
            "rows_in": self.rows_in,
            "joined": self.joined,
            "not_joined": dict(self.not_joined),
            "balanced": self.balanced,
        }
        if self.mismatched:
            out["mismatched"] = dict(self.mismatched)
        if self.sentinels:
            out["sentinels"] = dict(self.sentinels)
        if self.nesting is not None:
            out["nesting"] = self.nesting.to_dict()
        return out


@dataclass(frozen=True)
class JoinLayers:
    """Boundary layers indexed once for many joins (picklable, for dask workers).

    Attributes
    ----------
    buurt
        Index of the buurt layer.
    wijk, gemeente
        Indexes of the wijk and gemeente layers, or None to derive those codes from the
        buurt (or wijk) code.
    park
        Index of park polygons (codes are park ids), or None.
    nesting
        How the given layers nest (None with one layer).
    """

    buurt: AreaIndex
    wijk: AreaIndex | None = None
    gemeente: AreaIndex | None = None
    park: AreaIndex | None = None
    nesting: NestingReport | None = None


def _index(
    layer: gpd.GeoDataFrame | AreaIndex, what: str, code_column: str, cell_m: float | None
) -> AreaIndex:
    if isinstance(layer, AreaIndex):
        return layer
    require_rd(layer, what)
    if code_column not in layer:
        raise SchemaError(f"{what} lack a {code_column!r} column")
    codes = layer[code_column].astype("str")
    if codes.duplicated().any():
        dupes = codes[codes.duplicated()].unique()[:3].tolist()
        raise SchemaError(f"{what} repeat codes in {code_column!r}, e.g. {dupes}")
    return build_area_index(codes.to_numpy(), layer.geometry.to_numpy(), cell_m=cell_m)


def prepare_join(
    buurten: gpd.GeoDataFrame | AreaIndex | JoinLayers,
    *,
    wijken: gpd.GeoDataFrame | AreaIndex | None = None,
    gemeenten: gpd.GeoDataFrame | AreaIndex | None = None,
    parks: gpd.GeoDataFrame | AreaIndex | None = None,
    allow_mixed_vintages: bool = False,
    cell_m: float | None = None,
) -> JoinLayers:
    """Check that the boundary layers nest and index each once.

    Parameters
    ----------
    buurten
        Buurt boundaries (``code``), an index of them, or ready :class:`JoinLayers`.
    wijken, gemeenten
        Optional layers to assign those levels from (else derived from codes).
    parks
        Optional park polygons (``park_id``).
    allow_mixed_vintages
        Accept layers that do not nest (the join then counts disagreeing rows).
    cell_m
        Raster cell size of the indexes in metres; by default chosen per layer
        (:func:`zicht.index._areas.auto_cell_size`).

    Returns
    -------
    JoinLayers
        The indexes and the nesting report.

    Raises
    ------
    CRSError, SchemaError
        If a layer is not in RD New, lacks codes, repeats codes, or the layers are of
        mixed vintages and ``allow_mixed_vintages`` is False.
    """
    if isinstance(buurten, JoinLayers):
        return buurten
    nesting = None
    frames = {
        "buurten": buurten,
        "wijken": wijken,
        "gemeenten": gemeenten,
    }
    if wijken is not None or gemeenten is not None:
        nesting = check_nesting(
            **{k: v for k, v in frames.items() if isinstance(v, gpd.GeoDataFrame)},
            allow_mixed=allow_mixed_vintages,
        )
    return JoinLayers(
        buurt=_index(buurten, "buurt boundaries", "code", cell_m),
        wijk=None if wijken is None else _index(wijken, "wijk boundaries", "code", cell_m),
        gemeente=(
            None if gemeenten is None else _index(gemeenten, "gemeente boundaries", "code", cell_m)
        ),
        park=None if parks is None else _index(parks, "park areas", "park_id", cell_m),
        nesting=nesting,
    )


@dataclass
class KeyArrays:
    """The keys of one join as arrays: H3 ids and area ranks (-1 for none)."""

    h3: np.ndarray
    has: np.ndarray
    ranks: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    joined: np.ndarray
    levels_nest: np.ndarray | None
    reason: np.ndarray


def _derived(codes: np.ndarray, prefix: str, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the level above, derived per code; returns (unique codes, rank per code)."""
    parent = np.array([prefix + str(c)[2:stop] for c in codes], dtype=object)
    uniq, inverse = np.unique(parent.astype(str), return_inverse=True)
    return uniq.astype(object), inverse.astype(np.int32)


def _rank_of(codes: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Position of each code in the sorted ``among`` codes, or -1 where absent."""
    among_s = among.astype(str)
    pos = np.searchsorted(among_s, codes.astype(str))
    pos = np.clip(pos, 0, max(len(among_s) - 1, 0))
    found = len(among_s) > 0 and among_s[pos] == codes.astype(str)
    return np.where(found, pos, -1).astype(np.int32)


def _through(ranks: np.ndarray, table: np.ndarray) -> np.ndarray:
    out = np.full(len(ranks), -1, dtype=np.int32)
    ok = ranks >= 0
    out[ok] = table[ranks[ok]]
    return out


def locate_chunk(
    x: np.ndarray, y: np.ndarray, layers: JoinLayers, resolution: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """H3 ids and the rank in every indexed layer (buurt, wijk, gemeente, park order).

    The per-row work of a join, for one chunk of rows: on a thread of zicht's pool or on
    a dask worker (module-level, so it pickles by reference).

    Parameters
    ----------
    x, y
        RD New coordinates; NaN where a row has no location.
    layers
        Indexed boundary layers.
    resolution
        H3 resolution.

    Returns
    -------
    tuple of (numpy.ndarray, list of numpy.ndarray)
        int64 H3 ids (0 without a location) and ``int32`` ranks, one array per layer given.
    """
    cells = rd_cells(x, y, resolution)
    return cells, [index.lookup(x, y) for _, index in _indexes(layers)]


def _indexes(layers: JoinLayers) -> list[tuple[str, AreaIndex]]:
    pairs = [
        ("buurt", layers.buurt),
        ("wijk", layers.wijk),
        ("gemeente", layers.gemeente),
        ("park", layers.park),
    ]
    return [(level, index) for level, index in pairs if index is not None]


def _locate(
    x: np.ndarray,
    y: np.ndarray,
    layers: JoinLayers,
    resolution: int,
    scheduler: object = None,
    cells: CellsJob | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """H3 ids and the rank in every layer of each row: the per-row work, on both cores.

    The H3 ids (PROJ and h3, which hold the GIL) run in zicht's worker processes
    (:func:`zicht._h3.submit_rd_cells`, or the ``cells`` job already under way) while
    this process looks the rows up in the area rasters, in row chunks on its thread pool
    (shapely and numpy release the GIL). With ``scheduler`` all of it runs on a
    dask.distributed cluster. The answer does not depend on the chunking.
    """
    levels = [level for level, _ in _indexes(layers)]
    if scheduler is not None:
        from zicht.index._cluster import locate_on_cluster

        parts = locate_on_cluster(scheduler, locate_chunk, x, y, layers, resolution)
        parts = parts or [locate_chunk(x[:0], y[:0], layers, resolution)]
        found = np.concatenate([p[0] for p in parts])
        ranks = {level: np.concatenate([p[1][i] for p in parts]) for i, level in enumerate(levels)}
        return found, ranks
    job = cells if cells is not None else submit_rd_cells(x, y, resolution)
    ranks = {}
    for level, index in _indexes(layers):
        parts = map_in_threads(index.lookup, len(x), x, y)
        ranks[level] = np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)
    return job.result(), ranks


def join_arrays(
    x: np.ndarray,
    y: np.ndarray,
    present: np.ndarray,
    layers: JoinLayers,
    resolution: int,
    *,
    scheduler: object = None,
    cells: CellsJob | None = None,
) -> tuple[KeyArrays, JoinReport]:
    """Compute every key of every row from coordinates.

    Parameters
    ----------
    x, y
        RD New coordinates; NaN where a row has no point location.
    present
        Rows that have a geometry at all (a non-point geometry is present without x/y).
    layers
        Indexed boundary layers.
    resolution
        H3 resolution.
    scheduler
        A ``dask.distributed`` scheduler address (``"tcp://host:8786"``) or ``Client``:
        the per-row work then runs on that cluster, in chunks of a million rows, with the
        same keys. None (default): on this machine's cores.
    cells
        The rows' H3 ids already under way (:func:`zicht._h3.submit_rd_cells` on ``x``
        and ``y`` at ``resolution``), e.g. started while the next file was read; by
        default they are started here.

    Returns
    -------
    tuple of (KeyArrays, JoinReport)
    """
    has = np.isfinite(x) & np.isfinite(y)
    cells, ranks = _locate(x, y, layers, resolution, scheduler, cells)
    codes = {"buurt": layers.buurt.codes}
    reasons = {
        REASON_MISSING_LOCATION: ~present,
        REASON_INVALID_GEOMETRY: present & ~has,
        REASON_OUTSIDE_AREAS: has & (ranks["buurt"] < 0),
    }
    if layers.wijk is None:
        codes["wijk"], table = _derived(codes["buurt"], "WK", 8)
        ranks["wijk"] = _through(ranks["buurt"], table)
    else:
        codes["wijk"] = layers.wijk.codes
        reasons[REASON_OUTSIDE_WIJK] = has & (ranks["wijk"] < 0)
    if layers.gemeente is None:
        codes["gemeente"], table = _derived(codes["wijk"], "GM", 6)
        ranks["gemeente"] = _through(ranks["wijk"], table)
    else:
        codes["gemeente"] = layers.gemeente.codes
        reasons[REASON_OUTSIDE_GEMEENTE] = has & (ranks["gemeente"] < 0)
    if layers.park is not None:
        codes["park"] = layers.park.codes
    failed = np.zeros(len(x), dtype=bool)
    reason_of = np.full(len(x), -1, dtype=np.int8)
    not_joined: dict[str, int] = {}
    for reason, mask in reasons.items():  # a row counts under its first reason
        first = mask & ~failed
        reason_of[first] = REASONS.index(reason)
        failed |= mask
        if first.any():
            not_joined[reason] = int(first.sum())
    joined = ~failed
    mismatched: dict[str, int] = {}
    nest = None
    if layers.wijk is not None or layers.gemeente is not None:
        nest = np.ones(len(x), dtype=bool)
        for label, lower, upper, prefix, stop in (
            (MISMATCH_BUURT_WIJK, "buurt", "wijk", "WK", 8),
            (MISMATCH_WIJK_GEMEENTE, "wijk", "gemeente", "GM", 6),
        ):
            named, table = _derived(codes[lower], prefix, stop)
            named_rank = _rank_of(named, codes[upper])[table]  # per lower code
            disagree = joined & (_through(ranks[lower], named_rank) != ranks[upper])
            nest &= ~disagree
            if disagree.any():
                mismatched[label] = int(disagree.sum())
    keys = KeyArrays(cells, has, ranks, codes, joined, nest, reason_of)
    report = JoinReport(
        rows_in=len(x),
        joined=int(joined.sum()),
        not_joined=not_joined,
        mismatched=mismatched,
        nesting=layers.nesting,
    )
    return keys, report


def ranks_to_str(ranks: np.ndarray, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Codes as a pandas ``str`` array (missing where the rank is -1).

    Parameters
    ----------
    ranks
        Position of each row's area in ``codes`` (-1 for none).
    codes
        The area codes, sorted (an :class:`AreaIndex`'s ``codes``).

    Returns
    -------
    pandas.api.extensions.ExtensionArray
        One code per row.
    """
    labels = pa.array([str(c) for c in codes], type=pa.string())
    return pd.array(labels.take(pa.array(ranks, mask=ranks < 0)), dtype="str")


def key_columns(
    keys: KeyArrays, resolution: int, *, categorical: bool = False
) -> dict[str, object]:
    """Build the output columns of a join, in order.

    Parameters
    ----------
    keys
        Result of :func:`join_arrays`.
    resolution
        H3 resolution (names the column).
    categorical
        Codes as pandas categoricals (light at national scale) instead of strings.
    """
    h3 = pd.array(keys.h3, dtype="Int64")
    h3[~keys.has] = pd.NA
    out: dict[str, object] = {f"h3_r{resolution}": h3}
    names = {"buurt": "buurt_code", "wijk": "wijk_code", "gemeente": "gemeente_code"}
    names |= {"park": "park_id"}
    for level, name in names.items():
        if level not in keys.ranks:
            continue
        if categorical:
            out[name] = pd.Categorical.from_codes(
                keys.ranks[level], categories=pd.Index([str(c) for c in keys.codes[level]])
            )
        else:
            out[name] = ranks_to_str(keys.ranks[level], keys.codes[level])
    if keys.levels_nest is not None:
        out["levels_nest"] = keys.levels_nest
    out["joined"] = keys.joined
    out["not_joined_reason"] = pd.Categorical.from_codes(keys.reason, categories=REASONS)
    return out


def join_partition(
    part: PointPartition, layers: JoinLayers, resolution: int, *, cells: CellsJob | None = None
) -> tuple[pd.DataFrame, JoinReport]:
    """Join one partition read as arrays: its attributes plus the key columns (categoricals).

    Parameters
    ----------
    part
        A partition from :func:`zicht.ingest.iter_point_partitions`.
    layers
        Indexed boundary layers.
    resolution
        H3 resolution.
    cells
        The partition's H3 ids already under way (see :func:`join_arrays`).

    Returns
    -------
    tuple of (pandas.DataFrame, JoinReport)
    """
    keys, report = join_arrays(part.x, part.y, part.present, layers, resolution, cells=cells)
    report.sentinels = dict(part.sentinels)  # values the reader set to missing in this file
    frame = part.attributes.reset_index(drop=True)
    for name, column in key_columns(keys, resolution, categorical=True).items():
        frame[name] = column
    return frame, report
