"""Offset resets: targets, the plan with its impact (records re-read or skipped, and their time
range), and `groups undo`.

Resets follow kafka-consumer-groups.sh: the plan first (kctl.cli.confirm asks, or --yes/--execute
applies it), and applied only while the group has no active member (a live consumer would overwrite the new offsets with its next
commit). Every executed reset first saves the group's committed offsets as a snapshot.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Callable

from kctl import log
from kctl.client.admin import AdminClient, check_names
from kctl.deadline import Deadline
from kctl.errors import KctlError, NotFoundError, UsageError
from kctl.models import OffsetReset, OffsetResetResult
from kctl.parsing import parse_duration_ms, parse_time
from kctl.services.groups import snapshots
from kctl.services.groups.common import absent, group_or_raise, ids, ms_since, read_groups
from kctl.services.groups.guard import ensure_inactive

TopicPartitionKey = tuple[str, int]
# Targets that come with their own partitions (a file, another group, a snapshot).
_SOURCED = ("file", "group", "snapshot")


@dataclass(frozen=True)
class ResetStrategy:
    """Where to move each partition's committed offset. value: the offset (offset), the shift
    (shift), or epoch milliseconds (datetime); source: the file (file), the other group (group),
    or the snapshot id (snapshot); label: how it reads in output and logs."""

    kind: str  # earliest | latest | offset | datetime | shift | current | file | group | snapshot
    value: int | None = None
    label: str = ""
    source: str | None = None


def parse_strategy(to_earliest: bool = False, to_latest: bool = False, to_offset: int | None = None,
                   to_datetime: str | None = None, shift_by: int | None = None, by_duration: str | None = None,
                   to_current: bool = False, from_file: str | None = None, to_group: str | None = None) -> ResetStrategy:
    """Exactly one of the --to-*/--shift-by/--by-duration/--from-file options -> a ResetStrategy."""
    options = (("--to-earliest", to_earliest), ("--to-latest", to_latest), ("--to-offset", to_offset is not None),
               ("--to-datetime", to_datetime is not None), ("--shift-by", shift_by is not None),
               ("--by-duration", by_duration is not None), ("--to-current", to_current),
               ("--from-file", from_file is not None), ("--to-group", to_group is not None))
    given = [name for name, value in options if value]
    if len(given) != 1:
        what = "none" if not given else " and ".join(given)
        raise UsageError(f"give exactly one of {', '.join(n for n, _ in options)} (got {what})")
    if to_earliest:
        return ResetStrategy("earliest", label="to-earliest")
    if to_latest:
        return ResetStrategy("latest", label="to-latest")
    if to_current:
        return ResetStrategy("current", label="to-current")
    if to_offset is not None:
        if to_offset < 0:
            raise UsageError(f"--to-offset must be 0 or more, got {to_offset}")
        return ResetStrategy("offset", to_offset, f"to-offset {to_offset}")
    if to_datetime is not None:
        return ResetStrategy("datetime", parse_time(to_datetime, option="--to-datetime"), f"to-datetime {to_datetime}")
    if by_duration is not None:
        # kafka-consumer-groups: --by-duration PnDTnHnMnS, "now minus the duration"; -1h reads the same.
        ms = parse_duration_ms(by_duration[1:] if by_duration.startswith("-") else by_duration, "--by-duration")
        return ResetStrategy("datetime", int(time.time() * 1000) - ms, f"by-duration {by_duration}")
    if from_file is not None:
        return ResetStrategy("file", label=f"from-file {from_file}", source=from_file)
    if to_group is not None:
        (to_group,) = check_names([to_group], "--to-group")
        return ResetStrategy("group", label=f"to-group {to_group}", source=to_group)
    return ResetStrategy("shift", shift_by, f"shift-by {shift_by:+d}")


def new_offset(strategy: ResetStrategy, current: int | None, low: int, high: int,
               at_time: int | None = None, target: int | None = None) -> tuple[int, str]:
    """Where one partition's offset goes: (offset, note). Offsets outside [low, high] are moved to
    the nearest end, as kafka-consumer-groups does. at_time: the offset --to-datetime found;
    target: the offset a file, another group or a snapshot gives (a time after the last record
    is the log end). Raises NotFoundError when the target does not exist for the partition,
    UsageError for --shift-by without a committed offset."""
    kind = strategy.kind
    if kind == "earliest":
        return low, ""
    if kind == "latest":
        return high, ""
    if kind == "datetime":
        if at_time is None:
            # No record that recent (or none at all): every record is older, so the first one at or
            # after the time is the next to be written, as kafka-consumer-groups resolves it. An
            # empty partition has one position, start = end, and this is it.
            return high, "" if low == high else f"no record at or after {_iso(strategy.value)}: the log end"
        return at_time, ""
    if kind == "offset":
        target = strategy.value
    elif kind == "shift":
        if current is None:
            raise UsageError("no committed offset to shift")
        target = current + strategy.value
    elif kind == "current":
        if current is None:
            raise NotFoundError("no committed offset")
        target = current
    elif kind in _SOURCED:
        if target is None:
            raise NotFoundError({"file": f"not in {strategy.source}", "group": f"group {strategy.source!r} has no "
                                 "offset for it", "snapshot": "not in the snapshot"}[kind])
    else:
        raise ValueError(f"unknown reset strategy {kind!r}")
    if target < low:
        return low, f"clamped: {target} is before the log start"
    if target > high:
        return high, f"clamped: {target} is past the log end"
    return target, ""


def reset_offsets(conf: dict, timeout: float, group: str, topics: dict[str, tuple[int, ...] | None],
                  strategy: ResetStrategy, all_topics: bool = False, execute: bool = False,
                  skip_missing: bool = False, wait_empty: float | None = None,
                  source_offsets: dict | None = None, cluster_id: str | None = None,
                  confirm: Callable[[OffsetResetResult], bool] | None = None) -> OffsetResetResult:
    """Plan (and with execute, apply) new committed offsets for the group's partitions.

    topics: from kctl.parsing.parse_topic_partitions; all_topics: every partition the group has
    an offset for; with neither, a file/group/snapshot target covers its own partitions. A plan
    with any failed row applies nothing; skip_missing turns the rows whose target does not exist
    into rows left out. --execute on a group with members is refused, or with wait_empty
    (seconds) waits that long for it to empty. Before applying, the group's committed offsets
    are saved as a snapshot. source_offsets/cluster_id: the offsets of a snapshot (undo) and the
    cluster it must come from. confirm(plan) is asked before anything is applied (False: the plan
    is returned as it is, nothing applied).
    """
    if topics and all_topics or not (topics or all_topics or strategy.kind in _SOURCED):
        raise UsageError("name the partitions with --topic TOPIC[:PARTITIONS] (repeatable) or give --all-topics")
    check_names([group], "group id")
    check_names(topics, "topic name")
    if strategy.kind == "file" and source_offsets is None:
        from kctl.services.groups.files import read_offsets_file  # heavy: msgspec (via kctl.services.groups.files)

        source_offsets = read_offsets_file(strategy.source, group)  # decoded before anything is asked or changed
    start = time.perf_counter()
    deadline = Deadline.after(timeout + (wait_empty or 0))
    with AdminClient(conf, timeout=timeout) as admin:
        cluster = admin.describe_cluster(Deadline.after(timeout)).cluster_id
        if cluster_id is not None and cluster != cluster_id:
            raise UsageError(f"the snapshot was taken on cluster {cluster_id}, this is cluster {cluster}: not restored",
                             hint="connect to the cluster the snapshot came from (see `kctl groups history`)")
        described, committed = read_groups(admin, [group], deadline)
        desc, offsets = group_or_raise(described[group], committed[group])
        if execute:
            desc, offsets = ensure_inactive(admin, desc, offsets, wait_empty, deadline)
        source = source_offsets if source_offsets is not None else _source(admin, strategy, group, deadline)
        # A snapshot's null offset: the partition had none before the reset; restoring it deletes the one it has now.
        cleared = sorted(key for key, offset in (source or {}).items() if offset is None)
        source = {key: offset for key, offset in source.items() if offset is not None} if source is not None else None
        known = {t.name: t for t in admin.list_topics(deadline)}
        partitions, unknown = _reset_targets(known, topics, offsets, all_topics, group, source, bool(cleared))
        low = admin.list_offsets(partitions, "earliest", deadline) if partitions else {}
        high = admin.list_offsets(partitions, "latest", deadline) if partitions else {}
        at_time = admin.list_offsets(partitions, strategy.value, deadline) if strategy.kind == "datetime" and partitions else {}
        rows = [_plan_row(key, strategy, offsets.get(key), low[key], high[key], at_time.get(key),
                          (source or {}).get(key), skip_missing) for key in partitions]
        rows += [_missing_row(key, offsets.get(key), why, skip_missing) for key, why in unknown]
        rows += [_cleared_row(key, offsets.get(key)) for key in cleared]
        rows = _with_impact(admin, sorted(rows, key=lambda r: (r.topic, r.partition)), strategy, low, deadline)
        applied, snapshot_id = False, None
        if execute and rows and all(r.ok for r in rows):
            snapshots.check_writable(group)
        if execute and rows and all(r.ok for r in rows) and confirm is not None:
            execute = confirm(OffsetResetResult(group_id=group, strategy=strategy.label, executed=False,
                                                partitions=tuple(rows), active_members=len(desc.members)))
        if execute and rows and all(r.ok for r in rows):
            moves = {(r.topic, r.partition): r.new_offset for r in rows if r.new_offset is not None}
            deletes = [(r.topic, r.partition) for r in rows if r.delete]
            snapshot_id = snapshots.save(group, cluster, strategy.label, offsets, [*moves, *deletes]).snapshot_id
            rows = _apply(admin, group, rows, moves, deletes, snapshot_id, deadline)
            applied = True
    result = OffsetResetResult(group_id=group, strategy=strategy.label, executed=applied, partitions=tuple(rows),
                               active_members=len(desc.members), snapshot_id=snapshot_id)
    log.event("group_reset_offsets", group=group, strategy=strategy.label, partitions=len(rows),
              failed=len(result.failed), executed=applied, dry_run=not execute, snapshot=snapshot_id,
              reread=result.records_reread, skipped=result.records_skipped, duration_ms=ms_since(start))
    return result


def undo(conf: dict, timeout: float, group: str, snapshot_id: str | None = None, execute: bool = False,
         wait_empty: float | None = None, skip_missing: bool = False,
         confirm: Callable[[OffsetResetResult], bool] | None = None) -> OffsetResetResult:
    """Restore the offsets of a snapshot (the latest when no id is given): a plan, applied with
    execute (under the same member check; the offsets it replaces are saved as a new snapshot).
    A snapshot from another cluster is refused."""
    check_names([group], "group id")
    snapshot = snapshots.find(group, snapshot_id)
    offsets = {(o.topic, o.partition): o.offset for o in snapshot.offsets}
    strategy = ResetStrategy("snapshot", label=f"undo {snapshot.snapshot_id}", source=snapshot.snapshot_id)
    return reset_offsets(conf, timeout, group, {}, strategy, execute=execute, wait_empty=wait_empty,
                         skip_missing=skip_missing, source_offsets=offsets, cluster_id=snapshot.cluster_id,
                         confirm=confirm)


def _apply(admin: AdminClient, group: str, rows: list[OffsetReset], moves: dict, deletes: list,
           snapshot_id: str, deadline: Deadline) -> list[OffsetReset]:
    """Commit the moves, then delete the offsets to delete (OffsetDelete): the rows with what the
    broker answered for each partition. An error after the first change says what was changed."""
    try:
        per_partition = admin.alter_group_offsets(group, moves, deadline) if moves else {}
    except KctlError as exc:
        if getattr(exc, "code_name", None) == "_TIMED_OUT":
            exc.message += "; the broker may have applied it"
        exc.hint = (f"the previous offsets are snapshot {snapshot_id}: `kctl groups describe {group}` shows the "
                    f"offsets now, `kctl groups undo {group} --snapshot {snapshot_id}` restores them")
        raise
    if deletes:
        try:
            per_partition.update(admin.delete_group_offsets(group, deletes, deadline))
        except KctlError as exc:
            # The moves are applied: the rows say so, and these partitions say why they kept their offset.
            per_partition.update({key: exc for key in deletes})
    return [_applied(r, per_partition) for r in rows]


def _source(admin: AdminClient, strategy: ResetStrategy, group: str, deadline: Deadline) -> dict | None:
    if strategy.kind == "group":
        described, committed = read_groups(admin, [strategy.source], deadline)
        desc, offsets = group_or_raise(described[strategy.source], committed[strategy.source])
        if absent(desc, offsets) or not offsets:
            raise NotFoundError(f"--to-group: group {strategy.source!r} has no committed offsets",
                                hint="`kctl groups list` shows the groups")
        return offsets
    return None


def _reset_targets(known: dict, topics: dict, offsets: dict, all_topics: bool, group: str, source: dict | None,
                   cleared: bool = False) -> tuple[list[TopicPartitionKey], list[tuple[TopicPartitionKey, str]]]:
    """(partitions to plan, [(partition, why it cannot be)]) for a source's partitions that do not exist."""
    if all_topics:
        if not offsets:
            raise NotFoundError(f"group {group!r} has no committed offsets", hint="name the partitions with --topic")
        return sorted(offsets), []
    if not topics:  # the source's own partitions
        out, unknown = [], []
        for key in sorted(source or {}):
            info = known.get(key[0])
            if info is None or key[1] not in info.partition_ids:
                unknown.append((key, f"{'topic' if info is None else 'partition'} does not exist"))
            else:
                out.append(key)
        if not out and not unknown and not cleared:
            raise NotFoundError("the target has no offsets")
        return out, unknown
    out = []
    for topic, wanted in topics.items():
        info = known.get(topic)
        if info is None:
            raise NotFoundError(f"topic {topic!r} does not exist", hint="`kctl topics list` shows the topics")
        have = info.partition_ids
        missing = [p for p in (wanted or ()) if p not in have]
        if missing:
            raise NotFoundError(f"topic {topic!r} has no partition {ids(missing)} (it has {len(have)})")
        out.extend((topic, p) for p in (wanted if wanted is not None else have))
    return sorted(set(out)), []


def _missing_row(key, current, why: str, skip_missing: bool) -> OffsetReset:
    topic, partition = key
    if skip_missing:
        return OffsetReset(topic, partition, current, None, detail=f"left out: {why}")
    return OffsetReset(topic, partition, current, None, ok=False, error=f"{why} (--skip-missing leaves it out)",
                       exit_code=int(NotFoundError.exit_code))


def _cleared_row(key, current) -> OffsetReset:
    topic, partition = key
    if current is None:
        return OffsetReset(topic, partition, None, None, detail="no committed offset, as before")
    return OffsetReset(topic, partition, current, None, detail="delete the committed offset: it had none before",
                       delete=True)


def _plan_row(key, strategy: ResetStrategy, current, low, high, at_time, target, skip_missing: bool) -> OffsetReset:
    topic, partition = key
    error = low.error or high.error or (at_time.error if at_time else None)
    if error is not None:
        return OffsetReset(topic, partition, current, None, ok=False, error=error.message, exit_code=int(error.exit_code))
    try:
        offset, note = new_offset(strategy, current, low.value, high.value, at_time.value if at_time else None, target)
    except NotFoundError as exc:
        return _missing_row(key, current, exc.message, skip_missing)
    except UsageError as exc:
        return OffsetReset(topic, partition, current, None, ok=False, error=exc.message, exit_code=int(exc.exit_code))
    return OffsetReset(topic, partition, current, offset, detail=note)


def _with_impact(admin: AdminClient, rows: list[OffsetReset], strategy: ResetStrategy, low: dict,
                 deadline: Deadline) -> list[OffsetReset]:
    """Each row with the records it re-reads or skips and the time range of those records (the
    timestamps of the first and last of them, read in one batch); a --to-datetime before the
    earliest record is said to be clamped."""
    spans = {}
    wanted = set()
    for r in rows:
        key = (r.topic, r.partition)
        if r.ok and r.new_offset is not None and r.current_offset is not None and r.new_offset != r.current_offset:
            lo, hi = sorted((r.new_offset, r.current_offset))
            spans[key] = (lo, hi)
            wanted.update({(key, lo), (key, hi - 1)})
        if strategy.kind == "datetime" and r.ok and key in low and low[key].ok and r.new_offset == low[key].value:
            wanted.add((key, r.new_offset))
    positions = admin.record_positions(sorted(wanted), deadline) if wanted else {}
    out = []
    for r in rows:
        key = (r.topic, r.partition)
        changes: dict = {}
        if key in spans:
            lo, hi = spans[key]
            first, last = positions.get((key, lo)), positions.get((key, hi - 1))
            changes = {"reread": r.current_offset - r.new_offset if r.new_offset < r.current_offset else None,
                       "skipped": r.new_offset - r.current_offset if r.new_offset > r.current_offset else None,
                       "from_timestamp_ms": first.timestamp_ms if first else None,
                       "to_timestamp_ms": last.timestamp_ms if last else None}
        elif r.ok and r.new_offset is not None and r.current_offset is not None:
            changes = {"reread": 0, "skipped": 0}
        earliest = positions.get((key, r.new_offset)) if strategy.kind == "datetime" else None
        if earliest is not None and earliest.timestamp_ms is not None and strategy.value < earliest.timestamp_ms:
            changes["detail"] = f"clamped: {_iso(strategy.value)} is before the earliest record ({_iso(earliest.timestamp_ms)})"
        out.append(_replace(r, **changes) if changes else r)
    return out


def _replace(row: OffsetReset, **changes) -> OffsetReset:
    return replace(row, **changes)


def _applied(row: OffsetReset, per_partition: dict) -> OffsetReset:
    error = per_partition.get((row.topic, row.partition))
    if error is None:
        return row
    return _replace(row, ok=False, error=error.message, exit_code=int(error.exit_code))


def _iso(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
