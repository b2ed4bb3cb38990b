"""The profiling guard: no indicator, filter or weight may use a protected attribute.

zicht maps *places* for prevention. Who lives somewhere (their ethnicity, migration
background, nationality, country of birth or religion) is never an input of a risk
indicator. Two precedents set the rule:

* the Netherlands Institute for Human Rights (College voor de Rechten van de Mens),
  *Toetsingskader risicoprofilering* (28 January 2025, replacing *Discriminatie door
  risicoprofielen – een mensenrechtelijk toetsingskader*, 2021): a risk profile may not
  rest wholly or decisively on ethnicity, origin or nationality, and indirect distinction
  through proxies must be justified;
* the Dutch Data Protection Authority (Autoriteit Persoonsgegevens) fined the Tax
  Administration €2.75 million (7 December 2021) for processing the (dual) nationality of
  childcare-allowance applicants, among other things as an indicator in a
  risk-classification model (the *Toeslagenaffaire*).

The guard works in two ways:

1. **Refusal.** :func:`check_names` matches every identifier that reaches a computation
   (filter columns and literals, indicator ids and titles, composite weights, unit-table
   columns) against :data:`PROTECTED_RULES`, in English and Dutch, after normalising case,
   accents, underscores and camelCase. A match raises :class:`~zicht.ProfilingError`
   naming the rule. There is no switch to turn this off.
2. **Proxy screen.** Where reference shares of protected groups per area are supplied
   (public CBS statistics), :func:`screen_proxies` correlates each published indicator
   with them; strong correlations are flagged in the run report and the register draft,
   because a place-based indicator can still act as a proxy for who lives there.

A name-based guard cannot stop someone who renames ``nationaliteit`` to ``x1``; the ethics
review and the proxy screen are the other two locks.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zicht._errors import ConfigError, InputError, ProfilingError
from zicht._strings import text

if TYPE_CHECKING:  # the name checks run while a config loads; only the proxy screen needs pandas
    import pandas as pd

__all__ = [
    "PRECEDENTS",
    "PROTECTED_RULES",
    "ProtectedRule",
    "ProxyScreen",
    "Violation",
    "check_names",
    "describe_rules",
    "find_protected",
    "normalise_name",
    "read_reference_shares",
    "screen_proxies",
]

PRECEDENTS = (
    "College voor de Rechten van de Mens (Netherlands Institute for Human Rights), "
    "'Toetsingskader risicoprofilering' (28 January 2025)",
    "Autoriteit Persoonsgegevens (Dutch DPA), fine of EUR 2.75 million on the Belastingdienst "
    "(7 December 2021) for processing (dual) nationality in, among others, a "
    "risk-classification model for childcare allowance",
)


@dataclass(frozen=True)
class ProtectedRule:
    """One protected ground and the names that reveal it.

    Parameters
    ----------
    id
        Short rule id named in errors (``"PG-NATIONALITY"``).
    ground
        The protected ground in words.
    substrings
        Normalised fragments that reveal the ground wherever they occur in a name
        (``"nationalit"`` matches ``nationaliteit`` and ``Nationality_Code``).
    tokens
        Normalised whole words that reveal it only as a separate word (``"ras"``, so that
        ``terras`` does not match).
    basis
        The legal basis of the refusal.
    """

    id: str
    ground: str
    substrings: tuple[str, ...]
    tokens: tuple[str, ...] = ()
    basis: str = "Art. 1 Dutch Constitution; AWGB; GDPR art. 9"

    def __post_init__(self) -> None:
        for name in ("substrings", "tokens"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(isinstance(v, str) and v for v in value):
                raise TypeError(f"ProtectedRule.{name} must be a tuple of non-empty strings")


_AWGB = "Art. 1 Dutch Constitution and the Equal Treatment Act (AWGB) art. 1"
_ART9 = "GDPR art. 9 (special categories) and the Equal Treatment Act (AWGB)"

#: The protected grounds zicht refuses, with their English and Dutch names.
PROTECTED_RULES: tuple[ProtectedRule, ...] = (
    ProtectedRule(
        "PG-ETHNICITY",
        "ethnicity or race",
        ("ethnic", "etnisch", "etnicit", "huidskleur", "skincolo", "raciaal", "racial"),
        ("ras", "race", "races"),
        f"{_AWGB}; GDPR art. 9 (racial or ethnic origin)",
    ),
    ProtectedRule(
        "PG-MIGRATION",
        "migration background (herkomst)",
        (
            "migratieachtergrond",
            "migrationbackground",
            "migrantenachtergrond",
            "herkomst",
            "allochto",
            "autochto",
            "nietwesters",
            "nonwestern",
            "westersemigrant",
            "immigrantbackground",
            "afkomst",
        ),
        ("origin", "westers", "migrant", "migranten", "immigrant", "immigrants"),
        f"{_AWGB} (ras, which includes origin); Toetsingskader risicoprofilering 2025",
    ),
    ProtectedRule(
        "PG-NATIONALITY",
        "nationality",
        ("nationalit", "staatsburger", "citizenship", "burgerschap", "paspoortland"),
        (),
        f"{_AWGB} (nationaliteit); AP fine on the Belastingdienst 2021",
    ),
    ProtectedRule(
        "PG-BIRTHCOUNTRY",
        "country or place of birth",
        (
            "geboorteland",
            "geboorteplaats",
            "landvangeboorte",
            "countryofbirth",
            "birthcountry",
            "placeofbirth",
            "birthplace",
            "landvanherkomst",
            "herkomstland",
            "countryoforigin",
        ),
        (),
        f"{_AWGB} (ras, nationaliteit): a proxy for origin",
    ),
    ProtectedRule(
        "PG-RELIGION",
        "religion or belief",
        (
            "religi",
            "godsdienst",
            "levensovertuiging",
            "levensbeschouw",
            "kerkgenootschap",
            "moskee",
            "mosque",
            "synagog",
            "islamitisch",
            "islamic",
        ),
        ("geloof", "faith", "kerk", "church", "moslim", "muslim", "joods", "jewish", "tempel"),
        f"{_AWGB} (godsdienst, levensovertuiging); GDPR art. 9",
    ),
    ProtectedRule(
        "PG-OTHER",
        "another protected ground (political opinion, sexual orientation, sex, trade union)",
        (
            "politiekevoorkeur",
            "politicalopinion",
            "politiekegezindheid",
            "seksuelegerichtheid",
            "seksueleorientatie",
            "sexualorientation",
            "vakbond",
            "tradeunion",
        ),
        ("geslacht", "gender"),
        _ART9,
    ),
)

# Group labels that name a protected group when they appear as a filter value.
_GROUP_LABELS = {
    "PG-MIGRATION": (
        "nietwesters",
        "nonwestern",
        "allochtoon",
        "allochtonen",
        "autochtoon",
        "autochtonen",
        "buitenlands",
        "buitenlander",
        "buitenlanders",
        "foreign",
        "foreigner",
        "nietnederlands",
        "nondutch",
    ),
    "PG-NATIONALITY": (
        "marokkaans",
        "turks",
        "surinaams",
        "antilliaans",
        "pools",
        "bulgaars",
        "roemeens",
        "syrisch",
        "eritrees",
        "moroccan",
        "turkish",
        "surinamese",
        "antillean",
        "polish",
        "bulgarian",
        "romanian",
        "syrian",
        "eritrean",
    ),
    "PG-ETHNICITY": ("roma", "sinti"),
    "PG-RELIGION": (
        "islam",
        "moslim",
        "muslim",
        "joods",
        "jewish",
        "christelijk",
        "christian",
        "katholiek",
        "catholic",
        "protestants",
        "hindoe",
        "hindu",
    ),
}
_RULES_BY_ID = {r.id: r for r in PROTECTED_RULES}


def normalise_name(name: str) -> tuple[str, tuple[str, ...]]:
    """Normalise a name into a compact string and its words.

    Accents are removed, camelCase and any non-alphanumeric character split words, and
    everything is lower case.

    Parameters
    ----------
    name
        A column name, identifier, title or literal.

    Returns
    -------
    tuple of (str, tuple of str)
        The words joined without separators, and the words.

    Examples
    --------
    >>> normalise_name("Land_van-Herkomst")
    ('landvanherkomst', ('land', 'van', 'herkomst'))
    >>> normalise_name("countryOfBirth")[0]
    'countryofbirth'
    """
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    words = tuple(w for w in re.split(r"[^0-9a-zA-Z]+", text.lower()) if w)
    return "".join(words), words


def find_protected(name: str, *, literal: bool = False) -> ProtectedRule | None:
    """Return the protected rule a name reveals, or None.

    Parameters
    ----------
    name
        Column name, identifier, title, or (with ``literal=True``) a filter value.
    literal
        Also match group labels such as ``"niet-westers"`` or ``"Marokkaans"`` as whole
        words (for filter values).

    Returns
    -------
    ProtectedRule or None
        The first rule that matches.

    Examples
    --------
    >>> find_protected("Nationaliteit").id
    'PG-NATIONALITY'
    >>> find_protected("terras_oppervlak") is None
    True
    >>> find_protected("Marokkaans", literal=True).id
    'PG-NATIONALITY'
    """
    compact, words = normalise_name(name)
    if not compact:
        return None
    word_set = set(words)
    for rule in PROTECTED_RULES:
        if any(s in compact for s in rule.substrings) or word_set & set(rule.tokens):
            return rule
    if literal:
        for rule_id, labels in _GROUP_LABELS.items():
            if word_set & set(labels) or compact in labels:
                return _RULES_BY_ID[rule_id]
    return None


@dataclass(frozen=True)
class Violation:
    """A use of a protected attribute.

    Parameters
    ----------
    where
        What uses it, e.g. ``"indicator 'x', numerator column"``.
    name
        The offending name or value.
    rule
        The rule it breaks.
    """

    where: str
    name: str
    rule: ProtectedRule

    def message(self) -> str:
        """Return the one-line description used in the error."""
        return (
            f"{self.where} {self.name!r} uses a protected attribute: rule {self.rule.id} "
            f"({self.rule.ground}; {self.rule.basis})"
        )


def check_names(
    names: Iterable[tuple[str, str]],
    *,
    literals: Iterable[tuple[str, str]] = (),
    subject: str = "configuration",
) -> None:
    """Refuse any name or literal that reveals a protected attribute.

    Parameters
    ----------
    names
        ``(where, name)`` pairs: filter columns, indicator ids and titles, weight keys,
        unit-table columns.
    literals
        ``(where, value)`` pairs of filter values; they are also matched against group
        labels (``"niet-westers"``, ``"Turks"`` …).
    subject
        What is checked, named in the error.

    Raises
    ------
    ProfilingError
        Listing every violation with its rule, the precedents, and what to do instead.

    Examples
    --------
    >>> check_names([("indicator 'x', numerator column", "nationaliteit")])
    Traceback (most recent call last):
    ...
    zicht._errors.ProfilingError: profiling guard refused the configuration: ...
    """
    found: list[Violation] = []
    for where, name in names:
        rule = find_protected(name)
        if rule is not None:
            found.append(Violation(where, name, rule))
    for where, value in literals:
        rule = find_protected(value, literal=True)
        if rule is not None:
            found.append(Violation(where, value, rule))
    if not found:
        return
    listing = "\n".join(f"  - {v.message()}" for v in found)
    precedents = "\n".join(f"  * {p}" for p in PRECEDENTS)
    raise ProfilingError(
        f"profiling guard refused the {subject}: {len(found)} use(s) of a protected "
        f"attribute\n{listing}\n"
        "zicht never uses ethnicity, migration background (herkomst), nationality, country "
        "of birth, religion or other protected grounds in an indicator, filter or weight; "
        "indicators describe places and how buildings are used, not who lives there. "
        f"Precedents:\n{precedents}\n"
        "Remove the attribute. If a name is a false positive (it does not describe people), "
        "rename the column to say what it holds and record the reason in the ethics review."
    )


# --- proxy screen -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProxyScreen:
    """Correlations of published indicators with reference shares of protected groups.

    Attributes
    ----------
    table
        One row per (indicator, reference) pair: ``indicator``, ``reference``,
        ``n_areas``, ``rho`` (Spearman), ``p_value``, ``ci_low``/``ci_high`` (its 95 %
        interval), ``flagged``.
    threshold
        ``|rho|`` at or above which a pair is flagged.
    level
        The area level the screen ran on (``"buurt"``, ``"wijk"``).
    min_areas
        Pairs on fewer areas are not screened (``rho`` missing).
    source
        Where the reference shares came from.
    findings
        What the screen noticed about its inputs, as ``(key, fields)`` of the ``report``
        string catalogue, so that every report says it in its own language
        (:meth:`notes_in`); :attr:`notes` says them in English.
    """

    table: pd.DataFrame
    threshold: float
    level: str
    min_areas: int
    source: str = ""
    findings: tuple[tuple[str, Mapping[str, Any]], ...] = field(default_factory=tuple)

    @property
    def notes(self) -> tuple[str, ...]:
        """The findings in English (as the JSON record keeps them)."""
        return self.notes_in("en")

    def notes_in(self, language: str) -> tuple[str, ...]:
        """Return the findings in ``language`` (``"nl"`` or ``"en"``)."""
        return tuple(text("report", key, language, **fields) for key, fields in self.findings)

    @property
    def flagged(self) -> pd.DataFrame:
        """The flagged pairs, strongest first."""
        out = self.table[self.table["flagged"]]
        return out.reindex(out["rho"].abs().sort_values(ascending=False).index)

    def to_dict(self) -> dict[str, Any]:
        """Return the screen as JSON-serialisable data."""
        rows = []
        for row in self.table.itertuples(index=False):
            rows.append(
                {
                    "indicator": str(row.indicator),
                    "reference": str(row.reference),
                    "n_areas": int(row.n_areas),
                    "rho": None if not math.isfinite(row.rho) else round(float(row.rho), 4),
                    "p_value": None
                    if not math.isfinite(row.p_value)
                    else round(float(row.p_value), 6),
                    "rho_ci95": None
                    if not math.isfinite(row.ci_low)
                    else [round(float(row.ci_low), 4), round(float(row.ci_high), 4)],
                    "flagged": bool(row.flagged),
                }
            )
        return {
            "method": "Spearman rank correlation, 95 % interval by Fisher z (se 1.06/sqrt(n-3))",
            "threshold_abs_rho": self.threshold,
            "level": self.level,
            "min_areas": self.min_areas,
            "source": self.source,
            "pairs": rows,
            "flagged": int(self.table["flagged"].sum()),
            "notes": list(self.notes),
        }


def read_reference_shares(
    path: str | Path, *, area_column: str, columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Read reference shares of protected groups per area (CSV or Parquet).

    Only the screen reads these columns; they never reach an indicator.

    Parameters
    ----------
    path
        CSV (``,`` or ``;`` separated) or Parquet file with one row per area.
    area_column
        Column with the CBS area code (``BU…``, ``WK…``).
    columns
        Share columns to use; empty means every numeric column.

    Returns
    -------
    pandas.DataFrame
        Indexed by area code (str), one float column per reference share. CBS sentinels
        (``-99999999`` …) are missing, counted per column in ``attrs["sentinels"]``;
        columns with values above 100 (counts, not shares) are left out when ``columns``
        is empty and listed in ``attrs["counts_left_out"]``.

    Raises
    ------
    InputError
        If the file cannot be read, has no area code column (the message names a column
        that holds codes, if any), or the columns are missing, not numeric or counts.
    """
    import pandas as pd

    from zicht._validate import replace_sentinels  # heavy (shapely, pyproj): the screen only

    path = Path(path)
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, sep=None, engine="python")
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read reference shares from {path}: {exc}") from exc
    if area_column not in frame.columns:
        coded = [c for c in frame.columns if _holds_area_codes(frame[c])]
        hint = (
            f"; column {coded[0]!r} holds area codes: set guard.area_column = {coded[0]!r}"
            if coded
            else "; without area codes (BU…, WK…) the shares cannot be matched to areas"
        )
        raise InputError(
            f"reference shares ({path}) lack the area column guard.area_column = "
            f"{area_column!r}, so the proxy screen cannot run; columns are "
            f"{list(frame.columns)}{hint}"
        )
    frame, sentinels = replace_sentinels(frame, skip=(area_column,))
    for col in frame.columns:
        if col != area_column and not pd.api.types.is_numeric_dtype(frame[col]):
            # Dutch CSV files write decimal commas ("12,5").
            text = frame[col].astype("str").str.strip().str.replace(",", ".", regex=False)
            numbers = pd.to_numeric(text, errors="coerce")
            if numbers.notna().sum() == frame[col].notna().sum() and numbers.notna().any():
                frame[col] = numbers
    wanted = list(columns) or [
        c for c in frame.columns if c != area_column and pd.api.types.is_numeric_dtype(frame[c])
    ]
    missing = [c for c in wanted if c not in frame.columns]
    if missing or not wanted:
        raise InputError(
            f"reference shares ({path}): columns {missing or 'with numbers'} not found; "
            f"columns are {list(frame.columns)}"
        )
    out = frame[wanted].apply(pd.to_numeric, errors="coerce").astype("float64")
    out.index = pd.Index(frame[area_column].astype("str").str.strip(), name="area_id")
    if out.index.duplicated().any():
        raise InputError(f"reference shares ({path}): area codes appear more than once")
    counts = [c for c in out.columns if not _is_share(out[c])]
    if counts and not columns:
        out = out.drop(columns=counts)
    elif counts:
        raise InputError(
            f"reference shares ({path}): columns {counts} hold values above 100, so they are "
            "counts, not shares; a count tracks the size of an area, not who lives there. "
            "Screen shares (percentages or fractions): divide by the population first"
        )
    if out.empty:
        raise InputError(f"reference shares ({path}): no column holds shares (all exceed 100)")
    out.attrs["sentinels"] = sentinels
    out.attrs["counts_left_out"] = counts
    return out


def _holds_area_codes(series: pd.Series) -> bool:
    text = series.dropna().astype("str").str.strip()
    return bool(len(text)) and bool(text.str.match(r"^(BU|WK|GM)\d{4}").mean() > 0.9)


def _is_share(series: pd.Series) -> bool:
    """Return True for a percentage or a fraction: no value above 100."""
    values = series.dropna()
    return bool(len(values)) and bool((values <= 100).all())


def spearman_interval(rho: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of a Spearman rho (Fisher z, standard error 1.06 / sqrt(n - 3)).

    The variance of Fieller, Hartley & Pearson (1957) for rank correlations.

    Examples
    --------
    >>> [round(v, 2) for v in spearman_interval(0.5, 50)]
    [0.24, 0.69]
    """
    if not math.isfinite(rho) or n < 4:
        return math.nan, math.nan
    from scipy import stats

    z = math.atanh(max(min(rho, 0.999999), -0.999999))
    half = float(stats.norm.ppf(0.5 + level / 2)) * 1.06 / math.sqrt(n - 3)
    return math.tanh(z - half), math.tanh(z + half)


def screen_proxies(
    indicators: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    threshold: float = 0.5,
    min_areas: int = 10,
    level: str = "",
    source: str = "",
) -> ProxyScreen:
    """Correlate each indicator with each reference share of a protected group.

    Parameters
    ----------
    indicators
        Published indicator values, one row per area (index: area code), one column per
        indicator; missing values (suppressed areas) are left out pairwise.
    reference
        Reference shares per area (index: area code), e.g. from
        :func:`read_reference_shares`.
    threshold
        ``|rho|`` at or above which an indicator is flagged as a possible proxy.
    min_areas
        Fewest areas with both values for a correlation to be computed.
    level, source
        Recorded in the result.

    Returns
    -------
    ProxyScreen
        Every pair with its Spearman correlation and whether it is flagged.

    Raises
    ------
    ConfigError
        If ``threshold`` is not in (0, 1] or ``min_areas`` is below 3.

    Examples
    --------
    >>> areas = [f"BU{i:08d}" for i in range(12)]
    >>> ind = pd.DataFrame({"rate_x_pct": range(12)}, index=areas, dtype=float)
    >>> ref = pd.DataFrame({"share_group_pct": range(12)}, index=areas, dtype=float)
    >>> screen_proxies(ind, ref).flagged["rho"].round(2).tolist()
    [1.0]
    """
    import numpy as np
    import pandas as pd
    from scipy import stats

    if not 0 < threshold <= 1:
        raise ConfigError(f"guard.threshold must lie in (0, 1], got {threshold}")
    if min_areas < 3:
        raise ConfigError(f"guard.min_areas must be at least 3, got {min_areas}")
    joined = indicators.astype("float64").join(reference.astype("float64"), how="inner")
    rows = []
    findings: list[tuple[str, Mapping[str, Any]]] = []
    if joined.empty:
        findings.append(("proxy_no_match", {}))
    if reference.attrs.get("sentinels"):
        findings.append(("proxy_sentinels", {"counts": reference.attrs["sentinels"]}))
    if reference.attrs.get("counts_left_out"):
        findings.append(("proxy_counts_left_out", {"columns": reference.attrs["counts_left_out"]}))
    for ind in indicators.columns:
        for ref in reference.columns:
            pair = joined[[ind, ref]].dropna()
            n = len(pair)
            rho = p = math.nan
            if n >= min_areas and pair[ind].nunique() > 1 and pair[ref].nunique() > 1:
                result = stats.spearmanr(pair[ind].to_numpy(), pair[ref].to_numpy())
                rho, p = float(result.statistic), float(result.pvalue)
            rows.append((ind, ref, n, rho, p, *spearman_interval(rho, n)))
    table = pd.DataFrame(
        rows,
        columns=["indicator", "reference", "n_areas", "rho", "p_value", "ci_low", "ci_high"],
    )
    table["flagged"] = np.abs(table["rho"].to_numpy(dtype="float64")) >= threshold
    return ProxyScreen(
        table=table,
        threshold=float(threshold),
        level=level,
        min_areas=int(min_areas),
        source=source,
        findings=tuple(findings),
    )


def describe_rules() -> list[dict[str, str]]:
    """Return the rules as rows for the report and the register (id, ground, basis, names)."""
    rows = []
    for rule in PROTECTED_RULES:
        names = ", ".join([*rule.substrings, *rule.tokens])
        rows.append({"id": rule.id, "ground": rule.ground, "basis": rule.basis, "names": names})
    return rows
