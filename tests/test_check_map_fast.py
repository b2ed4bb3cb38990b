"""The map-page check's faster steps against the code they replaced (issue 19).

``zicht check`` reads every page of a national release (~400 gemeente pages). Its walk of
each page's data, its check of the embedded texts as markup (kept per text for all pages)
and its words check (kept per text) must report what the step-by-step code reported.
"""

from __future__ import annotations

import random
from typing import Any

from zicht.check import _map
from zicht.check._report import CheckReport


def _strings_before(value: Any, path: str = ""):
    """The nested generator the checker used before :func:`_map._flat`."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "geometry":
                yield from _strings_before(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings_before(v, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value


def _random_data(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.choice(["dict", "list", "str", "num", "none"] if depth < 4 else ["str", "num"])
    if kind == "dict":
        keys = ["a", "b", "geometry", "labels", "t", "h", "0"]
        return {k: _random_data(rng, depth + 1) for k in rng.sample(keys, rng.randint(0, 4))}
    if kind == "list":
        return [_random_data(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    if kind == "str":
        return rng.choice(["", "x", "<b>y</b>", "12,3 %", "#ff0000"])
    return None if kind == "none" else rng.random()


def test_flat_walks_like_the_generator():
    rng = random.Random(19)
    for _ in range(500):
        data = _random_data(rng)
        assert _map._flat(data, "data_json") == list(_strings_before(data, "data_json"))
        assert list(_map._strings(data)) == list(_strings_before(data))


_PIECES = [
    "<b>", "</b>", "<br>", "<br/>", "<br />", "</br>", "<B>", "<b/>", "<b >", "<span>",
    "</span>", "<strong>", "<em>", "<i>", "<small>", "<sub>", "<sup>", "<img src=x>",
    "<b onclick=\"x\">", "<table>", "<script>alert(1)</script>", "<a href='#x'>", "<",
    "<!-- c -->", "&amp;", "&lt;img&gt;", "&", "Buurt 12", " ", "<br<b>",
    "<meta http-equiv=refresh>",
    "<span style='x'>", "<iframe>", "</div>", "<style>p{}</style>", "<bdi>", "<brx>",
]  # fmt: skip


def _findings_before(text: str) -> list[str]:
    """What the checker reported for an embedded text, parsed every time."""
    report = CheckReport(release="")
    _map._markup(_map._parse(text), "here", report, fragment=True)
    return [v.detail for v in report.violations]


def test_fragment_findings_match_the_parse_of_every_text():
    rng = random.Random(1919)
    texts = list(_PIECES) + [
        "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 6))) for _ in range(3000)
    ]
    skipped = 0
    for text in texts:
        assert list(_map._fragment_findings(text)) == _findings_before(text), text
        skipped += "<" not in _map._BARE.sub("", text)
    assert skipped > 100  # the bare-tag texts were met, and not parsed


def _fragments_before(objects, report, names) -> None:
    for where, value in objects:
        for path, text in _strings_before(value, where):
            if _map._LABEL.fullmatch(path):
                if text in names:
                    continue
                report.add(_map.CHECK, path, f"the label {text[:60]!r} names no published area")
            if "<" in text or "&" in text:
                _map._markup(_map._parse(text), path, report, fragment=True)


def _texts_before(objects, markup, vocabulary):
    seen: set[str] = set()
    for where, value in objects:
        if where == "tiles_json":
            continue
        for path, text in _strings_before(value, where):
            if _map._COLOUR.fullmatch(text.strip()) or _map._CLASSES.fullmatch(text.strip()):
                continue
            shown = _map.html.unescape(_map.re.sub(r"<[^>]*>", " ", text))
            for word in _map._words(shown) - vocabulary - seen:
                seen.add(word)
                yield path, word
    for text in markup:
        for word in _map._words(text) - vocabulary - seen:
            seen.add(word)
            yield "markup", word


def test_pages_report_what_they_reported_with_the_texts_kept_across_pages():
    """Several pages share the caches, as in ``check_maps``: the same findings, in order."""
    rng = random.Random(7)
    words = ["Buurt", "Wijk", "geheim", "SECRET", "adressen", "zicht-context", "#ffffff"]
    vocabulary = {"buurt", "wijk", "adressen"}
    names = frozenset({"Buurt", "Wijk Oost"})
    found: dict[str, tuple[str, ...]] = {}
    unknown: dict[str, set[str]] = {}
    for _ in range(60):
        texts = [
            " ".join(rng.choice(words + _PIECES) for _ in range(rng.randint(1, 4)))
            for _ in range(rng.randint(1, 12))
        ]
        data = {
            "a:buurt": {"features": [{"properties": {"h": t}} for t in texts[::2]]},
            "zichtContext[0]": {"labels": [[1.0, 2.0, rng.choice([*names, "Elders", "<b>"])]]},
        }
        objects = [("data_json", data), ("tiles_json", {"name": rng.choice(words)})]
        markup = [rng.choice(words) for _ in range(3)]
        before, now = CheckReport(release=""), CheckReport(release="")
        _fragments_before(objects, before, names)
        flat = [(k, _map._flat(v, k)) for k, v in objects]
        _map._fragments(flat, now, names, found)
        assert now.violations == before.violations
        got = list(_map._texts(flat, markup, vocabulary, unknown))
        assert got == list(_texts_before(objects, markup, vocabulary))
