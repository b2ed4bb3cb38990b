# The face of zicht.export: its public names, loaded lazily by __init__.py.
from ._bundle import (
    disclosure_report as disclosure_report,
    file_sha256 as file_sha256,
    internal_dir_for as internal_dir_for,
    write_internal_files as write_internal_files,
    write_release as write_release,
)
from ._register import (
    REGISTER_FIELDS as REGISTER_FIELDS,
    STANDARD_VERSION as STANDARD_VERSION,
    TO_BE_WRITTEN as TO_BE_WRITTEN,
    register_draft as register_draft,
    register_markdown as register_markdown,
    RunRecord as RunRecord,
    to_be_written as to_be_written,
    write_register as write_register,
    write_run_manifest as write_run_manifest,
)
from ._report import (
    run_report as run_report,
    write_run_report as write_run_report,
)
