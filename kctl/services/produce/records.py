"""Turning input into records: lines (optionally KEY<SEP>VALUE), whole files, JSON envelopes.

A Record is (key, value, headers, partition, timestamp_ms) with bytes already serialized; a
line that cannot become one raises BadRecord (the loop stops or skips it, with its line number).
"""

from __future__ import annotations

from operator import itemgetter
from typing import NamedTuple

from kctl import serde
from kctl.errors import KctlError
from kctl.parsing import parse_time

# What produce reads back from a `kctl consume -o json` envelope; the other fields it writes
# (topic, offset, ...) are informational.
ENVELOPE_FIELDS = ("key", "value", "headers")
_KNOWN_FIELDS = frozenset({"topic", "partition", "offset", "timestamp", "timestamp_ms", "key", "key_encoding",
                           "value", "value_encoding", "headers", "error", "source", "line",
                           "key_schema_id", "value_schema_id"})
INT64_MAX = 2**63 - 1
_KEY, _SEP, _VALUE = itemgetter(0), itemgetter(1), itemgetter(2)  # of a bytes.partition() result


class BadRecord(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _json_object(record: bytes, invalid: str, not_an_object: str) -> dict:
    """One input line parsed as a JSON object, or BadRecord saying which of the two it is not."""
    try:
        obj = serde.parse_json(record)
    except serde.SerdeError as exc:
        raise BadRecord(f"{invalid}: {exc}") from None
    if not isinstance(obj, dict):
        raise BadRecord(not_an_object)
    return obj


class Record(NamedTuple):
    key: bytes | None
    value: bytes | None
    headers: list | None
    partition: int | None
    timestamp_ms: int | None


class RecordEncoder:
    """Serializes input into Records the way the request says (serializers, key separator,
    null marker, constant key and headers, partition)."""

    def __init__(self, key_serializer: str, value_serializer: str, *, key: str | None = None,
                 key_separator: bytes | None = None, null_marker: bytes | None = None,
                 headers: list | None = None, partition: int | None = None, key_field: str | None = None):
        # a name, or a Serializer-like object (.name, .serialize): a Schema Registry serializer
        self.key_ser = serde.serializer(key_serializer) if isinstance(key_serializer, str) else key_serializer
        self.value_ser = serde.serializer(value_serializer) if isinstance(value_serializer, str) else value_serializer
        self.key_separator = key_separator
        self.null_marker = null_marker
        self.headers = list(headers) if headers else None
        self.partition = partition
        self.key_field = key_field  # --key-field: the key is this field of each JSON line
        self.partitions = 0  # the topic's partition count, for envelope partitions
        self.const_key = None if key is None else self._ser(self.key_ser, key.encode("utf-8"), "--key")

    @staticmethod
    def _ser(ser, data: bytes | None, what: str) -> bytes | None:
        if data is None:
            return None
        try:
            return ser.serialize(data)
        except serde.SerdeError as exc:
            raise BadRecord(f"{what}: {exc}") from None

    @staticmethod
    def _json(value, what: str, errors: str = "strict") -> bytes:
        try:
            return serde.json_text(value, errors)
        except serde.SerdeError as exc:
            raise BadRecord(f"{what}: {exc}") from None

    def literal(self, text: bytes) -> Record:
        """--value: the message as typed."""
        value = None if self.null_marker is not None and text == self.null_marker else text
        return Record(self.const_key, self._ser(self.value_ser, value, "--value"), self.headers, self.partition, None)

    def raw(self, data: bytes) -> Record:
        return Record(self.const_key, self._ser(self.value_ser, data, "value"), self.headers, self.partition, None)

    def line(self, record: bytes) -> Record:
        key = self.const_key
        value: bytes | None = record
        marker = self.null_marker
        if self.key_field is not None:
            return self._keyed_json(record)
        if self.key_separator is not None:
            raw_key, sep, rest = record.partition(self.key_separator)
            if sep:
                value = rest
                key = None if marker is not None and raw_key == marker else self._ser(self.key_ser, raw_key, "key")
        if marker is not None and value == marker:
            value = None
        return Record(key, self._ser(self.value_ser, value, "value"), self.headers, self.partition, None)

    def _keyed_json(self, record: bytes) -> Record:
        """--key-field NAME: the line is a JSON object, sent as it is, keyed by its field NAME (a
        string as its text, another JSON value as compact JSON; missing or null: no key)."""
        obj = _json_object(record, "--key-field needs JSON lines", "--key-field needs a JSON object per line")
        raw = obj.get(self.key_field)
        if raw is None:
            key = self.const_key
        else:
            key = self._ser(self.key_ser, raw.encode("utf-8") if isinstance(raw, str) else self._json(raw, "key"),
                            "key")
        return Record(key, self._ser(self.value_ser, record, "value"), self.headers, self.partition, None)

    def split_lines(self, records: list[bytes]) -> tuple[list | None, list]:
        """(keys, values) of a batch of lines, exactly as line() would make them, for serializers
        that leave bytes as they are (string, once the batch is known to be UTF-8, and bytes):
        the keyed bulk path. keys is None when every line gets the constant key."""
        sep, marker, const = self.key_separator, self.null_marker, self.const_key
        if sep is None:
            return None, (records if marker is None else [None if r == marker else r for r in records])
        parts = [r.partition(sep) for r in records]
        if b"" not in map(_SEP, parts):  # every line has a key (the common case): C-level passes only
            keys, values = list(map(_KEY, parts)), list(map(_VALUE, parts))
            if marker is not None and marker in keys:
                keys = [None if k == marker else k for k in keys]
            if marker is not None and marker in values:
                values = [None if v == marker else v for v in values]
            return keys, values
        if marker is None:
            return [k if s else const for k, s, _ in parts], [v if s else k for k, s, v in parts]
        keys = [(None if k == marker else k) if s else const for k, s, _ in parts]
        values = [None if (v if s else k) == marker else (v if s else k) for k, s, v in parts]
        return keys, values

    def envelope(self, record: bytes) -> Record:
        """A `kctl consume -o json` envelope: key, value and headers (at least one of them),
        optionally partition and timestamp_ms (or an ISO 8601 timestamp)."""
        obj = _json_object(record, "invalid JSON", "expected a JSON object (the `kctl consume -o json` envelope)")
        if not any(name in obj for name in ENVELOPE_FIELDS):
            unknown = sorted(set(obj) - _KNOWN_FIELDS)
            got = f"; unknown fields: {', '.join(unknown[:5])}" if unknown else ""
            raise BadRecord(f"an envelope needs \"key\", \"value\" or \"headers\"{got}",)
        key = self._field(obj, "key", self.key_ser, self.const_key)
        value = self._field(obj, "value", self.value_ser, None)
        return Record(key, value, self._headers(obj), self._partition(obj), _timestamp(obj))

    def _field(self, obj: dict, name: str, ser, default):
        if name not in obj:
            return default
        raw = obj[name]
        encoding = obj.get(f"{name}_encoding")
        if encoding is not None and not isinstance(encoding, str):
            raise BadRecord(f"{name}_encoding must be a string, got {encoding!r}")
        if raw is None:
            return None
        if hasattr(ser, "schema_id") and encoding in (None, "json"):
            # a schema serializer encodes the JSON value itself (`consume -o json` of a decoded record)
            return self._ser(ser, self._json(raw, name), name)
        if encoding is not None:
            try:
                return serde.decode_field(raw, encoding)
            except serde.SerdeError as exc:
                raise BadRecord(f"{name}: {exc}") from None
        # No encoding: a string is the text itself; anything else is JSON text for the serializer.
        data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else self._json(raw, name, "surrogatepass")
        return self._ser(ser, data, name)

    def _headers(self, obj: dict) -> list | None:
        headers = list(self.headers or [])
        raw_headers = obj.get("headers") or []
        if isinstance(raw_headers, dict):
            raw_headers = [{"key": k, "value": v} for k, v in raw_headers.items()]
        if not isinstance(raw_headers, list):
            raise BadRecord("headers must be a list of {\"key\", \"value\"} objects")
        for item in raw_headers:
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                raise BadRecord("each header needs a string \"key\"")
            encoding = item.get("encoding")
            if encoding is not None and not isinstance(encoding, str):
                raise BadRecord(f"header {item['key']}: encoding must be a string, got {encoding!r}")
            try:
                headers.append((item["key"], serde.decode_field(item.get("value"), encoding)))
            except serde.SerdeError as exc:
                raise BadRecord(f"header {item['key']}: {exc}") from None
        return headers or None

    def _partition(self, obj: dict) -> int | None:
        partition = obj.get("partition")
        if self.partition is not None or partition is None:
            return self.partition
        if isinstance(partition, bool) or not isinstance(partition, int) or not 0 <= partition < self.partitions:
            raise BadRecord(f"partition {partition!r} does not exist (the topic has {self.partitions})")
        return partition


def _timestamp(obj: dict) -> int | None:
    timestamp = obj.get("timestamp_ms")
    if timestamp is None and obj.get("timestamp") is not None:
        text = obj["timestamp"]
        if not isinstance(text, str):
            raise BadRecord(f"timestamp must be ISO 8601 text, got {text!r}")
        try:
            timestamp = parse_time(text, option="timestamp")
        except KctlError as exc:
            raise BadRecord(exc.message) from None
    if timestamp is None:
        return None
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp <= INT64_MAX:
        raise BadRecord(f"timestamp_ms must be an integer from 1 to {INT64_MAX}, got {timestamp!r}")
    if timestamp == 0:
        raise BadRecord("timestamp_ms 0 cannot be sent: librdkafka reads a timestamp of 0 as \"now\"")
    return timestamp
