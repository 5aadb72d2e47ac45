"""`kctl produce TOPIC`: send lines, JSON envelopes or whole files to a topic."""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from typing import List, Optional

import typer

from kctl import partitioners, serde
from kctl.cli.complete import complete_topics
from kctl.cli.context import app_context, no_empty_names, positive_number
from kctl.cli.options import Duration, one_topic, topic_option
from kctl.errors import PartialFailure, UsageError
from kctl.inputs import COMPRESSIONS, FORMATS, compile_template, parse_escapes
from kctl.models.choices import SCHEMA_FORMATS, SUBJECT_STRATEGIES
from kctl.render import render


def _choices(name: str, values) -> type[Enum]:
    """A typer choice type from the list the service checks against (defined once, there)."""
    return Enum(name, {value: value for value in values}, type=str)


InputFormat = _choices("InputFormat", FORMATS)
Serializer = _choices("Serializer", serde.NAMES)
Partitioner = _choices("Partitioner", partitioners.NAMES)
InputCompression = _choices("InputCompression", COMPRESSIONS)
Compression = _choices("Compression", ("none", "gzip", "snappy", "lz4", "zstd"))
Acks = _choices("Acks", ("0", "1", "all"))
OnError = _choices("OnError", ("stop", "skip"))
SchemaFormat = _choices("SchemaFormat", SCHEMA_FORMATS)
SubjectStrategy = _choices("SubjectStrategy", SUBJECT_STRATEGIES)


def produce(
    ctx: typer.Context,
    topic_arg: Optional[str] = typer.Argument(None, metavar="TOPIC", help="Topic to produce to (must exist; or -t/--topic).",
                                              autocompletion=complete_topics, callback=no_empty_names, show_default=False),
    topic: Optional[str] = topic_option(),
    files: List[str] = typer.Option([], "--file", help="Input file (repeatable; '-' is stdin; .gz/.lz4/.zst are decompressed). Default: stdin."),
    input_compression: InputCompression = typer.Option(InputCompression.auto, "--input-compression", help="Compression of the input (default: guessed from the name or magic bytes)."),
    input_: InputFormat = typer.Option(InputFormat.line, "--input", help="Input framing: line (one message per line), envelope (`kctl consume -o json` lines: key, value, headers, partition, timestamp) or raw (each input is one message)."),
    template: Optional[str] = typer.Option(None, "--format", "-f", metavar="TEMPLATE", help="kcat-style record template of each input line: %k key, %v value, separators and the end as text: '%k\\t%v\\n', '%k:%v'."),
    delimiter: Optional[str] = typer.Option(None, "--delimiter", "-D", help="Message delimiter instead of newline (escapes like \\0, \\t, \\x1e understood)."),
    key_separator: Optional[str] = typer.Option(None, "--key-separator", "-K", help="Split each line into KEY<SEP>VALUE."),
    key_field: Optional[str] = typer.Option(None, "--key-field", metavar="NAME", help="JSON lines: the key is this field of each line's object (the line is the value)."),
    null_marker: Optional[str] = typer.Option(None, "--null-marker", help="A value (or key) equal to this is sent as null: a tombstone."),
    key_serializer: Serializer = typer.Option(Serializer.string, "--key-serializer", help="How keys are encoded."),
    value_serializer: Optional[Serializer] = typer.Option(None, "--value-serializer", help="How values are encoded (default string; bytes for --input raw)."),
    key: Optional[str] = typer.Option(None, "--key", "-k", help="Key for every message."),
    value: Optional[str] = typer.Option(None, "--value", help="Send this one message instead of reading input."),
    header: List[str] = typer.Option([], "--header", "-H", help="Header name=value for every message (repeatable)."),
    count: Optional[int] = typer.Option(None, "--count", "-n", help="Send N messages: repeat --value N times, or stop after N input messages."),
    partition: Optional[int] = typer.Option(None, "--partition", "-p", help="Send everything to this partition.",
                                            min=0, max=2**31 - 1),
    partitioner: Partitioner = typer.Option(Partitioner.murmur2, "--partitioner", help="murmur2 = the Java producer's placement of keys."),
    compression: Optional[Compression] = typer.Option(None, "--compression", "-z", help="Batch compression (default none)."),
    acks: Optional[Acks] = typer.Option(None, "--acks", help="Acknowledgements to wait for (default all)."),
    idempotence: Optional[bool] = typer.Option(None, "--idempotence/--no-idempotence", help="Idempotent producer (default on with acks=all)."),
    linger_ms: Optional[float] = typer.Option(None, "--linger-ms", help="Wait this long to fill batches (default 10 ms; a bare number is ms, 1s also reads).",
                                              click_type=Duration("ms", minimum=0, maximum=900_000)),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Maximum batch size in bytes (default 1000000).",
                                             min=1, max=2**31 - 1),
    retry_backoff_ms: Optional[int] = typer.Option(None, "--retry-backoff-ms", help="First retry backoff (grows exponentially; ms, or 1s).",
                                                   click_type=Duration("ms", minimum=1, maximum=300000, integer=True)),
    retry_backoff_max_ms: Optional[int] = typer.Option(None, "--retry-backoff-max-ms", help="Largest retry backoff (ms, or 1s).",
                                                       click_type=Duration("ms", minimum=1, maximum=300000, integer=True)),
    # min 0.001: librdkafka reads delivery.timeout.ms=0 as "wait forever".
    delivery_timeout: Optional[float] = typer.Option(None, "--delivery-timeout", help="How long before an unacknowledged message fails (default 2m; 500ms, 30s, bare seconds).",
                                                     click_type=Duration(minimum=0.001, maximum=2**31 / 1000)),
    rate: Optional[float] = typer.Option(None, "--rate", help="At most N messages per second.", callback=positive_number),
    sync: bool = typer.Option(False, "--sync", help="Wait for each message's acknowledgement before the next."),
    report: bool = typer.Option(False, "--report", help="A JSON line per message on stdout: source, line, partition, offset, error."),
    failed_file: Optional[str] = typer.Option(None, "--failed-file", help="Write undelivered messages here (JSON envelopes, replay with --input envelope)."),
    transactional_id: Optional[str] = typer.Option(None, "--transactional-id", help="Send the whole input in one transaction."),
    on_error: OnError = typer.Option(OnError.stop, "--on-error", help="A malformed input line: stop (default) or skip and count it."),
    value_format: Optional[SchemaFormat] = typer.Option(None, "--value-format", help="Encode JSON values with a Schema Registry schema: avro|protobuf|json-schema."),
    value_schema: Optional[str] = typer.Option(None, "--value-schema", help="Schema file (.avsc, .proto, .json) for --value-format; registered under the subject if new."),
    value_subject: Optional[str] = typer.Option(None, "--value-subject", help="Subject of the value schema (default by --subject-strategy; its latest version without --value-schema)."),
    value_schema_id: Optional[int] = typer.Option(None, "--value-schema-id", help="Use this registered schema id for values."),
    value_message: Optional[str] = typer.Option(None, "--value-message", help="protobuf: the message of the schema values are (default its first)."),
    key_format: Optional[SchemaFormat] = typer.Option(None, "--key-format", help="Encode JSON keys with a Schema Registry schema: avro|protobuf|json-schema."),
    key_schema: Optional[str] = typer.Option(None, "--key-schema", help="Schema file for --key-format."),
    key_subject: Optional[str] = typer.Option(None, "--key-subject", help="Subject of the key schema."),
    key_schema_id: Optional[int] = typer.Option(None, "--key-schema-id", help="Use this registered schema id for keys."),
    key_message: Optional[str] = typer.Option(None, "--key-message", help="protobuf: the message of the schema keys are (default its first)."),
    subject_strategy: SubjectStrategy = typer.Option(SubjectStrategy.topic, "--subject-strategy", help="Subject naming: topic (TOPIC-value), record (the record's name) or topic-record."),
    schema_registry: Optional[str] = typer.Option(None, "--schema-registry", help="Schema Registry URL (default: $KCTL_SCHEMA_REGISTRY, the context's, or the local instance's)."),
):
    """Produce messages to a topic from stdin, files or the command line.

    Exits 0 only when every message was acknowledged; 5 when some were not (see --failed-file).

    Example: kctl produce orders --file orders.jsonl.gz --input envelope --compression lz4
    """
    from kctl.services import produce as service  # not on produce --help's path

    obj = app_context(ctx)
    topic = one_topic(topic_arg, topic)
    for text, option in ((delimiter, "--delimiter"), (key_separator, "--key-separator"), (null_marker, "--null-marker"),
                         *((pair, "-H") for pair in header)):
        service.text_argument(text, option)
    headers = []  # in order, and a name may repeat (Kafka headers are a list)
    for pair in header:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-H expects name=value, got {pair!r}")
        headers.append((name.strip(), text.encode("utf-8")))
    if delimiter == "":
        raise UsageError("--delimiter must not be empty")
    if template is not None:
        if key_separator is not None or delimiter is not None or input_ != InputFormat.line:
            raise UsageError("-f/--format is the record template: it replaces -K, -D and --input")
        key_separator, delimiter = compile_template(template)
    registry_settings = None
    if value_format is not None or key_format is not None:
        from kctl.services.schemas.settings import registry_settings as settings_of  # not on produce --help's path

        registry_settings = settings_of(schema_registry, obj.context, obj.registry_data, obj.target.instance, obj.timeout)
    progress = _Progress() if obj.progress_on_stderr and not report else None
    report_writer = _Report() if report else None
    req = service.ProduceRequest(
        topic=topic,
        files=list(files) or ["-"],
        input_compression=input_compression.value,
        format=input_.value,
        delimiter=_escapes(delimiter),
        key_separator=_escapes(key_separator),
        key_field=key_field,
        null_marker=null_marker.encode("utf-8") if null_marker is not None else None,
        key_serializer=key_serializer.value,
        value_serializer=value_serializer.value if value_serializer else None,
        key=key,
        value=value,
        headers=headers,
        count=count,
        partition=partition,
        partitioner=partitioner.value,
        on_error=on_error.value,
        sync=sync,
        rate=rate,
        failed_file=failed_file,
        transactional_id=transactional_id,
        report=report_writer,
        progress=progress.update if progress else None,
        value_format=value_format.value if value_format else None,
        value_schema=value_schema,
        value_subject=value_subject,
        value_schema_id=value_schema_id,
        value_message=value_message,
        key_format=key_format.value if key_format else None,
        key_schema=key_schema,
        key_subject=key_subject,
        key_schema_id=key_schema_id,
        key_message=key_message,
        subject_strategy=subject_strategy.value,
        schema_registry=registry_settings,
    )
    _stdin_note(req, obj)
    try:
        summary = service.produce(
            obj.client_conf(), obj.timeout, req,
            acks=acks.value if acks else None, idempotence=idempotence,
            compression=compression.value if compression else None, linger_ms=linger_ms, batch_size=batch_size,
            retry_backoff_ms=retry_backoff_ms, retry_backoff_max_ms=retry_backoff_max_ms,
            delivery_timeout_ms=int(delivery_timeout * 1000) if delivery_timeout is not None else None,
        )
    except service.ProduceError as exc:
        if progress:
            progress.close()
        if exc.summary is not None and not obj.quiet:
            _print_summary(exc.summary)
        raise
    if progress:
        progress.close()
    if not obj.quiet:
        _print_summary(summary)
    if report_writer is not None:
        report_writer.finish()
    elif obj.output in ("json", "yaml"):
        render(summary, obj.output)


def _escapes(text):
    """-D/-K text with escapes read (\\t, \\0, \\x1e); a compiled --format template gives bytes already."""
    return parse_escapes(text) if isinstance(text, str) else text


class _Report:
    """--report: a JSON line per message on stdout. A reader that goes away (`--report | head`)
    ends the report quietly; a stdout that cannot be written (closed, disk full) ends it too,
    and the run then exits 5 (the messages were sent, their report was lost). Producing goes on
    either way: the exit code still says whether every message was acknowledged."""

    def __init__(self):
        self.closed = False
        self.lost: str | None = None

    def __call__(self, item: dict) -> None:
        if not self.closed:
            try:
                sys.stdout.write(json.dumps(item) + "\n")
            except OSError as exc:
                self._close(exc)

    def finish(self) -> None:
        if not self.closed:
            try:
                sys.stdout.flush()
            except OSError as exc:
                self._close(exc)
        if self.lost:
            raise PartialFailure(f"cannot write to stdout: {self.lost}", hint="the messages were sent; the report was lost")

    def _close(self, exc: OSError) -> None:
        self.closed = True
        if not isinstance(exc, BrokenPipeError):
            self.lost = exc.strerror or str(exc)
        try:  # later writes and the final flush go nowhere instead of failing again
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        except OSError:
            pass


def _stdin_note(req, obj) -> None:
    """Say what kctl waits for when it reads a terminal (not a pipe): it would otherwise sit on a blank screen."""
    if req.value is not None or "-" not in req.files or obj.quiet or not (sys.stdin.isatty() and sys.stderr.isatty()):
        return
    if req.format == "raw":
        what = "one record: all of the input"
    elif req.delimiter is not None:
        what = "one per --delimiter"
    elif req.format == "line":
        what = "one per line"
    else:
        what = f"one {req.format} record per line"
    obj.note(f"reading records from stdin, {what}; Ctrl-D to finish")


def _print_summary(summary) -> None:
    parts = [f"{summary.sent} sent"]
    if summary.failed:
        parts.append(f"{summary.failed} failed")
    if summary.skipped:
        parts.append(f"{summary.skipped} skipped")
    if summary.not_sent:
        parts.append(f"{summary.not_sent} not sent")
    txn = " in one transaction" if summary.transactional and summary.sent else ""
    sys.stderr.write(
        f"kctl: {', '.join(parts)} to {summary.topic}{txn} in {summary.seconds:.2f}s "
        f"({summary.msgs_per_sec:,.0f} msgs/s, {summary.mb_per_sec:.1f} MB/s)\n"
    )
    sys.stderr.flush()


class _Progress:
    """A progress bar on stderr (only used when stderr is a terminal)."""

    def __init__(self):
        self._bar = None
        self._task = None

    def update(self, done: int, total: int | None, messages: int) -> None:
        if self._bar is None:
            from rich.console import Console  # heavy: rich
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn  # heavy: rich

            columns = [TextColumn("{task.fields[messages]:,} msgs"), BarColumn(), DownloadColumn()]
            if total:
                columns.append(TimeRemainingColumn())
            self._bar = Progress(*columns, console=Console(file=sys.stderr), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("produce", total=total or None, messages=0)
        self._bar.update(self._task, completed=done, messages=messages)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
