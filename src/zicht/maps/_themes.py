"""What each map layer shows: classes, colours, legend entries and tooltip texts.

A *theme* is one way to colour one published geography: an indicator as a classed choropleth,
the hot-spot classes, or the Local Moran quadrants. Themes are computed once from the release
and drawn twice, by the HTML map and by the static PNGs, so both show the same classes.

Texts here are raw; they are HTML-escaped where they are written into a page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import to_hex

from zicht._errors import SchemaError
from zicht.maps._classes import classify, rate_noise
from zicht.maps._options import SCHEMES, MapOptions
from zicht.maps._words import format_number, local_title, local_unit, say
from zicht.publish import STATUS_PUBLISHED, STATUS_SUPPRESSED
from zicht.schemas import IndicatorMeta

__all__ = [
    "GEOGRAPHY_TITLES",
    "SCHEMES",
    "STATUS_MERGED",
    "LegendEntry",
    "MapOptions",
    "Theme",
    "choropleth_theme",
    "format_value",
    "hotspot_method_text",
    "label_theme",
    "title_with_unit",
]

STATUS_MERGED = "merged"
KNOWN_STATUSES = (STATUS_PUBLISHED, STATUS_SUPPRESSED, STATUS_MERGED)

#: The published geographies zicht knows; their titles are ``geo_<name>`` in ``map.toml``.
GEOGRAPHY_TITLES = ("h3", "region", "buurt", "wijk", "gemeente", "park")


def geography_title(name: str, language: str) -> str:
    """Return the title of a published geography (``"H3-cellen"``); else the name."""
    return say(language, f"geo_{name}") if name in GEOGRAPHY_TITLES else name


@dataclass(frozen=True)
class LegendEntry:
    """One swatch of a legend.

    Parameters
    ----------
    colour
        Fill colour (``#rrggbb``).
    label
        Raw text next to the swatch.
    """

    colour: str
    label: str


@dataclass(frozen=True)
class Theme:
    """One colouring of one published geography.

    Parameters
    ----------
    key
        Unique short key, also used in the HTML (``"t0"``, ``"t1"`` …).
    geography
        Name of the release layer.
    column
        The column the theme shows (an indicator, ``hotspot_label`` or ``moran_label``).
    title
        Raw title, e.g. ``"Vacant addresses (%)"``.
    kind
        ``"choropleth"``, ``"hotspot"`` or ``"moran"``.
    entries
        Legend swatches, in class order.
    class_index
        Per feature: the index into ``entries``; ``-1`` when the feature has no value.
    value_text
        Per feature: the raw text of its value for the tooltip; empty when not published.
    note
        Raw method line for the legend (scheme, or test and correction).
    """

    key: str
    geography: str
    column: str
    title: str
    kind: str
    entries: tuple[LegendEntry, ...]
    class_index: np.ndarray
    value_text: tuple[str, ...]
    note: str


def format_value(value: float, kind: str, unit: str, language: str = "nl") -> str:
    r"""Format a published value with its unit for tooltips and legends.

    Parameters
    ----------
    value
        The value; missing values give ``"no value"``.
    kind
        ``"count"`` (whole numbers with a thin thousands separator) or ``"rate"``.
    unit
        Unit text; in Dutch ``%`` and ``‰`` follow the number after a no-break space, as
        everywhere in zicht's Dutch (``12,3 %``), in English without one (``12.3%``).
    language
        ``"nl"`` (default: decimal comma, Dutch unit words) or ``"en"``.

    Returns
    -------
    str
        For example ``"1 250 adressen"`` (thin space) or ``"12,3 %"``.

    Examples
    --------
    >>> format_value(12.345, "rate", "%")
    '12,3\xa0%'
    >>> format_value(12.345, "rate", "%", "en")
    '12.3%'
    >>> format_value(25, "count", "addresses", "en")
    '25 addresses'
    """
    if value is None or pd.isna(value):
        return say(language, "value_none")
    number = _format_number(float(value), kind, language)
    unit = local_unit(unit, language)
    if not unit:
        return number
    if unit in ("%", "‰"):
        return f"{number}{unit}" if language == "en" else f"{number}\u00a0{unit}"
    return f"{number} {unit}"


def _format_number(value: float, kind: str, language: str) -> str:
    if kind in ("count", "rank", "flag") or value == 0:
        return format_number(round(value), 0, language)
    magnitude = abs(value)
    decimals = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 0.1 else 3
    return format_number(value, decimals, language)


def _palette(name: str, k: int) -> list[str]:
    cmap = mpl.colormaps[name]
    # Skip the palest and darkest ends: white-ish classes vanish on a white page.
    positions = np.linspace(0.12, 0.92, k) if k > 1 else np.array([0.6])
    return [to_hex(cmap(p)) for p in positions]


def choropleth_theme(
    key: str,
    geography: str,
    frame: pd.DataFrame,
    meta: IndicatorMeta,
    options: MapOptions,
) -> Theme:
    """Classify one indicator of one geography.

    Only published features take part in the classification; others get class ``-1``.

    Parameters
    ----------
    key
        Theme key.
    geography
        Release layer name.
    frame
        The release layer (``status`` and the indicator column).
    meta
        The indicator.
    options
        Scheme, number of classes and palette.

    Returns
    -------
    Theme
        The classified indicator.
    """
    published = (frame["status"] == STATUS_PUBLISHED).to_numpy()
    values = pd.to_numeric(frame[meta.column], errors="coerce").astype("float64").to_numpy()
    has_value = published & np.isfinite(values)
    class_index = np.full(len(frame), -1, dtype=np.int64)
    entries: list[LegendEntry] = []
    observed = values[has_value]
    distinct = np.unique(observed)
    language = options.language
    unit = local_unit(meta.unit, language)
    if len(distinct) == 1:
        class_index[has_value] = 0
        label = format_value(distinct[0], meta.kind, meta.unit, language)
        entries.append(LegendEntry(_palette(options.palette, 1)[0], label))
    elif len(distinct) > 1:
        noise = _noise(frame, meta, has_value, observed)
        found = classify(observed, options.k, options.scheme, noise)
        class_index[has_value] = found.yb
        colours = _palette(options.palette, found.n)
        outlier_word = say(language, "legend_outlier")
        for c in range(found.n):
            in_class = observed[found.yb == c]
            low = format_value(in_class.min(), meta.kind, "", language)
            high = format_value(in_class.max(), meta.kind, "", language)
            text = low if low == high else f"{low} – {high}"
            text += _unit_suffix(unit, language)
            entries.append(
                LegendEntry(colours[c], f"{text} ({outlier_word})" if found.outlier[c] else text)
            )
    value_text = tuple(
        format_value(v, meta.kind, meta.unit, language) if ok else ""
        for v, ok in zip(values, published, strict=True)
    )
    scheme_name = say(language, f"scheme_{options.scheme}")
    note = say(language, "note_classes", scheme=scheme_name, n=len(entries))
    return Theme(
        key=key,
        geography=geography,
        column=meta.column,
        title=title_with_unit(meta, language),
        kind="choropleth",
        entries=tuple(entries),
        class_index=class_index,
        value_text=value_text,
        note=note,
    )


def _noise(
    frame: pd.DataFrame, meta: IndicatorMeta, has_value: np.ndarray, observed: np.ndarray
) -> float:
    """Return the step below which two classes of an indicator do not differ (``_classes``).

    A rate: the binomial standard error at the median rate and the median published size of
    its base (``n_units`` when the rate names none); a count: the Poisson one; else ``0``.
    """
    if meta.kind == "rate":
        per = 1000.0 if meta.unit == "‰" or "1000" in meta.unit else 100.0
        base = meta.base if meta.base in frame else "n_units"
        if base not in frame:
            return 0.0
        bases = pd.to_numeric(frame[base], errors="coerce").to_numpy("float64")[has_value]
        return rate_noise(observed, bases, per)
    if meta.kind == "count":
        return math.sqrt(max(float(np.median(observed)), 0.0))
    return 0.0


def title_with_unit(meta: IndicatorMeta, language: str = "nl") -> str:
    """Return an indicator's title with its unit, e.g. ``"Vacancy (rate, %)"``.

    Parameters
    ----------
    meta
        The indicator.
    language
        The words zicht adds (``"(rate)"``, ``"addresses"``) in ``"nl"`` (default) or in
        ``"en"`` (as the release holds them).

    Returns
    -------
    str
        ``"title (unit)"``; a unit joins a parenthesis that ends the title.

    Examples
    --------
    >>> title_with_unit(IndicatorMeta("n", "Leegstaande adressen", "addresses"))
    'Leegstaande adressen (adressen)'
    >>> title_with_unit(IndicatorMeta("r", "Vacancy (rate)", "%", "rate"), "en")
    'Vacancy (rate, %)'
    >>> title_with_unit(IndicatorMeta("r", "Leegstand (rate)", "%", "rate"))
    'Leegstand (percentage, %)'
    """
    title = local_title(meta.title, language)
    unit = local_unit(meta.unit, language)
    if not unit:
        return title
    if title.endswith(")"):
        return f"{title[:-1]}, {unit})"
    return f"{title} ({unit})"


def _unit_suffix(unit: str, language: str) -> str:
    if not unit:
        return ""
    if unit in ("%", "‰"):
        return unit if language == "en" else f"\u00a0{unit}"  # as format_value writes it
    return f" {unit}"


# label -> (colour, catalogue key of the legend text). Red/blue ColorBrewer RdBu: hot/cold stay
# apart for the common colour-vision deficiencies, and deeper colours mean more confidence, as
# in ArcGIS Pro.
GI_CLASSES: dict[str, tuple[str, str]] = {
    "hot_99": ("#b2182b", "gi_hot_99"),
    "hot_95": ("#ef8a62", "gi_hot_95"),
    "hot_90": ("#fddbc7", "gi_hot_90"),
    "not_significant": ("#f7f7f7", "gi_not_significant"),
    "cold_90": ("#d1e5f0", "gi_cold_90"),
    "cold_95": ("#67a9cf", "gi_cold_95"),
    "cold_99": ("#2166ac", "gi_cold_99"),
    "isolated": ("#bababa", "gi_isolated"),
}
MORAN_CLASSES: dict[str, tuple[str, str]] = {
    "HH": ("#d7191c", "moran_hh"),
    "HL": ("#fdae61", "moran_hl"),
    "LH": ("#abd9e9", "moran_lh"),
    "LL": ("#2c7bb6", "moran_ll"),
    "not_significant": ("#f7f7f7", "gi_not_significant"),
    "isolated": ("#bababa", "gi_isolated"),
}
_MORAN_ALIASES = {
    "high-high": "HH",
    "high_high": "HH",
    "high-low": "HL",
    "high_low": "HL",
    "low-high": "LH",
    "low_high": "LH",
    "low-low": "LL",
    "low_low": "LL",
    "hh": "HH",
    "hl": "HL",
    "lh": "LH",
    "ll": "LL",
}
NOT_PUBLISHABLE_LABEL = "not publishable"


def _normalise_label(label: str) -> str:
    text = str(label).strip()
    return _MORAN_ALIASES.get(text.lower(), text)


def label_kind(labels: pd.Series, column: str, metadata_method: str) -> str:
    """Decide whether a label column holds Gi* classes or Local Moran quadrants.

    Parameters
    ----------
    labels
        Labels of published features.
    column
        ``hotspot_label`` or ``moran_label``.
    metadata_method
        The ``method`` recorded in the release metadata, if any.

    Returns
    -------
    str
        ``"hotspot"`` or ``"moran"``.
    """
    found = {_normalise_label(v) for v in labels.dropna().astype("str")}
    if found & {"HH", "HL", "LH", "LL"} or column.startswith("moran"):
        return "moran"
    if found & {"hot_99", "hot_95", "hot_90", "cold_90", "cold_95", "cold_99"}:
        return "hotspot"
    return "moran" if "moran" in metadata_method.lower() else "hotspot"


def label_theme(
    key: str,
    geography: str,
    frame: pd.DataFrame,
    column: str,
    q_column: str,
    kind: str,
    note: str,
    language: str = "nl",
) -> Theme:
    """Colour hot-spot classes or Local Moran quadrants.

    The legend lists only the classes that published features have.

    Parameters
    ----------
    key
        Theme key.
    geography
        Release layer name.
    frame
        The release layer with ``status``, ``column`` and optionally ``q_column``.
    column
        Label column.
    q_column
        Column of the adjusted p-values (q-values), shown in tooltips when present.
    kind
        ``"hotspot"`` (Gi* confidence classes) or ``"moran"`` (quadrants).
    note
        Method line for the legend.
    language
        Language of the legend texts.

    Returns
    -------
    Theme
        The classes.

    Raises
    ------
    SchemaError
        If a published feature carries a label the map does not know.
    """
    classes = GI_CLASSES if kind == "hotspot" else MORAN_CLASSES
    published = (frame["status"] == STATUS_PUBLISHED).to_numpy()
    labels = [_normalise_label(v) if isinstance(v, str) else "" for v in frame[column].tolist()]
    unknown = sorted({lab for lab, ok in zip(labels, published, strict=True) if ok} - set(classes))
    unknown = [u for u in unknown if u not in ("", NOT_PUBLISHABLE_LABEL)]
    if unknown:
        raise SchemaError(
            f"layer {geography!r}, column {column!r}: labels {unknown} are not known to the map; "
            f"expected one of {list(classes)}"
        )
    present = {lab for lab, ok in zip(labels, published, strict=True) if ok}
    shown = [c for c in classes if c in present]
    position = {label: i for i, label in enumerate(shown)}
    q_values = (
        pd.to_numeric(frame[q_column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        if q_column in frame
        else np.full(len(frame), np.nan)
    )
    class_index = np.full(len(frame), -1, dtype=np.int64)
    value_text: list[str] = []
    for i, (label, ok) in enumerate(zip(labels, published, strict=True)):
        if not ok or label not in position:
            value_text.append("")
            continue
        class_index[i] = position[label]
        text = say(language, classes[label][1])
        if math.isfinite(q_values[i]) and label != "isolated":
            text += f" ({_format_q(q_values[i], language)})"
        value_text.append(text)
    title = say(language, "title_hotspot" if kind == "hotspot" else "title_moran")
    return Theme(
        key=key,
        geography=geography,
        column=column,
        title=title,
        kind=kind,
        entries=tuple(
            LegendEntry(classes[label][0], say(language, classes[label][1])) for label in shown
        ),
        class_index=class_index,
        value_text=tuple(value_text),
        note=note,
    )


def _format_q(q: float, language: str) -> str:
    if q < 0.001:
        return f"q < {format_number(0.001, 3, language)}"
    return f"q = {format_number(q, 3, language)}"


_METHOD_NAMES = {
    "gi_star": "Gi*",
    "gi*": "Gi*",
    "getis_ord": "Gi*",
    "g_local": "Gi*",
    "local_moran": "Local Moran's I",
    "moran": "Local Moran's I",
    "moran_local": "Local Moran's I",
}
_FDR_NAMES = {"fdr", "fdr_bh", "bh", "benjamini_hochberg", "benjamini-hochberg"}


def hotspot_method_text(
    settings: Mapping[str, Any] | None,
    default_method: str,
    tested: str | None = None,
    language: str = "nl",
) -> str:
    """Describe the test behind a hot-spot layer, e.g. ``"Gi*, 999 permutations, FDR q < 0.05"``.

    Parameters
    ----------
    settings
        The release's ``metadata["hotspot"]`` as :mod:`zicht.stats` records it
        (``method``, ``permutations``, ``correction``, ``alpha``, ``weights``, ``k``);
        missing keys are left out.
    default_method
        Method name to use when ``settings`` names none.
    tested
        Title of the tested indicator, if known.
    language
        ``"nl"`` (default) or ``"en"``.

    Returns
    -------
    str
        One line for the legend.

    Examples
    --------
    >>> hotspot_method_text(
    ...     {"method": "gi_star", "permutations": 999, "correction": "fdr_bh", "alpha": 0.05},
    ...     "gi_star",
    ...     language="en",
    ... )
    'Gi*, 999 permutations, FDR q < 0.05'
    """
    settings = settings or {}
    method = str(settings.get("method") or default_method)
    parts = [_METHOD_NAMES.get(method.strip().lower().replace(" ", "_"), method)]
    permutations = settings.get("permutations")
    if permutations:
        parts.append(say(language, "method_permutations", n=int(permutations)))
    elif "permutations" in settings:
        parts.append(say(language, "method_analytic"))
    parts += _correction_parts(settings, language)
    weights = settings.get("weights")
    if weights:
        parts.append(say(language, "method_weights", weights=_weights_text(settings, language)))
    if tested:
        parts.append(say(language, "method_tested", tested=tested))
    return ", ".join(parts)


def _correction_parts(settings: Mapping[str, Any], language: str) -> list[str]:
    alpha = settings.get("alpha")
    alpha_text = f"{float(alpha):g}" if isinstance(alpha, int | float) else None
    if alpha_text is not None and language == "nl":
        alpha_text = alpha_text.replace(".", ",")
    correction = str(settings.get("correction") or "").strip().lower()
    if alpha_text is not None:
        if correction in _FDR_NAMES:
            return [say(language, "method_fdr", alpha=alpha_text)]
        if correction == "bonferroni":
            return [say(language, "method_bonferroni", alpha=alpha_text)]
        return [say(language, "method_p", alpha=alpha_text)]
    if correction in _FDR_NAMES:
        return [say(language, "method_fdr_adjusted")]
    if correction and correction != "none":
        return [say(language, "method_correction", name=correction)]
    return []


_WEIGHTS = ("h3_kring", "queen", "rook", "knn", "distance_band", "custom")


def _weights_text(settings: Mapping[str, Any], language: str) -> str:
    """Say the neighbours of a test (``"cellen tot 1 ring(en) eromheen"``)."""
    weights = str(settings["weights"])
    k = settings.get("k")
    if weights in _WEIGHTS:
        return say(language, f"weights_{weights}", k=k if k not in (None, "") else "?")
    return weights + (f" (k = {k})" if k not in (None, "") else "")


def check_statuses(frame: pd.DataFrame, geography: str) -> list[str]:
    """List problems with the ``status`` column of a release layer.

    Parameters
    ----------
    frame
        A release layer.
    geography
        Its name, for the message.

    Returns
    -------
    list of str
        Empty when every status is known.
    """
    unknown = sorted(set(frame["status"].astype("str")) - set(KNOWN_STATUSES))
    if unknown:
        return [
            f"layer {geography!r}: status values {unknown} are unknown "
            f"(expected {list(KNOWN_STATUSES)})"
        ]
    return []
