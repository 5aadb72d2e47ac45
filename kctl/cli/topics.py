"""`kctl topics`: list, describe, create, delete and change topics."""

from __future__ import annotations

from typing import List, Optional

import typer

from kctl.cli.complete import complete_topics
from kctl.cli.confirm import DRY_RUN, EXECUTE, YES, approved, plural
from kctl.cli.context import app_context, no_empty_names
from kctl.cli.options import (
    CONFIG_OPTION,
    DELETE_OPTION,
    VALIDATE_ONLY,
    Position,
    one_topic,
    some_topics,
    topic_option,
    topics_option,
    where_reported,
)
from kctl.config.client_conf import parse_key_values
from kctl.errors import PartialFailure, UsageError
from kctl.models.choices import MAX_PARTITIONS, MAX_REPLICATION
from kctl.parsing import parse_int, parse_partition_offsets
from kctl.render import render

app = typer.Typer(help="Create, inspect, change and delete topics.", no_args_is_help=True)


def _finish(obj, result, failure=None) -> None:
    """Render an OperationResult (one row per item), then fail if any item failed."""
    from kctl.models import OperationResult  # not on topics --help's path
    from kctl.services import topics  # not on topics --help's path

    render(result, obj.output, kind=OperationResult)
    error = (failure or topics.failure)(result)
    if error is not None:
        raise error


@app.command("list")
def list_(
    ctx: typer.Context,
    pattern: Optional[str] = typer.Argument(None, metavar="[PATTERN]", help="Only topics whose whole name matches this regular expression (a plain name matches itself)."),
    internal: bool = typer.Option(False, "--internal", help="Include internal topics (__consumer_offsets...)."),
    under_replicated: bool = typer.Option(False, "--under-replicated", help="Only topics with a partition whose ISR is smaller than its replicas."),
    under_min_isr: bool = typer.Option(False, "--under-min-isr", help="Only topics with a partition whose ISR is below min.insync.replicas."),
    at_min_isr: bool = typer.Option(False, "--at-min-isr", help="Only topics with a partition whose ISR is exactly min.insync.replicas."),
    offline: bool = typer.Option(False, "--offline", help="Only topics with a partition that has no leader."),
    unavailable: bool = typer.Option(False, "--unavailable", help="Only topics with a partition that cannot take acks=all writes (offline or under min ISR)."),
    sizes: bool = typer.Option(False, "--sizes", help="Add the bytes per topic on disk (one copy; DescribeLogDirs)."),
):
    """List topics with their partition counts (filtered by partition state, with sizes).

    The state filters combine with OR. `-o wide` adds the sizes.

    Example: kctl topics list 'orders.*' --under-replicated --sizes -o json
    """
    from kctl.models import TopicSize, TopicSummary  # not on topics --help's path
    from kctl.services import topics  # not on topics --help's path

    chosen = {"under-replicated": under_replicated, "under-min-isr": under_min_isr, "at-min-isr": at_min_isr,
              "offline": offline, "unavailable": unavailable}
    states = tuple(name for name, on in chosen.items() if on)
    obj = app_context(ctx)
    sizes = sizes or obj.output == "wide"  # -o wide: every column there is
    rows = topics.list_topics(obj.client_conf(), obj.timeout, pattern, internal, states=states, sizes=sizes)
    render(rows, obj.output, kind=TopicSize if sizes else TopicSummary)


@app.command()
def describe(
    ctx: typer.Context,
    names: Optional[List[str]] = typer.Argument(None, metavar="TOPIC...", help="Topics to describe (or -t/--topic).",
                                                autocompletion=complete_topics, callback=no_empty_names, show_default=False),
    topic: List[str] = topics_option(),
    no_size: bool = typer.Option(False, "--no-size", help="Skip the size on disk (one request less per broker)."),
):
    """Show partitions (leader, replicas, ISR, watermarks, messages), non-default configs and size.

    Example: kctl topics describe orders payments -o yaml
    """
    from kctl.models import TopicDetail  # not on topics --help's path
    from kctl.services import topics  # not on topics --help's path

    obj = app_context(ctx)
    names = some_topics(names, topic)
    result = topics.describe_topics(obj.client_conf(), obj.timeout, names, sizes=not no_size)
    if result.topics:
        render(list(result.topics), obj.output, kind=TopicDetail)
    error = topics.describe_failure(result)
    if error is not None:
        raise error


@app.command()
def create(
    ctx: typer.Context,
    names: Optional[List[str]] = typer.Argument(None, metavar="NAME...", help="Topics to create (or -t/--topic).",
                                                callback=no_empty_names, show_default=False),
    topic: List[str] = topics_option(),
    partitions: Optional[int] = typer.Option(None, "-p", "--partitions", min=1, max=MAX_PARTITIONS, help="Partition count (default: the broker's num.partitions); -p as in rpk and kafkactl."),
    replication: Optional[int] = typer.Option(None, "--replication-factor", "-r", min=1, max=MAX_REPLICATION,
                                              help="Replicas of each partition (default: the broker's default.replication.factor)."),
    config: List[str] = CONFIG_OPTION,
    if_not_exists: bool = typer.Option(False, "--if-not-exists", help="A topic that already exists is not an error."),
    validate_only: bool = VALIDATE_ONLY,
    dry_run: bool = DRY_RUN,
):
    """Create topics.

    Example: kctl topics create orders payments -p 6 -r 3 -c retention.ms=86400000
    """
    from kctl.services import topics  # not on topics --help's path

    obj = app_context(ctx)
    names = some_topics(names, topic)
    configs = parse_key_values(config, "-c/--config")
    _finish(obj, topics.create_topics(obj.client_conf(), obj.timeout, names, partitions, replication, configs,
                                      if_not_exists=if_not_exists, validate_only=validate_only, dry_run=dry_run))


@app.command()
def delete(
    ctx: typer.Context,
    names: Optional[List[str]] = typer.Argument(None, metavar="[NAME...]", help="Topics to delete (or -t/--topic).",
                                                autocompletion=complete_topics, callback=no_empty_names, show_default=False),
    topic: List[str] = topics_option(),
    regex: Optional[str] = typer.Option(None, "--regex", metavar="REGEX", help="Also delete every non-internal topic whose whole name matches this regular expression."),
    if_exists: bool = typer.Option(False, "--if-exists", help="A topic that does not exist is not an error."),
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
):
    """Delete topics by name or regular expression (shows them with their record counts and asks first).

    Example: kctl topics delete --regex 'tmp-.*' --yes
    """
    from kctl.services import plans, topics  # not on topics --help's path

    obj = app_context(ctx)
    names = some_topics(names, topic, required=False)
    conf = obj.client_conf()
    targets = topics.resolve_delete_targets(conf, obj.timeout, names or [], regex)
    go, plan = approved(obj, lambda: plans.delete_topics(conf, obj.timeout, targets, if_exists=if_exists),
                        lambda p: f"delete {plural(len(_going(p)), 'topic')} and {'its' if len(_going(p)) == 1 else 'their'} "
                                  f"{plural(plans.records_of(p), 'record')}", yes=yes, dry_run=dry_run)
    _finish(obj, topics.delete_topics(conf, obj.timeout, targets, if_exists=if_exists) if go else plan)


def _going(plan) -> list:
    return [i for i in plan.items if i.ok and i.detail.startswith("would")]


@app.command("alter-config")
def alter_config(
    ctx: typer.Context,
    topic_arg: Optional[str] = typer.Argument(None, metavar="TOPIC", help="Topic to change (or -t/--topic).",
                                              autocompletion=complete_topics, callback=no_empty_names, show_default=False),
    topic: Optional[str] = topic_option(),
    set_: List[str] = CONFIG_OPTION,
    delete: List[str] = DELETE_OPTION,
    validate_only: bool = VALIDATE_ONLY,
    dry_run: bool = DRY_RUN,
):
    """Change topic configs incrementally (other overrides stay as they are).

    Example: kctl topics alter-config orders -c retention.ms=3600000 --delete cleanup.policy
    """
    from kctl.services import configs  # not on topics --help's path

    obj = app_context(ctx)
    topic = one_topic(topic_arg, topic)
    changes = parse_key_values(set_, "-c/--config")
    _finish(obj, configs.alter_topic_config(obj.client_conf(), obj.timeout, topic, changes, list(delete),
                                            validate_only=validate_only, dry_run=dry_run),
            lambda result: configs.failure(result, "topics alter-config"))


@app.command("add-partitions")
def add_partitions(
    ctx: typer.Context,
    topic_arg: Optional[str] = typer.Argument(None, metavar="TOPIC", help="Topic to grow (or -t/--topic).",
                                              autocompletion=complete_topics, callback=no_empty_names, show_default=False),
    topic: Optional[str] = topic_option(),
    to: int = typer.Option(..., "--to", min=1, max=MAX_PARTITIONS, help="New total number of partitions (more than now)."),
    validate_only: bool = VALIDATE_ONLY,
    dry_run: bool = DRY_RUN,
):
    """Add partitions to a topic, up to a new total (keyed messages may move partition).

    Example: kctl topics add-partitions orders --to 12
    """
    from kctl.services import topics  # not on topics --help's path

    obj = app_context(ctx)
    topic = one_topic(topic_arg, topic)
    _finish(obj, topics.add_partitions(obj.client_conf(), obj.timeout, topic, to, validate_only=validate_only, dry_run=dry_run))


@app.command("delete-records")
def delete_records(
    ctx: typer.Context,
    topic_arg: Optional[str] = typer.Argument(None, metavar="TOPIC", help="Topic whose oldest records to delete (or -t/--topic).",
                                              autocompletion=complete_topics, callback=no_empty_names, show_default=False),
    topic: Optional[str] = topic_option(),
    before: List[str] = typer.Option([], "--before", metavar="PARTITION:OFFSET",
                                     help="Delete records before OFFSET in PARTITION (repeatable)."),
    purge: bool = typer.Option(False, "--all", help="Delete every record of every partition (up to the high watermark)."),
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
):
    """Delete the oldest records of partitions (moves the low watermark; shows the counts and asks first).

    Example: kctl topics delete-records orders --before 0:1500 --before 1:1200 --yes
    """
    from kctl.services import plans, topics  # not on topics --help's path

    obj = app_context(ctx)
    topic = one_topic(topic_arg, topic)
    offsets = parse_partition_offsets(before, "--before")
    conf = obj.client_conf()
    go, plan = approved(obj, lambda: plans.delete_records(conf, obj.timeout, topic, offsets, purge=purge),
                        lambda p: f"delete {plural(plans.records_of(p), 'record')} of topic {topic}",
                        yes=yes, dry_run=dry_run)
    _finish(obj, topics.delete_records(conf, obj.timeout, topic, offsets, purge=purge) if go else plan)


@app.command("partition-for")
def partition_for(
    ctx: typer.Context,
    topic_arg: Optional[str] = typer.Argument(None, metavar="TOPIC", help="The topic (its partition count decides; or -t/--topic, "
                                              "and then every argument is a key).", autocompletion=complete_topics,
                                              callback=no_empty_names, show_default=False),
    keys: Optional[List[str]] = typer.Argument(None, metavar="KEY...", help="One or more keys.", show_default=False),
    topic: Optional[str] = topic_option(),
    partitioner: str = typer.Option("murmur2", "--partitioner", help="murmur2 (Java producers, kctl's default) or consistent (CRC32)."),
    key_serializer: str = typer.Option("string", "--key-serializer", help="How the keys are encoded (string, int32, int64, hex...)."),
):
    """Show the partition each key lands on, as Kafka's Java producer places it.

    Example: kctl topics partition-for orders customer-1 customer-2
    """
    from kctl.models import KeyPartition  # not on topics --help's path
    from kctl.services import produce  # not on topics --help's path

    obj = app_context(ctx)
    if topic is not None and topic_arg is not None:  # with -t every argument is a key
        topic_arg, keys = None, [topic_arg, *(keys or ())]
    topic = one_topic(topic_arg, topic)
    if not keys:
        raise UsageError("name one or more keys: KEY...")
    render(produce.partition_for(obj.client_conf(), obj.timeout, topic, keys, partitioner, key_serializer),
           obj.output, kind=KeyPartition)


@app.command("lag")
def topics_lag(
    ctx: typer.Context,
    topic_arg: Optional[str] = typer.Argument(None, metavar="TOPIC", help="The topic (or -t/--topic).",
                                              autocompletion=complete_topics, callback=no_empty_names, show_default=False),
    topic: Optional[str] = topic_option(),
):
    """Every consumer group with committed offsets on the topic, with its lag and time lag there.

    Example: kctl topics lag orders -o json
    """
    from kctl.models import LagReport  # not on topics --help's path
    from kctl.services.groups import lag  # not on topics --help's path

    obj = app_context(ctx)
    topic = one_topic(topic_arg, topic)
    render(lag.topic_lag(obj.client_conf(), obj.timeout, topic), obj.output, kind=LagReport)


@app.command()
def dump(
    ctx: typer.Context,
    names: Optional[List[str]] = typer.Argument(None, metavar="TOPIC...", help="Topics to dump (or -t/--topic).",
                                                autocompletion=complete_topics, callback=no_empty_names, show_default=False),
    topic: List[str] = topics_option(),
    directory: str = typer.Option(..., "--dir", "-d", metavar="DIR", help="Directory to write (created; must hold no dump).", callback=no_empty_names),
    compression: str = typer.Option("zstd", "--compression", metavar="zstd|lz4|gzip|none", help="File compression."),
    from_: Optional[str] = typer.Option(None, "--from", click_type=Position("from"),
                                        help="Start: beginning (default), end, OFFSET, -N, TIME (@TIME, -1h, ISO 8601)."),
    until: Optional[str] = typer.Option(None, "--until", click_type=Position("until"),
                                        help="Stop before: end (default), OFFSET, TIME (@TIME, -1h, ISO 8601)."),
    where: Optional[str] = typer.Option(None, "--where", metavar="EXPR", help="Dump only the records where this CEL "
                                        "expression holds (as `kctl consume --where`)."),
):
    """Back topics up: a compressed JSON Lines file per partition and manifest.json (configs, offsets, SHA-256).

    Example: kctl topics dump orders payments -d backup/ --compression zstd
    """
    from kctl.cli.progress import ProgressLine  # not on topics --help's path
    from kctl.services.consume.options import parse_from, parse_until  # not on topics --help's path
    from kctl.services.dump import dump as run_dump  # not on topics --help's path
    from kctl.services.where import compile_where  # not on topics --help's path

    obj = app_context(ctx)
    names = some_topics(names, topic)
    start, stop = parse_from(from_), parse_until(until)
    expression = compile_where(where) if where is not None else None
    progress = ProgressLine("dumped") if obj.progress_on_stderr else None
    try:
        with where_reported(expression):
            summary = run_dump(obj.client_conf(), names, directory, compression, start, stop, obj.timeout, progress,
                               expression)
    finally:
        if progress:
            progress.close()
    render(summary, obj.output)


@app.command()
def restore(
    ctx: typer.Context,
    directory: str = typer.Argument(..., metavar="DIR", help="A directory written by kctl topics dump."),
    to: Optional[str] = typer.Option(None, "--to", metavar="NAME", help="Restore the (one) dumped topic under this name.",
                                     callback=no_empty_names),
    if_not_exists: bool = typer.Option(False, "--if-not-exists", help="Append to a topic that already exists."),
):
    """Restore a dump: checksums verified first, topics created with their configs, records to their partitions.

    Example: kctl topics restore backup/ -i 1 --to orders-restored
    """
    from kctl.cli.progress import ProgressLine  # not on topics --help's path
    from kctl.services.dump import restore as run_restore  # not on topics --help's path

    obj = app_context(ctx)
    progress = ProgressLine("restored") if obj.progress_on_stderr else None
    try:
        summary = run_restore(obj.client_conf(), directory, to, if_not_exists, obj.timeout, progress)
    finally:
        if progress:
            progress.close()
    render(summary, obj.output)
    if not summary.complete:
        raise PartialFailure(f"{summary.written} of {summary.expected} records acknowledged")


THROTTLE = typer.Option(None, "--throttle", metavar="BYTES/S", min=1,
                        help="Replication throttle on the brokers involved while the replicas copy (bytes per second).")


def _plan(obj, start, yes: bool, dry_run: bool) -> None:
    """The reassignment plan; started once approved (kctl.cli.confirm)."""
    from kctl.services import replicas  # not on topics --help's path

    def moving(plan) -> list:
        return [m for m in plan.moves if m.status == "planned"]

    go, result = approved(obj, lambda: start(False), lambda p: f"reassign {plural(len(moving(p)), 'partition')} of "
                          f"topic {p.topic}", yes=yes, dry_run=dry_run, changes=lambda p: bool(moving(p)))
    if go:
        result = start(True)
    render(result, obj.output)
    error = replicas.failure(result)
    if error is not None:
        raise error


@app.command("set-replication")
def set_replication(
    ctx: typer.Context,
    topic_arg: Optional[str] = typer.Argument(None, metavar="TOPIC", help="Topic to change (or -t/--topic).",
                                              autocompletion=complete_topics, callback=no_empty_names, show_default=False),
    topic: Optional[str] = topic_option(),
    factor: int = typer.Option(..., "--factor", min=1, max=MAX_REPLICATION, help="New replication factor."),
    yes: bool = EXECUTE,
    dry_run: bool = DRY_RUN,
    throttle: Optional[int] = THROTTLE,
):
    """Change a topic's replication factor by reassigning its partitions (plan first, asks before starting).

    Example: kctl topics set-replication orders --factor 3 --execute
    """
    from kctl.services import replicas  # not on topics --help's path

    obj = app_context(ctx)
    topic = one_topic(topic_arg, topic)
    conf = obj.client_conf()
    _plan(obj, lambda execute: replicas.reassign(conf, obj.timeout, "set-replication", topic, factor=factor,
                                             execute=execute, throttle=throttle), yes, dry_run)


@app.command()
def move(
    ctx: typer.Context,
    topic_arg: Optional[str] = typer.Argument(None, metavar="TOPIC", help="Topic to move (or -t/--topic).",
                                              autocompletion=complete_topics, callback=no_empty_names, show_default=False),
    topic: Optional[str] = topic_option(),
    brokers: str = typer.Option(..., "--brokers", metavar="ID,ID,...", help="Brokers to spread the replicas over."),
    yes: bool = EXECUTE,
    dry_run: bool = DRY_RUN,
    throttle: Optional[int] = THROTTLE,
):
    """Move a topic's replicas onto the given brokers, round-robin (plan first, asks before starting).

    Example: kctl topics move orders --brokers 1,2,3 --execute --throttle 10000000
    """
    from kctl.services import replicas  # not on topics --help's path

    obj = app_context(ctx)
    topic = one_topic(topic_arg, topic)
    ids = [parse_int(b.strip(), "--brokers", maximum=2**31 - 1) for b in brokers.split(",")]  # before the cluster
    if len(set(ids)) != len(ids): raise UsageError(f"--brokers: a broker is named twice in {brokers!r}")  # noqa: E701
    conf = obj.client_conf()
    _plan(obj, lambda execute: replicas.reassign(conf, obj.timeout, "move", topic, brokers=ids, execute=execute,
                                             throttle=throttle), yes, dry_run)
