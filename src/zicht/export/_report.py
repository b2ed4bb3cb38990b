"""The run report (``report.md``): the research question first, then what was computed.

The report is what an analyst, the problem owner and the ethics watchdog read together. It
opens with the research-question card and the status of the reviews, then describes every
indicator with its purpose and suggested follow-up steps, the composite index with its
rank uncertainty, the hot spots, the profiling guard (and the proxy screen), and what was
published. Like every output, it names no address, parcel, person or company, and it does
not list the highest-ranked areas: the map shows areas, the report explains them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zicht._errors import ConfigError
from zicht._escape import markdown_html_off, markdown_text
from zicht._strings import text
from zicht.export._register import RunRecord
from zicht.export._words import Say
from zicht.guard import describe_rules

__all__ = ["run_report", "write_run_report"]

#: The catalogue keys of ``zicht.guard.PRECEDENTS``, in its order (a test keeps them equal).
_PRECEDENT_KEYS = ("precedent_cvrm", "precedent_ap")

_REVIEW_KEYS = {
    "legal review": "review_legal",
    "ethics review": "review_ethics",
    "DPIA": "review_dpia",
    "IAMA": "review_iama",
}


def _language(record: RunRecord) -> str:
    return record.config.map.language


def _area_words(record: RunRecord, say: Say) -> str:
    names = [say.maybe("area_", n) for n in record.release.layers]
    return ", ".join(names) if names else say("none")


def _cell(value: object) -> str:
    return markdown_text(value).strip() or "—"


def _card_rows(record: RunRecord, say: Say) -> list[str]:
    card = record.config.question
    missing = say("not_stated_owner")

    def row(label: str, value: str) -> str:
        return f"| {say(label)} | {_cell(value) if value.strip() else missing} |"

    return [
        row("card_question", card.question),
        row("card_owner", card.problem_owner),
        row("card_partners", "; ".join(card.partners)),
        row("card_sources", "; ".join(card.data_sources)),
    ]


def _card(record: RunRecord, say: Say) -> list[str]:
    lines = [f"## {say('h_question')}", "", "| | |", "|---|---|", *_card_rows(record, say)]
    open_reviews = []
    for label, review in record.config.question.reviews().items():
        details = ", ".join(d for d in (review.by, review.date, review.reference) if d)
        status = say.maybe("status_", review.status)
        notes = f" — {review.notes}" if review.notes else ""
        cell = _cell(status + (f" ({details})" if details else "") + notes)
        name = say(_REVIEW_KEYS[label]) if label in _REVIEW_KEYS else label
        lines.append(f"| {name} | {cell} |")
        if not review.done:
            open_reviews.append(f"{name} ({status})")
    lines.append("")
    if open_reviews:
        lines += [say("not_cleared", reviews=", ".join(open_reviews)), ""]
    return lines


def _indicators(record: RunRecord, say: Say) -> list[str]:
    lines = [f"## {say('h_indicators')}", ""]
    for spec in record.config.indicators:
        lines += [f"### {markdown_text(spec.title)} (`{spec.id}`)", ""]
        if spec.description.strip():
            lines += [spec.description.strip(), ""]
        lines.append(say("computed", method=spec.method_text(say.language)))
        lines.append(say("purpose", purpose=spec.purpose.strip() or say("not_stated")))
        columns = ", ".join(f"`{m.column}`" for m in spec.metas())
        lines.append(say("columns", columns=columns))
        for layer, counts in record.masked.items():
            n = counts.get(spec.id, 0)
            if n:
                lines.append(
                    say(
                        "masked",
                        layer=layer,
                        n=n,
                        kind=say.maybe("kind_", spec.kind),
                        min_units=record.release.rules.min_units,
                        units=spec.unit_plural_in(say.language),
                    )
                )
        if spec.follow_up:
            lines.append(say("follow_up"))
            lines += [f"  - {step.strip()}" for step in spec.follow_up]
        lines.append("")
    return lines


def _composite_intro(record: RunRecord, say: Say) -> list[str]:
    comp = record.config.composite
    unc = comp.uncertainty
    lines = [
        f"## {markdown_text(comp.title)}",
        "",
        say(
            "composite_intro",
            **comp.method_fields(say.language),
            width=say.percent(unc.unstable_width),
        ),
        "",
        say("composite_table"),
        "|---|---|---|",
    ]
    for c, w in zip(comp.components, comp.nominal_weights(), strict=True):
        direction = say("lower_riskier" if c.invert else "higher_riskier")
        lines.append(f"| `{c.indicator}` | {say.number(w, '.3f')} | {direction} |")
    lines.append("")
    return lines


def _verdict(summary: Mapping[str, Any], record: RunRecord, say: Say) -> str:
    """Say how far the ranking can be trusted (after ``zicht.indicators``' verdict)."""
    unc = record.config.composite.uncertainty
    n_unstable, n = summary["n_unstable"], summary["n_areas"]
    share = n_unstable / n if n else 0.0
    key = (
        "verdict_swing"
        if share > unc.unstable_width
        else "verdict_mostly"
        if n_unstable
        else "verdict_stable"
    )
    return say(
        key,
        n_unstable=n_unstable,
        n=n,
        share=say.percent(share),
        interval=say.percent(unc.interval),
        width=say.percent(unc.unstable_width),
    )


def _composite(record: RunRecord, say: Say) -> list[str]:
    comp = record.config.composite
    if not comp.enabled or not record.composites:
        return []
    lines = _composite_intro(record, say)
    for layer, result in record.composites.items():
        s = result.summary
        sens = result.sensitivity
        lines += [
            f"### {layer}",
            "",
            f"**{_verdict(s, record, say)}**",
            "",
            say("ranked", n=s["n_areas"], not_ranked=result.settings["n_areas_not_ranked"]),
            say("median_width", width=say.number(s["median_interval_width"], "g")),
            say(
                "variance",
                normalisation=say.percent(sens["normalisation"]),
                aggregation=say.percent(sens["aggregation"]),
                weights=say.percent(sens["weights_and_interactions"]),
            ),
        ]
        for ind, shift in sens["leave_one_out"].items():
            lines.append(
                say(
                    "leave_one_out",
                    indicator=ind,
                    mean=say.number(shift["mean_abs_rank_shift"], "g"),
                    max=shift["max_abs_rank_shift"],
                )
            )
        corr = result.correlations
        strong = [
            (a, b, corr.loc[a, b])
            for i, a in enumerate(corr.index)
            for b in corr.columns[i + 1 :]
            if abs(corr.loc[a, b]) >= 0.9
        ]
        for a, b, rho in strong:
            lines.append(say("correlated", a=a, b=b, rho=say.number(rho, ".2f")))
        lines.append("")
    return lines


def _class_name(label: str, say: Say) -> str:
    """Return the map's name of a hot-spot class (``hot_99``: "Hotspot, 99 % betrouwbaar")."""
    if not label:
        return say("not_tested")
    try:
        return text("map", f"gi_{label}", say.language)
    except ConfigError:
        return label


def _hotspots(record: RunRecord, say: Say) -> list[str]:
    hs = record.hotspot
    if not hs:
        return [f"## {say('h_hotspots')}", "", say("no_hotspots"), ""]
    h3 = record.release.layers.get("h3")
    tested = say.maybe("rate_", str(hs.get("rate")))
    counts = ""
    if h3 is not None:
        published = h3[h3["status"] == "published"]
        tally = published["hotspot_label"].astype("str").value_counts()
        counts = ", ".join(f"{_class_name(label, say)}: {n}" for label, n in sorted(tally.items()))
    method = say(
        "hotspot_method",
        indicator=hs.get("indicator"),
        tested=tested,
        k=hs.get("k", "?"),
        permutations=hs.get("permutations"),
        seed=hs.get("seed"),
        correction=hs.get("correction"),
        alpha=say.number(float(hs.get("alpha", 0.05)), "g"),
    )
    return [
        f"## {say('h_hotspots')}",
        "",
        method,
        "",
        say("hotspot_counts", counts=counts or say("none")),
        "",
        *([say("note", note=_hotspot_note(hs, say)), ""] if hs.get("note") else []),
    ]


def _hotspot_note(hs: Mapping[str, Any], say: Say) -> str:
    """Return the hot-spot stage's note in the report's language (the record keeps English)."""
    if hs.get("note_key") == "note_flat_rates":
        return say("note_flat_rates", indicator=hs.get("indicator_id"), method=hs.get("rate"))
    return str(hs["note"])


def _proxy_screen(record: RunRecord, say: Say) -> list[str]:
    screen = record.proxy_screen
    if screen is None:
        return [say("proxy_not_run"), ""]
    flagged = screen.flagged
    lines = [
        say(
            "proxy_method",
            level=screen.level,
            source=screen.source,
            min_areas=screen.min_areas,
            threshold=f"{screen.threshold:g}",
        ),
        "",
    ]
    if len(flagged):
        lines.append(say("proxy_flagged", n=len(flagged)))
        lines.append(">")
        for row in flagged.itertuples():
            lines.append(
                say(
                    "proxy_pair",
                    indicator=row.indicator,
                    reference=row.reference,
                    rho=f"{row.rho:.2f}",
                    n=row.n_areas,
                )
            )
        lines += ["", say("proxy_weigh"), ""]
    else:
        lines += [say("proxy_none"), ""]
    for note in screen.notes_in(say.language):
        lines += [say("proxy_note", note=note), ""]
    return lines


def _guard(record: RunRecord, say: Say) -> list[str]:
    lines = [f"## {say('h_guard')}", "", say("guard_intro"), ""]
    lines += [f"- {say(key)}" for key in _PRECEDENT_KEYS]
    lines += ["", say("guard_table"), "|---|---|---|"]
    for r in describe_rules():
        ground = say.maybe("ground_", r["id"], r["ground"])
        basis = say.maybe("basis_", r["id"], r["basis"])
        lines.append(f"| {r['id']} | {ground} | {_cell(basis)} |")
    lines.append("")
    return lines + _proxy_screen(record, say)


def _publication(record: RunRecord, say: Say) -> list[str]:
    rules = record.release.rules
    lines = [
        f"## {say('h_publication')}",
        "",
        say("publication_rule", min_units=rules.min_units, base=rules.rounding_base),
        "",
        say("publication_table"),
        "|---|---|---|---|",
    ]
    for name, frame in record.release.layers.items():
        status = frame["status"].astype("str")
        lines.append(
            f"| {name} | {len(frame)} | {int((status == 'published').sum())} | "
            f"{int((status == 'suppressed').sum())} |"
        )
    return [*lines, "", *_units_lines(record.units, say)]


def _units_lines(units: dict[str, Any], say: Say) -> list[str]:
    """Every unit row accounted for: read, joined, not joined (why), sentinels read as missing."""
    source = str(units.get("source", ""))
    lines = [
        say(
            "units_line",
            rows_in=say.number(units.get("rows_in", 0)),
            joined=say.number(units.get("joined", 0)),
            level=say.maybe("level_", str(units.get("level", ""))),
            source=say("source_synthetic") if source == "synthetic" else source,
        )
    ]
    reasons = {k: n for k, n in dict(units.get("not_joined", {})).items() if n}
    if reasons:
        listed = ", ".join(
            f"{say.maybe('reason_', _slug(k), k)} {say.number(n)}" for k, n in reasons.items()
        )
        lines.append(say("units_not_joined", reasons=listed))
    sentinels = dict(units.get("sentinels", {}))
    if sentinels:
        listed = ", ".join(f"`{c}` {say.number(n)}" for c, n in sentinels.items())
        lines.append(say("units_sentinels", columns=listed))
    return [" ".join(lines), ""]


def _slug(phrase: str) -> str:
    """Return a reason as a catalogue key (``"outside every buurt"``: ``outside_every_buurt``)."""
    return "_".join("".join(c if c.isalnum() else " " for c in phrase).split())


def _synthetic_note(record: RunRecord, say: Say) -> str:
    units = record.config.inputs.units
    if units.source == "synthetic":
        return say("synthetic_generated")
    if units.synthetic:
        level = say.maybe("level_", units.level)
        return say("synthetic_declared", file=Path(units.path).name, level=level)
    return str(record.release.metadata.get("synthetic_note") or say("synthetic_generated"))


def _provenance(record: RunRecord, say: Say) -> list[str]:
    config = record.config
    source = config.source or say("built_in_code")
    sha = say("config_sha", sha=config.source_sha256) if config.source_sha256 else ""
    return [
        f"## {say('h_provenance')}",
        "",
        say("run_line", run_id=record.run_id, created=record.created),
        say("config_line", source=source) + sha,
        say("register_line"),
        "",
    ]


def run_report(record: RunRecord) -> str:
    """Write the run report as Markdown.

    Parameters
    ----------
    record
        What the run did.

    Returns
    -------
    str
        The report.
    """
    config = record.config
    say = Say("report", _language(record))
    lines = [f"# {markdown_text(record.release.metadata.get('title') or config.run_title)}", ""]
    if record.release.metadata.get("not_for_publication"):
        lines += [f"> **{record.release.metadata['not_for_publication']}**", ""]
    if record.synthetic:
        lines += [f"> **{_synthetic_note(record, say)}**", ""]
    lines += _card(record, say)
    prevention = say("prevention", areas=_area_words(record, say))
    lines += [f"## {say('h_prevention')}", "", prevention, ""]
    lines += _indicators(record, say)
    lines += _composite(record, say)
    lines += _hotspots(record, say)
    lines += _guard(record, say)
    lines += _publication(record, say)
    lines += _provenance(record, say)
    return "\n".join(lines).rstrip() + "\n"


def write_run_report(record: RunRecord, out_dir: str | Path) -> Path:
    """Write ``report.md`` into ``out_dir`` and return its path."""
    out = Path(out_dir) / "report.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown_html_off(run_report(record)), encoding="utf-8")
    return out
