# The face of zicht.stats: its public names, loaded lazily by __init__.py.
from ._emerging import (
    EMERGING_CATEGORIES as EMERGING_CATEGORIES,
    emerging_categories as emerging_categories,
    emerging_hotspots as emerging_hotspots,
    EmergingResult as EmergingResult,
    mann_kendall as mann_kendall,
)
from ._hotspots import (
    CLUSTER_LABELS as CLUSTER_LABELS,
    HOTSPOT_LABELS as HOTSPOT_LABELS,
    confidence_bins as confidence_bins,
    gi_star as gi_star,
    hotspot_labels as hotspot_labels,
    HotspotResult as HotspotResult,
    local_moran as local_moran,
)
from ._inference import (
    ALTERNATIVES as ALTERNATIVES,
    CORRECTIONS as CORRECTIONS,
    adjust_pvalues as adjust_pvalues,
)
from ._smoothing import (
    RATE_METHODS as RATE_METHODS,
    rate_description as rate_description,
    smooth_rates as smooth_rates,
)
from ._weights import (
    H3_KERNELS as H3_KERNELS,
    POLYGON_METHODS as POLYGON_METHODS,
    graph_arrays as graph_arrays,
    graph_spec as graph_spec,
    h3_graph as h3_graph,
    isolated_ids as isolated_ids,
    polygon_graph as polygon_graph,
)
