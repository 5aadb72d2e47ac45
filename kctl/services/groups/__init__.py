"""Consumer group administration: list and describe (offset lag and time lag), lag watch,
delete, reset and delete offsets.

Multi-item operations return rows (ok, or why not); the caller renders them and then raises
failure(result) if any failed.
"""

from kctl.models.choices import GROUP_STATES as STATES
from kctl.models.choices import GROUP_TYPES as TYPES
from kctl.services.groups.common import STATE_ALIASES as _STATE_ALIASES
from kctl.services.groups.common import describe_failure, failure
from kctl.services.groups.delete import delete_offsets
from kctl.services.groups.describe import delete_groups, describe_groups, list_failure, list_groups, read_lag
from kctl.services.groups.reset import ResetStrategy, new_offset, parse_strategy, reset_offsets, undo
from kctl.services.groups.snapshots import history as snapshot_history

__all__ = [
    "STATES", "TYPES", "_STATE_ALIASES", "describe_failure", "failure", "delete_groups", "describe_groups",
    "list_groups", "list_failure", "read_lag", "ResetStrategy", "delete_offsets", "new_offset", "parse_strategy", "reset_offsets",
    "undo", "snapshot_history",
]
