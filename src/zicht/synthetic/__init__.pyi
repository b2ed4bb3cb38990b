# The face of zicht.synthetic: its public names, loaded lazily by __init__.py.
from . import national as national
from ._addresses import (
    SYNTHETIC_NOTE as SYNTHETIC_NOTE,
)
from ._addresses import (
    sample_points_in_polygon as sample_points_in_polygon,
)
from ._addresses import (
    synthesize_addresses as synthesize_addresses,
)
from ._addresses import (
    synthesize_risk_signals as synthesize_risk_signals,
)
