"""Trends per area over several yearly releases, from the published values only.

Each year's release publishes its own geography (the buurten of its boundary vintage). To
compare years the values are put onto today's areas:

* an area whose code did not change keeps its value;
* an area that was split (one old code, several new ones) gives each part its *rate* (the
  best estimate of the part's rate is the whole's) and a *count* in proportion to the
  part's share (``share`` of the code-change table, else the share of the old area that
  lies in the new one: area-weighted);
* areas that were merged (several old codes, one new) give the sum of their counts and
  the mean of their rates weighted by their published population times their share.

A value on today's area is published only if every old feature it comes from was
published; an apportioned value is flagged. The change between the first and the last
year and the Mann-Kendall trend use these values only, so they reveal nothing that a
yearly release hides: where either year is not published there is no change, and the
table says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from zicht._strings import DEFAULT_LANGUAGE, text
from zicht.stats import mann_kendall

__all__ = ["TREND_COLUMNS", "AreaMapping", "onto_latest", "trend_table"]

#: Columns of :func:`trend_table` besides the per-year values.
TREND_COLUMNS = (
    "area_id",
    "indicator",
    "published_years",
    "first_year",
    "last_year",
    "change",
    "trend_s",
    "trend_tau",
    "trend_p",
    "trend",
    "apportioned_years",
    "note",
)

#: Indicator kinds whose value is a total (it is split by share); the others are levels.
_TOTALS = ("count",)


@dataclass(frozen=True)
class AreaMapping:
    """How the features of one year's layer map onto today's areas.

    Attributes
    ----------
    frame
        ``old_code``, ``new_code``, ``share`` (of the old area in the new one); a code
        that did not change maps onto itself with share 1.
    """

    frame: pd.DataFrame

    @classmethod
    def identity(cls, codes: Sequence[str]) -> AreaMapping:
        """Every code onto itself."""
        codes = [str(c) for c in codes]
        return cls(pd.DataFrame({"old_code": codes, "new_code": codes, "share": 1.0}))


def onto_latest(
    layer: pd.DataFrame,
    mapping: AreaMapping,
    columns: Mapping[str, str],
    population: str = "n_units",
) -> pd.DataFrame:
    """Put one year's published layer onto today's areas.

    Parameters
    ----------
    layer
        The year's layer as published: ``area_id``, ``status`` and the value columns.
    mapping
        Old codes onto new ones with shares.
    columns
        Value column → indicator kind (``"count"`` is split by share, every other kind
        carried as a level).
    population
        The published population column that weighs levels of merged areas.

    Returns
    -------
    pandas.DataFrame
        Indexed by today's ``area_id``: the value columns, ``published`` (every source
        feature published) and ``apportioned`` (any source split or merged).
    """
    frame = layer.assign(area_id=layer["area_id"].astype(str)).set_index("area_id")
    joined = mapping.frame.merge(frame, left_on="old_code", right_index=True, how="inner")
    joined["ok"] = joined["status"].eq("published")
    n_parts = joined.groupby("new_code")["old_code"].transform("size")
    joined["moved"] = (joined["old_code"] != joined["new_code"]) | (joined["share"] < 1)
    joined["moved"] |= n_parts > 1
    weight = joined["share"] * pd.to_numeric(joined.get(population), errors="coerce")
    # a level with one source is that source's value; with several, weighted by population
    weight = weight.where(n_parts > 1, 1.0)
    new = joined["new_code"]
    grouped = joined.groupby("new_code")
    out = pd.DataFrame(index=pd.Index(sorted(new.unique()), name="area_id"))
    out["published"] = grouped["ok"].all()
    out["apportioned"] = grouped["moved"].any()
    for column, kind in columns.items():
        value = pd.to_numeric(joined[column], errors="coerce")
        if kind in _TOTALS:
            part = (value * joined["share"]).groupby(new).sum(min_count=1)
        else:
            total = (value * weight).groupby(new).sum(min_count=1)
            part = total / weight.where(value.notna()).groupby(new).sum(min_count=1)
        out[column] = part.reindex(out.index)
        out.loc[~out["published"], column] = np.nan
    return out


def _trend_row(
    values: pd.Series, apportioned: pd.Series, min_years: int, alpha: float, language: str
) -> dict:
    years = list(values.index)
    shown = values.dropna()
    row: dict = {"published_years": len(shown), "first_year": years[0], "last_year": years[-1]}
    notes = []
    first, last = values.iloc[0], values.iloc[-1]
    if np.isfinite(first) and np.isfinite(last):
        row["change"] = float(last - first)
    else:
        row["change"] = np.nan
        hidden = [str(y) for y in (years[0], years[-1]) if not np.isfinite(values.loc[y])]
        notes.append(text("years", "note_no_change", language, years=", ".join(hidden)))
    row.update(trend_s=np.nan, trend_tau=np.nan, trend_p=np.nan, trend="")
    if len(shown) >= min_years:
        s, tau, p = mann_kendall(shown.to_numpy(dtype=float)[None, :])
        row.update(trend_s=float(s[0]), trend_tau=float(tau[0]), trend_p=float(p[0]))
        row["trend"] = ("rising" if s[0] > 0 else "falling") if p[0] < alpha else "no_trend"
    else:
        notes.append(text("years", "note_no_trend", language, n=len(shown), needed=min_years))
    row["apportioned_years"] = " ".join(str(y) for y in apportioned[apportioned].index)
    row["note"] = "; ".join(notes)
    return row


def trend_table(
    yearly: Mapping[int, pd.DataFrame],
    columns: Mapping[str, str],
    *,
    min_years: int = 4,
    alpha: float = 0.05,
    decimals: int = 3,
    value_decimals: Mapping[str, int] | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> pd.DataFrame:
    """Change first → last year and the Mann-Kendall trend per area and indicator.

    Parameters
    ----------
    yearly
        Per year, :func:`onto_latest`'s frame (today's areas).
    columns
        The value columns to trend (value column → kind).
    min_years
        Published years a trend needs.
    alpha
        Significance level of the trend (``trend``: rising, falling or no_trend).
    decimals
        Rounding of the trend's p-value and tau.
    value_decimals
        Decimals of each value column (column → decimals): its ``value_<year>`` and its
        ``change`` are rounded to them, the change computed from the rounded values, so
        that a published table holds no float noise (``46.099999999999994``) and its
        change is exactly last minus first. A column not named is not rounded.
    language
        Language of the ``note`` column (``"nl"``, the default, or ``"en"``), from the
        string catalogue (``years.toml``).

    Returns
    -------
    pandas.DataFrame
        One row per area and indicator: :data:`TREND_COLUMNS` and ``value_<year>``.

    Examples
    --------
    >>> years = {y: pd.DataFrame({"rate": [v], "published": [True], "apportioned": [False]},
    ...                          index=pd.Index(["BU1"], name="area_id"))
    ...          for y, v in zip(range(2019, 2024), [1.0, 2.0, 3.0, 5.0, 8.0])}
    >>> row = trend_table(years, {"rate": "rate"}).iloc[0]
    >>> float(row["change"]), row["trend"], float(row["trend_p"])
    (7.0, 'rising', 0.017)
    """
    years = sorted(yearly)
    areas = sorted(set().union(*(set(f.index) for f in yearly.values())))
    rows = []
    for column in columns:
        values = pd.DataFrame(
            {y: yearly[y][column].reindex(areas) for y in years}, index=areas
        ).astype("float64")
        if value_decimals and column in value_decimals:
            values = values.round(value_decimals[column])
        moved = pd.DataFrame(
            {y: yearly[y]["apportioned"].reindex(areas).fillna(False).astype(bool) for y in years},
            index=areas,
        )
        for area in areas:
            row = {"area_id": area, "indicator": column}
            row.update(_trend_row(values.loc[area], moved.loc[area], min_years, alpha, language))
            if value_decimals and column in value_decimals:
                row["change"] = round(row["change"], value_decimals[column])
            row.update({f"value_{y}": values.loc[area, y] for y in years})
            rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        out["trend_p"] = out["trend_p"].round(decimals)
        out["trend_tau"] = out["trend_tau"].round(decimals)
    return out
