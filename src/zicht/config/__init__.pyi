# The face of zicht.config: its public names, loaded lazily by __init__.py.
from ._inputs import (
    BoundaryInput as BoundaryInput,
    default_geodata_dir as default_geodata_dir,
    InputsConfig as InputsConfig,
    ParkAreasInput as ParkAreasInput,
    ParksInput as ParksInput,
    UnitsInput as UnitsInput,
)
from ._run import (
    DEMO_CONFIG_PATH as DEMO_CONFIG_PATH,
    DEMO_INDICATORS as DEMO_INDICATORS,
    configuration_reference as configuration_reference,
    DemoConfig as DemoConfig,
    GuardConfig as GuardConfig,
    Link as Link,
    load_config as load_config,
    MapConfig as MapConfig,
    QuestionCard as QuestionCard,
    RegisterConfig as RegisterConfig,
    ReviewStatus as ReviewStatus,
    RunConfig as RunConfig,
    StatsConfig as StatsConfig,
)
