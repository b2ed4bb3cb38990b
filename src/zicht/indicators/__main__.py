"""``python -m zicht.indicators [PATH]``: rewrite the catalogue page from the demo config."""

from __future__ import annotations

from zicht.indicators.catalogue import main

raise SystemExit(main())
