# The face of zicht.synthetic: its public names, loaded lazily by __init__.py.
from ._addresses import (
    SYNTHETIC_NOTE as SYNTHETIC_NOTE,
    sample_points_in_polygon as sample_points_in_polygon,
    synthesize_addresses as synthesize_addresses,
    synthesize_risk_signals as synthesize_risk_signals,
)
from . import national as national
