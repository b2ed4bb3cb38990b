"""The indicator catalogue: a Markdown page generated from the specs.

``docs/indicators.md`` is written by :func:`indicator_catalogue` from the shipped demo
configuration (``make docs`` rewrites it), and a test checks
that the committed page is up to date. Every run also writes the catalogue of its own
indicators next to the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from zicht._escape import markdown_html_off, markdown_text
from zicht._strings import DEFAULT_LANGUAGE, text
from zicht.indicators._composite import CompositeSpec
from zicht.indicators._specs import IndicatorSpec

__all__ = ["indicator_catalogue", "write_catalogue"]


def _cell(value: str) -> str:
    return markdown_text(value).strip()


class _Say:
    """The catalogue's words (``indicators.toml``) in one language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, key: str, **fields: object) -> str:
        return text("indicators", key, self.language, **fields)

    def kind(self, spec: IndicatorSpec) -> str:
        return self(f"kind_{spec.kind}")

    def level(self, spec: IndicatorSpec) -> str:
        known = ("address", "parcel", "person", "company")
        return self(f"level_{spec.unit_level}") if spec.unit_level in known else spec.unit_level


def _spec_section(spec: IndicatorSpec, say: _Say) -> list[str]:
    lines = [f"## {markdown_text(spec.title)} (`{spec.id}`)", ""]
    if spec.description:
        lines += [spec.description.strip(), ""]
    lines.append(say("kind_line", kind=say.kind(spec), level=say.level(spec)))
    lines.append(say("computed", method=spec.method_text(say.language)))
    lines.append(say("numerator", filter=spec.numerator_text()))
    lines.append(say("denominator", filter=spec.denominator_text(say.language)))
    if spec.counted and spec.kind != "count":
        none = spec.smoothing == "none"
        lines.append(
            say("smoothing", smoothing=say("smoothing_none") if none else f"`{spec.smoothing}`")
        )
    lines.append(say("columns", columns=", ".join(f"`{m.column}`" for m in spec.metas())))
    lines.append(say("purpose", purpose=spec.purpose.strip() or say("not_stated")))
    if spec.follow_up:
        lines.append(say("follow_up"))
        lines += [f"  - {step.strip()}" for step in spec.follow_up]
    else:
        lines.append(say("follow_up_none"))
    lines.append("")
    return lines


def _composite_section(composite: CompositeSpec, say: _Say) -> list[str]:
    unc = composite.uncertainty
    width = (
        f"{unc.unstable_width:.0%}" if say.language == "en" else f"{unc.unstable_width * 100:.0f} %"
    )
    lines = [say("composite_heading", title=markdown_text(composite.title)), ""]
    lines.append(say("composite", **composite.method_fields(say.language), width=width))
    lines += ["", say("composite_table"), "|---|---|---|"]
    for comp, weight in zip(composite.components, composite.nominal_weights(), strict=True):
        direction = say("lower_riskier" if comp.invert else "higher_riskier")
        shown = f"{weight:.3f}" if say.language == "en" else f"{weight:.3f}".replace(".", ",")
        lines.append(f"| `{comp.indicator}` | {shown} | {direction} |")
    lines.append("")
    return lines


def indicator_catalogue(
    specs: Sequence[IndicatorSpec],
    composite: CompositeSpec | None = None,
    *,
    source: str = "",
    title: str = "",
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """Write the catalogue of ``specs`` as Markdown.

    Parameters
    ----------
    specs
        The declared indicators.
    composite
        The composite index, if any.
    source
        Where the specs come from (named in the header).
    title
        Page title (``""``: the catalogue's own, "Indicatorencatalogus").
    language
        ``"nl"`` (default) or ``"en"``: every word zicht adds comes from the string
        catalogue (``indicators.toml``); titles and texts from the configuration pass as
        written.

    Returns
    -------
    str
        The page, ending with a newline.

    Examples
    --------
    >>> page = indicator_catalogue([IndicatorSpec("vacant", "Vacancy", "vacant")])
    >>> "rate_vacant_pct" in page
    True
    """
    say = _Say(language)
    lines = [f"# {title or say('title')}", "", say("generated"), ""]
    if source:
        lines += [say("generated_from", source=source), ""]
    lines += [say("intro"), "", say("table"), "|---|---|---|---|---|"]
    for spec in specs:
        columns = ", ".join(f"`{m.column}`" for m in spec.metas())
        lines.append(
            f"| `{spec.id}` | {_cell(spec.title)} | {say.kind(spec)} | {say.level(spec)} "
            f"| {columns} |"
        )
    lines.append("")
    for spec in specs:
        lines += _spec_section(spec, say)
    if composite is not None and composite.enabled:
        lines += _composite_section(composite, say)
    return "\n".join(lines).rstrip() + "\n"


def write_catalogue(
    path: str | Path,
    specs: Sequence[IndicatorSpec],
    composite: CompositeSpec | None = None,
    *,
    source: str = "",
    language: str = DEFAULT_LANGUAGE,
) -> Path:
    """Write :func:`indicator_catalogue` to ``path`` (in ``language``) and return the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    page = indicator_catalogue(specs, composite, source=source, language=language)
    out.write_text(markdown_html_off(page), encoding="utf-8")
    return out
