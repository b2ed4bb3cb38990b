# The face of zicht.maps: its public names, loaded lazily by __init__.py.
from ._assets import (
    check_offline as check_offline,
)
from ._assets import (
    leaflet_css as leaflet_css,
)
from ._assets import (
    leaflet_js as leaflet_js,
)
from ._assets import (
    script_json as script_json,
)
from ._browser import (
    screenshot_map as screenshot_map,
)
from ._national import (
    write_gemeente_pages as write_gemeente_pages,
)
from ._options import (
    PALETTES as PALETTES,
)
from ._options import (
    MapOptions as MapOptions,
)
from ._themes import (
    SCHEMES as SCHEMES,
)
from ._write import (
    TILES as TILES,
)
from ._write import (
    build_map as build_map,
)
from ._write import (
    write_layer_pngs as write_layer_pngs,
)
from ._write import (
    write_map as write_map,
)
from ._years import (
    years_payload as years_payload,
)
