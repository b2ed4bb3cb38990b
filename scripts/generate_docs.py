"""Write the generated pages of ``docs/`` from the code, or check that they are current.

    python scripts/generate_docs.py           # rewrite them (``make docs``)
    python scripts/generate_docs.py --check   # exit 1 and name every page that is out of date

The pages: ``docs/configuration.md`` (every configuration key with its default, from the
dataclasses), ``docs/indicators.md`` (the demo's indicator catalogue) and ``docs/api.md``
(the public API, from the docstrings of the names that the faces export).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from _api_page import api_page  # noqa: E402 - the page's own module, beside this script


def configuration_page() -> str:
    """``docs/configuration.md``."""
    from zicht.config import configuration_reference

    return configuration_reference()


def indicators_page() -> str:
    """``docs/indicators.md``: the catalogue of the demo's indicators."""
    from zicht.config import DEMO_CONFIG_PATH, load_config
    from zicht.indicators import indicator_catalogue

    config = load_config(DEMO_CONFIG_PATH)
    # The docs are English; a run writes its catalogue in [map] language (Dutch by default).
    return indicator_catalogue(
        config.indicators, config.composite, source="geodata/demo.toml", language="en"
    )


PAGES: dict[str, Callable[[], str]] = {
    "docs/configuration.md": configuration_page,
    "docs/indicators.md": indicators_page,
    "docs/api.md": api_page,
}


def main(argv: list[str] | None = None) -> int:
    """Rewrite the pages, or with ``--check`` report those that differ."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale pages")
    args = parser.parse_args(argv)
    stale = []
    for rel, make in PAGES.items():
        path = ROOT / rel
        page = make()
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != page:
                stale.append(rel)
        else:
            path.write_text(page, encoding="utf-8")
            print(path)
    if stale:
        print("out of date (run `make docs`): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
