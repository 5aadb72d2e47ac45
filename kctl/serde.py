"""Serializers, deserializers and the JSON Lines record envelope.

Serializer names are shared by produce (--key-serializer/--value-serializer) and consume
(--key-deserializer/--value-deserializer): string json bytes int32 int64 double hex base64.
Integers and doubles are big-endian, as Kafka's Java IntegerSerializer/LongSerializer/
DoubleSerializer write them.

The envelope (one JSON object per line; `kctl consume -o json` writes it, `kctl produce
--input envelope` reads it back):

    {"topic": "orders", "partition": 0, "offset": 42,
     "timestamp": "2026-11-26T10:00:00.000Z", "timestamp_ms": 1795687200000,
     "key": "k1", "value": "hello",
     "headers": [{"key": "trace", "value": "abc"}]}

key/value are null for a null key or a tombstone. Bytes that are not valid UTF-8 are written
base64-encoded with "key_encoding"/"value_encoding": "base64" (a header gets "encoding":
"base64"), so binary data round-trips exactly. With the json deserializer a value is
embedded as JSON and marked "value_encoding": "json" (likewise int32, int64, double, hex,
base64: the encoding names the deserializer, and produce reverses it exactly). Only key, value, headers, partition
and timestamp_ms (or timestamp) are read back by produce; the other fields are informational.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from datetime import datetime, timezone
from typing import Callable

from kctl.models.choices import SERDE_NAMES

NAMES = SERDE_NAMES


class SerdeError(ValueError):
    """Input that the chosen serializer cannot encode (reported with its line number)."""


TOO_DEEP = "nested too deeply (Python's json reaches about 1,000 levels)"


def parse_json(data: bytes | str):
    """JSON text as plain values; SerdeError when it is not JSON or nests too deeply to decode
    (json raises RecursionError there, which is no ValueError: it would end the whole run)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise SerdeError(TOO_DEEP) from None
    except ValueError as exc:
        raise SerdeError(f"invalid JSON: {exc}") from None


def json_text(value, errors: str = "strict") -> bytes:
    """A JSON value as compact UTF-8 JSON text (`errors` for unpaired surrogates, as str.encode);
    SerdeError when it cannot be (or nests too deeply)."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", errors)
    except RecursionError:
        raise SerdeError(TOO_DEEP) from None
    except (TypeError, ValueError) as exc:
        raise SerdeError(f"cannot encode as JSON: {exc}") from None


def _to_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SerdeError(f"not valid UTF-8 at byte {exc.start}") from None


def _ser_json(data: bytes) -> bytes:
    parse_json(data)
    return data


def _ser_int(fmt: str, bits: int) -> Callable[[bytes], bytes]:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def serialize(data: bytes) -> bytes:
        try:
            number = int(data.strip())
        except ValueError:
            raise SerdeError(f"not an integer: {data[:40]!r}") from None
        if not low <= number <= high:
            raise SerdeError(f"{number} does not fit in int{bits}")
        return struct.pack(fmt, number)

    return serialize


def _ser_double(data: bytes) -> bytes:
    try:
        return struct.pack(">d", float(data.strip()))
    except ValueError:
        raise SerdeError(f"not a number: {data[:40]!r}") from None


def _ser_hex(data: bytes) -> bytes:
    try:
        return bytes.fromhex(_to_text(data))
    except ValueError:
        raise SerdeError(f"invalid hex: {data[:40]!r}") from None


def _ser_base64(data: bytes) -> bytes:
    try:
        return base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SerdeError(f"invalid base64: {data[:40]!r}") from None


def _ser_string(data: bytes) -> bytes:
    _to_text(data)
    return data


SERIALIZERS: dict[str, Callable[[bytes], bytes]] = {
    "string": _ser_string,
    "json": _ser_json,
    "bytes": lambda data: data,
    "int32": _ser_int(">i", 32),
    "int64": _ser_int(">q", 64),
    "double": _ser_double,
    "hex": _ser_hex,
    "base64": _ser_base64,
}


def _value_json(value) -> bytes:
    return json_text(value)


def _value_int(bits: int) -> Callable[[object], bytes]:
    def serialize(value) -> bytes:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SerdeError(f"int{bits} needs an integer, got {type(value).__name__}")
        return SERIALIZERS[f"int{bits}"](str(value).encode())

    return serialize


def _value_double(value) -> bytes:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SerdeError(f"double needs a number, got {type(value).__name__}")
    return struct.pack(">d", float(value))


# Python values other than bytes/str (which are read as the text a command line would carry).
_FROM_VALUE: dict[str, Callable[[object], bytes]] = {
    "json": _value_json, "int32": _value_int(32), "int64": _value_int(64), "double": _value_double,
}


class Serializer:
    """A named serializer: serialize(value) -> bytes for Kafka (None stays None, a tombstone or a
    null key). bytes and str are the value's text, as a command line or an input line carries it
    ("42" for int32, JSON text for json); int32/int64/double also take numbers and json any
    JSON-able value (a str is JSON-encoded then). Raises SerdeError on what it cannot encode.

    Any object with .name and .serialize(value) can stand in for one (the client API's protocol).
    """

    __slots__ = ("name", "_from_bytes", "_from_value")

    def __init__(self, name: str, from_bytes: Callable[[bytes], bytes],
                 from_value: Callable[[object], bytes] | None = None):
        self.name = name
        self._from_bytes = from_bytes
        self._from_value = from_value

    def serialize(self, value) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, bytes):
            return self._from_bytes(value)
        if self._from_value is not None and (self.name == "json" or not isinstance(value, str)):
            return self._from_value(value)
        if isinstance(value, str):
            try:
                return self._from_bytes(value.encode("utf-8"))
            except UnicodeEncodeError:
                raise SerdeError("not valid UTF-8 (the text holds an unpaired surrogate)") from None
        if isinstance(value, (bytearray, memoryview)):
            return self._from_bytes(bytes(value))
        raise SerdeError(f"the {self.name} serializer cannot encode a {type(value).__name__}")

    def __repr__(self) -> str:
        return f"Serializer({self.name!r})"


def serializer(name: str) -> Serializer:
    """The serializer of a CLI name (string json bytes int32 int64 double hex base64)."""
    try:
        return Serializer(name, SERIALIZERS[name], _FROM_VALUE.get(name))
    except KeyError:
        raise SerdeError(f"unknown serializer {name!r} (one of: {', '.join(NAMES)})") from None


def _de_int(fmt: str, size: int) -> Callable[[bytes], int]:
    def deserialize(data: bytes) -> int:
        if len(data) != size:
            raise SerdeError(f"expected {size} bytes for int{size * 8}, got {len(data)}")
        return struct.unpack(fmt, data)[0]

    return deserialize


def _de_double(data: bytes) -> float:
    if len(data) != 8:
        raise SerdeError(f"expected 8 bytes for double, got {len(data)}")
    return struct.unpack(">d", data)[0]


def _de_json(data: bytes):
    return parse_json(data)


# bytes from Kafka -> a Python value: str for text-like formats, int/float/JSON value otherwise.
DESERIALIZERS: dict[str, Callable[[bytes], object]] = {
    "string": lambda data: data.decode("utf-8", "replace"),
    "json": _de_json,
    "bytes": lambda data: data,
    "int32": _de_int(">i", 4),
    "int64": _de_int(">q", 8),
    "double": _de_double,
    "hex": lambda data: data.hex(),
    "base64": lambda data: base64.b64encode(data).decode("ascii"),
}


def deserializer(name: str) -> Callable[[bytes], object]:
    try:
        return DESERIALIZERS[name]
    except KeyError:
        raise SerdeError(f"unknown deserializer {name!r} (one of: {', '.join(NAMES)})") from None


# --- envelope ---------------------------------------------------------------------------


def encode_field(data: bytes | None, deserializer_name: str | None = None) -> tuple[object, str | None]:
    """A key or value for the envelope: (json_value, encoding); encoding None means UTF-8 text.

    With a deserializer other than string/bytes the encoding is the deserializer's name
    (json, int32, int64, double, hex, base64), which decode_field reverses exactly.
    """
    if data is None:
        return None, None
    if deserializer_name and deserializer_name not in ("string", "bytes"):
        return deserializer(deserializer_name)(data), deserializer_name
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


def decode_field(value, encoding: str | None) -> bytes | None:
    """Inverse of encode_field: envelope value + encoding -> the record's bytes."""
    if value is None:
        return None
    if encoding in (None, "utf8", "utf-8", "string"):
        if not isinstance(value, str):
            raise SerdeError(f"expected a string, got {type(value).__name__} (set an encoding)")
        return value.encode("utf-8")
    if encoding == "json":
        return json_text(value)
    if encoding in ("int32", "int64", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SerdeError(f"expected a number for {encoding}, got {value!r}")
        return serializer(encoding).serialize(str(value).encode())
    if encoding in ("hex", "base64"):
        if not isinstance(value, str):
            raise SerdeError(f"expected a {encoding} string")
        return serializer(encoding).serialize(value.encode("ascii", "replace"))
    raise SerdeError(f"unknown encoding {encoding!r} (utf8, base64, hex, json, int32, int64 or double)")


def iso_timestamp(ms: int) -> str:
    """ISO 8601 UTC with milliseconds; a time no datetime can hold (year 10000 and later, which a
    producer may well set) is the epoch ms as text, never an error."""
    try:
        return datetime.fromtimestamp(ms // 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    except (ValueError, OverflowError, OSError):
        return str(ms)


def envelope(topic: str, partition: int, offset: int, timestamp_ms: int | None, key: bytes | None,
             value: bytes | None, headers: list[tuple[str, bytes | None]] | None,
             key_deserializer: str | None = None, value_deserializer: str | None = None) -> dict:
    out: dict = {"topic": topic, "partition": partition, "offset": offset}
    if timestamp_ms is not None and timestamp_ms >= 0:
        out["timestamp"] = iso_timestamp(timestamp_ms)
        out["timestamp_ms"] = timestamp_ms
    out["key"], key_encoding = encode_field(key, key_deserializer)
    if key_encoding:
        out["key_encoding"] = key_encoding
    out["value"], value_encoding = encode_field(value, value_deserializer)
    if value_encoding:
        out["value_encoding"] = value_encoding
    out["headers"] = []
    for name, raw in headers or ():
        header_value, header_encoding = encode_field(raw)
        item = {"key": name, "value": header_value}
        if header_encoding:
            item["encoding"] = header_encoding
        out["headers"].append(item)
    return out
