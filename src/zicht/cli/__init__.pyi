# The face of zicht.cli: its public names, loaded lazily by __init__.py.
from ._app import (
    app as app,
)
