# The face of zicht.indicators: its public names, loaded lazily by __init__.py.
from ._catalogue import (
    indicator_catalogue as indicator_catalogue,
    write_catalogue as write_catalogue,
)
from ._composite import (
    COMPOSITE_COLUMNS as COMPOSITE_COLUMNS,
    Component as Component,
    CompositeResult as CompositeResult,
    CompositeSpec as CompositeSpec,
    UncertaintySpec as UncertaintySpec,
    composite_columns as composite_columns,
    composite_index as composite_index,
)
from ._compute import (
    check_units as check_units,
    compute_indicators as compute_indicators,
)
from ._filters import (
    OPERATORS as OPERATORS,
    filter_columns as filter_columns,
    describe_filter as describe_filter,
    evaluate_filter as evaluate_filter,
    parse_filter as parse_filter,
)
from ._risk_factors import (
    distance_to_nearest as distance_to_nearest,
    kernel_density as kernel_density,
)
from ._specs import (
    KINDS as KINDS,
    UNIT_LEVELS as UNIT_LEVELS,
    IndicatorSpec as IndicatorSpec,
    indicator_columns as indicator_columns,
)
