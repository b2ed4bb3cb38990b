# The face of zicht.stats: its public names, loaded lazily by __init__.py.
from ._cube import (
    GLOBAL_WINDOWS as GLOBAL_WINDOWS,
)
from ._cube import (
    SpaceTimeGiResult as SpaceTimeGiResult,
)
from ._cube import (
    emerging_hotspot_analysis as emerging_hotspot_analysis,
)
from ._cube import (
    space_time_gi_star as space_time_gi_star,
)
from ._emerging import (
    EMERGING_CATEGORIES as EMERGING_CATEGORIES,
)
from ._emerging import (
    EmergingResult as EmergingResult,
)
from ._emerging import (
    emerging_categories as emerging_categories,
)
from ._emerging import (
    emerging_hotspots as emerging_hotspots,
)
from ._emerging import (
    mann_kendall as mann_kendall,
)
from ._hotspots import (
    CLUSTER_LABELS as CLUSTER_LABELS,
)
from ._hotspots import (
    HOTSPOT_LABELS as HOTSPOT_LABELS,
)
from ._hotspots import (
    HotspotResult as HotspotResult,
)
from ._hotspots import (
    confidence_bins as confidence_bins,
)
from ._hotspots import (
    gi_star as gi_star,
)
from ._hotspots import (
    hotspot_labels as hotspot_labels,
)
from ._hotspots import (
    local_moran as local_moran,
)
from ._inference import (
    ALTERNATIVES as ALTERNATIVES,
)
from ._inference import (
    CORRECTIONS as CORRECTIONS,
)
from ._inference import (
    adjust_pvalues as adjust_pvalues,
)
from ._methods import (
    H3_KERNELS as H3_KERNELS,
)
from ._methods import (
    POLYGON_METHODS as POLYGON_METHODS,
)
from ._smoothing import (
    RATE_METHODS as RATE_METHODS,
)
from ._smoothing import (
    eb_global_rates as eb_global_rates,
)
from ._smoothing import (
    rate_description as rate_description,
)
from ._smoothing import (
    smooth_rates as smooth_rates,
)
from ._weights import (
    graph_arrays as graph_arrays,
)
from ._weights import (
    graph_spec as graph_spec,
)
from ._weights import (
    h3_graph as h3_graph,
)
from ._weights import (
    isolated_ids as isolated_ids,
)
from ._weights import (
    polygon_graph as polygon_graph,
)
