"""The run report (``report.md``): the research question first, then what was computed.

The report is what an analyst, the problem owner and the ethics watchdog read together. It
opens with the research-question card and the status of the reviews, then describes every
indicator with its purpose and suggested follow-up steps, the composite index with its
rank uncertainty, the hot spots, the profiling guard (and the proxy screen), and what was
published. Like every output, it names no address, parcel, person or company, and it does
not list the highest-ranked areas: the map shows areas, the report explains them.
"""

from __future__ import annotations

from pathlib import Path

from zicht._escape import markdown_html_off, markdown_text
from zicht.export._register import RunRecord
from zicht.guard import PRECEDENTS, describe_rules

__all__ = ["run_report", "write_run_report"]

_REVIEW_TEXT = {
    "not_started": "not started",
    "in_progress": "in progress",
    "approved": "approved",
    "approved_with_conditions": "approved with conditions",
    "rejected": "REJECTED",
    "not_required": "not required",
}


_RATE_TEXT = {
    "eb_global": "global empirical-Bayes smoothed rate",
    "raw": "raw rate",
    "value": "the published value",
}


_AREA_WORDS = {
    "h3": "H3 cells",
    "region": "publishable regions",
    "buurt": "buurten",
    "wijk": "wijken",
    "gemeente": "gemeenten",
    "park": "holiday parks",
}


def _area_words(record: RunRecord) -> str:
    names = [_AREA_WORDS.get(n, n) for n in record.release.layers]
    return ", ".join(names) if names else "none"


def _cell(text: object) -> str:
    return markdown_text(text).strip() or "—"


def _card(record: RunRecord) -> list[str]:
    card = record.config.question
    missing = "_not stated — to be written by the problem owner_"
    lines = [
        "## Research question",
        "",
        "| | |",
        "|---|---|",
        f"| Question | {_cell(card.question) if card.question.strip() else missing} |",
        "| Problem owner | "
        f"{_cell(card.problem_owner) if card.problem_owner.strip() else missing} |",
        f"| Partners | {_cell('; '.join(card.partners)) if card.partners else missing} |",
        "| Data sources asked for | "
        f"{_cell('; '.join(card.data_sources)) if card.data_sources else missing} |",
    ]
    open_reviews = []
    for label, review in card.reviews().items():
        details = ", ".join(d for d in (review.by, review.date, review.reference) if d)
        text = _REVIEW_TEXT.get(review.status, review.status)
        notes = f" — {review.notes}" if review.notes else ""
        cell = _cell(text + (f" ({details})" if details else "") + notes)
        lines.append(f"| {label[0].upper()}{label[1:]} | {cell} |")
        if not review.done:
            open_reviews.append(f"{label} ({text})")
    lines.append("")
    if open_reviews:
        lines += [
            "> **⚠ Not cleared for use:** "
            + ", ".join(open_reviews)
            + ". Results of this run may inform the reviews, not decisions.",
            "",
        ]
    return lines


def _indicators(record: RunRecord) -> list[str]:
    lines = ["## Indicators", ""]
    for spec in record.config.indicators:
        lines += [f"### {markdown_text(spec.title)} (`{spec.id}`)", ""]
        if spec.description.strip():
            lines += [spec.description.strip(), ""]
        lines.append(f"- **How it is computed:** {spec.method_text()}")
        lines.append(f"- **Purpose:** {spec.purpose.strip() or '_not stated_'}")
        lines.append("- **Published columns:** " + ", ".join(f"`{m.column}`" for m in spec.metas()))
        for layer, counts in record.masked.items():
            n = counts.get(spec.id, 0)
            if n:
                lines.append(
                    f"- **{layer}:** {n} area(s) have no {spec.kind} because its denominator "
                    f"holds fewer than {record.release.rules.min_units} {spec.unit_plural}"
                )
        if spec.follow_up:
            lines.append("- **Suggested follow-up where this indicator is high:**")
            lines += [f"  - {step.strip()}" for step in spec.follow_up]
        lines.append("")
    return lines


def _composite(record: RunRecord) -> list[str]:
    comp = record.config.composite
    if not comp.enabled or not record.composites:
        return []
    unc = comp.uncertainty
    lo, hi = unc.percentiles
    lines = [
        f"## {markdown_text(comp.title)}",
        "",
        f"Built after the OECD/JRC *Handbook on Constructing Composite Indicators* (2008) from "
        "published area values only: normalisation "
        f"`{comp.normalisation}`, weighting `{comp.weighting}`, aggregation "
        f"`{comp.aggregation}`. Rank 1 is the highest value. The uncertainty analysis draws "
        f"{unc.draws} times (seed {unc.seed}) a normalisation from {list(unc.normalisations)}, "
        f"an aggregation from {list(unc.aggregations)} and weights × "
        f"U[{1 - unc.weight_spread:g}, {1 + unc.weight_spread:g}]; every area gets its "
        f"{lo:g}th–{hi:g}th percentile rank (shown on the map) and is flagged *unstable* when "
        f"that interval is wider than {unc.unstable_width:.0%} of the ranked areas.",
        "",
        "| component | nominal weight | direction |",
        "|---|---|---|",
    ]
    for c, w in zip(comp.components, comp.nominal_weights(), strict=True):
        direction = "lower is riskier" if c.invert else "higher is riskier"
        lines.append(f"| `{c.indicator}` | {w:.3f} | {direction} |")
    lines.append("")
    for layer, result in record.composites.items():
        s = result.summary
        sens = result.sensitivity
        lines += [
            f"### {layer}",
            "",
            f"**{s['verdict']}**",
            "",
            f"- Areas ranked: {s['n_areas']} (not ranked, a component unpublished: "
            f"{result.settings['n_areas_not_ranked']})",
            f"- Median width of the rank interval: {s['median_interval_width']:g} ranks",
            f"- Share of rank variance from the choice of normalisation: "
            f"{sens['normalisation']:.0%}; of aggregation: {sens['aggregation']:.0%}; "
            f"weights and interactions: {sens['weights_and_interactions']:.0%}",
        ]
        for ind, shift in sens["leave_one_out"].items():
            lines.append(
                f"- Leaving out `{ind}` moves ranks by {shift['mean_abs_rank_shift']:g} on "
                f"average (at most {shift['max_abs_rank_shift']})"
            )
        corr = result.correlations
        strong = [
            (a, b, corr.loc[a, b])
            for i, a in enumerate(corr.index)
            for b in corr.columns[i + 1 :]
            if abs(corr.loc[a, b]) >= 0.9
        ]
        for a, b, rho in strong:
            lines.append(
                f"- `{a}` and `{b}` correlate at rho = {rho:.2f}: they may count the same "
                "thing twice"
            )
        lines.append("")
    return lines


def _hotspots(record: RunRecord) -> list[str]:
    hs = record.hotspot
    if not hs:
        return ["## Hot spots", "", "No hot-spot test ran (the H3 layer is not published).", ""]
    h3 = record.release.layers.get("h3")
    tested = _RATE_TEXT.get(str(hs.get("rate")), str(hs.get("rate")))
    counts = ""
    if h3 is not None:
        published = h3[h3["status"] == "published"]
        tally = published["hotspot_label"].astype("str").value_counts()
        counts = ", ".join(f"{label or 'not tested'}: {n}" for label, n in sorted(tally.items()))
    return [
        "## Hot spots",
        "",
        f"Getis-Ord Gi* on `{hs.get('indicator')}` (tested as: {tested}) "
        f"per H3 cell (k = {hs.get('k', '?')}), "
        f"{hs.get('permutations')} conditional permutations (seed {hs.get('seed')}), "
        f"correction `{hs.get('correction')}`, alpha {hs.get('alpha')}.",
        "",
        f"Published cells by class: {counts or 'none'}.",
        "",
        *([f"**Note:** {hs['note']}", ""] if hs.get("note") else []),
    ]


def _guard(record: RunRecord) -> list[str]:
    lines = [
        "## Profiling guard",
        "",
        "Every indicator id, title, filter column and value, composite weight and unit-table "
        "column was checked against the protected grounds below; none is used. Precedents:",
        "",
    ]
    lines += [f"- {p}" for p in PRECEDENTS]
    lines += ["", "| rule | ground | basis |", "|---|---|---|"]
    lines += [f"| {r['id']} | {r['ground']} | {_cell(r['basis'])} |" for r in describe_rules()]
    lines.append("")
    screen = record.proxy_screen
    if screen is None:
        lines += [
            "**Proxy screen: not run.** No reference shares of protected groups per area were "
            "supplied (`[guard] reference`). A place-based indicator can still act as a proxy "
            "for who lives somewhere; supply CBS shares per buurt (e.g. of residents with a "
            "migration background) to screen it.",
            "",
        ]
        return lines
    flagged = screen.flagged
    lines += [
        f"**Proxy screen** ({screen.level}, {screen.source}): Spearman correlation of every "
        f"published indicator with every reference share, on areas with at least "
        f"{screen.min_areas} pairs; |rho| ≥ {screen.threshold:g} is flagged.",
        "",
    ]
    if len(flagged):
        lines.append(f"> **⚠ {len(flagged)} possible proxy pair(s):**")
        lines.append(">")
        for row in flagged.itertuples():
            lines.append(
                f"> - `{row.indicator}` ~ `{row.reference}`: rho = {row.rho:.2f} "
                f"({row.n_areas} areas)"
            )
        lines += [
            "",
            "A flagged indicator is not refused, but the ethics review must weigh it: is the "
            "place-based reason strong enough, and is there an indicator without the proxy "
            "effect?",
            "",
        ]
    else:
        lines += ["No indicator is flagged.", ""]
    for note in screen.notes:
        lines += [f"_Note: {note}_", ""]
    return lines


def _publication(record: RunRecord) -> list[str]:
    rules = record.release.rules
    lines = [
        "## Publication",
        "",
        f"A value is published only where it rests on at least {rules.min_units} units; counts "
        f"are rounded to base {rules.rounding_base}.",
        "",
        "| layer | areas | published | suppressed |",
        "|---|---|---|---|",
    ]
    for name, frame in record.release.layers.items():
        status = frame["status"].astype("str")
        lines.append(
            f"| {name} | {len(frame)} | {int((status == 'published').sum())} | "
            f"{int((status == 'suppressed').sum())} |"
        )
    units = record.units
    lines += [
        "",
        f"Units: {units.get('rows_in', 0):,} in, {units.get('joined', 0):,} joined "
        f"({units.get('level', '')}, {units.get('source', '')}).",
        "",
    ]
    return lines


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
    lines = [f"# {markdown_text(record.release.metadata.get('title') or config.run_title)}", ""]
    if record.release.metadata.get("not_for_publication"):
        lines += [f"> **{record.release.metadata['not_for_publication']}**", ""]
    if record.synthetic:
        note = str(record.release.metadata.get("synthetic_note", "SYNTHETIC DATA"))
        lines += [f"> **{note}**", ""]
    lines += _card(record)
    lines += [
        "## Prevention, not investigation",
        "",
        f"This run describes areas: {_area_words(record)}. No output names an address, "
        "parcel, person or company, and zicht has no way to list the riskiest ones. The "
        "suggested follow-up steps are courses of action for the municipality (how it "
        "tenders, permits, informs and inspects), not actions against people.",
        "",
    ]
    lines += _indicators(record)
    lines += _composite(record)
    lines += _hotspots(record)
    lines += _guard(record)
    lines += _publication(record)
    lines += [
        "## Provenance",
        "",
        f"- Run `{record.run_id}`, created {record.created}",
        f"- Configuration: {config.source or '(built in code)'}"
        + (f" (SHA-256 `{config.source_sha256}`)" if config.source_sha256 else ""),
        "- The draft entry for the algorithm register is in `algorithm_register.md` / `.json`.",
        "",
    ]
    return "\n".join(lines).rstrip() + "\n"


def write_run_report(record: RunRecord, out_dir: str | Path) -> Path:
    """Write ``report.md`` into ``out_dir`` and return its path."""
    out = Path(out_dir) / "report.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown_html_off(run_report(record)), encoding="utf-8")
    return out
