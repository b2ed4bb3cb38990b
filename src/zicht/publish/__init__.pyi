# The face of zicht.publish: its public names, loaded lazily by __init__.py.
from ._amounts import (
    MAGNITUDE_KINDS as MAGNITUDE_KINDS,
)
from ._amounts import (
    Magnitude as Magnitude,
)
from ._cellkey import (
    perturbation_table as perturbation_table,
)
from ._cellkey import (
    record_keys as record_keys,
)
from ._cellkey import (
    unit_record_keys as unit_record_keys,
)
from ._magnitudes import (
    magnitude_sensitivity as magnitude_sensitivity,
)
from ._magnitudes import (
    publish_magnitudes as publish_magnitudes,
)
from ._model import (
    NOT_PUBLISHED_BAND as NOT_PUBLISHED_BAND,
)
from ._model import (
    STATUS_MERGED as STATUS_MERGED,
)
from ._model import (
    STATUS_PUBLISHED as STATUS_PUBLISHED,
)
from ._model import (
    STATUS_SUPPRESSED as STATUS_SUPPRESSED,
)
from ._model import (
    LayerInput as LayerInput,
)
from ._model import (
    Release as Release,
)
from ._model import (
    UnitTable as UnitTable,
)
from ._model import (
    round_to_base as round_to_base,
)
from ._model import (
    units_band as units_band,
)
from ._presence import (
    PRESENCE_LEVELS as PRESENCE_LEVELS,
)
from ._presence import (
    with_empty_cells as with_empty_cells,
)
from ._presence import (
    with_presence_grid as with_presence_grid,
)
from ._region_shapes import (
    cover_areas_with_cells as cover_areas_with_cells,
)
from ._region_shapes import (
    region_geometries as region_geometries,
)
from ._regions import (
    REGION_METHODS as REGION_METHODS,
)
from ._regions import (
    RegionOptions as RegionOptions,
)
from ._regions import (
    RegionPlan as RegionPlan,
)
from ._regions import (
    build_regions as build_regions,
)
from ._release import (
    publish_derived as publish_derived,
)
from ._release import (
    publish_release as publish_release,
)
from ._rules import (
    DisclosureRules as DisclosureRules,
)
from ._trends import (
    TREND_COLUMNS as TREND_COLUMNS,
)
from ._trends import (
    AreaMapping as AreaMapping,
)
from ._trends import (
    onto_latest as onto_latest,
)
from ._trends import (
    trend_table as trend_table,
)
