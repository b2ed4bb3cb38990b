# The face of zicht.export: its public names, loaded lazily by __init__.py.
from ._bundle import (
    disclosure_report as disclosure_report,
)
from ._bundle import (
    file_sha256 as file_sha256,
)
from ._bundle import (
    write_internal_files as write_internal_files,
)
from ._bundle import (
    write_release as write_release,
)
from ._folder import (
    ReleaseStage as ReleaseStage,
)
from ._folder import (
    ensure_unlocked as ensure_unlocked,
)
from ._folder import (
    internal_dir_for as internal_dir_for,
)
from ._folder import (
    kill_point as kill_point,
)
from ._folder import (
    lock_path_for as lock_path_for,
)
from ._folder import (
    staged_release as staged_release,
)
from ._register import (
    REGISTER_FIELDS as REGISTER_FIELDS,
)
from ._register import (
    STANDARD_VERSION as STANDARD_VERSION,
)
from ._register import (
    TO_BE_WRITTEN as TO_BE_WRITTEN,
)
from ._register import (
    RunRecord as RunRecord,
)
from ._register import (
    register_draft as register_draft,
)
from ._register import (
    register_markdown as register_markdown,
)
from ._register import (
    to_be_written as to_be_written,
)
from ._register import (
    write_register as write_register,
)
from ._register import (
    write_run_manifest as write_run_manifest,
)
from ._report import (
    run_report as run_report,
)
from ._report import (
    write_run_report as write_run_report,
)
from ._summary import (
    LayerCounts as LayerCounts,
)
from ._summary import (
    RunSummary as RunSummary,
)
