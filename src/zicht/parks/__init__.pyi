# The face of zicht.parks: its public names, loaded lazily by __init__.py.
from ._derive import (
    OUTLINES as OUTLINES,
    derive_parks as derive_parks,
    DeriveResult as DeriveResult,
    DeriveRule as DeriveRule,
    load_rule as load_rule,
    objects_from_bgt_buildings as objects_from_bgt_buildings,
    to_multipolygon as to_multipolygon,
)
from ._diff import (
    CHANGES as CHANGES,
    diff_parks as diff_parks,
    ParkDiff as ParkDiff,
)
from ._html import (
    render_diff_map as render_diff_map,
    render_edit_map as render_edit_map,
)
from ._indicators import (
    PARK_INDICATORS as PARK_INDICATORS,
    assign_points_to_parks as assign_points_to_parks,
    park_indicator_table as park_indicator_table,
    park_layer_inputs as park_layer_inputs,
    publish_park_indicators as publish_park_indicators,
)
from ._sources import (
    VELUWE as VELUWE,
    netherlands_polygon as netherlands_polygon,
    OtterloData as OtterloData,
    ParkStudy as ParkStudy,
    read_gemeenten as read_gemeenten,
    read_otterlo as read_otterlo,
    read_park_points as read_park_points,
    synthetic_park_study as synthetic_park_study,
)
from ._store import (
    LAYER_BOUNDARIES as LAYER_BOUNDARIES,
    LAYER_VERSIONS as LAYER_VERSIONS,
    STORE_COLUMNS as STORE_COLUMNS,
    boundaries_sha256 as boundaries_sha256,
    list_park_versions as list_park_versions,
    load_park_version as load_park_version,
    read_boundary_file as read_boundary_file,
    save_park_version as save_park_version,
    VersionInfo as VersionInfo,
)
from ._synthetic import (
    evaluate_recovery as evaluate_recovery,
    mix_in_scattered_recreation as mix_in_scattered_recreation,
    RecoveryReport as RecoveryReport,
    synthesize_park_sites as synthesize_park_sites,
    synthesize_registered_residents as synthesize_registered_residents,
)
from ._validate import (
    BOUNDARY_SOURCES as BOUNDARY_SOURCES,
    REQUIRED_COLUMNS as REQUIRED_COLUMNS,
    check_boundaries as check_boundaries,
    validate_boundaries as validate_boundaries,
)
