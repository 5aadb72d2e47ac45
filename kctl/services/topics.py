"""Topic administration: list, describe, create, delete, configs, partitions, records.

Multi-item operations return an OperationResult with one row per item (ok, or why not);
the caller renders it and then raises kctl.errors.failure_of(result.items) if any failed.
Everything goes through kctl.client.AdminClient.
"""

from __future__ import annotations

import gc
import logging
import time

from kctl import log
from kctl.client.admin import AdminClient, check_names
from kctl.deadline import Deadline
from kctl.errors import InvalidRequest, KctlError, NotFoundError, UsageError, failure_of
from kctl.models import ItemResult, OperationResult, PartitionDetail, TopicDescribeResult, TopicDetail, TopicSize, TopicSummary
from kctl.models.admin import TopicInfo
from kctl.parsing import parse_regex

# Config sources `describe` shows: Kafka's built-in defaults are left out on purpose (it shows
# what someone changed).
SHOWN_CONFIG_SOURCES = ("topic", "broker", "broker-default", "static", "unknown")
NO_SIZE_NOTE = "not asked for (--no-size)"


def list_topics(conf: dict, timeout: float, pattern: str | None = None, internal: bool = False,
                states: tuple[str, ...] = (), sizes: bool = False) -> list:
    """TopicSummary rows (TopicSize with sizes=True: bytes per topic from DescribeLogDirs).
    states: only topics with a partition in any of these states (kctl.services.health.PARTITION_FILTERS:
    under-replicated, under-min-isr, at-min-isr, offline, unavailable)."""
    regex = parse_regex(pattern)
    deadline = Deadline.after(timeout)
    with log.timed("topic_list"), AdminClient(conf, timeout=timeout) as admin:
        if states:
            from kctl.services import health  # not on topics list's path

            info, topics = admin.snapshot(deadline)
            topics = health.select_topics(admin, list(states), deadline, list(topics), {b.id for b in info.brokers})
        else:
            topics = admin.list_topics(deadline)
        topics = [t for t in topics if (internal or not t.internal) and (regex is None or regex.fullmatch(t.name))]
        if sizes:
            replica_sizes, note = _replica_sizes(admin, [t.name for t in topics], deadline)
    if not sizes:
        return [TopicSummary(name=t.name, partitions=len(t.partitions), replication_factor=t.replication_factor,
                             internal=t.internal) for t in topics]
    out = []
    for t in topics:
        detail = _topic_detail(t, (), {}, replica_sizes, note)
        out.append(TopicSize(name=t.name, partitions=len(t.partitions), replication_factor=t.replication_factor,
                             internal=t.internal, size_bytes=detail.size_bytes, size_note=detail.size_note))
    return out


# ---------------------------------------------------------------------------------------- describe


def describe_topics(conf: dict, timeout: float, names: list[str], sizes: bool = True) -> TopicDescribeResult:
    """Partitions (leader, replicas, ISR, watermarks, message counts), non-default configs and
    sizes on disk of the named topics. Unknown names come back in `missing`.

    One request per kind for all the topics together, side by side: DescribeTopics with
    DescribeConfigs, the watermarks (ListOffsets) and DescribeLogDirs. On a PLAINTEXT cluster all
    but DescribeTopics go over kctl's own few bytes (kctl.kafka.wire: the libraries' Python objects
    cost more than the requests).
    """
    # A Future (with its Condition and locks) per topic and a model per result, none in a cycle:
    # the cyclic GC would only rescan them again and again (0.2-0.4 s CPU for 1,000 topics).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _describe_topics(conf, timeout, names, sizes)
    finally:
        if gc_was_enabled:
            gc.enable()


def _describe_topics(conf: dict, timeout: float, names: list[str], sizes: bool) -> TopicDescribeResult:
    from concurrent.futures import ThreadPoolExecutor  # not on topics list's path

    names = check_names(dict.fromkeys(names), "topic name")  # exit 2 before any request (or thread)
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin, ThreadPoolExecutor(2, thread_name_prefix="kctl-describe") as pool:
        known = admin.partition_leaders(deadline)  # also exit 6 / 9 before the other threads start
        leaders = {(n, p): leader for n in names for p, leader in sorted(known.get(n, {}).items())}
        offsets_job = pool.submit(_watermarks, conf, admin, leaders, deadline)
        size_job = pool.submit(_replica_sizes, admin, names, deadline) if sizes else None
        described, configs = admin.topic_details(names, deadline, config_sources=SHOWN_CONFIG_SOURCES)
        ranges = offsets_job.result()
        # Partitions the watermarks' look-up did not cover (a leader that moved, a topic created or
        # grown meanwhile, or the look-up failed): the admin client's ListOffsets, with an error per partition.
        # A partition without a leader is left out: it has no offsets to give, and ListOffsets would
        # retry LEADER_NOT_AVAILABLE until --timeout (an incident's describe must answer at once).
        rest = [(n, p.partition) for n in names if described[n].ok for p in described[n].value.partitions
                if (n, p.partition) not in ranges and p.leader is not None]
        if rest:
            low, high = (admin.list_offsets(rest, spec, deadline) for spec in ("earliest", "latest"))
            ranges.update({k: (low[k].value if low[k].ok else None, high[k].value if high[k].ok else None)
                           for k in rest})
        replica_sizes, size_note = size_job.result() if size_job else (None, NO_SIZE_NOTE)

    topics, missing = [], []
    for name in names:
        outcome = described[name]
        if not outcome.ok:
            missing.append(_failed(name, outcome.error, topic=name))
            continue
        config = configs.get(name)
        configs_note = None
        if config is None or not config.ok:
            # Said, not hidden: an empty table would read as "every config at its default".
            reason = config.error.message if config is not None else "not answered"
            configs_note = f"unknown: {reason}"
            log.event("topic_configs_unknown", logging.WARNING, topic=name, reason=reason)
        entries = config.value if configs_note is None else ()
        topics.append(_topic_detail(outcome.value, entries, ranges, replica_sizes, size_note, configs_note))
    log.event("topic_describe", topics=len(names), missing=len(missing), duration_ms=_ms(start))
    return TopicDescribeResult(topics=tuple(topics), missing=tuple(missing))


def _watermarks(conf: dict, admin: AdminClient, leaders: dict, deadline: Deadline) -> dict:
    """{(topic, partition): (low, high)} beside the admin requests: asked of the leaders directly on
    a PLAINTEXT cluster, else through a consumer on its own connection (librdkafka builds and reads
    both batched ListOffsets in C; the admin client makes a Future per partition: ~0.2 s per 3,000).
    Partitions missing from the answer (or {} when the consumer failed): the caller asks the admin
    client's ListOffsets."""
    from kctl.client.consumer import ConsumerClient  # not on topics list's path

    wired = admin.watermarks_over_wire(leaders, deadline)
    if wired is not None:
        return wired
    try:
        with ConsumerClient(conf) as consumer:
            return consumer.watermark_ranges(list(leaders), deadline)
    except KctlError as error:
        log.event("topic_watermarks_fallback", logging.DEBUG, reason=error.message)
        return {}


def _replica_sizes(admin: AdminClient, names: list[str], deadline: Deadline):
    """({(topic, partition, broker): bytes}, None), or (None, why not): sizes are best effort."""
    if not names:
        return {}, None
    try:
        replicas = admin.describe_log_dirs(topics=names, timeout=deadline)
    except KctlError as error:
        note = f"unknown: {error.message}"
        log.event("topic_size_unknown", logging.WARNING, reason=error.message)
        return None, note
    sizes: dict[tuple[str, int, int], int] = {}
    for r in replicas:
        if not r.is_future:  # a replica being moved between log dirs: counted once, at its current place
            key = (r.topic, r.partition, r.broker)
            sizes[key] = sizes.get(key, 0) + r.size_bytes
    return sizes, None


def _topic_detail(info: TopicInfo, entries, ranges: dict, replica_sizes: dict | None,
                  size_note: str | None, configs_note: str | None = None) -> TopicDetail:
    """ranges: {(topic, partition): (low, high)}, None for an offset that is not known."""
    name = info.name
    parts = []
    for p in info.partitions:
        lo, hi = ranges.get((name, p.partition), (None, None))
        size = None
        if replica_sizes is not None:
            # The leader's copy is the partition's log; a follower's is a fallback when no leader answers.
            for broker in ([p.leader] if p.leader is not None else []) + list(p.replicas):
                if (name, p.partition, broker) in replica_sizes:
                    size = replica_sizes[(name, p.partition, broker)]
                    break
        parts.append(PartitionDetail(
            partition=p.partition, leader=p.leader, replicas=p.replicas, isr=p.isr,
            low_watermark=lo, high_watermark=hi,
            messages=(hi - lo) if lo is not None and hi is not None else None,
            size_bytes=size,
        ))
    sizes = [p.size_bytes for p in parts]
    total = None if not parts or any(s is None for s in sizes) else sum(sizes)
    if total is None and size_note is None:
        size_note = "unknown: no broker reported the log of some partitions"
    shown = [e for e in entries if e.source in SHOWN_CONFIG_SOURCES]
    return TopicDetail(
        name=name,
        topic_id=info.topic_id,
        internal=info.internal,
        partitions=tuple(parts),
        configs={e.name: ("" if e.value is None else e.value) for e in shown},
        size_bytes=total,
        config_sources={e.name: e.source for e in shown},
        size_note=None if total is not None else size_note,
        configs_note=configs_note,
    )


# ---------------------------------------------------------------------------------------- create


def create_topics(
    conf: dict,
    timeout: float,
    names: list[str],
    partitions: int | None = None,
    replication: int | None = None,
    config: dict[str, str] | None = None,
    if_not_exists: bool = False,
    validate_only: bool = False,
    dry_run: bool = False,
) -> OperationResult:
    """Create topics (None partitions/replication: the broker's defaults). validate_only: the broker
    checks the request (CreateTopics validate_only) and creates nothing; dry_run: no request, the
    plan (which topics would be created, which exist). Returns once every partition of the created
    topics has a leader (scripts go on with `kctl produce`)."""
    if validate_only and dry_run:
        raise UsageError("give --dry-run (the plan, no request) or --validate-only (the broker checks it), not both")
    names = list(dict.fromkeys(names))
    config = dict(config or {})
    if dry_run:
        return _create_plan(conf, timeout, names, partitions, replication, config, if_not_exists)
    with AdminClient(conf, timeout=timeout) as admin:
        results = admin.create_topics(names, partitions, replication, config, validate_only=validate_only)
    items = []
    for name in names:
        outcome = results[name]
        if outcome.ok:
            items.append(ItemResult(name, True, ("valid: " if validate_only else "created: ") +
                                    _create_detail(partitions, replication, config)))
        elif if_not_exists and outcome.error.code_name == "TOPIC_ALREADY_EXISTS":
            items.append(ItemResult(name, True, "already exists (unchanged)"))
        else:
            items.append(_failed(name, outcome.error))
        log.event("topic_create", topic=name, partitions=partitions, replication=replication,
                  validate_only=validate_only, ok=items[-1].ok, duration_ms=outcome.elapsed_ms)
    return OperationResult("create", tuple(items), dry_run=validate_only)


def _create_plan(conf: dict, timeout: float, names: list[str], partitions: int | None, replication: int | None,
                 config: dict[str, str], if_not_exists: bool) -> OperationResult:
    """`topics create --dry-run`: what would be created, read from the cluster's metadata (the
    broker's checks of the configs are --validate-only's)."""
    check_names(names, "topic name")
    with AdminClient(conf, timeout=timeout) as admin:
        existing = {t.name for t in admin.list_topics()}
        brokers = len(admin.describe_cluster().brokers) if replication is not None else None
    items = []
    for name in names:
        if name in existing:
            items.append(ItemResult(name, True, "already exists (unchanged)") if if_not_exists else
                         _failed(name, InvalidRequest(f"Topic '{name}' already exists.")))
        elif brokers is not None and replication > brokers:
            items.append(_failed(name, InvalidRequest(f"replication factor {replication} is more than the cluster's "
                                                      f"{brokers} broker{'' if brokers == 1 else 's'}")))
        else:
            items.append(ItemResult(name, True, "would create: " + _create_detail(partitions, replication, config)))
    return OperationResult("create", tuple(items), dry_run=True)


def _create_detail(partitions, replication, config) -> str:
    text = f"partitions={'default' if partitions is None else partitions} replication={'default' if replication is None else replication}"
    if config:
        text += " " + " ".join(f"{k}={v}" for k, v in sorted(config.items()))
    return text


# ---------------------------------------------------------------------------------------- delete


def resolve_delete_targets(conf: dict, timeout: float, names: list[str], regex: str | None) -> list[str]:
    """The topics a delete would touch: the names as given, plus existing non-internal topics
    whose whole name matches regex. No name and a regex matching nothing is a not-found error."""
    if not names and not regex:
        raise UsageError("give topic names or --regex", hint="see `kctl topics delete --help`")
    targets = list(dict.fromkeys(names))
    if regex:
        pattern = parse_regex(regex, "--regex")
        with AdminClient(conf, timeout=timeout) as admin:
            topics = admin.list_topics()
        matched = [t.name for t in topics if not t.internal and pattern.fullmatch(t.name)]
        targets += [n for n in matched if n not in targets]
        if not matched and not names:
            raise NotFoundError(f"no topic matches the regular expression {regex!r}",
                                hint="the whole name must match; `kctl topics list REGEX` shows candidates")
    return targets


def delete_topics(conf: dict, timeout: float, names: list[str], if_exists: bool = False, dry_run: bool = False) -> OperationResult:
    """Delete topics; returns once they are gone from metadata (so `delete` then `create` works)."""
    names = list(dict.fromkeys(names))
    with AdminClient(conf, timeout=timeout) as admin:
        if dry_run:
            existing = {t.name for t in admin.list_topics()}
            items = tuple(
                ItemResult(n, True, "would delete") if n in existing
                else ItemResult(n, True, "does not exist (skipped)") if if_exists
                else _failed(n, NotFoundError(f"topic {n!r} does not exist"))
                for n in names
            )
            return OperationResult("delete", items, dry_run=True)
        results = admin.delete_topics(names)
    items = []
    for name in names:
        outcome = results[name]
        if outcome.ok:
            items.append(ItemResult(name, True, "deleted"))
        elif if_exists and isinstance(outcome.error, NotFoundError):
            items.append(ItemResult(name, True, "does not exist (skipped)"))
        else:
            items.append(_failed(name, outcome.error, topic=name))
        log.event("topic_delete", topic=name, ok=items[-1].ok, duration_ms=outcome.elapsed_ms)
    return OperationResult("delete", tuple(items))


# ---------------------------------------------------------------------------------------- partitions


def add_partitions(conf: dict, timeout: float, topic: str, total: int, validate_only: bool = False,
                   dry_run: bool = False) -> OperationResult:
    """Grow a topic to `total` partitions (Kafka cannot shrink one). validate_only: the broker checks
    the request (CreatePartitions validate_only); dry_run: no request, the plan from the metadata."""
    if validate_only and dry_run:
        raise UsageError("give --dry-run (the plan, no request) or --validate-only (the broker checks it), not both")
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        before = admin.topic(topic)
        current = len(before.partitions) if before is not None else None
        if not dry_run:
            error = admin.add_partitions(topic, total, validate_only=validate_only).error
        elif current is None:
            error = NotFoundError(f"topic {topic!r} does not exist")
        elif total <= current:
            error = InvalidRequest(f"topic {topic!r} has {current} partitions: --to must be more (Kafka cannot shrink a topic)")
        else:
            error = None
    if error is None:
        grown = f"{current} -> {total} partitions" if current is not None else f"{total} partitions"
        item = ItemResult(topic, True, ("would grow: " if dry_run else "valid: " if validate_only else "") + grown)
    else:
        item = _failed(topic, error, topic=topic)
    log.event("topic_add_partitions", topic=topic, partitions=total, previous=current, validate_only=validate_only,
              dry_run=dry_run, ok=item.ok, duration_ms=_ms(start))
    return OperationResult("add-partitions", (item,), dry_run=dry_run or validate_only)


# ---------------------------------------------------------------------------------------- delete-records


def delete_records(conf: dict, timeout: float, topic: str, before: dict[int, int] | None = None, purge: bool = False) -> OperationResult:
    """Delete the records before an offset in each given partition; purge: every partition up to
    its high watermark. Kafka moves the low watermark; the log segments go later.
    before: from kctl.parsing.parse_partition_offsets."""
    if bool(before) == purge:
        raise UsageError("give either --before PARTITION:OFFSET (repeatable) or --all")
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        info = admin.topic(topic)
        if info is None:
            raise NotFoundError(f"topic {topic!r} does not exist", hint="`kctl topics list` shows the topics")
        known = set(info.partition_ids)
        if purge:
            # Offset -1 asks the leader to delete up to its high watermark at that moment.
            targets, failed = {p: -1 for p in sorted(known)}, {}
        else:
            targets = {p: o for p, o in before.items() if p in known}
            failed = {p: NotFoundError(f"topic {topic!r} has no partition {p} (it has {len(known)})")
                      for p in before if p not in known}
        results = admin.delete_records({(topic, p): o for p, o in targets.items()})
    items = []
    for p in sorted(set(targets) | set(failed)):
        name = f"{topic}:{p}"
        if p in failed:
            items.append(_failed(name, failed[p]))
            continue
        outcome = results[(topic, p)]
        items.append(ItemResult(name, True, f"low watermark now {outcome.value}") if outcome.ok else _failed(name, outcome.error))
    log.event("topic_delete_records", topic=topic, partitions=len(items), purge=purge,
              ok=all(i.ok for i in items), duration_ms=_ms(start))
    return OperationResult("delete-records", tuple(items))


# ---------------------------------------------------------------------------------------- helpers


def failure(result: OperationResult) -> KctlError | None:
    """The error an operation's command ends with, after its rows were rendered (None: all ok)."""
    failed = result.failed
    hint = None
    if result.operation == "create" and any("already exists" in (i.error or "") for i in failed):
        hint = "`--if-not-exists` accepts topics that already exist"
    elif result.operation == "delete" and any(i.exit_code == NotFoundError.exit_code for i in failed):
        hint = "`--if-exists` accepts topics that do not exist"
    elif any(i.exit_code == NotFoundError.exit_code for i in failed):
        hint = "`kctl topics list` shows the topics"
    return failure_of(result.items, f"topics {result.operation}", hint=hint)


def describe_failure(result: TopicDescribeResult) -> KctlError | None:
    rows = [ItemResult(t.name, True) for t in result.topics] + list(result.missing)
    return failure_of(rows, "topics describe", hint="`kctl topics list` shows the topics")


def _failed(name: str, error: KctlError, topic: str | None = None) -> ItemResult:
    """A failed row; the broker's bare "Unknown topic or partition" gets the topic's name."""
    message = error.message
    if topic is not None and error.code_name in ("UNKNOWN_TOPIC_OR_PART", "_UNKNOWN_TOPIC"):
        message = f"topic {topic!r} does not exist"
    return ItemResult(name, False, error=message, exit_code=int(error.exit_code))


def _ms(start: float) -> int:
    return round((time.perf_counter() - start) * 1000)
