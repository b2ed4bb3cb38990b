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
from zicht._version import __version__
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

#: The fields of publicatiestandaard 1.0: key, Dutch label, English label, section.
REGISTER_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("name", "Naam", "Name", "Algemene informatie"),
    ("organization", "Organisatie", "Organisation", "Algemene informatie"),
    ("description_short", "Korte omschrijving", "Short description", "Algemene informatie"),
    ("category", "Thema", "Theme", "Algemene informatie"),
    ("status", "Status", "Status", "Algemene informatie"),
    ("begin_date", "Begindatum", "Start date", "Algemene informatie"),
    ("end_date", "Einddatum", "End date", "Algemene informatie"),
    ("contact_email", "Contactgegevens", "Contact", "Algemene informatie"),
    ("website", "Link naar publiekspagina", "Public page", "Algemene informatie"),
    (
        "publication_category",
        "Publicatiecategorie",
        "Publication category",
        "Algemene informatie",
    ),
    ("url", "Link naar bronregistratie", "Source registration", "Algemene informatie"),
    ("goal", "Doel en impact", "Goal and impact", "Verantwoord gebruik"),
    ("proportionality", "Afwegingen", "Considerations", "Verantwoord gebruik"),
    ("human_intervention", "Menselijke tussenkomst", "Human intervention", "Verantwoord gebruik"),
    ("risks", "Risicobeheer", "Risk management", "Verantwoord gebruik"),
    ("lawful_basis", "Wettelijke basis", "Legal basis", "Verantwoord gebruik"),
    (
        "lawful_basis_grouping",
        "Verwijzingen wettelijke basis",
        "Links to the legal basis",
        "Verantwoord gebruik",
    ),
    (
        "process_index_url",
        "Link naar verwerkingsregister",
        "Record of processing",
        "Verantwoord gebruik",
    ),
    ("impacttoetsen_grouping", "Impacttoetsen", "Impact assessments", "Impacttoetsen"),
    (
        "impacttoetsen",
        "Toelichting op impacttoetsen",
        "Notes on impact assessments",
        "Impacttoetsen",
    ),
    ("source_data", "Gegevens", "Data sources and variables", "Werking"),
    ("source_data_grouping", "Verwijzingen gegevensbronnen", "Links to data sources", "Werking"),
    ("methods_and_models", "Technische werking", "Technical operation", "Werking"),
    ("provider", "Leverancier", "Supplier", "Werking"),
    ("publiccode", "Link naar broncode", "Source code link", "Werking"),
    ("lang", "Taal", "Language", "Metadata"),
    ("standard_version", "Versie publicatiestandaard", "Standard version", "Metadata"),
    ("source_id", "Bron-ID", "Source id", "Metadata"),
    ("tags", "Zoektermen", "Search terms", "Metadata"),
)
_OPTIONAL = {"end_date", "website", "url", "source_id", "source_data_grouping"}
_REVIEW_NL = {
    "not_started": "niet gestart",
    "in_progress": "in uitvoering",
    "approved": "goedgekeurd",
    "approved_with_conditions": "goedgekeurd met voorwaarden",
    "rejected": "afgewezen",
    "not_required": "niet vereist",
}


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


def _review_text(label: str, review: Any) -> str:
    text = f"{label}: {_REVIEW_NL.get(review.status, review.status)}"
    details = [d for d in (review.by, review.date, review.reference) if d]
    return text + (f" ({', '.join(details)})" if details else "")


def _goal(record: RunRecord) -> str:
    config = record.config
    card = config.question
    purposes = [
        f"{s.title}: {s.purpose.strip().rstrip('.')}"
        for s in config.indicators
        if s.purpose.strip()
    ]
    goal = (
        f"Onderzoeksvraag: {card.question.strip()}"
        if card.question.strip()
        else _todo("de onderzoeksvraag (vul [question] question in de configuratie in)")
    )
    return _lines(
        goal,
        "Het algoritme maakt een risicokaart van gebieden (H3-zeshoeken en buurten) in "
        f"{record.area_label}, om preventie tegen ondermijning te richten. Het wijst geen "
        "personen, adressen, percelen of bedrijven aan en neemt geen besluiten.",
        ("Doel per indicator: " + "; ".join(purposes) + ".") if purposes else "",
        _todo(
            "de impact: hoe burgers en bedrijven in de gebieden met de uitkomsten in "
            "aanraking komen (welke preventieve maatregelen, door wie, hoe vaak)"
        ),
    )


def _proportionality(record: RunRecord) -> str:
    rules = record.release.rules
    return _lines(
        _todo(
            "de afweging van voor- en nadelen, de overwogen alternatieven (bijvoorbeeld "
            "bestaande signalen zonder kaart) en waarom de inzet gerechtvaardigd is; gebruik "
            "de uitkomsten van de DPIA en het IAMA"
        ),
        "Waarborgen die het algoritme zelf afdwingt: alleen geaggregeerde waarden per gebied "
        f"worden gepubliceerd, en alleen als een gebied ten minste {rules.min_units} eenheden "
        f"telt (aantallen afgerond op {rules.rounding_base}); indicatoren, filters en "
        "gewichten op etniciteit, migratieachtergrond, nationaliteit, geboorteland of "
        "religie worden geweigerd; er is geen functie om de risicovolste adressen op te "
        "sommen.",
    )


def _human_intervention(record: RunRecord) -> str:
    return _lines(
        "zicht neemt geen besluiten. De uitkomst is een kaart en een rapport over gebieden. "
        "Analisten en de probleemeigenaar beoordelen de kaart samen met de partners; de "
        "voorgestelde vervolgstappen per indicator zijn handelingsperspectieven voor de "
        "gemeente (bijvoorbeeld een aanbesteding of vergunningproces herzien), geen "
        "maatregelen tegen personen of adressen.",
        _todo(
            "wie de kaart beoordeelt, hoe vaak, hoe een uitkomst wordt gecontroleerd en "
            "bijgesteld, en hoe wordt voorkomen dat de kaart wordt gebruikt om personen of "
            "adressen te selecteren"
        ),
    )


def _risks(record: RunRecord) -> str:
    parts = [
        "Discriminatie: de profileringsbewaking van zicht weigert elke indicator, elk filter "
        "en elk gewicht op een beschermd kenmerk (toetsingskader risicoprofilering van het "
        "College voor de Rechten van de Mens, 2025; boete van de Autoriteit Persoonsgegevens "
        "aan de Belastingdienst, 2021)."
    ]
    screen = record.proxy_screen
    if screen is None:
        parts.append(
            "Proxy-toets: niet uitgevoerd, want er zijn geen referentieaandelen van beschermde "
            "groepen per gebied opgegeven. " + _todo("voer de proxy-toets uit ([guard] reference)")
        )
    else:
        flagged = screen.flagged
        if len(flagged):
            pairs = ", ".join(
                f"{r.indicator} ~ {r.reference} (rho = {r.rho:.2f})" for r in flagged.itertuples()
            )
            parts.append(
                f"Proxy-toets: {len(flagged)} indicator(en) hangen sterk samen met het aandeel "
                f"van een beschermde groep (|rho| >= {screen.threshold:g}): {pairs}. "
                + _todo("beoordeel en motiveer deze indicatoren, of laat ze vallen")
            )
        else:
            parts.append(
                f"Proxy-toets: geen indicator hangt sterk samen (|rho| >= {screen.threshold:g}) "
                f"met de opgegeven referentieaandelen ({screen.level}, {screen.source})."
            )
    rules = record.release.rules
    parts.append(
        f"Onthulling: waarden rusten op ten minste {rules.min_units} eenheden; kleinere gebieden "
        "worden onderdrukt en dat wordt per gebied vastgelegd."
    )
    for layer, result in record.composites.items():
        summary = result.summary
        unc = record.config.composite.uncertainty
        swing = summary["share_unstable"] > unc.unstable_width
        parts.append(
            f"Onzekerheid samengestelde index ({layer}): bij {summary['n_unstable']} van de "
            f"{summary['n_areas']} gebieden is het {unc.interval:.0%}-interval van de rang breder "
            f"dan {unc.unstable_width:.0%} van de gebieden"
            + ("; de rangorde schommelt sterk en is niet als precies te lezen." if swing else ".")
        )
    if record.synthetic:
        parts.append(
            "Deze run gebruikt synthetische eenheden; de kaart zegt niets over echte adressen."
        )
    parts.append(
        _todo("periodieke monitoring, herbeoordeling van de indicatoren en de klachtenprocedure")
    )
    return _lines(*parts)


def _impact_assessments(record: RunRecord) -> tuple[list[dict[str, str]], str]:
    card = record.config.question
    grouping = []
    for title, review in (
        ("Data Protection Impact Assessment (DPIA)", card.dpia),
        ("Impact Assessment Mensenrechten en Algoritmes (IAMA)", card.iama),
    ):
        if review.done and review.status != "not_required":
            grouping.append({"title": title, "link": review.reference})
    texts = [
        _review_text("DPIA", card.dpia),
        _review_text("IAMA", card.iama),
        _review_text("Juridische toets", card.legal_review),
        _review_text("Ethische toets", card.ethics_review),
    ]
    text = "; ".join(texts) + "."
    if not (card.dpia.done and card.iama.done):
        text += " " + _todo("voer de DPIA en het IAMA uit en verwijs naar de uitkomsten")
    return grouping, text


def _source_data(record: RunRecord) -> str:
    config = record.config
    asked = [s.strip() for s in config.question.data_sources if s.strip()]
    columns = sorted({c for s in config.indicators for c in s.columns_read()})
    level = config.inputs.units.level
    unit_text = (
        f"Eenheden ({level}): synthetisch gegenereerd door zicht (seed {config.seed}); geen "
        "echte gegevens."
        if record.synthetic
        else f"Eenheden ({level}): {config.inputs.units.path}."
    )
    parts = [
        ("Gevraagde gegevensbronnen: " + "; ".join(asked) + ".")
        if asked
        else _todo("de gegevensbronnen en hun houders ([question] data_sources)"),
        unit_text,
        "Gebruikte variabelen (kolommen van de eenhedentabel): "
        + (", ".join(columns) if columns else "geen")
        + ".",
        "Openbare gegevens: CBS-grenzen van gemeenten, wijken en buurten; locaties van "
        "vakantieparken (OpenStreetMap).",
    ]
    if record.proxy_screen is not None:
        parts.append(
            "Referentieaandelen van beschermde groepen per gebied worden alleen gebruikt om "
            f"indicatoren op proxy-werking te toetsen ({record.proxy_screen.source}); ze zijn "
            "nooit invoer van een indicator."
        )
    return _lines(*parts)


def _methods(record: RunRecord) -> str:
    config = record.config
    parts = [
        "Het algoritme is niet zelflerend. Het telt eenheden per gebied volgens vooraf "
        "vastgelegde indicatoren, toetst ruimtelijke concentraties en publiceert alleen "
        "waarden die de onthullingsregels doorstaan.",
        "Indicatoren: "
        + " ".join(f"{s.title} ({s.id}): {s.method_text()}" for s in config.indicators),
    ]
    if record.hotspot:
        hs = record.hotspot
        parts.append(
            f"Hotspots: Getis-Ord Gi* op {hs.get('indicator')} per H3-cel (resolutie "
            f"{config.resolution}), {hs.get('permutations')} permutaties (seed "
            f"{hs.get('seed')}), correctie {hs.get('correction')}, alpha {hs.get('alpha')}."
        )
    if config.composite.enabled:
        comp = config.composite
        unc = comp.uncertainty
        lo, hi = unc.percentiles
        parts.append(
            f"Samengestelde index (OECD/JRC-handboek): normalisatie {comp.normalisation}, "
            f"weging {comp.weighting}, aggregatie {comp.aggregation}; onzekerheidsanalyse met "
            f"{unc.draws} Monte-Carlotrekkingen (seed {unc.seed}) over normalisatie, aggregatie "
            f"en gewichten; per gebied wordt het {lo:g}e-{hi:g}e percentiel van de rang "
            "gepubliceerd."
        )
    rules = record.release.rules
    parts.append(
        f"Onthullingsregels: minimaal {rules.min_units} eenheden per gepubliceerde waarde, "
        f"aantallen afgerond op {rules.rounding_base}."
    )
    parts.append(
        f"Software: zicht {__version__}; configuratie {config.source or '(in code)'}"
        + (f", SHA-256 {config.source_sha256}" if config.source_sha256 else "")
        + f"; run {record.run_id}."
    )
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
    card = config.question
    organisation = reg.organisation or card.problem_owner
    name = reg.name or f"Risicokaart ondermijning {record.study_area_name or config.study_area}"
    n = len(config.indicators)
    description = (
        f"Dit algoritme maakt een kaart van {record.area_label} met {n} "
        f"indicator{'en' if n != 1 else ''} per gebied. De kaart helpt de gemeente en haar "
        "partners preventie tegen ondermijning te richten. Het wijst geen personen of "
        "adressen aan."
    )
    grouping, assessments = _impact_assessments(record)
    draft: dict[str, Any] = {
        "name": name[:100],
        "organization": organisation
        or _todo("de organisatie (vul [question] problem_owner of [register] organisation in)"),
        "description_short": description[:350],
        "category": list(reg.themes),
        "status": reg.status,
        "begin_date": reg.begin_date
        or (_todo("maand van ingebruikname (JJJJ-MM)") if reg.status == "In gebruik" else ""),
        "end_date": "",
        "contact_email": reg.contact or _todo("e-mailadres of website voor vragen"),
        "website": reg.website,
        "publication_category": reg.publication_category,
        "url": "",
        "goal": _goal(record),
        "proportionality": _proportionality(record),
        "human_intervention": _human_intervention(record),
        "risks": _risks(record),
        "lawful_basis": reg.lawful_basis
        or _todo("de wettelijke basis van het proces (bijvoorbeeld Gemeentewet, Wet Bibob)"),
        "lawful_basis_grouping": [
            {"title": link.title, "link": link.url} for link in reg.lawful_basis_links
        ],
        "process_index_url": reg.process_index_url
        or _todo("link naar het openbare verwerkingsregister"),
        "impacttoetsen_grouping": grouping,
        "impacttoetsen": assessments,
        "source_data": _source_data(record),
        "source_data_grouping": [],
        "methods_and_models": _methods(record),
        "provider": reg.provider
        or f"zicht {__version__} (open source); configuratie: {organisation or 'de organisatie'}",
        "publiccode": reg.source_code_url
        or _todo("link naar de broncode van zicht en de gebruikte configuratie"),
        "lang": "nld",
        "standard_version": STANDARD_VERSION,
        "source_id": "",
        "tags": "ondermijning, preventie, risicokaart, Zicht op Ondermijning, "
        + (record.study_area_name or config.study_area),
    }
    draft["_zicht"] = {
        "note": (
            "Concept van zicht. De organisatie vult de gemarkeerde velden in, controleert de "
            "rest, publiceert de registratie en blijft verantwoordelijk voor de inhoud."
        ),
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


def _md_value(value: Any) -> str:
    if isinstance(value, list):
        if not value:
            return "_(leeg / empty)_"
        if all(isinstance(v, Mapping) for v in value):
            return "\n".join(
                f"- {markdown_text(v.get('title', ''))}"
                + (f" — {v['link']}" if v.get("link") else "")
                for v in value
            )
        return ", ".join(str(v) for v in value)
    # Free text from the config: brackets escaped so that no title makes a live link.
    text = str(value).replace("[", "\\[").replace("]", "\\]")
    if not text:
        return "_(leeg / empty)_"
    paragraphs = []
    for para in text.split("\n\n"):
        if para.startswith(TO_BE_WRITTEN):
            paragraphs.append(f"> **⚠ {para}**")
        else:
            paragraphs.append(para.replace(TO_BE_WRITTEN, f"**⚠ {TO_BE_WRITTEN}**"))
    return "\n\n".join(paragraphs)


def register_markdown(draft: Mapping[str, Any]) -> str:
    """Write the draft as a readable Markdown page, fields in the standard's order.

    Parameters
    ----------
    draft
        Output of :func:`register_draft`.

    Returns
    -------
    str
        The page.
    """
    meta = draft.get("_zicht", {})
    todo = meta.get("to_be_written", [])
    lines = [
        f"# Algoritmeregister — concept: {markdown_text(draft.get('name', ''))}",
        "",
        f"_Publicatiestandaard {draft.get('standard_version', STANDARD_VERSION)}. "
        f"{meta.get('note', '')}_",
        "",
        f"Run `{meta.get('run_id', '')}`, {meta.get('created', '')}, "
        f"zicht {meta.get('zicht_version', '')}.",
        "",
    ]
    if meta.get("not_for_publication"):
        lines += [f"> **{meta['not_for_publication']}**", ""]
    if meta.get("synthetic_units"):
        lines += [
            "> **SYNTHETISCHE GEGEVENS / SYNTHETIC DATA** — deze run gebruikt gegenereerde "
            "eenheden; niets beschrijft een echt adres of persoon.",
            "",
        ]
    if todo:
        labels = {key: nl for key, nl, _, _ in REGISTER_FIELDS}
        lines += [
            f"> **⚠ {len(todo)} veld(en) nog in te vullen / still to be written:** "
            + ", ".join(f"{labels.get(k, k)} (`{k}`)" for k in todo),
            "",
        ]
    section = None
    for key, nl, en, sec in REGISTER_FIELDS:
        if sec != section:
            lines += [f"## {sec}", ""]
            section = sec
        optional = " _(optioneel)_" if key in _OPTIONAL else ""
        lines += [f"### {nl} / {en} (`{key}`){optional}", "", _md_value(draft.get(key, "")), ""]
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
    for role, path in sorted(paths.items()):
        p = Path(path)
        if p.is_file():
            files[role] = {"path": p.name, "bytes": p.stat().st_size, "sha256": file_sha256(p)}
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
