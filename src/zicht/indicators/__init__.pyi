# The face of zicht.indicators: its public names, loaded lazily by __init__.py.
from ._catalogue import (
    indicator_catalogue as indicator_catalogue,
)
from ._catalogue import (
    write_catalogue as write_catalogue,
)
from ._composite import (
    COMPOSITE_COLUMNS as COMPOSITE_COLUMNS,
)
from ._composite import (
    Component as Component,
)
from ._composite import (
    CompositeResult as CompositeResult,
)
from ._composite import (
    CompositeSpec as CompositeSpec,
)
from ._composite import (
    UncertaintySpec as UncertaintySpec,
)
from ._composite import (
    composite_columns as composite_columns,
)
from ._composite import (
    composite_index as composite_index,
)
from ._compute import (
    check_units as check_units,
)
from ._compute import (
    compute_indicators as compute_indicators,
)
from ._compute import (
    indicators_from_counts as indicators_from_counts,
)
from ._filters import (
    OPERATORS as OPERATORS,
)
from ._filters import (
    describe_filter as describe_filter,
)
from ._filters import (
    evaluate_filter as evaluate_filter,
)
from ._filters import (
    filter_columns as filter_columns,
)
from ._filters import (
    parse_filter as parse_filter,
)
from ._risk_factors import (
    distance_to_nearest as distance_to_nearest,
)
from ._risk_factors import (
    kernel_density as kernel_density,
)
from ._specs import (
    KINDS as KINDS,
)
from ._specs import (
    UNIT_LEVELS as UNIT_LEVELS,
)
from ._specs import (
    IndicatorSpec as IndicatorSpec,
)
from ._specs import (
    indicator_columns as indicator_columns,
)
