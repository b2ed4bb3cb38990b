"""``python -m zicht.cli …``: the same as the ``zicht`` command."""

from zicht.cli._app import app

app(prog_name="zicht")
