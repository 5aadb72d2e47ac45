"""What the groups services share: reading groups, the failure rows and the error a command ends with."""

from __future__ import annotations

import time

from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import KctlError, NotFoundError, failure_of
from kctl.models import GroupDescribeResult, ItemResult, OffsetResetResult, OperationResult
from kctl.models.admin import GroupDescription

# States in which no consumer holds partitions: the only ones where offsets may be reset.
INACTIVE = ("Empty", "Dead")
# librdkafka says PREPARING_REBALANCING where Kafka's tools say PreparingRebalance.
STATE_ALIASES = {"preparingrebalancing": "preparingrebalance", "completingrebalancing": "completingrebalance"}


def read_groups(admin: AdminClient, group_ids: list[str], deadline: Deadline):
    """Descriptions and committed offsets of the groups: ({group: Outcome}, {group: Outcome})."""
    return admin.describe_groups(group_ids, deadline), admin.committed_offsets(group_ids, deadline)


def absent(desc: GroupDescription, offsets: dict | None) -> bool:
    return desc.absent and not offsets


def group_or_raise(desc, offsets) -> tuple[GroupDescription, dict]:
    if desc.error or offsets.error:
        raise desc.error or offsets.error
    return desc.value, offsets.value or {}


def failure(result: OperationResult | OffsetResetResult) -> KctlError | None:
    """The error a groups command ends with, after its rows were rendered (None: all ok)."""
    if isinstance(result, OffsetResetResult):
        failed = result.failed
        if failed and not result.executed and all(p.exit_code == NotFoundError.exit_code for p in failed):
            # Nothing was applied because some targets do not exist: that is "not found", not a partial success.
            return NotFoundError(f"groups reset-offsets {result.group_id}: no target for "
                                 f"{', '.join(p.name for p in failed[:10])}{' ...' if len(failed) > 10 else ''}",
                                 hint="nothing was changed: --skip-missing leaves those partitions out")
        hint = None
        if failed and not result.executed:
            hint = "nothing was changed: fix the failed partitions (or leave them out) and run again"
        return failure_of(result.partitions, f"groups reset-offsets {result.group_id}", hint=hint)
    failed = result.failed
    hint = None
    codes = {_code(i) for i in failed}
    if "NON_EMPTY_GROUP" in codes or "GROUP_SUBSCRIBED_TO_TOPIC" in codes:
        hint = "stop the group's consumers first: `kctl groups describe GROUP` lists them"
    elif any(i.exit_code == NotFoundError.exit_code for i in failed):
        hint = "`kctl groups list` shows the groups"
    return failure_of(result.items, f"groups {result.operation}", hint=hint)


def describe_failure(result: GroupDescribeResult, command: str = "groups describe") -> KctlError | None:
    rows = [ItemResult(g.group_id, True) for g in result.groups] + list(result.missing)
    return failure_of(rows, command, hint="`kctl groups list` shows the groups")


_FRIENDLY = {
    "GROUP_ID_NOT_FOUND": "the group does not exist",
    "NON_EMPTY_GROUP": "the group has active members",
    "GROUP_SUBSCRIBED_TO_TOPIC": "the group's active members are subscribed to this topic",
}
_CODE_BY_MESSAGE = {v: k for k, v in _FRIENDLY.items()}


def failed_item(name: str, error: KctlError) -> ItemResult:
    message = _FRIENDLY.get(error.code_name or "", error.message)
    return ItemResult(name, False, error=message, exit_code=int(error.exit_code))


def _code(item: ItemResult) -> str | None:
    return _CODE_BY_MESSAGE.get(item.error or "")


def ids(values) -> str:
    return ",".join(str(v) for v in values)


def ms_since(start: float) -> int:
    return round((time.perf_counter() - start) * 1000)
