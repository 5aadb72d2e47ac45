"""Topic administration: list, describe, create, delete, configs, partitions, records.

Multi-item operations return an OperationResult with one row per item (ok, or why not);
the caller renders it and then raises kctl.errors.failure_of(result.items) if any failed.
"""

from __future__ import annotations

import re
import time

from kctl import log
from kctl.errors import KctlError, NotFoundError, UsageError, failure_of
from kctl.kafka import topic_admin
from kctl.kafka.clients import admin_client, cluster_metadata, wait_each
from kctl.models import ItemResult, OperationResult, PartitionDetail, TopicDescribeResult, TopicDetail, TopicSummary

# How often to re-read metadata while waiting for a change to become visible.
_POLL_S = 0.05


def list_topics(conf: dict, timeout: float, pattern: str | None = None, internal: bool = False) -> list[TopicSummary]:
    regex = _compile(pattern)
    with log.timed("topic_list"), admin_client(conf) as admin:
        metadata = cluster_metadata(admin, conf, timeout)
    out = []
    for name, topic in sorted(metadata.topics.items()):
        is_internal = name.startswith("__")
        if is_internal and not internal:
            continue
        if regex and not regex.search(name):
            continue
        partitions = topic.partitions.values()
        replication = max((len(p.replicas) for p in partitions), default=0)
        out.append(TopicSummary(name=name, partitions=len(topic.partitions), replication_factor=replication, internal=is_internal))
    return out


# ---------------------------------------------------------------------------------------- describe


def describe_topics(conf: dict, timeout: float, names: list[str], sizes: bool = True) -> TopicDescribeResult:
    """Partitions (leader, replicas, ISR, watermarks, message counts), non-default configs and
    sizes on disk of the named topics. Unknown names come back in `missing`."""
    names = list(dict.fromkeys(names))
    start = time.perf_counter()
    with admin_client(conf) as admin:
        cluster_metadata(admin, conf, timeout)  # a clear exit-6 error when nothing answers
        # DescribeLogDirs goes through another client (kafka-python): run it alongside.
        size_job = _background(lambda: _log_dir_sizes(conf, names, timeout)) if sizes else None
        described = wait_each(topic_admin.describe_topics(admin, names, timeout), timeout, "describe")
        configs = wait_each(topic_admin.describe_topic_configs(admin, [n for n in names if described[n][1] is None], timeout),
                            timeout, "describe configs")
        partitions = [(name, p[0]) for name, (desc, err) in described.items() if err is None for p in desc["partitions"]]
        low = wait_each(topic_admin.list_offsets(admin, partitions, "earliest", timeout), timeout, "list offsets")
        high = wait_each(topic_admin.list_offsets(admin, partitions, "latest", timeout), timeout, "list offsets")
    replica_sizes = size_job() if size_job else None

    topics, missing = [], []
    for name in names:
        desc, error = described[name]
        if error is not None:
            missing.append(_failed(name, error, topic=name))
            continue
        topic_configs, _ = configs.get(name, ({}, None))
        topics.append(_topic_detail(name, desc, topic_configs or {}, low, high, replica_sizes))
    log.event("topic_describe", topics=len(names), missing=len(missing), duration_ms=_ms(start))
    return TopicDescribeResult(topics=tuple(topics), missing=tuple(missing))


def _topic_detail(name: str, desc: dict, configs: dict, low: dict, high: dict, replica_sizes: dict | None) -> TopicDetail:
    parts = []
    for partition, leader, replicas, isr in desc["partitions"]:
        lo, hi = low.get((name, partition), (None, None))[0], high.get((name, partition), (None, None))[0]
        size = None
        if replica_sizes is not None:
            # The leader's copy is the partition's log; a follower's is a fallback when no leader answers.
            for broker in ([leader] if leader is not None else []) + list(replicas):
                if (name, partition, broker) in replica_sizes:
                    size = replica_sizes[(name, partition, broker)]
                    break
        parts.append(PartitionDetail(
            partition=partition, leader=leader, replicas=tuple(replicas), isr=tuple(isr),
            low_watermark=lo, high_watermark=hi,
            messages=(hi - lo) if lo is not None and hi is not None else None,
            size_bytes=size,
        ))
    sizes = [p.size_bytes for p in parts]
    return TopicDetail(
        name=name,
        topic_id=desc["topic_id"],
        internal=desc["internal"] or name.startswith("__"),
        partitions=tuple(parts),
        configs={k: ("" if v is None else v) for k, (v, _) in sorted(configs.items())},
        size_bytes=None if not parts or any(s is None for s in sizes) else sum(sizes),
        config_sources={k: source for k, (_, source) in sorted(configs.items())},
    )


def _log_dir_sizes(conf: dict, names: list[str], timeout: float):
    from kctl.kafka.logdirs import partition_sizes

    return partition_sizes(conf, names, timeout)


def _background(fn):
    """Run fn in a thread; the returned callable joins it and gives its result (None on error)."""
    import threading

    box: dict = {}

    def run():
        try:
            box["value"] = fn()
        except Exception:  # noqa: BLE001 - best-effort work only
            box["value"] = None

    thread = threading.Thread(target=run, name="kctl-background", daemon=True)
    thread.start()

    def join():
        thread.join()
        return box.get("value")

    return join


# ---------------------------------------------------------------------------------------- create


def create_topics(
    conf: dict,
    timeout: float,
    names: list[str],
    partitions: int | None = None,
    replication: int | None = None,
    config: dict[str, str] | None = None,
    if_not_exists: bool = False,
    dry_run: bool = False,
) -> OperationResult:
    """Create topics (None partitions/replication: the broker's defaults). dry_run validates on the broker."""
    names = list(dict.fromkeys(names))
    config = dict(config or {})
    specs = [(name, partitions, replication, config) for name in names]
    start = time.perf_counter()
    with admin_client(conf) as admin:
        cluster_metadata(admin, conf, timeout)
        results = _wait_timed(topic_admin.create_topics(admin, specs, timeout, validate_only=dry_run), timeout, "create", start)
        created = [name for name, (_, error, _) in results.items() if error is None]
        if created and not dry_run:
            # Scripts go on with `kctl produce NAME`: wait until every partition has a leader.
            _wait_for_metadata(admin, timeout, lambda md: all(_has_leaders(md, n) for n in created))
    items = []
    for name in names:
        _, error, ms = results[name]
        if error is None:
            items.append(ItemResult(name, True, _create_detail(partitions, replication, config, dry_run)))
        elif if_not_exists and _code_name(error) == "TOPIC_ALREADY_EXISTS":
            items.append(ItemResult(name, True, "already exists (unchanged)"))
        else:
            items.append(_failed(name, error))
        log.event("topic_create", topic=name, partitions=partitions, replication=replication, dry_run=dry_run,
                  ok=items[-1].ok, duration_ms=ms)
    return OperationResult("create", tuple(items), dry_run=dry_run)


def _create_detail(partitions, replication, config, dry_run) -> str:
    text = f"partitions={'default' if partitions is None else partitions} replication={'default' if replication is None else replication}"
    if config:
        text += " " + " ".join(f"{k}={v}" for k, v in sorted(config.items()))
    return ("valid: " if dry_run else "created: ") + text


def _has_leaders(metadata, name: str) -> bool:
    topic = metadata.topics.get(name)
    return topic is not None and topic.error is None and bool(topic.partitions) and all(
        p.leader >= 0 for p in topic.partitions.values())


# ---------------------------------------------------------------------------------------- delete


def resolve_delete_targets(conf: dict, timeout: float, names: list[str], regex: str | None) -> list[str]:
    """The topics a delete would touch: the names as given, plus existing non-internal topics
    whose whole name matches regex. No name and a regex matching nothing is a not-found error."""
    if not names and not regex:
        raise UsageError("give topic names or --regex", hint="see `kctl topics delete --help`")
    targets = list(dict.fromkeys(names))
    if regex:
        pattern = _compile(regex)
        with admin_client(conf) as admin:
            metadata = cluster_metadata(admin, conf, timeout)
        matched = sorted(n for n in metadata.topics if not n.startswith("__") and pattern.fullmatch(n))
        targets += [n for n in matched if n not in targets]
        if not matched and not names:
            raise NotFoundError(f"no topic matches the regular expression {regex!r}",
                                hint="the whole name must match; `kctl topics list REGEX` shows candidates")
    return targets


def delete_topics(conf: dict, timeout: float, names: list[str], if_exists: bool = False, dry_run: bool = False) -> OperationResult:
    names = list(dict.fromkeys(names))
    start = time.perf_counter()
    with admin_client(conf) as admin:
        metadata = cluster_metadata(admin, conf, timeout)
        if dry_run:
            items = tuple(
                ItemResult(n, True, "would delete") if n in metadata.topics
                else ItemResult(n, True, "does not exist (skipped)") if if_exists
                else _failed(n, NotFoundError(f"topic {n!r} does not exist"))
                for n in names
            )
            return OperationResult("delete", items, dry_run=True)
        results = _wait_timed(topic_admin.delete_topics(admin, names, timeout), timeout, "delete", start)
        deleted = [n for n, (_, error, _) in results.items() if error is None]
        if deleted:
            # So that `delete` then `create` of the same name works from a script.
            _wait_for_metadata(admin, timeout, lambda md: not any(n in md.topics for n in deleted))
    items = []
    for name in names:
        _, error, ms = results[name]
        if error is None:
            items.append(ItemResult(name, True, "deleted"))
        elif if_exists and isinstance(error, NotFoundError):
            items.append(ItemResult(name, True, "does not exist (skipped)"))
        else:
            items.append(_failed(name, error, topic=name))
        log.event("topic_delete", topic=name, ok=items[-1].ok, duration_ms=ms)
    return OperationResult("delete", tuple(items))


# ---------------------------------------------------------------------------------------- alter-config


def alter_config(
    conf: dict, timeout: float, topic: str, set_: dict[str, str], delete: list[str], dry_run: bool = False
) -> OperationResult:
    """Incremental config change of one topic: one row per key, all with the request's outcome
    (the broker applies the request's changes together or not at all)."""
    if not set_ and not delete:
        raise UsageError("nothing to change: give --set KEY=VALUE and/or --delete KEY")
    both = sorted(set(set_) & set(delete))
    if both:
        raise UsageError(f"--set and --delete name the same key: {', '.join(both)}")
    start = time.perf_counter()
    with admin_client(conf) as admin:
        cluster_metadata(admin, conf, timeout)
        future = topic_admin.alter_topic_config(admin, topic, set_, list(delete), timeout, validate_only=dry_run)
        _, error = wait_each({topic: future}, timeout, "alter config")[topic]
    items = []
    changes = [(k, f"set to {v}") for k, v in set_.items()] + [(k, "deleted (back to the default)") for k in delete]
    for key, what in changes:
        name = f"{topic}:{key}"
        if error is None:
            items.append(ItemResult(name, True, ("valid: " if dry_run else "") + what))
        else:
            items.append(_failed(name, error, topic=topic))
    log.event("topic_alter_config", topic=topic, set=",".join(set_), delete=",".join(delete), dry_run=dry_run,
              ok=error is None, duration_ms=_ms(start))
    return OperationResult("alter-config", tuple(items), dry_run=dry_run)


# ---------------------------------------------------------------------------------------- partitions


def add_partitions(conf: dict, timeout: float, topic: str, total: int, dry_run: bool = False) -> OperationResult:
    """Grow a topic to `total` partitions (Kafka cannot shrink one)."""
    start = time.perf_counter()
    with admin_client(conf) as admin:
        metadata = cluster_metadata(admin, conf, timeout)
        before = metadata.topics.get(topic)
        current = len(before.partitions) if before is not None and before.error is None else None
        future = topic_admin.create_partitions(admin, topic, total, timeout, validate_only=dry_run)
        _, error = wait_each({topic: future}, timeout, "add partitions")[topic]
        if error is None and not dry_run:
            _wait_for_metadata(admin, timeout, lambda md: _has_leaders(md, topic) and len(md.topics[topic].partitions) >= total)
    if error is None:
        grown = f"{current} -> {total} partitions" if current is not None else f"{total} partitions"
        item = ItemResult(topic, True, ("valid: " if dry_run else "") + grown)
    else:
        item = _failed(topic, error, topic=topic)
    log.event("topic_add_partitions", topic=topic, partitions=total, previous=current, dry_run=dry_run,
              ok=item.ok, duration_ms=_ms(start))
    return OperationResult("add-partitions", (item,), dry_run=dry_run)


# ---------------------------------------------------------------------------------------- delete-records


def parse_partition_offsets(values: list[str]) -> dict[int, int]:
    """['0:100', '3:42'] -> {0: 100, 3: 42}."""
    out: dict[int, int] = {}
    for value in values:
        partition, sep, offset = value.partition(":")
        try:
            if not sep:
                raise ValueError
            p, o = int(partition), int(offset)
            if not (0 <= p < 2**31 and 0 <= o < 2**63):  # Kafka's int32 partitions, int64 offsets
                raise ValueError
        except ValueError:
            raise UsageError(f"--before expects PARTITION:OFFSET (two non-negative integers), got {value!r}") from None
        if p in out:
            raise UsageError(f"--before names partition {p} twice")
        out[p] = o
    return out


def delete_records(conf: dict, timeout: float, topic: str, before: dict[int, int] | None = None, purge: bool = False) -> OperationResult:
    """Delete the records before an offset in each given partition; purge: every partition up to
    its high watermark. Kafka moves the low watermark; the log segments go later."""
    if bool(before) == purge:
        raise UsageError("give either --before PARTITION:OFFSET (repeatable) or --all")
    start = time.perf_counter()
    with admin_client(conf) as admin:
        metadata = cluster_metadata(admin, conf, timeout, topic=topic)
        md = metadata.topics.get(topic)
        if md is None or md.error is not None:
            raise NotFoundError(f"topic {topic!r} does not exist", hint="`kctl topics list` shows the topics")
        known = set(md.partitions)
        if purge:
            # Offset -1 asks the leader to delete up to its high watermark at that moment.
            targets, failed = {p: -1 for p in sorted(known)}, {}
        else:
            targets = {p: o for p, o in before.items() if p in known}
            failed = {p: NotFoundError(f"topic {topic!r} has no partition {p} (it has {len(known)})")
                      for p in before if p not in known}
        results = wait_each(topic_admin.delete_records(admin, {(topic, p): o for p, o in targets.items()}, timeout),
                            timeout, "delete records")
    items = []
    for p in sorted(set(targets) | set(failed)):
        name = f"{topic}:{p}"
        if p in failed:
            items.append(_failed(name, failed[p]))
            continue
        low, error = results[(topic, p)]
        items.append(ItemResult(name, True, f"low watermark now {low}") if error is None else _failed(name, error))
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
    error = failure_of(result.items, f"topics {result.operation}", hint=hint)
    return error


def describe_failure(result: TopicDescribeResult) -> KctlError | None:
    rows = [ItemResult(t.name, True) for t in result.topics] + list(result.missing)
    return failure_of(rows, "topics describe", hint="`kctl topics list` shows the topics")


def _wait_timed(futures: dict, timeout: float, context: str, start: float) -> dict:
    """wait_each, plus how long after `start` each item finished: {key: (result, error, ms)}."""
    out = {}
    for key, future in futures.items():
        (result, error), = wait_each({key: future}, timeout, context).values()
        out[key] = (result, error, _ms(start))
    return out


def _wait_for_metadata(admin, timeout: float, condition) -> bool:
    """Re-read cluster metadata until condition(metadata) holds or timeout passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition(admin.list_topics(timeout=max(0.1, deadline - time.monotonic()))):
                return True
        except Exception:  # noqa: BLE001 - a slow metadata answer just means "not yet"
            pass
        if time.monotonic() >= deadline:
            log.event("metadata_wait_timed_out", timeout_s=timeout)
            return False
        time.sleep(_POLL_S)


def _failed(name: str, error: KctlError, topic: str | None = None) -> ItemResult:
    """A failed row; the broker's bare "Unknown topic or partition" gets the topic's name."""
    message = error.message
    if topic is not None and error.code_name in ("UNKNOWN_TOPIC_OR_PART", "_UNKNOWN_TOPIC"):
        message = f"topic {topic!r} does not exist"
    return ItemResult(name, False, error=message, exit_code=int(error.exit_code))


def _code_name(error: KctlError) -> str | None:
    return getattr(error, "code_name", None)


def _compile(pattern: str | None):
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"invalid regular expression {pattern!r}: {exc}") from None


def _ms(start: float) -> int:
    return round((time.perf_counter() - start) * 1000)
