# The face of zicht.publish: its public names, loaded lazily by __init__.py.
from ._regions import (
    REGION_METHODS as REGION_METHODS,
    build_regions as build_regions,
    cover_areas_with_cells as cover_areas_with_cells,
    region_geometries as region_geometries,
    RegionOptions as RegionOptions,
    RegionPlan as RegionPlan,
)
from ._release import (
    STATUS_MERGED as STATUS_MERGED,
    STATUS_PUBLISHED as STATUS_PUBLISHED,
    STATUS_SUPPRESSED as STATUS_SUPPRESSED,
    DisclosureRules as DisclosureRules,
    IndicatorMeta as IndicatorMeta,
    LayerInput as LayerInput,
    publish_release as publish_release,
    Release as Release,
    round_to_base as round_to_base,
    units_band as units_band,
    UnitTable as UnitTable,
)
