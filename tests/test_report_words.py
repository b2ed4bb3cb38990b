"""The reports people read are Dutch by default: no English sentence reaches them.

The run report, the disclosure report, the register draft and the indicator catalogue are
written from the string catalogue (``src/zicht/assets/strings/``) in ``[map] language``.
Notes made deeper down (the guard's proxy screen, the hot-spot stage, the disclosure record,
the default title) once reached them in English; these tests scan what a reader gets.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest

from test_strings import dutch_style_problems
from zicht.config import DEMO_CONFIG_PATH, load_config, load_years_config
from zicht.export import STANDARD_VERSION, TO_BE_WRITTEN
from zicht.export._bundle import _differencing_note
from zicht.export._report import _hotspot_note, _units_lines
from zicht.export._words import Say
from zicht.guard import screen_proxies

#: Words of English sentences that Dutch does not use as words of its own.
ENGLISH = (
    "the", "and", "every", "which", "were", "with", "from", "only", "this", "that", "are",
    "not", "been", "published", "checked", "smoothing", "rates", "cells", "synthetic",
    "address", "addresses", "reviews", "cannot", "would", "there", "where", "when", "by",
    "for", "or", "to", "units", "joined", "no", "none", "areas",
)  # fmt: skip

ROOT = Path(__file__).resolve().parents[1]

#: The reader-facing files of a run.
READER_FILES = ("report.md", "disclosure_report.md", "algorithm_register.md", "indicators.md")


def english_in(text: str) -> list[tuple[str, str]]:
    """Return ``(word, line)`` for every English marker word outside code and module names.

    Left out: ``code spans`` (column names, filters, config keys), dotted names
    (``zicht.synthetic``) and the register's bilingual to-do marker, which is a fixed
    string the register tooling searches for (docs/algorithm-register.md).
    """
    text = text.replace(TO_BE_WRITTEN, " ")
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\b\w+(?:\.\w+)+\b", " ", text)
    found = []
    for line in text.splitlines():
        for word in ENGLISH:
            if re.search(rf"(?<![\w-]){word}(?![\w-])", line, re.IGNORECASE):
                found.append((word, line.strip()[:160]))
    return found


def test_the_finder_finds_the_english_that_reached_the_reports():
    old = (
        "Gecontroleerd: every published geography is a union of whole regions.\n"
        "Eenheden: 55.770 ingelezen, 55.742 gekoppeld (address, synthetic).\n"
        "| Ethische toets | niet begonnen — Demo on synthetic data. |"
    )
    assert {w for w, _ in english_in(old)} == {"every", "published", "address", "synthetic"}
    assert english_in("`registration_mismatch is true` per 100 van alle adressen") == []
    assert english_in(f"> **⚠ {TO_BE_WRITTEN}: de wettelijke basis**") == []


def test_the_differencing_note_is_in_the_report_language():
    regions = {"path": "unit table", "differencing_note": "every published geography …"}
    dutch = _differencing_note(regions, Say("disclosure", "nl"))
    assert dutch.startswith("elke gepubliceerde geografie is een vereniging van hele gebieden")
    layers = {"path": "aggregated layers", "overlapping_pairs": 3}
    assert _differencing_note(layers, Say("disclosure", "nl")).startswith("3 paren")
    assert _differencing_note(layers, Say("disclosure", "en")).startswith("3 pairs")
    clear = {"path": "aggregated layers", "overlapping_pairs": 0}
    assert english_in(_differencing_note(clear, Say("disclosure", "nl"))) == []


def test_the_default_title_is_in_the_map_language():
    config = load_config(DEMO_CONFIG_PATH)
    untitled = dataclasses.replace(
        config, title="", map=dataclasses.replace(config.map, title="", language="nl")
    )
    assert untitled.run_title == f"zicht-risicokaart {config.study_area}"
    english = dataclasses.replace(untitled, map=dataclasses.replace(untitled.map, language="en"))
    assert english.run_title == f"zicht risk map {config.study_area}"


def test_the_proxy_screen_notes_are_in_the_report_language():
    areas = [f"BU{i:08d}" for i in range(12)]
    indicators = pd.DataFrame({"rate_x_pct": range(12)}, index=areas, dtype=float)
    reference = pd.DataFrame({"share_group_pct": range(12)}, index=areas, dtype=float)
    reference.attrs.update(sentinels={"share_group_pct": 2}, counts_left_out=["inwoners"])
    screen = screen_proxies(indicators, reference)
    dutch = screen.notes_in("nl")
    assert dutch[0].endswith("uit de referentie verwijderd: {'share_group_pct': 2}")
    assert "bevatten aantallen, geen aandelen" in dutch[1]
    assert english_in("\n".join(dutch)) == []
    assert "sentinels" in screen.notes[0] and screen.to_dict()["notes"] == list(screen.notes)


def test_the_hot_spot_note_and_the_units_line_are_in_the_report_language():
    hotspot = {"note": "the cells' x rates vary …", "note_key": "note_flat_rates"}
    hotspot |= {"indicator_id": "vacant", "rate": "eb_global"}
    note = _hotspot_note(hotspot, Say("report", "nl"))
    assert note.startswith("de percentages `vacant` van de cellen verschillen niet meer")
    units = {"rows_in": 1200, "joined": 1190, "level": "address", "source": "synthetic"}
    units |= {"not_joined": {"outside every buurt": 10}, "sentinels": {"bouwjaar": 4}}
    (line, _) = _units_lines(units, Say("report", "nl"))
    assert line.startswith("Eenheden: 1.200 ingelezen, 1.190 gekoppeld (adres, synthetisch).")
    assert "Niet gekoppeld: buiten elke buurt 10." in line
    assert english_in(note + "\n" + line) == []


@pytest.mark.slow
def test_the_demo_reports_hold_no_english(demo_release):
    out, _ = demo_release
    found = {}
    for name in READER_FILES:
        hits = english_in((out / name).read_text(encoding="utf-8"))
        if hits:
            found[name] = hits
    assert found == {}, found


@pytest.mark.slow
def test_the_demo_reports_write_numbers_the_dutch_way(demo_release):
    """A decimal comma and "25 %" (once "alpha 0.05", "U[0.5, 1.5]" and weights "0.400")."""
    out, _ = demo_release
    found = {}
    for name in READER_FILES:
        text = (out / name).read_text(encoding="utf-8")
        text = text.replace(STANDARD_VERSION, "")  # the register standard's version
        hits = [(line[:120], p) for line in text.splitlines() if (p := dutch_style_problems(line))]
        if hits:
            found[name] = hits
    assert found == {}, found
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "alpha 0,05." in report and "gewichten × U[0,5; 1,5]" in report


def _reported_texts(config) -> dict[str, str]:
    """What a config writes into the reports besides the map's texts (tests/test_examples.py)."""
    card = config.question
    texts = {"question": card.question, "problem_owner": card.problem_owner}
    texts |= {f"partners[{i}]": p for i, p in enumerate(card.partners)}
    texts |= {f"data_sources[{i}]": d for i, d in enumerate(card.data_sources)}
    for review in ("legal_review", "ethics_review", "dpia", "iama"):
        texts[f"{review}.notes"] = getattr(card, review).notes
    texts |= {f"{spec.id}.description": spec.description for spec in config.indicators}
    register = config.register
    texts |= {f"[register] {k}": getattr(register, k) for k in ("name", "lawful_basis")}
    return texts


@pytest.mark.parametrize(
    "path",
    [DEMO_CONFIG_PATH, *sorted((ROOT / "examples").glob("*/config.toml"))],
    ids=lambda p: p.parent.name,
)
def test_the_shipped_configs_write_dutch_into_the_reports(path):
    config = load_years_config(path)[0] if path.parent.name == "years" else load_config(path)
    found = {k: english_in(v) for k, v in _reported_texts(config).items() if english_in(v)}
    assert found == {}, found


def test_the_maps_composite_titles_write_numbers_the_dutch_way():
    """The map said "ondergrens van het 90%-interval" beside "Hotspot, 95 % betrouwbaar"."""
    from zicht.maps._words import local_title

    titles = [
        "Index: rank, 90% interval low (5th pct)",
        "Index: rank, 95% interval high (97.5th pct)",
        "Index: rank unstable (1 = interval wider than 25% of areas)",
    ]
    dutch = [local_title(t, "nl") for t in titles]
    assert dutch[0] == "Index: rang, ondergrens van het 90\u00a0%-interval (5e percentiel)"
    assert "(97,5e percentiel)" in dutch[1]
    assert [dutch_style_problems(t) for t in dutch] == [[], [], []]
    assert local_title(titles[0], "en") == titles[0]
