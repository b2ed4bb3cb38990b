# The face of zicht.check: its public names, loaded lazily by __init__.py.
from ._checker import (
    check_release as check_release,
)
from ._history import (
    HistoryEntry as HistoryEntry,
)
from ._history import (
    ReleaseHistory as ReleaseHistory,
)
from ._history import (
    ReleaseRefusedError as ReleaseRefusedError,
)
from ._report import (
    CheckReport as CheckReport,
)
from ._report import (
    Violation as Violation,
)
