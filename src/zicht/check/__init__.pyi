# The face of zicht.check: its public names, loaded lazily by __init__.py.
from ._checker import (
    check_release as check_release,
)
from ._report import (
    CheckReport as CheckReport,
)
from ._report import (
    Violation as Violation,
)
