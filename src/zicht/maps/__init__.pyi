# The face of zicht.maps: its public names, loaded lazily by __init__.py.
from ._assets import (
    check_offline as check_offline,
    leaflet_css as leaflet_css,
    leaflet_js as leaflet_js,
    script_json as script_json,
)
from ._browser import (
    screenshot_map as screenshot_map,
)
from ._themes import (
    PALETTES as PALETTES,
    SCHEMES as SCHEMES,
    MapOptions as MapOptions,
)
from ._write import (
    TILES as TILES,
    build_map as build_map,
    write_layer_pngs as write_layer_pngs,
    write_map as write_map,
)
