"""The string catalogue: every domain has the same keys in every language, none empty."""

from __future__ import annotations

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
