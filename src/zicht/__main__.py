"""``python -m zicht …``: the same as the ``zicht`` command."""

from zicht.cli import app

app(prog_name="zicht")
