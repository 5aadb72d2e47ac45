"""Consumer groups: list (with members and lag), describe (offsets, offset lag and time lag), delete."""

from __future__ import annotations

import dataclasses
import logging
import time

from kctl import log
from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable, KctlError, NotFoundError, failure_of
from kctl.models import GroupDescribeResult, GroupDetail, GroupMember, GroupPartitionOffset, GroupSummary, ItemResult, OperationResult
from kctl.models.admin import GroupDescription
from kctl.models.choices import GROUP_STATES as STATES
from kctl.models.choices import GROUP_TYPES as TYPES
from kctl.parsing import parse_choice, parse_regex
from kctl.services.groups.common import STATE_ALIASES, absent, failed_item, ms_since, read_groups

TopicPartitionKey = tuple[str, int]


# ---------------------------------------------------------------------------------------- list


def list_groups(conf: dict, timeout: float, state: str | None = None, type_: str | None = None,
                lag: bool = False, pattern: str | None = None) -> list[GroupSummary]:
    """The cluster's consumer groups (GroupSummary), sorted by id; state/type filter (case-insensitive).

    lag: also members, total lag and max time lag of each group, read in one batched round for
    all groups (one DescribeGroups, the offset fetches in flight together, one ListOffsets, one
    consumer reading the records at the committed offsets)."""
    want_state = parse_choice(state, STATES, "--state", STATE_ALIASES) if state else None
    want_type = parse_choice(type_, TYPES, "--type") if type_ else None
    regex = parse_regex(pattern, "PATTERN")
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        listing = admin.list_groups(deadline)
        if listing.errors:
            # ListGroups asks every broker; one that does not answer leaves its groups out.
            log.event("group_list_incomplete", logging.WARNING, errors=len(listing.errors),
                      first=str(listing.errors[0]))
        groups = listing.groups
        if want_type in (None, "Share"):
            groups = tuple(sorted(groups + _share_groups(admin, deadline), key=lambda g: g.group_id))
        out = [g for g in groups
               if (want_state is None or g.state == want_state) and (want_type is None or g.type == want_type)
               and (regex is None or regex.fullmatch(g.group_id))]
        if lag and out:
            snapshot = read_lag(admin, [g.group_id for g in out if g.type != "Share"], deadline)
            out = [_share_lag(admin, g, deadline) if g.type == "Share" else
                   _with_lag(g, snapshot.get(g.group_id), deadline.expired) for g in out]
    log.event("group_list", groups=len(out), listed=len(listing.groups), state=want_state, type=want_type,
              lag=lag, duration_ms=ms_since(start))
    return out


def _share_groups(admin: AdminClient, deadline: Deadline) -> tuple:
    """Share groups, when the cluster answers the listing of every type; a failure is a warning
    (the other groups stand), and clusters before Kafka 4.1 have none."""
    try:
        return admin.share_groups(deadline)
    except KctlError as error:
        log.event("share_groups_not_listed", logging.WARNING, error=error.message)
        return ()


def _share_lag(admin: AdminClient, group: GroupSummary, deadline: Deadline) -> GroupSummary:
    """A share group's members and lag: the records from each share-partition's start offset to
    the end not yet acknowledged (DescribeShareGroupOffsets), summed."""
    try:
        found = admin.describe_share_group(group.group_id, deadline)
    except NotFoundError:
        return group  # deleted since it was listed
    except KctlError as error:
        return dataclasses.replace(group, lag_error=error.message)
    lags = [p.lag for p in found.partitions if p.lag is not None]
    return dataclasses.replace(group, members=len(found.members), total_lag=sum(lags) if lags else None)


def _with_lag(group: GroupSummary, detail: "GroupDetail | None | ItemResult", late: bool) -> GroupSummary:
    """The summary with the group's lag, or with lag_error when it could not be read: the group's
    requests failed, or (late: the deadline passed) a committed offset's log end was not read in
    time. A log end missing otherwise is a partition that is gone (a deleted topic): no lag, no error."""
    if isinstance(detail, ItemResult):
        if detail.exit_code == NotFoundError.exit_code:
            return group  # deleted since it was listed
        return dataclasses.replace(group, lag_error=detail.error or "not read")
    if not isinstance(detail, GroupDetail):
        return group
    unread = late and any(o.committed_offset is not None and o.log_end_offset is None for o in detail.offsets)
    return GroupSummary(group.group_id, group.state, group.type, group.simple, members=len(detail.members),
                        total_lag=detail.total_lag, max_time_lag_ms=detail.max_time_lag_ms,
                        lag_error="log end offsets not read in time" if unread else None)


def list_failure(groups: list[GroupSummary]) -> "KctlError | None":
    """Exit 6 when no group's lag could be read within the deadline, 5 when some groups' could not
    (the rows say which); None when every lag was read."""
    rows = [ItemResult(g.group_id, g.lag_error is None, error=g.lag_error, exit_code=int(BrokerUnavailable.exit_code))
            for g in groups]
    return failure_of(rows, "reading the lag", hint="LAG ? marks them (-o json: lag_error says why); a longer --timeout may help")


# ---------------------------------------------------------------------------------------- describe


def describe_groups(conf: dict, timeout: float, group_ids: list[str], time_lag: bool = True) -> GroupDescribeResult:
    """State, coordinator, members and, per partition, committed offset, log end offset, lag and
    time lag (time_lag=False skips reading the records at the committed offsets).

    A group id that does not exist comes back from the broker as a Dead group with no members
    and no offsets: it is reported in `missing` (exit 4), like any group the broker refused.
    """
    group_ids = list(dict.fromkeys(group_ids))
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        found = read_lag(admin, group_ids, deadline, time_lag=time_lag)
        groups = with_epochs(admin, [d for d in found.values() if isinstance(d, GroupDetail)], deadline)
        missing = [d for d in found.values() if isinstance(d, ItemResult)]
        shares = {}
        for item in [m for m in missing if m.exit_code == NotFoundError.exit_code]:
            share = _share_detail(admin, item.name, deadline)
            if share is not None:
                shares[item.name] = share
        if shares:
            groups = sorted([*groups, *shares.values()], key=lambda g: group_ids.index(g.group_id))
            missing = [m for m in missing if m.name not in shares]
    log.event("group_describe", groups=len(group_ids), missing=len(missing),
              total_lag=sum(g.total_lag or 0 for g in groups), duration_ms=ms_since(start))
    return GroupDescribeResult(groups=tuple(groups), missing=tuple(missing))


def _share_detail(admin: AdminClient, group: str, deadline: Deadline) -> "GroupDetail | None":
    """A group that is no classic or consumer group, described as a share group (KIP-932): None
    when it is none either (or the cluster has no share groups)."""
    try:
        found = admin.describe_share_group(group, deadline)
    except NotFoundError:
        return None
    except KctlError as error:
        log.event("share_group_not_described", logging.DEBUG, group=group, error=error.message)
        return None
    members = tuple(GroupMember(m.member_id, m.client_id, m.client_host, assignment=m.assignment,
                                member_epoch=m.member_epoch) for m in found.members)
    offsets = tuple(GroupPartitionOffset(p.topic, p.partition, None, None, p.lag,
                                         start_offset=p.start_offset if p.start_offset >= 0 else None)
                    for p in found.partitions)
    return GroupDetail(group_id=found.group, state=found.state, type="Share", simple=False, coordinator=None,
                       coordinator_host=None, assignment_strategy=found.assignor, members=members, offsets=offsets,
                       measured_at_ms=int(time.time() * 1000), group_epoch=found.group_epoch,
                       assignment_epoch=found.assignment_epoch)


def with_epochs(admin: AdminClient, groups: list[GroupDetail], deadline: Deadline) -> list[GroupDetail]:
    """The consumer-protocol groups with their group, assignment and member epochs (one
    ConsumerGroupDescribe per coordinator); without them (a warning says why) when that fails:
    the rest of the description stands."""
    wanted = {g.group_id: g.coordinator for g in groups if g.type == "Consumer" and g.coordinator is not None}
    if not wanted:
        return groups
    try:
        epochs = admin.consumer_group_epochs(wanted, deadline)
    except KctlError as error:
        log.event("group_epochs_not_read", logging.WARNING, groups=len(wanted), error=error.message)
        return groups
    out = []
    for group in groups:
        found = epochs.get(group.group_id)
        if found is None or found.error is not None:
            if found is not None:
                log.event("group_epochs_not_read", logging.WARNING, group=group.group_id, error=found.error)
            out.append(group)
            continue
        members = []
        for member in group.members:
            epoch = found.members.get(member.member_id)
            members.append(member if epoch is None else dataclasses.replace(
                member, member_epoch=epoch.member_epoch, target_assignment=epoch.target_assignment))
        out.append(dataclasses.replace(group, members=tuple(members), group_epoch=found.group_epoch,
                                       assignment_epoch=found.assignment_epoch))
    return out


def read_lag(admin: AdminClient, group_ids: list[str], deadline: Deadline, time_lag: bool = True,
             topic: str | None = None) -> dict[str, "GroupDetail | ItemResult"]:
    """{group: GroupDetail, or the failed ItemResult of a group not found or not readable}, every
    group read in the same round of requests. topic: only that topic's partitions."""
    described, committed = read_groups(admin, group_ids, deadline)
    partitions = set()
    for group in group_ids:
        partitions.update(committed[group].value or {})
        for member in (described[group].value.members if described[group].ok else ()):
            partitions.update((t, p) for t, ps in member.assignment.items() for p in ps)
    if topic is not None:
        partitions = {k for k in partitions if k[0] == topic}
    ends = admin.list_offsets(sorted(partitions), "latest", deadline) if partitions else {}
    measured_at = int(time.time() * 1000)
    positions = {}
    if time_lag:
        wanted = sorted({(key, offset) for group in group_ids
                         for key, offset in (committed[group].value or {}).items()
                         if key in ends and ends[key].ok and offset is not None and 0 <= offset < ends[key].value})
        positions = admin.record_positions(wanted, deadline) if wanted else {}
    out: dict = {}
    for group in group_ids:
        desc, offsets = described[group], committed[group]
        error = desc.error or offsets.error
        if error is None and absent(desc.value, offsets.value):
            error = NotFoundError(f"group {group!r} does not exist")
        if error is not None:
            out[group] = failed_item(group, error)
            continue
        out[group] = group_detail(desc.value, offsets.value, ends, positions if time_lag else None, measured_at, topic)
    return out


def time_lag_of(committed: int | None, end: int | None, position, measured_at: int, probed: bool) -> tuple:
    """(time lag ms, timestamp of the first unconsumed record) of one partition.

    position: the RecordPosition read at the committed offset, None for no record there (only
    transaction markers before the end), and probed=False when it was not read in time."""
    if committed is None or end is None:
        return None, None
    if committed >= end:
        return 0, None
    if not probed:
        return None, None
    if position is None:
        return 0, None  # nothing but control records left: nothing to consume
    if position.timestamp_ms is None:
        return None, None
    return max(0, measured_at - position.timestamp_ms), position.timestamp_ms


def group_detail(desc: GroupDescription, offsets: dict, ends: dict, positions: dict | None, measured_at: int,
                 topic: str | None = None) -> GroupDetail:
    owners = {(t, p): m for m in desc.members for t, ps in m.assignment.items() for p in ps}
    rows = []
    for key in sorted(set(offsets) | set(owners)):
        if topic is not None and key[0] != topic:
            continue
        committed = offsets.get(key)
        end = ends[key].value if key in ends and ends[key].ok else None
        owner = owners.get(key)
        pair = (key, committed)
        if positions is None:
            time_lag, next_ts = None, None
        else:
            time_lag, next_ts = time_lag_of(committed, end, positions.get(pair), measured_at, pair in positions)
        rows.append(GroupPartitionOffset(
            topic=key[0], partition=key[1], committed_offset=committed, log_end_offset=end,
            lag=end - committed if end is not None and committed is not None else None,
            time_lag_ms=time_lag, next_timestamp_ms=next_ts,
            member_id=owner.member_id if owner else None,
            client_id=owner.client_id if owner else None,
            host=owner.host if owner else None,
        ))
    return GroupDetail(
        group_id=desc.group_id, state=desc.state, type=desc.type, simple=desc.simple,
        coordinator=desc.coordinator, coordinator_host=desc.coordinator_host,
        assignment_strategy=desc.assignor, members=desc.members, offsets=tuple(rows), measured_at_ms=measured_at,
    )


# ---------------------------------------------------------------------------------------- delete


def delete_groups(conf: dict, timeout: float, group_ids: list[str]) -> OperationResult:
    """Delete groups (their committed offsets go with them); a group with members cannot be deleted."""
    group_ids = list(dict.fromkeys(group_ids))
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        results = admin.delete_groups(group_ids)
    items = [ItemResult(g, True, "deleted") if results[g].ok else failed_item(g, results[g].error) for g in group_ids]
    log.event("group_delete", groups=len(items), failed=sum(not i.ok for i in items), duration_ms=ms_since(start))
    return OperationResult("delete", tuple(items))
