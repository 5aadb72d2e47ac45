"""`kctl consume TOPIC...`: read records to stdout (values, --format strings or -o json lines)."""

from __future__ import annotations

import sys
from dataclasses import replace
from enum import Enum
from typing import List, Optional

import typer

from kctl.cli.context import app_context, no_empty_names
from kctl.cli.options import (
    ASSIGNOR_HELP,
    GROUP_PROTOCOL_HELP,
    WHERE_HELP,
    Assignor,
    Duration,
    GroupProtocol,
    Position,
    some_topics,
    topics_option,
    where_reported,
)
from kctl.errors import UsageError
from kctl.models.choices import SCHEMA_FORMATS, SERDE_NAMES
from kctl.outputs import make_output
from kctl.parsing import parse_partitions

Deserializer = Enum("Deserializer", {name: name for name in SERDE_NAMES}, type=str)


SchemaFormat = Enum("SchemaFormat", {name: name for name in (*SCHEMA_FORMATS, "auto")}, type=str)


class Assignment(str, Enum):
    range = "range"
    roundrobin = "roundrobin"
    cooperative_sticky = "cooperative-sticky"


class CommitMode(str, Enum):
    after_write = "after-write"
    auto = "auto"
    sync = "sync"
    async_ = "async"
    none = "none"


class Ack(str, Enum):
    accept = "accept"
    release = "release"
    reject = "reject"


class Isolation(str, Enum):
    read_committed = "read_committed"
    read_uncommitted = "read_uncommitted"


def consume(
    ctx: typer.Context,
    topics: Optional[List[str]] = typer.Argument(None, help="Topics to read (or -t/--topic, or --pattern).", show_default=False),
    topic: List[str] = topics_option(),
    pattern: Optional[str] = typer.Option(None, "--pattern", metavar="REGEX", help="Read every topic whose whole name matches this regular expression (a plain name matches itself)."),
    group: Optional[str] = typer.Option(None, "--group", "-g", help="Join this consumer group (subscribe, commit).",
                                        callback=no_empty_names),
    share_group: Optional[str] = typer.Option(
        None, "--share-group", help="Read as a member of this share group (KIP-932, Kafka 4.2+): records are "
        "handed out one by one among its members and acknowledged; -n and --idle-timeout apply, --from, --until, "
        "--partition and --group do not.", callback=no_empty_names),
    ack: Optional[Ack] = typer.Option(None, "--ack", help="With --share-group: how printed records are "
                                      "acknowledged (default accept; release: delivered again; reject: never again)."),
    ack_on_skip: Optional[Ack] = typer.Option(None, "--ack-on-skip", help="With --share-group: how records that "
                                              "fail --match/--where are acknowledged (default release)."),
    assignment: Optional[Assignment] = typer.Option(None, "--assignment", help="Partition assignment strategy (with --group)."),
    group_protocol: Optional[GroupProtocol] = typer.Option(None, "--group-protocol", help=GROUP_PROTOCOL_HELP + " With --group."),
    assignor: Optional[Assignor] = typer.Option(None, "--assignor", help=ASSIGNOR_HELP),
    commit: Optional[CommitMode] = typer.Option(
        None, "--commit", help="When to commit (with --group; default after-write: only records already written)."),
    from_: Optional[str] = typer.Option(
        None, "--from", click_type=Position("from"), help="Start: beginning|end|stored|OFFSET|-N (last N)|TIME (@TIME, -1h, ISO 8601; epoch ms as @MS), or per partition "
        "P=OFFSET,... (0=1200,3=400: only those partitions, like kcat -o per partition). Default: beginning, or the group's committed offsets."),
    partition: Optional[List[str]] = typer.Option(None, "--partition", "-p", help="Only these partitions: P,... (no --group)."),
    until: Optional[str] = typer.Option(None, "--until", click_type=Position("until"), help="Stop: end (each partition's end, like kcat -e)|OFFSET (exclusive)|TIME (@TIME, -1h, ISO 8601)."),
    max_messages: Optional[int] = typer.Option(None, "--max-messages", "-n", help="Stop after writing N records."),
    idle_timeout: Optional[float] = typer.Option(None, "--idle-timeout", click_type=Duration(minimum=0.001, maximum=86400 * 365),
                                                help="Stop after this long without a record (500ms, 10s, 2m; bare seconds)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", metavar="TEMPLATE", help="Record template (kcat -f): %t %p %o %T %d %k %K %s/%v %S %R %h (e.g. '%p:%o %k=%v')."),
    key_deserializer: Optional[Deserializer] = typer.Option(None, "--key-deserializer", help="How to show keys."),
    value_deserializer: Optional[Deserializer] = typer.Option(None, "--value-deserializer", help="How to show values."),
    pretty: bool = typer.Option(False, "--pretty", help="Indent JSON values (and -o json records)."),
    match: Optional[List[str]] = typer.Option(None, "--match", help="Only records where key=RE, value=RE or header.NAME=RE (repeatable, all must match)."),
    where: Optional[str] = typer.Option(None, "--where", metavar="EXPR", help=WHERE_HELP),
    isolation: Optional[Isolation] = typer.Option(None, "--isolation", help="Skip records of open/aborted transactions or not (default read_committed)."),
    value_format: Optional[SchemaFormat] = typer.Option(None, "--value-format", help="Decode Schema Registry values to JSON: avro|json-schema|protobuf|auto (auto: Confluent-framed records decoded, others shown as they are)."),
    key_format: Optional[SchemaFormat] = typer.Option(None, "--key-format", help="Decode Schema Registry keys to JSON (as --value-format)."),
    schema_registry: Optional[str] = typer.Option(None, "--schema-registry", help="Schema Registry URL (default: $KCTL_SCHEMA_REGISTRY, the context's, or the local instance's)."),
):
    """Read records from topics to stdout: values by default, --format, or -o json (JSON Lines).

    Without --group the partitions are assigned directly and nothing is committed.
    With --group the consumer joins the group, logs rebalances (-v) and by default commits
    only the offsets of records already written to stdout (at-least-once).

    Example: kctl consume orders --group audit --from -10 --until end -f '%p:%o %k %v'
    Example: kctl consume orders --share-group workers -n 100 -o json
    """
    from kctl.services import consume as service  # not on consume --help's path

    obj = app_context(ctx)
    if share_group is None:
        for value, option in ((ack, "--ack"), (ack_on_skip, "--ack-on-skip")):
            if value is not None:
                raise UsageError(f"{option} needs --share-group")
    else:
        from kctl.services.consume import share  # not on consume's path (share groups only)

        given = (("--from", from_), ("--until", until), ("--partition", partition), ("--group", group),
                 ("--pattern", pattern), ("--commit", commit), ("--assignment", assignment),
                 ("--group-protocol", group_protocol), ("--assignor", assignor), ("--isolation", isolation))
        share.refuse_not_for_share([option for option, value in given if value])
        share_options = share.ShareOptions(
            group=share_group, topics=tuple(some_topics(topics, topic, required=False)),
            ack=ack.value if ack else "accept", ack_on_skip=ack_on_skip.value if ack_on_skip else "release",
            max_messages=max_messages, idle_timeout=idle_timeout, matches=service.parse_matches(match))
    options = service.ConsumeOptions(
        topics=tuple(some_topics(topics, topic, required=False)),
        pattern=pattern,
        group=group,
        assignment=assignment.value if assignment else None,
        group_protocol=group_protocol.value if group_protocol else None,
        assignor=assignor.value if assignor else None,
        commit=commit.value if commit else None,
        start=service.parse_from(from_),
        partitions=parse_partitions(partition),
        until=service.parse_until(until),
        max_messages=max_messages,
        idle_timeout=idle_timeout,
        matches=service.parse_matches(match),
        isolation=isolation.value if isolation else "read_committed",
    )
    kd = key_deserializer.value if key_deserializer else None
    vd = value_deserializer.value if value_deserializer else None
    key_decoder = value_decoder = None
    if value_format is None and key_format is None:
        output = make_output(obj.output, fmt, kd, vd, pretty)
    else:
        from kctl.schema_outputs import schema_output  # not on consume's path
        from kctl.services.schemas.settings import decoders  # not on consume's path

        key_decoder, value_decoder = decoders(
            schema_registry, obj.context, obj.registry_data, obj.target.instance, obj.timeout,
            key_format.value if key_format else None, value_format.value if value_format else None)
        output = schema_output(obj.output, fmt, kd, vd, pretty, key_decoder, value_decoder)
    if where is not None:
        from kctl.services.where import compile_where  # not on consume's path

        options = replace(options, where=compile_where(where, key_decoder=key_decoder, value_decoder=value_decoder))
    # The summary line on stderr: on a terminal only (scripts read a clean stderr), never with -q.
    on_done = (lambda summary: obj.note(summary_line(summary))) if obj.progress_on_stderr else None
    with where_reported(options.where):
        if share_group is not None:
            share.consume_share(obj.client_conf(), replace(share_options, where=options.where), output,
                                sys.stdout.buffer, obj.timeout, on_done)
            return
        service.consume(obj.client_conf(), options, output, sys.stdout.buffer, obj.timeout, on_done)


_REASONS = {"end": "end reached", "until": "--until reached", "max_messages": "max messages reached",
            "idle": "idle timeout", "interrupted": "interrupted", "output_closed": "output closed",
            "output_failed": "output failed"}


def summary_line(summary) -> str:
    """The line `kctl consume` ends with on a terminal: records, partitions, why it stopped."""
    records = f"{summary.messages:,} record{'' if summary.messages == 1 else 's'}"
    partitions = f"{summary.partitions} partition{'' if summary.partitions == 1 else 's'}"
    skipped = f", {summary.skipped:,} skipped by --match" if summary.skipped else ""
    group = f", group {summary.group}" if summary.group else ""
    reason = _REASONS.get(summary.reason, summary.reason or "stopped")
    return f"{records} from {partitions}{skipped}{group} in {summary.duration_ms / 1000:.1f}s ({reason})"
