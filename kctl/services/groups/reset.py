"""Offset resets (plans, applied only with --execute while the group has no member) and offset deletion.

Resets follow kafka-consumer-groups.sh: a dry run by default, and --execute only while the
group has no active member (a live consumer would overwrite the new offsets with its next commit).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kctl import log
from kctl.client.admin import AdminClient, check_names
from kctl.deadline import Deadline
from kctl.errors import NotFoundError, UsageError
from kctl.models import ItemResult, OffsetReset, OffsetResetResult, OperationResult
from kctl.parsing import parse_time
from kctl.services.groups.common import INACTIVE, absent, failed_item, group_or_raise, ids, ms_since, read_groups


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
    check_names([group], "group id")
    check_names(topics, "topic name")
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        described, committed = read_groups(admin, [group], deadline)
        desc, offsets = group_or_raise(described[group], committed[group])
        members = len(desc.members)
        if execute and (members or desc.state not in INACTIVE):
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
              failed=len(result.failed), executed=applied, dry_run=not execute, duration_ms=ms_since(start))
    return result


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
            raise NotFoundError(f"topic {topic!r} has no partition {ids(unknown)} (it has {len(have)})")
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
    check_names([group], "group id")
    check_names(topics, "topic name")
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        described, committed = read_groups(admin, [group], deadline)
        desc, offsets = group_or_raise(described[group], committed[group])
        if absent(desc, offsets):
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
            items.append(failed_item(name, error))
        elif key in offsets:
            items.append(ItemResult(name, True, f"deleted (was {offsets[key]})"))
        else:
            items.append(ItemResult(name, True, "no committed offset"))
    log.event("group_delete_offsets", group=group, partitions=len(items), failed=sum(not i.ok for i in items),
              duration_ms=ms_since(start))
    return OperationResult("delete-offsets", tuple(items))
