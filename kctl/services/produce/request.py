"""What `kctl produce` is asked to do, and the checks made before anything is sent."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from kctl.errors import ExitCode, KctlError, UsageError
from kctl.inputs import FORMATS
from kctl.models import ProduceSummary
from kctl.parsing import check_writable
from kctl.partitioners import NAMES as PARTITIONERS


class ProduceError(KctlError):
    """A produce that stopped or lost messages; .summary says what was sent before."""

    summary: ProduceSummary | None = None

    def __init__(self, message: str, hint: str | None = None, summary: ProduceSummary | None = None,
                 exit_code: ExitCode | None = None):
        super().__init__(message, hint)
        self.summary = summary
        if exit_code is not None:
            self.exit_code = exit_code


class ProduceInterrupted(ProduceError):
    exit_code = ExitCode.INTERRUPTED


@dataclass
class ProduceRequest:
    topic: str
    files: list[str] = field(default_factory=lambda: ["-"])
    input_compression: str = "auto"
    format: str = "line"
    delimiter: bytes | None = None
    key_separator: bytes | None = None
    key_field: str | None = None  # --key-field NAME: JSON lines keyed by a field
    null_marker: bytes | None = None
    key_serializer: str = "string"
    value_serializer: str | None = None  # None: string (bytes for --input raw)
    key: str | None = None
    value: str | None = None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    count: int | None = None
    partition: int | None = None
    partitioner: str = "murmur2"
    on_error: str = "stop"
    sync: bool = False
    rate: float | None = None
    failed_file: str | None = None
    transactional_id: str | None = None
    report: Callable[[dict], None] | None = None
    progress: Callable[[int, int | None, int], None] | None = None  # (bytes read, total bytes, messages)
    # Schema Registry formats (avro, protobuf, json-schema): the schema from a file, a subject, an id or the
    # latest; *_message: which protobuf message (default the schema's first).
    value_format: str | None = None
    value_schema: str | None = None
    value_subject: str | None = None
    value_schema_id: int | None = None
    value_message: str | None = None
    key_format: str | None = None
    key_schema: str | None = None
    key_subject: str | None = None
    key_schema_id: int | None = None
    key_message: str | None = None
    subject_strategy: str = "topic"
    schema_registry: object | None = None  # kctl.client.schema_registry.RegistrySettings

    @property
    def value_serializer_name(self) -> str:
        return self.value_serializer or ("bytes" if self.format == "raw" else "string")


def text_argument(text: str | None, what: str) -> str | None:
    """A command-line string as UTF-8: an argument that is not arrives surrogate-escaped."""
    if text is not None:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise UsageError(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    return text


def check_request(req: ProduceRequest) -> None:
    """Every usage error before a client is made (exit 2, one line naming the conflict)."""
    text_argument(req.topic, "the topic name")
    text_argument(req.key, "--key")
    text_argument(req.value, "--value")
    text_argument(req.transactional_id, "--transactional-id")
    for name, _ in req.headers:
        text_argument(name, "a header name (-H)")
    if req.format not in FORMATS:
        raise UsageError(f"unknown --input {req.format!r} (one of: {', '.join(FORMATS)})")
    if req.partitioner not in PARTITIONERS:
        raise UsageError(f"unknown partitioner {req.partitioner!r} (one of: {', '.join(PARTITIONERS)})")
    if req.on_error not in ("stop", "skip"):
        raise UsageError("--on-error is stop or skip")
    if req.value is not None:
        conflicts = [name for name, given in (
            ("--file", req.files != ["-"]), ("--key-separator", req.key_separator is not None),
            (f"--input {req.format}", req.format != "line"), ("--delimiter", req.delimiter is not None),
            ("--input-compression", req.input_compression != "auto")) if given]
        if conflicts:
            raise UsageError(f"--value sends one message from the command line: it cannot be combined with "
                             f"{', '.join(conflicts)}")
    if req.key_separator is not None and req.format != "line":
        raise UsageError("--key-separator applies to --input line")
    if req.key_field is not None:
        given = [name for name, on in (("-K/--key-separator or a %k template", req.key_separator is not None),
                                        (f"--input {req.format}", req.format != "line"), ("--key", req.key is not None),
                                        ("--value", req.value is not None)) if on]
        if given or not req.key_field:
            raise UsageError("--key-field NAME keys JSON lines by a field: it cannot be combined with "
                             + (", ".join(given) or "an empty NAME"))
    if req.count is not None and req.count < 0:
        raise UsageError("--count must be at least 0")
    if req.rate is not None and req.rate <= 0:
        raise UsageError("--rate must be positive")
    if req.transactional_id is not None and not req.transactional_id.strip():
        raise UsageError("--transactional-id must not be empty")
    for path in req.files:
        if path != "-" and not os.path.exists(path):
            raise UsageError(f"input file {path} does not exist")
        if path != "-" and os.path.isdir(path):
            raise UsageError(f"input file {path} is a directory")
    if req.failed_file is not None:
        check_writable(req.failed_file, "--failed-file")
    for part in ("key", "value"):
        fmt = getattr(req, f"{part}_format")
        given = [f"--{part}-{name.replace('_', '-')}" for name in ("schema", "subject", "schema_id", "message")
                 if getattr(req, f"{part}_{name}") is not None]
        if fmt is None and given:
            raise UsageError(f"{given[0]} needs --{part}-format avro|protobuf|json-schema")
        if fmt is not None:
            if req.format == "raw":
                raise UsageError(f"--{part}-format {fmt} encodes JSON records: it cannot be combined with --input raw")
            if getattr(req, f"{part}_schema") is not None and getattr(req, f"{part}_schema_id") is not None:
                raise UsageError(f"give --{part}-schema or --{part}-schema-id, not both")
            if req.schema_registry is None:
                raise UsageError(f"--{part}-format {fmt} needs a schema registry")
