"""Consumer group administration: list, describe (offsets and lag), delete, reset and delete offsets.

Multi-item operations return rows (ok, or why not); the caller renders them and then raises
failure(result) if any failed. Offset resets follow kafka-consumer-groups.sh: a dry run by
default, and --execute only while the group has no active member (a live consumer would
overwrite the new offsets with its next commit).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from kctl import log
from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import KctlError, NotFoundError, UsageError, failure_of
from kctl.models import (
    GroupDescribeResult, GroupDetail, GroupPartitionOffset, ItemResult, OffsetReset, OffsetResetResult, OperationResult,
)
from kctl.models.admin import GroupDescription
from kctl.models.choices import GROUP_STATES as STATES, GROUP_TYPES as TYPES
from kctl.parsing import parse_choice, parse_time

# States in which no consumer holds partitions: the only ones where offsets may be reset.
_INACTIVE = ("Empty", "Dead")
# librdkafka says PREPARING_REBALANCING where Kafka's tools say PreparingRebalance.
_STATE_ALIASES = {"preparingrebalancing": "preparingrebalance", "completingrebalancing": "completingrebalance"}


# ---------------------------------------------------------------------------------------- list


def list_groups(conf: dict, timeout: float, state: str | None = None, type_: str | None = None) -> list:
    """The cluster's consumer groups (GroupSummary), sorted by id; state/type filter (case-insensitive)."""
    want_state = parse_choice(state, STATES, "--state", _STATE_ALIASES) if state else None
    want_type = parse_choice(type_, TYPES, "--type") if type_ else None
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        listing = admin.list_groups()
    if listing.errors:
        # ListGroups asks every broker; one that does not answer leaves its groups out.
        log.event("group_list_incomplete", logging.WARNING, errors=len(listing.errors), first=str(listing.errors[0]))
    out = [g for g in listing.groups
           if (want_state is None or g.state == want_state) and (want_type is None or g.type == want_type)]
    log.event("group_list", groups=len(out), listed=len(listing.groups), state=want_state, type=want_type,
              duration_ms=_ms(start))
    return out


# ---------------------------------------------------------------------------------------- describe


def describe_groups(conf: dict, timeout: float, group_ids: list[str]) -> GroupDescribeResult:
    """State, coordinator, members and, per partition, committed offset, log end offset and lag.

    A group id that does not exist comes back from the broker as a Dead group with no members
    and no offsets: it is reported in `missing` (exit 4), like any group the broker refused.
    """
    group_ids = list(dict.fromkeys(group_ids))
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        described, committed = _read_groups(admin, group_ids, deadline)
        partitions = set()
        for group in group_ids:
            partitions.update(committed[group].value or {})
            for member in (described[group].value.members if described[group].ok else ()):
                partitions.update((t, p) for t, ps in member.assignment.items() for p in ps)
        ends = admin.list_offsets(sorted(partitions), "latest", deadline)

    groups, missing = [], []
    for group in group_ids:
        desc, offsets = described[group], committed[group]
        error = desc.error or offsets.error
        if error is None and _absent(desc.value, offsets.value):
            error = NotFoundError(f"group {group!r} does not exist")
        if error is not None:
            missing.append(_failed(group, error))
            continue
        groups.append(_group_detail(desc.value, offsets.value, ends))
    log.event("group_describe", groups=len(group_ids), missing=len(missing),
              total_lag=sum(g.total_lag or 0 for g in groups), duration_ms=_ms(start))
    return GroupDescribeResult(groups=tuple(groups), missing=tuple(missing))


def _read_groups(admin: AdminClient, group_ids: list[str], deadline: Deadline):
    """Descriptions and committed offsets of the groups: ({group: Outcome}, {group: Outcome})."""
    return admin.describe_groups(group_ids, deadline), admin.committed_offsets(group_ids, deadline)


def _absent(desc: GroupDescription, offsets: dict | None) -> bool:
    return desc.absent and not offsets


def _group_detail(desc: GroupDescription, offsets: dict, ends: dict) -> GroupDetail:
    owners = {(t, p): m for m in desc.members for t, ps in m.assignment.items() for p in ps}
    rows = []
    for key in sorted(set(offsets) | set(owners)):
        topic, partition = key
        committed = offsets.get(key)
        end = ends[key].value if key in ends and ends[key].ok else None
        owner = owners.get(key)
        rows.append(GroupPartitionOffset(
            topic=topic, partition=partition, committed_offset=committed, log_end_offset=end,
            lag=end - committed if end is not None and committed is not None else None,
            member_id=owner.member_id if owner else None,
            client_id=owner.client_id if owner else None,
            host=owner.host if owner else None,
        ))
    return GroupDetail(
        group_id=desc.group_id, state=desc.state, type=desc.type, simple=desc.simple,
        coordinator=desc.coordinator, coordinator_host=desc.coordinator_host,
        assignment_strategy=desc.assignor, members=desc.members, offsets=tuple(rows),
    )


# ---------------------------------------------------------------------------------------- delete


def delete_groups(conf: dict, timeout: float, group_ids: list[str]) -> OperationResult:
    """Delete groups (their committed offsets go with them); a group with members cannot be deleted."""
    group_ids = list(dict.fromkeys(group_ids))
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        results = admin.delete_groups(group_ids)
    items = [ItemResult(g, True, "deleted") if results[g].ok else _failed(g, results[g].error) for g in group_ids]
    log.event("group_delete", groups=len(items), failed=sum(not i.ok for i in items), duration_ms=_ms(start))
    return OperationResult("delete", tuple(items))


# ---------------------------------------------------------------------------------------- reset-offsets


@dataclass(frozen=True)
class ResetStrategy:
    """Where to move each partition's committed offset. value: the offset (offset), the shift
    (shift), or epoch milliseconds (datetime); label: how it reads in output and logs."""

    kind: str  # earliest | latest | offset | datetime | shift
    value: int | None = None
    label: str = ""


def parse_strategy(to_earliest: bool = False, to_latest: bool = False, to_offset: int | None = None,
                   to_datetime: str | None = None, shift_by: int | None = None) -> ResetStrategy:
    """Exactly one of the --to-*/--shift-by options -> a ResetStrategy."""
    given = [name for name, value in (("--to-earliest", to_earliest), ("--to-latest", to_latest),
                                      ("--to-offset", to_offset is not None), ("--to-datetime", to_datetime is not None),
                                      ("--shift-by", shift_by is not None)) if value]
    if len(given) != 1:
        what = "none" if not given else " and ".join(given)
        raise UsageError(f"give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by (got {what})")
    if to_earliest:
        return ResetStrategy("earliest", label="to-earliest")
    if to_latest:
        return ResetStrategy("latest", label="to-latest")
    if to_offset is not None:
        if to_offset < 0:
            raise UsageError(f"--to-offset must be 0 or more, got {to_offset}")
        return ResetStrategy("offset", to_offset, f"to-offset {to_offset}")
    if to_datetime is not None:
        return ResetStrategy("datetime", parse_time(to_datetime, option="--to-datetime"), f"to-datetime {to_datetime}")
    return ResetStrategy("shift", shift_by, f"shift-by {shift_by:+d}")


def new_offset(strategy: ResetStrategy, current: int | None, low: int, high: int,
               at_time: int | None = None) -> tuple[int, str]:
    """Where one partition's offset goes: (offset, note). Offsets outside [low, high] are moved to
    the nearest end, as kafka-consumer-groups does; a time after the last record means the log end.
    Raises UsageError for --shift-by on a partition with no committed offset."""
    kind = strategy.kind
    if kind == "earliest":
        return low, ""
    if kind == "latest":
        return high, ""
    if kind == "datetime":
        return (at_time, "") if at_time is not None else (high, "no record at or after that time: log end")
    if kind == "offset":
        target = strategy.value
    elif kind == "shift":
        if current is None:
            raise UsageError("no committed offset to shift")
        target = current + strategy.value
    else:
        raise ValueError(f"unknown reset strategy {kind!r}")
    if target < low:
        return low, f"clamped: {target} is before the log start"
    if target > high:
        return high, f"clamped: {target} is past the log end"
    return target, ""


def reset_offsets(conf: dict, timeout: float, group: str, topics: dict[str, tuple[int, ...] | None],
                  strategy: ResetStrategy, all_topics: bool = False, execute: bool = False) -> OffsetResetResult:
    """Plan (and with execute, apply) new committed offsets for the group's partitions.

    topics: from kctl.parsing.parse_topic_partitions; all_topics: every partition the group has
    an offset for. A plan with any failed row applies nothing. A group that does not exist yet
    can be given offsets (its consumers start from them); --execute on a group with members is refused.
    """
    if bool(topics) == all_topics:
        raise UsageError("name the partitions with --topic TOPIC[:PARTITIONS] (repeatable) or give --all-topics")
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        described, committed = _read_groups(admin, [group], deadline)
        desc, offsets = _group_or_raise(described[group], committed[group])
        members = len(desc.members)
        if execute and (members or desc.state not in _INACTIVE):
            raise UsageError(
                f"group {group!r} is {desc.state} with {members} member(s): offsets can only be reset "
                "while no consumer is in the group",
                hint=f"stop its consumers first: `kctl groups describe {group}` lists them; without --execute you see the plan",
            )
        known = {t.name: t for t in admin.list_topics(deadline)} if topics else {}
        partitions = _reset_targets(known, topics, offsets, all_topics, group)
        low = admin.list_offsets(partitions, "earliest", deadline)
        high = admin.list_offsets(partitions, "latest", deadline)
        at_time = admin.list_offsets(partitions, strategy.value, deadline) if strategy.kind == "datetime" else {}
        rows = [_plan_row(key, strategy, offsets.get(key), low[key], high[key], at_time.get(key)) for key in partitions]
        applied = False
        if execute and all(r.ok for r in rows):
            per_partition = admin.alter_group_offsets(group, {(r.topic, r.partition): r.new_offset for r in rows}, deadline)
            rows = [_applied(r, per_partition) for r in rows]
            applied = True
    result = OffsetResetResult(group_id=group, strategy=strategy.label, executed=applied, partitions=tuple(rows),
                               active_members=members)
    log.event("group_reset_offsets", group=group, strategy=strategy.label, partitions=len(rows),
              failed=len(result.failed), executed=applied, dry_run=not execute, duration_ms=_ms(start))
    return result


def _group_or_raise(desc, offsets) -> tuple[GroupDescription, dict]:
    if desc.error or offsets.error:
        raise desc.error or offsets.error
    return desc.value, offsets.value or {}


def _reset_targets(known: dict, topics: dict, offsets: dict, all_topics: bool, group: str) -> list[tuple[str, int]]:
    if all_topics:
        if not offsets:
            raise NotFoundError(f"group {group!r} has no committed offsets", hint="name the partitions with --topic")
        return sorted(offsets)
    out = []
    for topic, wanted in topics.items():
        info = known.get(topic)
        if info is None:
            raise NotFoundError(f"topic {topic!r} does not exist", hint="`kctl topics list` shows the topics")
        have = info.partition_ids
        unknown = [p for p in (wanted or ()) if p not in have]
        if unknown:
            raise NotFoundError(f"topic {topic!r} has no partition {_ids(unknown)} (it has {len(have)})")
        out.extend((topic, p) for p in (wanted if wanted is not None else have))
    return sorted(set(out))


def _plan_row(key, strategy: ResetStrategy, current, low, high, at_time) -> OffsetReset:
    topic, partition = key
    error = low.error or high.error or (at_time.error if at_time else None)
    if error is not None:
        return OffsetReset(topic, partition, current, None, ok=False, error=error.message, exit_code=int(error.exit_code))
    try:
        offset, note = new_offset(strategy, current, low.value, high.value, at_time.value if at_time else None)
    except UsageError as exc:
        return OffsetReset(topic, partition, current, None, ok=False, error=exc.message, exit_code=int(exc.exit_code))
    return OffsetReset(topic, partition, current, offset, detail=note)


def _applied(row: OffsetReset, per_partition: dict) -> OffsetReset:
    error = per_partition.get((row.topic, row.partition))
    if error is None:
        return row
    return OffsetReset(row.topic, row.partition, row.current_offset, row.new_offset, ok=False, detail=row.detail,
                       error=error.message, exit_code=int(error.exit_code))


# ---------------------------------------------------------------------------------------- delete-offsets


def delete_offsets(conf: dict, timeout: float, group: str, topics: dict[str, tuple[int, ...] | None]) -> OperationResult:
    """Delete the group's committed offsets of some partitions (OffsetDelete).

    TOPIC alone means every partition of it, plus any the group still has an offset for (a
    deleted topic's offsets stay until they expire: this removes them). The broker refuses
    partitions of a topic the group's active members are subscribed to.
    """
    if not topics:
        raise UsageError("name the partitions with --topic TOPIC[:PARTITIONS] (repeatable)")
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        described, committed = _read_groups(admin, [group], deadline)
        desc, offsets = _group_or_raise(described[group], committed[group])
        if _absent(desc, offsets):
            raise NotFoundError(f"group {group!r} does not exist", hint="`kctl groups list` shows the groups")
        known = {t.name: t for t in admin.list_topics(deadline)}
        targets, failed = [], []
        for topic, wanted in topics.items():
            if wanted is None:
                partitions = set(known[topic].partition_ids) if topic in known else set()
                partitions |= {p for t, p in offsets if t == topic}
                if not partitions:
                    failed.append(ItemResult(topic, False, error=f"topic {topic!r} does not exist and the group has no "
                                             "offsets for it", exit_code=int(NotFoundError.exit_code)))
                targets.extend((topic, p) for p in partitions)
            else:
                targets.extend((topic, p) for p in wanted)
        targets = sorted(set(targets))
        results = admin.delete_group_offsets(group, targets, deadline)
    items = list(failed)
    for key in targets:
        name = f"{key[0]}:{key[1]}"
        error = results.get(key)
        if error is not None:
            items.append(_failed(name, error))
        elif key in offsets:
            items.append(ItemResult(name, True, f"deleted (was {offsets[key]})"))
        else:
            items.append(ItemResult(name, True, "no committed offset"))
    log.event("group_delete_offsets", group=group, partitions=len(items), failed=sum(not i.ok for i in items),
              duration_ms=_ms(start))
    return OperationResult("delete-offsets", tuple(items))


# ---------------------------------------------------------------------------------------- helpers


def failure(result: OperationResult | OffsetResetResult) -> KctlError | None:
    """The error a groups command ends with, after its rows were rendered (None: all ok)."""
    if isinstance(result, OffsetResetResult):
        hint = None
        if result.failed and not result.executed:
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


def describe_failure(result: GroupDescribeResult) -> KctlError | None:
    rows = [ItemResult(g.group_id, True) for g in result.groups] + list(result.missing)
    return failure_of(rows, "groups describe", hint="`kctl groups list` shows the groups")


_FRIENDLY = {
    "GROUP_ID_NOT_FOUND": "the group does not exist",
    "NON_EMPTY_GROUP": "the group has active members",
    "GROUP_SUBSCRIBED_TO_TOPIC": "the group's active members are subscribed to this topic",
}
_CODE_BY_MESSAGE = {v: k for k, v in _FRIENDLY.items()}


def _failed(name: str, error: KctlError) -> ItemResult:
    message = _FRIENDLY.get(error.code_name or "", error.message)
    return ItemResult(name, False, error=message, exit_code=int(error.exit_code))


def _code(item: ItemResult) -> str | None:
    return _CODE_BY_MESSAGE.get(item.error or "")


def _ids(values) -> str:
    return ",".join(str(v) for v in values)


def _ms(start: float) -> int:
    return round((time.perf_counter() - start) * 1000)
