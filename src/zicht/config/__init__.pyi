# The face of zicht.config: its public names, loaded lazily by __init__.py.
from ._areatable import (
    AreaRate as AreaRate,
)
from ._areatable import (
    AreaTableConfig as AreaTableConfig,
)
from ._areatable import (
    AreaTableInputs as AreaTableInputs,
)
from ._areatable import (
    HotspotConfig as HotspotConfig,
)
from ._areatable import (
    check_area_inputs as check_area_inputs,
)
from ._areatable import (
    load_area_config as load_area_config,
)
from ._extent import (
    PROVINCES as PROVINCES,
)
from ._extent import (
    Extent as Extent,
)
from ._extent import (
    resolve_extent as resolve_extent,
)
from ._inputs import (
    BoundaryInput as BoundaryInput,
)
from ._inputs import (
    InputsConfig as InputsConfig,
)
from ._inputs import (
    ParkAreasInput as ParkAreasInput,
)
from ._inputs import (
    ParksInput as ParksInput,
)
from ._inputs import (
    UnitsInput as UnitsInput,
)
from ._preflight import (
    Preflight as Preflight,
)
from ._preflight import (
    preflight as preflight,
)
from ._reference import (
    configuration_reference as configuration_reference,
)
from ._run import (
    DEMO_CONFIG_PATH as DEMO_CONFIG_PATH,
)
from ._run import (
    DEMO_INDICATORS as DEMO_INDICATORS,
)
from ._run import (
    RunConfig as RunConfig,
)
from ._run import (
    load_config as load_config,
)
from ._starter import (
    StarterConfig as StarterConfig,
)
from ._starter import (
    starter_config as starter_config,
)
from ._study import (
    StudyInputs as StudyInputs,
)
from ._study import (
    dissolve_from_buurten as dissolve_from_buurten,
)
from ._study import (
    input_paths as input_paths,
)
from ._study import (
    path_problems as path_problems,
)
from ._study import (
    read_inputs as read_inputs,
)
from ._tables import (
    GuardConfig as GuardConfig,
)
from ._tables import (
    Link as Link,
)
from ._tables import (
    MapConfig as MapConfig,
)
from ._tables import (
    QuestionCard as QuestionCard,
)
from ._tables import (
    RegisterConfig as RegisterConfig,
)
from ._tables import (
    ReviewStatus as ReviewStatus,
)
from ._tables import (
    StatsConfig as StatsConfig,
)
from ._toml import (
    is_area_config as is_area_config,
)
from ._units import (
    check_join as check_join,
)
from ._units import (
    coerce_flags as coerce_flags,
)
from ._units import (
    point_table_route as point_table_route,
)
from ._units import (
    read_unit_table as read_unit_table,
)
from ._years import (
    BoundaryVintage as BoundaryVintage,
)
from ._years import (
    CodeChanges as CodeChanges,
)
from ._years import (
    YearsConfig as YearsConfig,
)
from ._years import (
    YearTable as YearTable,
)
from ._years import (
    is_years_config as is_years_config,
)
from ._years import (
    load_years_config as load_years_config,
)
from ._years import (
    read_code_changes as read_code_changes,
)
