"""Replica placement: `topics set-replication`, `topics move`, `cluster reassignments`,
`cluster elect-leaders` and `cluster log-dirs`.

A plan is computed from one metadata request and shown first; `execute` sends it as one
AlterPartitionReassignments request to the controller (over kafka-python). The optional
throttle sets Kafka's replication throttle (leader/follower.replication.throttled.rate on the
brokers involved, *.replication.throttled.replicas=* on the topic) before the reassignment starts;
it stays until removed (docs/admin.md: Log dirs and replicas).
"""

from __future__ import annotations

from kctl import log
from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import NotFoundError, UsageError, failure_of
from kctl.models import ItemResult, OperationResult
from kctl.models.admin import TopicInfo
from kctl.models.replicas import ReplicaMove, ReplicaReassignment

THROTTLED_REPLICAS = ("leader.replication.throttled.replicas", "follower.replication.throttled.replicas")
THROTTLED_RATES = ("leader.replication.throttled.rate", "follower.replication.throttled.rate")


def _topic(admin: AdminClient, name: str, deadline: Deadline) -> tuple[TopicInfo, list[int]]:
    info, topics = admin.snapshot(deadline)
    found = {t.name: t for t in topics}.get(name)
    if found is None:
        raise NotFoundError(f"topic {name!r} does not exist", hint="`kctl topics list` shows the topics")
    return found, [b.id for b in info.brokers]


def replication_targets(topic: TopicInfo, factor: int, brokers: list[int]) -> dict[int, tuple[int, ...]]:
    """Each partition's replicas at `factor`: the current ones kept in order (the preferred leader
    first); new ones on the brokers holding fewest replicas of the topic (ties: round robin after
    the last replica); fewer drops from the end."""
    if not 1 <= factor <= len(brokers):
        raise UsageError(f"--factor {factor}: the cluster has {len(brokers)} broker(s)")
    load = {b: 0 for b in brokers}
    for p in topic.partitions:
        for r in p.replicas:
            if r in load:
                load[r] += 1
    out = {}
    for p in topic.partitions:
        replicas = [r for r in p.replicas if r in load][:factor]
        order = sorted(brokers)
        while len(replicas) < factor:
            # Fewest replicas first; among equals the next broker after the last replica (round robin).
            last = order.index(replicas[-1]) if replicas and replicas[-1] in order else -1
            extra = min((b for b in order if b not in replicas),
                        key=lambda b: (load[b], (order.index(b) - last) % len(order)))
            replicas.append(extra)
            load[extra] += 1
        out[p.partition] = tuple(replicas)
    return out


def move_targets(topic: TopicInfo, brokers: list[int], live: list[int]) -> dict[int, tuple[int, ...]]:
    """Each partition's replicas (same count) spread round-robin over the given brokers."""
    unknown = sorted(set(brokers) - set(live))
    if unknown:
        raise UsageError(f"--brokers: {', '.join(map(str, unknown))} not in the cluster (brokers: {', '.join(map(str, live))})")
    factor = topic.replication_factor
    if factor > len(brokers):
        raise UsageError(f"--brokers: the topic has replication factor {factor}, give at least {factor} brokers")
    return {p.partition: tuple(brokers[(p.partition + i) % len(brokers)] for i in range(factor)) for p in topic.partitions}


def reassign(conf: dict, timeout: float, operation: str, topic: str, *, factor: int | None = None,
         brokers: list[int] | None = None, execute: bool = False, throttle: int | None = None) -> ReplicaReassignment:
    """operation set-replication (factor) or move (brokers): the plan, and with execute its start."""
    if throttle is not None and throttle < 1:
        raise UsageError("--throttle must be at least 1 byte/s")
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        info, live = _topic(admin, topic, deadline)
        targets = (replication_targets(info, factor, live) if operation == "set-replication"
                   else move_targets(info, list(dict.fromkeys(brokers or ())), live))
        current = {p.partition: p.replicas for p in info.partitions}
        changed = {p: r for p, r in targets.items() if tuple(r) != tuple(current[p])}
        outcomes = {}
        if execute and changed:
            if throttle is not None:
                _throttle(admin, topic, throttle, {b for p in changed for b in (*changed[p], *current[p])}, deadline)
            outcomes = admin.alter_reassignments({(topic, p): list(r) for p, r in changed.items()}, deadline)
    moves = []
    for p, target in sorted(targets.items()):
        if p not in changed:
            moves.append(ReplicaMove(topic, p, current[p], target, "unchanged"))
            continue
        outcome = outcomes.get((topic, p))
        if not execute:
            moves.append(ReplicaMove(topic, p, current[p], target, "planned"))
        elif outcome is not None and outcome.error is not None:
            moves.append(ReplicaMove(topic, p, current[p], target, "failed", outcome.error.message,
                                     int(outcome.error.exit_code)))
        else:
            moves.append(ReplicaMove(topic, p, current[p], target, "started"))
    log.event("reassignment_plan", operation=operation, topic=topic, partitions=len(changed), executed=execute)
    return ReplicaReassignment(operation, topic, tuple(moves), executed=execute, throttle_bytes=throttle)


def _throttle(admin: AdminClient, topic: str, rate: int, brokers: set[int], deadline: Deadline) -> None:
    for broker in sorted(brokers):
        outcome = admin.alter_resource_config("broker", str(broker), {k: str(rate) for k in THROTTLED_RATES},
                                              timeout=deadline)
        if outcome.error is not None:
            raise outcome.error
    outcome = admin.alter_resource_config("topic", topic, {k: "*" for k in THROTTLED_REPLICAS}, timeout=deadline)
    if outcome.error is not None:
        raise outcome.error


def failure(result: ReplicaReassignment):
    rows = [ItemResult(f"{m.topic}:{m.partition}", m.ok, error=m.error, exit_code=m.exit_code) for m in result.moves]
    return failure_of(rows, f"topics {result.operation}")


def reassignments(conf: dict, timeout: float, topic: str | None = None, cancel: bool = False):
    """The reassignments in progress ((Reassignment...)), or with cancel a ReplicaReassignment of cancelled ones."""
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        if topic is not None:
            _topic(admin, topic, deadline)  # a misspelt topic is exit 4, not "no reassignment in progress"
        running = admin.list_reassignments([topic] if topic else None, deadline)
        if not cancel:
            return running
        outcomes = admin.alter_reassignments({(r.topic, r.partition): None for r in running}, deadline)
    moves = []
    for r in running:
        outcome = outcomes.get((r.topic, r.partition))
        error = outcome.error if outcome is not None else None
        moves.append(ReplicaMove(r.topic, r.partition, r.replicas, tuple(x for x in r.replicas if x not in r.adding),
                                 "failed" if error else "cancelled", error.message if error else None,
                                 int(error.exit_code) if error else None))
    return ReplicaReassignment("cancel", topic, tuple(moves), executed=True)


def elect_leaders(conf: dict, timeout: float, topic: str | None = None, unclean: bool = False) -> OperationResult:
    """Preferred (or unclean) leader election of a topic's partitions (None: every partition)."""
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        partitions = None
        if topic is not None:
            info, _ = _topic(admin, topic, deadline)
            partitions = [(topic, p) for p in info.partition_ids]
        results = admin.elect_leaders(partitions, unclean=unclean, timeout=deadline)
    kind = "unclean" if unclean else "preferred"
    items = tuple(
        ItemResult(f"{t}:{p}", True, f"{kind} leader elected (or already leading)") if o.ok
        else ItemResult(f"{t}:{p}", False, error=o.error.message, exit_code=int(o.error.exit_code))
        for (t, p), o in sorted(results.items()))
    log.event("elect_leaders", topic=topic, unclean=unclean, partitions=len(items))
    return OperationResult("elect-leaders", items)


def log_dirs(conf: dict, timeout: float, broker: int | None = None, topic: str | None = None) -> list:
    """(LogDirInfo...) per broker and dir, with replica sizes (of the topic) and future replicas."""
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        if broker is not None:
            live = [b.id for b in admin.describe_cluster(deadline).brokers]
            if broker not in live:
                raise NotFoundError(f"broker {broker} is not in the cluster (brokers: {', '.join(map(str, live))})")
        if topic is not None:
            _topic(admin, topic, deadline)  # a misspelt topic is exit 4, not every dir with no replica
        return admin.log_dirs([broker] if broker is not None else None, [topic] if topic else None, deadline)
