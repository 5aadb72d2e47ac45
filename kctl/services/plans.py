"""What a destructive command would change, read without changing anything (kctl.cli.confirm).

Each plan is the command's result type with dry_run set; a row that would change starts its
detail with "would", with the counts of what goes (records, offsets, members).
"""

from __future__ import annotations

import re

from kctl.client.admin import AdminClient, check_names
from kctl.deadline import Deadline
from kctl.errors import NotFoundError, UsageError
from kctl.models import ItemResult, OperationResult
from kctl.models.replicas import ReplicaMove, ReplicaReassignment


def _missing(name: str, message: str) -> ItemResult:
    return ItemResult(name, False, error=message, exit_code=int(NotFoundError.exit_code))


def _records(admin: AdminClient, keys: list, deadline: Deadline) -> tuple[dict, dict]:
    """({key: low watermark}, {key: high watermark}) of the partitions (None when unreadable)."""
    if not keys:
        return {}, {}
    low, high = admin.list_offsets(keys, "earliest", deadline), admin.list_offsets(keys, "latest", deadline)
    return ({k: o.value if o.ok else None for k, o in low.items()},
            {k: o.value if o.ok else None for k, o in high.items()})


def _count(low, high) -> int | None:
    return None if low is None or high is None else max(0, high - low)


def _n(count: int | None, word: str) -> str:
    if count is None:
        return f"? {word}s"
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def records_of(plan: OperationResult) -> int:
    """The records a plan's rows would delete, summed (from their "N records" counts)."""
    return sum(int(m.group(1).replace(",", "")) for i in plan.items if i.ok and i.detail.startswith("would")
               for m in re.finditer(r"([\d,]+) records?\b", i.detail))


def delete_topics(conf: dict, timeout: float, names: list[str], if_exists: bool = False) -> OperationResult:
    """Each topic with its partitions and records (sum of high minus low watermarks)."""
    names = list(dict.fromkeys(names))
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        known = {t.name: t for t in admin.list_topics(deadline)}
        keys = [(n, p) for n in names if n in known for p in known[n].partition_ids]
        low, high = _records(admin, keys, deadline)
    items = []
    for name in names:
        if name not in known:
            items.append(ItemResult(name, True, "does not exist (skipped)") if if_exists
                         else _missing(name, f"topic {name!r} does not exist"))
            continue
        counts = [_count(low.get((name, p)), high.get((name, p))) for p in known[name].partition_ids]
        records = None if None in counts else sum(counts)
        items.append(ItemResult(name, True, f"would delete: {_n(len(counts), 'partition')}, {_n(records, 'record')}"))
    return OperationResult("delete", tuple(items), dry_run=True)


def delete_records(conf: dict, timeout: float, topic: str, before: dict[int, int] | None = None,
                   purge: bool = False) -> OperationResult:
    """Per partition the records that go: from the low watermark up to the offset (or the high watermark)."""
    if bool(before) == purge:
        raise UsageError("give either --before PARTITION:OFFSET (repeatable) or --all")
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        info = admin.topic(topic, deadline)
        if info is None:
            raise NotFoundError(f"topic {topic!r} does not exist", hint="`kctl topics list` shows the topics")
        known = set(info.partition_ids)
        wanted = sorted(known) if purge else sorted(before)
        low, high = _records(admin, [(topic, p) for p in wanted if p in known], deadline)
    items = []
    for p in wanted:
        name = f"{topic}:{p}"
        if p not in known:
            items.append(_missing(name, f"topic {topic!r} has no partition {p} (it has {len(known)})"))
            continue
        lo, hi = low.get((topic, p)), high.get((topic, p))
        upto = hi if purge else before[p]
        if hi is not None and upto > hi:  # the broker refuses it (OFFSET_OUT_OF_RANGE)
            items.append(ItemResult(name, False, error=f"offset {upto} is past the high watermark {hi}",
                                    exit_code=int(UsageError.exit_code)))
            continue
        count = _count(lo, upto)
        if count == 0:
            items.append(ItemResult(name, True, f"nothing to delete (low watermark {lo})"))
        else:
            items.append(ItemResult(name, True, f"would delete {_n(count, 'record')} (offsets {lo} to {upto})"))
    return OperationResult("delete-records", tuple(items), dry_run=True)


def delete_groups(conf: dict, timeout: float, group_ids: list[str]) -> OperationResult:
    """Each group with its state, members and committed offsets."""
    from kctl.services.groups.common import absent, read_groups  # heavy: msgspec (via kctl.services.groups.common)

    group_ids = list(dict.fromkeys(group_ids))
    check_names(group_ids, "group id")
    with AdminClient(conf, timeout=timeout) as admin:
        described, committed = read_groups(admin, group_ids, Deadline.after(timeout))
    items = []
    for g in group_ids:
        desc, offsets = described[g], committed[g]
        if desc.error or offsets.error:
            error = desc.error or offsets.error
            items.append(ItemResult(g, False, error=error.message, exit_code=int(error.exit_code)))
        elif absent(desc.value, offsets.value):
            items.append(_missing(g, "the group does not exist"))
        elif desc.value.members:
            # The broker's refusal (NON_EMPTY_GROUP) in the words kctl.services.groups.common gives it.
            items.append(ItemResult(g, False, error="the group has active members", exit_code=int(UsageError.exit_code)))
        else:
            items.append(ItemResult(g, True, f"would delete: state {desc.value.state}, "
                                             f"{_n(len(offsets.value or {}), 'committed offset')}"))
    return OperationResult("delete", tuple(items), dry_run=True)


def delete_user(conf: dict, timeout: float, user: str, mechanisms: list[str]) -> OperationResult:
    """The user's credentials that would go."""
    try:
        with AdminClient(conf, timeout=timeout) as admin:
            found = {u.user: u for u in admin.describe_scram_users([user])}
    except NotFoundError:
        found = {}
    have = {c.mechanism for c in found[user].credentials} if user in found else set()
    if not mechanisms:  # none named: every credential the user has
        if not have:
            return OperationResult("users delete", (_missing(user, f"user {user!r} has no SCRAM credential"),),
                                   dry_run=True)
        mechanisms = sorted(have)
    items = tuple(ItemResult(f"{user} {m}", True, "would delete") if m in have
                  else _missing(f"{user} {m}", f"user {user!r} has no {m} credential") for m in mechanisms)
    return OperationResult("users delete", items, dry_run=True)


def elect_leaders(conf: dict, timeout: float, topic: str | None = None, unclean: bool = False) -> OperationResult:
    """The partitions an election would change: preferred, those not led by their first replica;
    unclean, those without a leader (the new leader may lack records)."""
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        if topic is not None:
            info = admin.topic(topic, deadline)
            if info is None:
                raise NotFoundError(f"topic {topic!r} does not exist", hint="`kctl topics list` shows the topics")
            topics = [info]
        else:
            topics = admin.list_topics(deadline)
    items = []
    for t in topics:
        for p in t.partitions:
            name = f"{t.name}:{p.partition}"
            if unclean and p.leader is None:
                items.append(ItemResult(name, True, "would elect an out-of-sync replica (no leader now; "
                                                    "records it lacks are lost)"))
            elif not unclean and p.replicas and p.leader != p.replicas[0]:
                items.append(ItemResult(name, True, f"would move the leader from {p.leader} to {p.replicas[0]}"))
    if not items:
        items.append(ItemResult(topic or "every partition", True, "nothing to elect"))
    return OperationResult("elect-leaders", tuple(items), dry_run=True)


def cancel_reassignments(conf: dict, timeout: float, topic: str | None = None) -> ReplicaReassignment:
    """The reassignments in progress that a cancel would stop (the old replicas stay)."""
    with AdminClient(conf, timeout=timeout) as admin:
        running = admin.list_reassignments([topic] if topic else None, Deadline.after(timeout))
    moves = tuple(ReplicaMove(r.topic, r.partition, r.replicas, tuple(x for x in r.replicas if x not in r.adding),
                              "planned") for r in running)
    return ReplicaReassignment("cancel", topic, moves, executed=False)
