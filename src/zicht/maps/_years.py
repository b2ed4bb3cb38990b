"""The map of one year of a ``[years]`` run: the year selector and each area's series.

A years run (docs/years.md) writes one release per year. Each year's map page gets a
``<select data-testid="year">`` that opens the same view in another year's page (the
relative link ``../<year>/risk_map.html``, offline), and per published geography with a trend
table the area's **published** values of every year (``OUT/trends/trend_<layer>.csv``: a
value not published in a year is ``null`` there, so it is ``null`` here), its Mann-Kendall
trend and, for H3 cells, its emerging hot-spot category, in words. The side panel draws them
as a small inline SVG chart (``assets/maps/years.js``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

from zicht._strings import catalogue

__all__ = ["years_html", "years_payload"]


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return round(number, 6) if math.isfinite(number) else None


def _word(words: Mapping[str, str], prefix: str, value: Any) -> str:
    text = str(value or "")
    return html.escape(words.get(f"{prefix}_{text}", text)) if text else ""


def years_payload(
    years: Sequence[int],
    current: int,
    trends: Mapping[str, Any],
    emerging: Any = None,
    language: str = "nl",
) -> dict[str, Any]:
    """Return what the year selector and the panel's chart need, every text escaped.

    Parameters
    ----------
    years
        The years of the run.
    current
        The year of this page.
    trends
        Per layer (``"h3"``, ``"buurt"``) the trend table of :func:`zicht.publish.trend_table`
        (``area_id``, ``indicator``, ``trend`` and ``value_<year>``: published values only).
    emerging
        The emerging hot-spot table (``area_id``, ``category``) of the H3 cells, or ``None``.
    language
        ``"nl"`` or ``"en"``.

    Returns
    -------
    dict
        ``years``, ``current``, ``words`` and ``series`` (data key ``a:<layer>`` → indicator
        → area id → ``[values…, trend words]``) and ``category`` (area id → words, H3 only).
    """
    words = catalogue("years", language)
    order = sorted(int(y) for y in years)
    series: dict[str, dict[str, dict[str, list[Any]]]] = {}
    for layer, table in trends.items():
        out: dict[str, dict[str, list[Any]]] = {}
        columns = [f"value_{y}" for y in order]
        for row in table.to_dict("records"):
            values = [_number(row.get(c)) for c in columns]
            found = row.get("trend")
            trend = _word(
                words, "trend", found if isinstance(found, str) and found else "not_tested"
            )
            area = html.escape(str(row["area_id"]))
            out.setdefault(str(row["indicator"]), {})[area] = [*values, trend]
        series[f"a:{layer}"] = out
    category: dict[str, str] = {}
    if emerging is not None:
        for row in emerging.to_dict("records"):
            if row.get("category"):
                category[html.escape(str(row["area_id"]))] = _word(
                    words, "category", row["category"]
                )
    shown = ("map_year", "map_chart", "map_trend", "map_category", "map_hidden_year")
    return {
        "years": order,
        "current": int(current),
        "words": {k: html.escape(words[k]) for k in shown},
        "series": series,
        "category": category,
    }


def years_html(payload: Mapping[str, Any]) -> str:
    """Return the year selector of a page: one option per year, this page's chosen."""
    label = payload["words"]["map_year"]
    options = "".join(
        f'<option value="{y}"{" selected" if y == payload["current"] else ""}>{y}</option>'
        for y in payload["years"]
    )
    return (
        f'<div class="zicht-years"><label for="zicht-year">{label}</label> '
        f'<select id="zicht-year" data-testid="year">{options}</select></div>'
    )
