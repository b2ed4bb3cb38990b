"""The algorithm-register draft: every field of the standard, pre-filled or marked."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from zicht._strings import text
from zicht.config import (
    Link,
    QuestionCard,
    RegisterConfig,
    ReviewStatus,
    RunConfig,
    load_config,
)
from zicht.export import (
    REGISTER_FIELDS,
    TO_BE_WRITTEN,
    RunRecord,
    register_draft,
    register_markdown,
    run_report,
    to_be_written,
    write_register,
    write_run_manifest,
)
from zicht.guard import PRECEDENTS, describe_rules, screen_proxies
from zicht.publish import LayerInput, publish_release
from zicht.schemas import IndicatorMeta


def _release():
    frame = gpd.GeoDataFrame(
        {
            "area_id": ["BU02280101", "BU02280102"],
            "area_name": ["West", "Oost"],
            "n_units": [40, 3],
            "n_vacant": [4, 1],
            "rate_vacant_pct": [10.0, 33.3],
        },
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
        crs=28992,
    )
    metas = [
        IndicatorMeta("n_vacant", "Vacancy", "addresses", "count"),
        IndicatorMeta("rate_vacant_pct", "Vacancy (rate)", "%", "rate"),
    ]
    return publish_release([LayerInput("buurt", frame)], metas, metadata={"synthetic": True})


#: The opening words of the warning for reviews still open, as the catalogue says them.
NOT_CLEARED = text("report", "not_cleared", reviews="|").split("|")[0]


def _record(config: RunConfig, **kwargs) -> RunRecord:
    return RunRecord(
        config=config,
        release=_release(),
        run_id="abc123",
        created="2025-01-01T00:00:00+00:00",
        study_area_name="Ede",
        **kwargs,
    )


def test_every_field_of_the_standard_is_present():
    draft = register_draft(_record(RunConfig()))
    keys = [key for key, *_ in REGISTER_FIELDS]
    assert [k for k in draft if not k.startswith("_")] == keys
    assert draft["standard_version"] == "1.0"
    assert draft["lang"] == "nld"
    assert len(draft["name"]) <= 100
    assert len(draft["description_short"]) <= 350


def test_what_a_person_must_write_is_marked():
    draft = register_draft(_record(RunConfig()))
    todo = draft["_zicht"]["to_be_written"]
    for key in (
        "organization",
        "contact_email",
        "lawful_basis",
        "proportionality",
        "human_intervention",
        "impacttoetsen",
        "publiccode",
        "goal",
    ):
        assert key in todo, key
        assert TO_BE_WRITTEN in json.dumps(draft[key], ensure_ascii=False)
    assert todo == to_be_written(draft)
    page = register_markdown(draft)
    assert page.count(f"⚠ {TO_BE_WRITTEN}") >= len(todo)
    assert text("register", "md_synthetic") in page


def test_known_fields_are_prefilled_from_the_config():
    config = RunConfig(
        question=QuestionCard(
            question="Waar richten we preventie?",
            problem_owner="Gemeente Ede",
            data_sources=("BAG (Kadaster)",),
            dpia=ReviewStatus("approved", reference="https://ede.nl/dpia"),
            iama=ReviewStatus("approved_with_conditions", reference="https://ede.nl/iama"),
        ),
        register=RegisterConfig(
            contact="algoritmes@ede.nl",
            lawful_basis="Gemeentewet art. 172",
            lawful_basis_links=(Link("Gemeentewet", "https://wetten.overheid.nl/BWBR0005416"),),
            source_code_url="https://example.org/zicht",
        ),
    )
    draft = register_draft(_record(config))
    assert draft["organization"] == "Gemeente Ede"
    assert draft["contact_email"] == "algoritmes@ede.nl"
    assert draft["lawful_basis"] == "Gemeentewet art. 172"
    assert draft["lawful_basis_grouping"][0]["link"].startswith("https://wetten")
    assert draft["publiccode"] == "https://example.org/zicht"
    assert [g["link"] for g in draft["impacttoetsen_grouping"]] == [
        "https://ede.nl/dpia",
        "https://ede.nl/iama",
    ]
    assert "Waar richten we preventie?" in draft["goal"]
    assert "BAG (Kadaster)" in draft["source_data"]
    assert "niet zelflerend" in draft["methods_and_models"]
    todo = draft["_zicht"]["to_be_written"]
    for key in ("organization", "contact_email", "lawful_basis", "publiccode"):
        assert key not in todo


def test_the_proxy_screen_result_reaches_the_register_and_the_report():
    areas = [f"BU0228{i:04d}" for i in range(12)]
    values = pd.DataFrame({"vacant": range(12)}, index=areas, dtype=float)
    screen = screen_proxies(
        values,
        values.rename(columns={"vacant": "share_group_pct"}),
        level="buurt",
        source="ref.csv",
    )
    record = _record(RunConfig(), proxy_screen=screen)
    draft = register_draft(record)
    assert "vacant ~ share_group_pct" in draft["risks"]
    report = run_report(record)
    assert text("report", "proxy_flagged", n=1) in report
    assert "`vacant` ~ `share_group_pct`" in report


def test_the_report_opens_with_the_question_card():
    config = RunConfig(question=QuestionCard(question="Waar richten we preventie?"))
    report = run_report(_record(config))
    heading = {key: "## " + text("report", key) for key in ("h_question", "h_indicators")}
    assert report.index(heading["h_question"]) < report.index(heading["h_indicators"])
    assert "Waar richten we preventie?" in report
    assert NOT_CLEARED in report
    assert text("report", "proxy_not_run") in report


def test_language_en_writes_the_report_in_english(tmp_path):
    config_path = tmp_path / "en.toml"
    config_path.write_text('[map]\nlanguage = "en"\n', encoding="utf-8")
    report = run_report(_record(load_config(config_path)))
    for key in ("h_question", "h_indicators", "h_guard", "h_publication", "not_stated"):
        assert text("report", key, "en") in report, key
    assert text("report", "h_question") not in report
    assert "Not cleared for use" in report
    draft = register_draft(_record(load_config(config_path)))
    assert draft["lang"] == "eng" and draft["_zicht"]["language"] == "en"
    assert draft["human_intervention"].startswith(text("register", "human", "en"))
    page = register_markdown(draft)
    assert page.startswith("# " + text("register", "md_title", "en", name=draft["name"]))
    assert f"## {text('register', 'section_use', 'en')}" in page
    assert f"## {text('register', 'section_use')}" not in page


def test_the_report_says_the_guard_s_grounds_in_the_catalogue_in_step_with_the_guard():
    """The catalogue's English is the guard's own text: a changed rule must be said anew."""
    from zicht.export._report import _PRECEDENT_KEYS

    assert tuple(text("report", key, "en") for key in _PRECEDENT_KEYS) == PRECEDENTS
    for rule in describe_rules():
        assert text("report", f"ground_{rule['id']}", "en") == rule["ground"]
        assert text("report", f"basis_{rule['id']}", "en") == rule["basis"]
    report = run_report(_record(RunConfig()))
    assert text("report", "ground_PG-MIGRATION") in report and "migration background" not in report


@pytest.mark.parametrize("status", ["approved", "not_required"])
def test_completed_reviews_clear_the_warning(status):
    done = ReviewStatus(status)
    card = QuestionCard(legal_review=done, ethics_review=done, dpia=done, iama=done)
    assert NOT_CLEARED not in run_report(_record(RunConfig(question=card)))


def test_write_register_and_manifest(tmp_path):
    record = _record(RunConfig())
    paths = write_register(record, tmp_path)
    draft = json.loads(paths["register_json"].read_text(encoding="utf-8"))
    assert draft["_zicht"]["run_id"] == "abc123"
    assert paths["register_md"].read_text(encoding="utf-8").startswith("# Algoritmeregister")
    manifest = json.loads(write_run_manifest(record, paths, tmp_path).read_text())
    assert set(manifest["files"]) == {"register_json", "register_md"}
    assert len(manifest["files"]["register_json"]["sha256"]) == 64


def test_the_run_manifest_names_a_file_of_a_subfolder_by_its_path(tmp_path):
    """A gemeente page lies in gemeenten/; listed by its bare name, zicht check missed it."""
    (tmp_path / "gemeenten").mkdir()
    page = tmp_path / "gemeenten" / "GM0228.html"
    page.write_text("<html></html>", encoding="utf-8")
    manifest = json.loads(
        write_run_manifest(_record(RunConfig()), {"page_GM0228": page}, tmp_path).read_text()
    )
    assert manifest["files"]["page_GM0228"]["path"] == "gemeenten/GM0228.html"
