"""How `kctl consume` writes records: value only, kcat-like --format strings, or JSON Lines.

A renderer turns one kctl.client.ConsumerRecord (topic partition offset timestamp_ms key value
headers) into the bytes of one output record. The value-only renderer without a deserializer is
marked `raw_values`: the consume loop then skips per-message rendering entirely and joins the
values itself.

--format tokens (kcat's, plus %v and %d):

    %t topic      %p partition     %o offset       %T timestamp (ms since epoch, -1 if none)
    %d timestamp as ISO 8601 UTC   %k key          %K key size (-1 for null)
    %s %v value   %S value size (-1 for null)      %R value size as a 4-byte big-endian int
    %h headers as name=value,...   %%  a percent sign
    \\n \\r \\t \\0 \\\\  escapes

A format without any \\n gets one appended, so every record ends a line.
"""

from __future__ import annotations

import json
import logging
import struct
from typing import Callable

from kctl import log, serde
from kctl.errors import UsageError

Renderer = Callable[[object], bytes]


class Output:
    """render(msg) -> bytes of one record; raw_values: the output is exactly value + b"\\n"."""

    def __init__(self, render: Renderer, raw_values: bool = False, name: str = ""):
        self.render = render
        self.raw_values = raw_values
        self.name = name


def _warn_deserialize(msg, what: str, exc: Exception) -> None:
    log.event("deserialize_failed", logging.WARNING, topic=msg.topic, partition=msg.partition,
              offset=msg.offset, field=what, error=str(exc))


def _text_of(name: str | None, pretty: bool, what: str) -> Callable[[object, bytes | None], bytes | None]:
    """bytes from Kafka -> bytes to print, through the named deserializer (None = as is)."""
    if name in (None, "bytes", "string") and not pretty:
        return lambda msg, data: data
    fn = serde.deserializer(name) if name not in (None, "bytes") else None

    def convert(msg, data: bytes | None) -> bytes | None:
        if data is None:
            return None
        value: object = data
        if fn is not None:
            try:
                value = fn(data)
            except serde.SerdeError as exc:
                _warn_deserialize(msg, what, exc)
                return data
        if pretty:
            if isinstance(value, (bytes, str)):
                try:
                    value = serde.parse_json(value)
                except serde.SerdeError:  # not JSON, or nested too deeply: shown as it is
                    return value if isinstance(value, bytes) else value.encode("utf-8")
            try:
                return json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8")
            except RecursionError:  # the indenting encoder is pure Python: it reaches fewer levels than parsing
                return data
        if isinstance(value, bytes):
            return value
        if isinstance(value, str):
            return value.encode("utf-8")
        if isinstance(value, float) or isinstance(value, int):
            return repr(value).encode()
        return json.dumps(value, ensure_ascii=False).encode("utf-8")

    return convert


def value_only(value_deserializer: str | None = None, pretty: bool = False) -> Output:
    if value_deserializer in (None, "bytes") and not pretty:
        return Output(lambda msg: (msg.value or b"") + b"\n", raw_values=True, name="value")
    convert = _text_of(value_deserializer, pretty, "value")
    return Output(lambda msg: (convert(msg, msg.value) or b"") + b"\n", name="value")


def json_lines(key_deserializer: str | None = None, value_deserializer: str | None = None,
               pretty: bool = False, extra: Callable[[object], dict] | None = None) -> Output:
    """The serde envelope, one JSON object per line (indented with --pretty, for humans).
    extra(msg): more fields for the envelope (the schema ids of decoded records)."""
    indent = 2 if pretty else None

    def render(msg) -> bytes:
        args = (msg.topic, msg.partition, msg.offset, msg.timestamp_ms, msg.key, msg.value, msg.headers)
        try:
            obj = serde.envelope(*args, key_deserializer=key_deserializer, value_deserializer=value_deserializer)
        except serde.SerdeError as exc:
            _warn_deserialize(msg, "key/value", exc)
            obj = serde.envelope(*args)
        if extra is not None:
            obj.update(extra(msg))
        delivery_count = getattr(msg, "delivery_count", None)  # a share group's record (ShareRecord)
        if delivery_count is not None:
            obj["delivery_count"] = delivery_count
        return json.dumps(obj, ensure_ascii=False, indent=indent).encode("utf-8") + b"\n"

    return Output(render, name="json")


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\"}


def _size(data: bytes | None) -> bytes:
    return b"-1" if data is None else str(len(data)).encode()


def _timestamp_ms(msg) -> int:
    return -1 if msg.timestamp_ms is None else msg.timestamp_ms


def _headers(msg) -> bytes:
    return b",".join(name.encode("utf-8", "surrogateescape") + b"=" + (value or b"") for name, value in msg.headers or ())


def compile_format(fmt: str, key_deserializer: str | None = None, value_deserializer: str | None = None,
                   pretty: bool = False) -> Output:
    """A kcat-like format string -> Output. Raises UsageError for an unknown token."""
    try:
        fmt.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"--format: {fmt!r} is not valid UTF-8") from None
    if fmt.strip().lower() in ("json", "yaml", "table"):
        raise UsageError(f"--format takes a format string like '%k %v', not {fmt.strip()!r}",
                         hint="did you mean -o json?")
    key_text = _text_of(key_deserializer, False, "key")
    value_text = _text_of(value_deserializer, pretty, "value")
    fields: dict[str, Renderer] = {
        "t": lambda m: m.topic.encode("utf-8"),
        "p": lambda m: str(m.partition).encode(),
        "o": lambda m: str(m.offset).encode(),
        "T": lambda m: str(_timestamp_ms(m)).encode(),
        "d": lambda m: serde.iso_timestamp(_timestamp_ms(m)).encode() if _timestamp_ms(m) >= 0 else b"-",
        "k": lambda m: key_text(m, m.key) or b"",
        "K": lambda m: _size(m.key),
        "s": lambda m: value_text(m, m.value) or b"",
        "v": lambda m: value_text(m, m.value) or b"",
        "S": lambda m: _size(m.value),
        "R": lambda m: struct.pack(">i", -1 if m.value is None else len(m.value)),
        "h": _headers,
    }
    parts: list[bytes | Renderer] = []
    literal: list[str] = []
    has_newline = False
    i = 0
    while i < len(fmt):
        char = fmt[i]
        if char in "%\\" and i + 1 < len(fmt):
            token = fmt[i + 1]
            if char == "\\":
                if token not in _ESCAPES:
                    raise UsageError(f"--format: unknown escape \\{token}", hint="use \\n \\r \\t \\0 or \\\\")
                literal.append(_ESCAPES[token])
                has_newline |= token == "n"
            elif token == "%":
                literal.append("%")
            elif token in fields:
                if literal:
                    parts.append("".join(literal).encode("utf-8"))
                    literal = []
                parts.append(fields[token])
            else:
                raise UsageError(f"--format: unknown token %{token}", hint="tokens: %t %p %o %T %d %k %K %s %v %S %R %h %%")
            i += 2
            continue
        if char in "%\\":
            raise UsageError(f"--format ends with a lone {char}")
        literal.append(char)
        has_newline |= char == "\n"
        i += 1
    if not has_newline:
        literal.append("\n")
    if literal:
        parts.append("".join(literal).encode("utf-8"))

    if len(parts) == 2 and parts[0] in (fields["s"], fields["v"]) and parts[1] == b"\n" \
            and value_deserializer in (None, "bytes") and not pretty:
        return value_only()

    def render(msg) -> bytes:
        return b"".join(part if isinstance(part, bytes) else part(msg) for part in parts)

    return Output(render, name="format")


def make_output(output: str, fmt: str | None, key_deserializer: str | None, value_deserializer: str | None,
                pretty: bool) -> Output:
    """The output chosen by the global -o (json = JSON Lines) and --format."""
    for name in (key_deserializer, value_deserializer):
        if name is not None and name not in serde.NAMES:
            raise UsageError(f"unknown deserializer {name!r}", hint=f"one of: {', '.join(serde.NAMES)}")
    if output == "json":
        if fmt:
            raise UsageError("--format and -o json exclude each other")
        return json_lines(key_deserializer, value_deserializer, pretty)
    if output in ("yaml", "csv"):
        raise UsageError(f"consume writes records as values, --format strings or -o json (JSON Lines); not {output}")
    if fmt:
        return compile_format(fmt, key_deserializer, value_deserializer, pretty)
    return value_only(value_deserializer, pretty)
