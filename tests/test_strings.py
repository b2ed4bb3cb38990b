"""The string catalogue: every domain has the same keys in every language, none empty."""

from __future__ import annotations

import re
import string

import pytest

from zicht._errors import ConfigError
from zicht._strings import LANGUAGES, catalogue, domains, text


@pytest.mark.parametrize("domain", domains())
def test_every_language_has_every_key_and_the_same_fields(domain):
    keys = {lang: set(catalogue(domain, lang)) for lang in LANGUAGES}
    first = keys[LANGUAGES[0]]
    for lang, found in keys.items():
        assert found == first, f"{domain}: {lang} differs by {sorted(found ^ first)}"
    for key in first:
        fields = {
            lang: {f for _, f, _, _ in string.Formatter().parse(catalogue(domain, lang)[key]) if f}
            for lang in LANGUAGES
        }
        assert all(v.strip() for v in (catalogue(domain, lang)[key] for lang in LANGUAGES)), key
        assert len({frozenset(f) for f in fields.values()}) == 1, f"{domain}.{key}: {fields}"


def test_text_fills_fields_and_names_what_is_missing():
    assert text("common", "not_for_publication", "en") == "NOT FOR PUBLICATION"
    with pytest.raises(ConfigError, match="missing from the nl 'common' catalogue"):
        text("common", "no_such_key")
    with pytest.raises(ConfigError, match="language must be one of"):
        text("common", "not_for_publication", "de")


def test_every_join_reason_has_words_in_the_run_report():
    from zicht.export._report import _slug
    from zicht.index._join import REASONS

    for language in LANGUAGES:
        words = catalogue("report", language)
        missing = [r for r in REASONS if f"reason_{_slug(r)}" not in words]
        assert missing == [], (language, missing)
    assert text("report", f"reason_{_slug(REASONS[2])}") == "buiten elke buurt"


#: The one Dutch number style: a decimal comma, and a space before ``%`` / ``‰`` ("95 %",
#: "12,3 %"; the map writes a no-break space). Terms keep their own spelling.
DUTCH_TERMS = ("p%-regel",)


def dutch_style_problems(value: str) -> list[str]:
    """Return what in a Dutch string breaks the number style (empty when none)."""
    for term in DUTCH_TERMS:
        value = value.replace(term, "")
    value = re.sub(r"`[^`]*`", "", value)  # code: config keys, filters
    problems = [f"no space before {m.group(0)[-1]!r}" for m in re.finditer(r"\S[%‰]", value)]
    for m in re.finditer(r"(?<![\w.])\d+\.\d+(?![\w]|\.\d)", value):
        if not re.fullmatch(r"[1-9]\d{0,2}(\.\d{3})+", m.group(0)):  # 1.234 groups thousands
            problems.append(f"decimal point in {m.group(0)!r}")
    return problems


def test_the_style_check_finds_the_english_number_style():
    assert dutch_style_problems("een 90%-interval") == ["no space before '%'"]
    assert dutch_style_problems("alpha 0.05, gewichten × U[0.5; 1,5]") == [
        "decimal point in '0.05'",
        "decimal point in '0.5'",
    ]
    assert dutch_style_problems("{n} van 1.163 gebieden (51 %), 12,3\u00a0% en `x = 0.5`") == []


@pytest.mark.parametrize("domain", domains())
def test_dutch_numbers_have_one_style(domain):
    found = {k: p for k, v in catalogue(domain, "nl").items() if (p := dutch_style_problems(v))}
    assert found == {}, found
