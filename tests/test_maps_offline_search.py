"""The offline check's faster searches find what its regular expressions found.

`find_network_references` runs on every page written (some 400 per national run): its
script blocks are found with two searches each and its URLs only where ``//`` is, instead of
a lazy match and a pattern tried at every character of megabytes of data.
"""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from zicht.maps import _assets
from zicht.maps._assets import find_network_references, script_json

_LAZY_BLOCK = re.compile(r"(<script\b[^>]*>)(.*?)(</script\s*>)", re.IGNORECASE | re.DOTALL)

URLS = [
    "x \"//cdn.example/b\" (//c.example) https://e.example/g//h HTTP://X.Y '//z' ///k",
    'http:// "// " https:/ a//b ( // (//',
    "var a = 1; // a comment, http://no.example/x\n//second\nfetch('//evil.example/')",
    "",
]


@pytest.mark.parametrize("text", URLS)
def test_urls_are_those_of_the_pattern(text):
    assert _assets._absolute_urls(text) == _assets._ABSOLUTE_URL.findall(text)


def test_urls_in_the_shipped_scripts_are_those_of_the_pattern():
    folder = files("zicht").joinpath("assets", "maps")
    for asset in folder.iterdir():
        if asset.name.endswith(".js"):
            text = asset.read_text(encoding="utf-8")
            assert _assets._absolute_urls(text) == _assets._ABSOLUTE_URL.findall(text), asset.name


def test_script_blocks_are_those_of_the_lazy_pattern():
    page = (
        "<html><SCRIPT>a</script ><p>x</p><script src='//cdn.example/x.js'></script>"
        "<script>b\n</script\n>c<script>never closed"
    )
    lazy = [(m.start(), m.end(), m[1], m[2]) for m in _LAZY_BLOCK.finditer(page)]
    assert list(_assets._script_blocks(page)) == lazy
    assert find_network_references(page) == ["resource tag: //cdn.example/x.js"]


def test_script_json_escapes_as_before():
    value = {"h": "<b>a/b & c</b>\u2028\u2029", "x": [1, "</script>"]}
    assert script_json(value) == (
        '{"h":"\\u003cb\\u003ea\\/b \\u0026 c\\u003c\\/b\\u003e\\u2028\\u2029",'
        '"x":[1,"\\u003c\\/script\\u003e"]}'
    )
