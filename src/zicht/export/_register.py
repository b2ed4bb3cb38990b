"""The algorithm-register draft and the run manifest, written by every run.

Dutch government organisations publish their impactful algorithms in the national
*Algoritmeregister* (algoritmes.overheid.nl), following the *Algoritmeregister
publicatiestandaard* 1.0. Every zicht run writes a draft entry with those fields
(``algorithm_register.json`` with the standard's field keys, and a readable
``algorithm_register.md``): pre-filled from the configuration (the research-question card,
the indicators, the ``[register]`` table) and from the run (methods, settings, data, the
guard's results), and with every field a person must still write marked
:data:`TO_BE_WRITTEN`. The organisation publishes the entry and stays responsible for it.

:func:`write_run_manifest` lists every file a run wrote with its SHA-256, so a release can
be checked as a whole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zicht._escape import markdown_html_off, markdown_text, neutral_json
from zicht._strings import text
from zicht._version import __version__
from zicht.export._words import Say
from zicht.publish import Release

if TYPE_CHECKING:
    from zicht.config import RunConfig
    from zicht.guard import ProxyScreen
    from zicht.indicators import CompositeResult

__all__ = [
    "REGISTER_FIELDS",
    "STANDARD_VERSION",
    "TO_BE_WRITTEN",
    "RunRecord",
    "register_draft",
    "register_markdown",
    "to_be_written",
    "write_register",
    "write_run_manifest",
]

STANDARD_VERSION = "1.0"
#: The marker of every field a person must still write.
TO_BE_WRITTEN = "TE INVULLEN DOOR DE ORGANISATIE / TO BE WRITTEN BY THE ORGANISATION"

_SECTIONS = {
    "general": (
        "name",
        "organization",
        "description_short",
        "category",
        "status",
        "begin_date",
        "end_date",
        "contact_email",
        "website",
        "publication_category",
        "url",
    ),
    "use": (
        "goal",
        "proportionality",
        "human_intervention",
        "risks",
        "lawful_basis",
        "lawful_basis_grouping",
        "process_index_url",
    ),
    "assessments": ("impacttoetsen_grouping", "impacttoetsen"),
    "operation": (
        "source_data",
        "source_data_grouping",
        "methods_and_models",
        "provider",
        "publiccode",
    ),
    "metadata": ("lang", "standard_version", "source_id", "tags"),
}
#: The fields of publicatiestandaard 1.0: key, Dutch label, English label, section (Dutch),
#: the labels from the string catalogue (``register.toml``).
REGISTER_FIELDS: tuple[tuple[str, str, str, str], ...] = tuple(
    (
        key,
        text("register", f"field_{key}", "nl"),
        text("register", f"field_{key}", "en"),
        text("register", f"section_{section}", "nl"),
    )
    for section, keys in _SECTIONS.items()
    for key in keys
)
_SECTION_OF = {key: section for section, keys in _SECTIONS.items() for key in keys}
_OPTIONAL = {"end_date", "website", "url", "source_id", "source_data_grouping"}


@dataclass(frozen=True)
class RunRecord:
    """What a run did, for the register draft and the run report.

    Attributes
    ----------
    config
        The configuration of the run.
    release
        The published statistics.
    run_id, created
        Run id and creation time (ISO).
    study_area_name
        Name of the gemeente.
    synthetic
        True when the unit data are synthetic.
    units
        ``rows_in``, ``joined``, ``not_joined``, ``level``, ``source``.
    hotspot
        The hot-spot settings (or None when no test ran).
    composites
        The composite result per published layer.
    proxy_screen
        The guard's proxy screen, or None when no reference shares were supplied.
    masked
        Per layer, per indicator: areas whose rate was left out because its denominator
        held fewer units than the disclosure threshold.
    inputs
        Per input layer: what was read (the :class:`LayerReport` records).
    """

    config: RunConfig
    release: Release
    run_id: str
    created: str
    study_area_name: str = ""
    synthetic: bool = True
    units: Mapping[str, Any] = field(default_factory=dict)
    hotspot: Mapping[str, Any] | None = None
    composites: Mapping[str, CompositeResult] = field(default_factory=dict)
    proxy_screen: ProxyScreen | None = None
    masked: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def area_label(self) -> str:
        """The gemeente as ``"Ede (GM0228)"``."""
        code = self.config.study_area
        return f"{self.study_area_name} ({code})" if self.study_area_name else code


def _todo(hint: str) -> str:
    return f"{TO_BE_WRITTEN}: {hint}"


def _lines(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def _say(record: RunRecord) -> Say:
    return Say("register", record.config.map.language)


def _review_text(say: Say, key: str, review: Any) -> str:
    line = f"{say(key)}: {say.maybe('status_', review.status)}"
    details = [d for d in (review.by, review.date, review.reference) if d]
    return line + (f" ({', '.join(details)})" if details else "")


def _goal(record: RunRecord, say: Say) -> str:
    config = record.config
    card = config.question
    purposes = [
        f"{s.title}: {s.purpose.strip().rstrip('.')}"
        for s in config.indicators
        if s.purpose.strip()
    ]
    question = card.question.strip()
    return _lines(
        say("goal_question", question=question) if question else _todo(say("todo_question")),
        say("goal_map", area=record.area_label),
        say("goal_purposes", purposes="; ".join(purposes)) if purposes else "",
        _todo(say("todo_impact")),
    )


def _proportionality(record: RunRecord, say: Say) -> str:
    rules = record.release.rules
    return _lines(
        _todo(say("todo_proportionality")),
        say("safeguards", min_units=rules.min_units, base=rules.rounding_base),
    )


def _human_intervention(record: RunRecord, say: Say) -> str:
    return _lines(say("human"), _todo(say("todo_human")))


def _proxy_risk(record: RunRecord, say: Say) -> str:
    screen = record.proxy_screen
    if screen is None:
        return say("proxy_not_run") + " " + _todo(say("todo_proxy"))
    flagged = screen.flagged
    threshold = f"{screen.threshold:g}"
    if not len(flagged):
        return say("proxy_clear", threshold=threshold, level=screen.level, source=screen.source)
    pairs = ", ".join(
        f"{r.indicator} ~ {r.reference} (rho = {r.rho:.2f})" for r in flagged.itertuples()
    )
    flagged_text = say("proxy_flagged", n=len(flagged), threshold=threshold, pairs=pairs)
    return flagged_text + " " + _todo(say("todo_flagged"))


def _risks(record: RunRecord, say: Say) -> str:
    parts = [say("risk_discrimination"), _proxy_risk(record, say)]
    parts.append(say("risk_disclosure", min_units=record.release.rules.min_units))
    for layer, result in record.composites.items():
        summary = result.summary
        unc = record.config.composite.uncertainty
        swing = summary["share_unstable"] > unc.unstable_width
        parts.append(
            say(
                "risk_composite_swing" if swing else "risk_composite",
                layer=layer,
                n_unstable=summary["n_unstable"],
                n_areas=summary["n_areas"],
                interval=say.percent(unc.interval),
                width=say.percent(unc.unstable_width),
            )
        )
    if record.synthetic:
        parts.append(say("risk_synthetic"))
    parts.append(_todo(say("todo_monitoring")))
    return _lines(*parts)


def _impact_assessments(record: RunRecord, say: Say) -> tuple[list[dict[str, str]], str]:
    card = record.config.question
    grouping = []
    for key, review in (("title_dpia", card.dpia), ("title_iama", card.iama)):
        if review.done and review.status != "not_required":
            grouping.append({"title": say(key), "link": review.reference})
    texts = [
        _review_text(say, "review_dpia", card.dpia),
        _review_text(say, "review_iama", card.iama),
        _review_text(say, "review_legal", card.legal_review),
        _review_text(say, "review_ethics", card.ethics_review),
    ]
    out = "; ".join(texts) + "."
    if not (card.dpia.done and card.iama.done):
        out += " " + _todo(say("todo_assessments"))
    return grouping, out


def _source_data(record: RunRecord, say: Say) -> str:
    config = record.config
    asked = [s.strip() for s in config.question.data_sources if s.strip()]
    columns = sorted({c for s in config.indicators for c in s.columns_read()})
    level = Say("report", say.language).maybe("level_", config.inputs.units.level)
    unit_text = (
        say("units_synthetic", level=level, seed=config.seed)
        if record.synthetic
        else say("units_file", level=level, path=config.inputs.units.path)
    )
    parts = [
        say("asked_sources", sources="; ".join(asked)) if asked else _todo(say("todo_sources")),
        unit_text,
        say("variables", columns=", ".join(columns) if columns else say("none")),
        say("open_data"),
    ]
    if record.proxy_screen is not None:
        parts.append(say("reference_use", source=record.proxy_screen.source))
    return _lines(*parts)


def _methods(record: RunRecord, say: Say) -> str:
    config = record.config
    indicators = " ".join(
        f"{s.title} ({s.id}): {s.method_text(say.language)}" for s in config.indicators
    )
    parts = [say("methods_intro"), say("methods_indicators", indicators=indicators)]
    if record.hotspot:
        hs = record.hotspot
        parts.append(
            say(
                "methods_hotspots",
                indicator=hs.get("indicator"),
                resolution=config.resolution,
                permutations=hs.get("permutations"),
                seed=hs.get("seed"),
                correction=hs.get("correction"),
                alpha=say.number(float(hs.get("alpha", 0.05)), "g"),
            )
        )
    if config.composite.enabled:
        parts.append(say("methods_composite", **config.composite.method_fields(say.language)))
    rules = record.release.rules
    parts.append(say("methods_rules", min_units=rules.min_units, base=rules.rounding_base))
    sha = f", SHA-256 {config.source_sha256}" if config.source_sha256 else ""
    source = config.source or say("in_code")
    parts.append(say("software", version=__version__, source=source, sha=sha, run_id=record.run_id))
    return _lines(*parts)


def register_draft(record: RunRecord) -> dict[str, Any]:
    """Make the draft register entry with the fields of publicatiestandaard 1.0.

    Parameters
    ----------
    record
        What the run did.

    Returns
    -------
    dict
        The standard's field keys (``name``, ``organization``, ``description_short``,
        ``goal``, ``proportionality``, ``human_intervention``, ``risks``, ``lawful_basis``,
        ``impacttoetsen_grouping``, ``source_data``, ``methods_and_models``,
        ``publiccode`` …) and a ``_zicht`` block with provenance and the list of fields
        still ``to_be_written``. Values a person must write start with
        :data:`TO_BE_WRITTEN`.
    """
    config = record.config
    reg = config.register
    say = _say(record)
    card = config.question
    organisation = reg.organisation or card.problem_owner
    area = record.study_area_name or config.study_area
    n = len(config.indicators)
    description = say(
        "description_one" if n == 1 else "description_many", area=record.area_label, n=n
    )
    grouping, assessments = _impact_assessments(record, say)
    in_use = reg.status == "In gebruik"
    draft: dict[str, Any] = {
        "name": (reg.name or say("default_name", area=area))[:100],
        "organization": organisation or _todo(say("todo_organisation")),
        "description_short": description[:350],
        "category": list(reg.themes),
        "status": reg.status,
        "begin_date": reg.begin_date or (_todo(say("todo_begin_date")) if in_use else ""),
        "end_date": "",
        "contact_email": reg.contact or _todo(say("todo_contact")),
        "website": reg.website,
        "publication_category": reg.publication_category,
        "url": "",
        "goal": _goal(record, say),
        "proportionality": _proportionality(record, say),
        "human_intervention": _human_intervention(record, say),
        "risks": _risks(record, say),
        "lawful_basis": reg.lawful_basis or _todo(say("todo_lawful_basis")),
        "lawful_basis_grouping": [
            {"title": link.title, "link": link.url} for link in reg.lawful_basis_links
        ],
        "process_index_url": reg.process_index_url or _todo(say("todo_process_index")),
        "impacttoetsen_grouping": grouping,
        "impacttoetsen": assessments,
        "source_data": _source_data(record, say),
        "source_data_grouping": [],
        "methods_and_models": _methods(record, say),
        "provider": reg.provider
        or say(
            "provider", version=__version__, organisation=organisation or say("the_organisation")
        ),
        "publiccode": reg.source_code_url or _todo(say("todo_publiccode")),
        "lang": say("lang_code"),
        "standard_version": STANDARD_VERSION,
        "source_id": "",
        "tags": say("tags", area=area),
    }
    draft["_zicht"] = {
        "note": say("note"),
        "language": say.language,
        "run_id": record.run_id,
        "created": record.created,
        "zicht_version": __version__,
        "config_source": config.source,
        "config_sha256": config.source_sha256,
        "synthetic_units": record.synthetic,
        "not_for_publication": str(record.release.metadata.get("not_for_publication", "")),
        "to_be_written": to_be_written(draft),
    }
    return draft


def to_be_written(draft: Mapping[str, Any]) -> list[str]:
    """Return the keys of the draft whose value still holds :data:`TO_BE_WRITTEN`."""
    return [
        key
        for key, value in draft.items()
        if not key.startswith("_") and TO_BE_WRITTEN in json.dumps(value, ensure_ascii=False)
    ]


def _md_value(value: Any, say: Say) -> str:
    if isinstance(value, list):
        if not value:
            return say("empty")
        if all(isinstance(v, Mapping) for v in value):
            return "\n".join(
                f"- {markdown_text(v.get('title', ''))}"
                + (f" — {v['link']}" if v.get("link") else "")
                for v in value
            )
        return ", ".join(str(v) for v in value)
    # Free text from the config: brackets escaped so that no title makes a live link.
    value_text = str(value).replace("[", "\\[").replace("]", "\\]")
    if not value_text:
        return say("empty")
    paragraphs = []
    for para in value_text.split("\n\n"):
        if para.startswith(TO_BE_WRITTEN):
            paragraphs.append(f"> **⚠ {para}**")
        else:
            paragraphs.append(para.replace(TO_BE_WRITTEN, f"**⚠ {TO_BE_WRITTEN}**"))
    return "\n\n".join(paragraphs)


def register_markdown(draft: Mapping[str, Any], language: str | None = None) -> str:
    """Write the draft as a readable Markdown page, fields in the standard's order.

    Parameters
    ----------
    draft
        Output of :func:`register_draft`.
    language
        ``"nl"`` or ``"en"`` for the words of the page; ``None`` (default): the language
        the draft was written in (``_zicht.language``, Dutch when absent).

    Returns
    -------
    str
        The page.
    """
    meta = draft.get("_zicht", {})
    say = Say("register", language or meta.get("language") or "nl")
    todo = meta.get("to_be_written", [])
    version = draft.get("standard_version", STANDARD_VERSION)
    lines = [
        f"# {say('md_title', name=markdown_text(draft.get('name', '')))}",
        "",
        say("md_standard", version=version, note=meta.get("note", "")),
        "",
        say(
            "md_run",
            run_id=meta.get("run_id", ""),
            created=meta.get("created", ""),
            version=meta.get("zicht_version", ""),
        ),
        "",
    ]
    if meta.get("not_for_publication"):
        lines += [f"> **{meta['not_for_publication']}**", ""]
    if meta.get("synthetic_units"):
        lines += [say("md_synthetic"), ""]
    if todo:
        names = ", ".join(f"{say.maybe('field_', k)} (`{k}`)" for k in todo)
        lines += [say("md_todo", n=len(todo), fields=names), ""]
    section = None
    for key, *_ in REGISTER_FIELDS:
        if _SECTION_OF[key] != section:
            section = _SECTION_OF[key]
            lines += [f"## {say(f'section_{section}')}", ""]
        optional = say("optional") if key in _OPTIONAL else ""
        heading = say("md_field", label=say(f"field_{key}"), name=key, optional=optional)
        lines += [heading, "", _md_value(draft.get(key, ""), say), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_register(record: RunRecord, out_dir: str | Path) -> dict[str, Path]:
    """Write ``algorithm_register.json`` and ``algorithm_register.md``.

    Parameters
    ----------
    record
        What the run did.
    out_dir
        Output folder.

    Returns
    -------
    dict of str to Path
        ``register_json`` and ``register_md``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    draft = register_draft(record)
    json_path = out / "algorithm_register.json"
    json_path.write_text(
        json.dumps(neutral_json(draft), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    md_path = out / "algorithm_register.md"
    md_path.write_text(markdown_html_off(register_markdown(draft)), encoding="utf-8")
    return {"register_json": json_path, "register_md": md_path}


def write_run_manifest(record: RunRecord, paths: Mapping[str, Path], out_dir: str | Path) -> Path:
    """Write ``run_manifest.json``: every file of the run with its size and SHA-256.

    Parameters
    ----------
    record
        What the run did.
    paths
        Every file written, by role.
    out_dir
        Output folder.

    Returns
    -------
    pathlib.Path
        The manifest.
    """
    from zicht.export._bundle import file_sha256

    files = {}
    root = Path(out_dir).resolve()
    for role, path in sorted(paths.items()):
        p = Path(path)
        if p.is_file():
            # relative to the release folder: the gemeente pages lie in gemeenten/
            inside = p.resolve().is_relative_to(root)
            name = p.resolve().relative_to(root).as_posix() if inside else p.name
            files[role] = {"path": name, "bytes": p.stat().st_size, "sha256": file_sha256(p)}
    config = record.config
    manifest = {
        "run_id": record.run_id,
        "created": record.created,
        "zicht_version": __version__,
        "config_source": config.source,
        "config_sha256": config.source_sha256,
        "synthetic_units": record.synthetic,
        "files": files,
        # The SHA-256 of this file's bytes with this value written as 64 zeros: so that
        # `zicht check` can verify this file too, the top of the chain of hashes.
        "self_sha256": "0" * 64,
    }
    raw = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    own = hashlib.sha256(raw).hexdigest()
    out = Path(out_dir) / "run_manifest.json"
    out.write_bytes(
        raw.replace(b'"self_sha256": "' + b"0" * 64, b'"self_sha256": "' + own.encode(), 1)
    )
    return out
