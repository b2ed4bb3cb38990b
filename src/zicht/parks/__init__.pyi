# The face of zicht.parks: its public names, loaded lazily by __init__.py.
from ._compare import (
    TOP10NL_PARK_TYPES as TOP10NL_PARK_TYPES,
)
from ._compare import (
    BoundaryComparison as BoundaryComparison,
)
from ._compare import (
    compare_boundaries as compare_boundaries,
)
from ._compare import (
    read_registered_boundaries as read_registered_boundaries,
)
from ._derive import (
    DeriveResult as DeriveResult,
)
from ._derive import (
    derive_parks as derive_parks,
)
from ._derive import (
    to_multipolygon as to_multipolygon,
)
from ._diff import (
    CHANGES as CHANGES,
)
from ._diff import (
    ParkDiff as ParkDiff,
)
from ._diff import (
    diff_parks as diff_parks,
)
from ._editor import (
    EditContext as EditContext,
)
from ._editor import (
    TraceLayer as TraceLayer,
)
from ._editor import (
    render_edit_map as render_edit_map,
)
from ._html import (
    GEOMAN_VERSION as GEOMAN_VERSION,
)
from ._html import (
    render_compare_map as render_compare_map,
)
from ._html import (
    render_diff_map as render_diff_map,
)
from ._indicators import (
    PARK_INDICATORS as PARK_INDICATORS,
)
from ._indicators import (
    assign_points_to_parks as assign_points_to_parks,
)
from ._indicators import (
    park_indicator_table as park_indicator_table,
)
from ._indicators import (
    park_layer_inputs as park_layer_inputs,
)
from ._indicators import (
    publish_park_indicators as publish_park_indicators,
)
from ._objects import (
    objects_from_bgt_buildings as objects_from_bgt_buildings,
)
from ._rule import (
    OUTLINES as OUTLINES,
)
from ._rule import (
    DeriveRule as DeriveRule,
)
from ._rule import (
    load_rule as load_rule,
)
from ._sources import (
    VELUWE as VELUWE,
)
from ._sources import (
    OtterloData as OtterloData,
)
from ._sources import (
    ParkStudy as ParkStudy,
)
from ._sources import (
    edit_context as edit_context,
)
from ._sources import (
    netherlands_polygon as netherlands_polygon,
)
from ._sources import (
    read_gemeenten as read_gemeenten,
)
from ._sources import (
    read_otterlo as read_otterlo,
)
from ._sources import (
    read_park_points as read_park_points,
)
from ._sources import (
    synthetic_park_study as synthetic_park_study,
)
from ._store import (
    LAYER_BOUNDARIES as LAYER_BOUNDARIES,
)
from ._store import (
    LAYER_VERSIONS as LAYER_VERSIONS,
)
from ._store import (
    STORE_COLUMNS as STORE_COLUMNS,
)
from ._store import (
    VersionInfo as VersionInfo,
)
from ._store import (
    boundaries_sha256 as boundaries_sha256,
)
from ._store import (
    list_park_versions as list_park_versions,
)
from ._store import (
    load_park_version as load_park_version,
)
from ._store import (
    read_boundary_file as read_boundary_file,
)
from ._store import (
    save_park_version as save_park_version,
)
from ._synthetic import (
    PLANTED_TYPES as PLANTED_TYPES,
)
from ._synthetic import (
    RecoveryReport as RecoveryReport,
)
from ._synthetic import (
    evaluate_recovery as evaluate_recovery,
)
from ._synthetic import (
    mix_in_scattered_recreation as mix_in_scattered_recreation,
)
from ._synthetic import (
    synthesize_park_sites as synthesize_park_sites,
)
from ._synthetic import (
    synthesize_registered_residents as synthesize_registered_residents,
)
from ._typology import (
    PARK_TYPES as PARK_TYPES,
)
from ._typology import (
    RECREATION_TYPES as RECREATION_TYPES,
)
from ._typology import (
    TOP10NL_SOURCES as TOP10NL_SOURCES,
)
from ._typology import (
    TypeCounts as TypeCounts,
)
from ._typology import (
    Typology as Typology,
)
from ._typology import (
    count_types as count_types,
)
from ._typology import (
    stacaravan_like as stacaravan_like,
)
from ._validate import (
    BOUNDARY_SOURCES as BOUNDARY_SOURCES,
)
from ._validate import (
    REQUIRED_COLUMNS as REQUIRED_COLUMNS,
)
from ._validate import (
    check_boundaries as check_boundaries,
)
from ._validate import (
    validate_boundaries as validate_boundaries,
)
