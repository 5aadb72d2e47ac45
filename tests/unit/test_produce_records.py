"""kctl produce's record encoding: lines, envelopes and what makes an envelope line bad."""

from __future__ import annotations

import struct

import pytest

from kctl.services.produce import ProduceRequest, check_request
from kctl.services.produce.records import BadRecord, Record, RecordEncoder
from kctl.errors import UsageError


def encoder(**kwargs) -> RecordEncoder:
    enc = RecordEncoder(kwargs.pop("key_serializer", "string"), kwargs.pop("value_serializer", "string"), **kwargs)
    enc.partitions = 3
    return enc


def test_lines_with_a_key_separator_and_null_marker():
    enc = encoder(key_separator=b":", null_marker=b"NULL")
    assert enc.line(b"k:v") == Record(b"k", b"v", None, None, None)
    assert enc.line(b"NULL:v").key is None
    assert enc.line(b"k:NULL").value is None
    assert enc.line(b"no separator") == Record(None, b"no separator", None, None, None)


def test_envelope_fields_partition_and_timestamp():
    enc = encoder(value_serializer="int32")
    record = enc.envelope(b'{"key": "k", "value": 7, "headers": [{"key": "h", "value": "v"}], '
                          b'"partition": 2, "timestamp_ms": 1}')
    assert record == Record(b"k", struct.pack(">i", 7), [("h", b"v")], 2, 1)
    assert enc.envelope(b'{"value": null}').value is None  # a tombstone, asked for
    assert enc.envelope(b'{"headers": {"a": "1"}}').headers == [("a", b"1")]
    text = b'{"value": "x", "timestamp": "2026-11-26T10:00:00.000Z"}'
    assert encoder().envelope(text).timestamp_ms == 1795687200000


@pytest.mark.parametrize("line,reason", [
    (b'{"id": 1, "name": "x"}', "an envelope needs"),          # a plain JSON object, not an envelope
    (b'{}', "an envelope needs"),
    (b'{"topic": "t", "offset": 3}', "an envelope needs"),
    (b'[1, 2]', "expected a JSON object"),
    (b'{"value": "a", "partition": "1"}', "partition"),
    (b'{"value": "a", "partition": 3}', "does not exist"),
    (b'{"value": "a", "headers": "x"}', "headers must be"),
    (b'{"value": "a", "headers": [{"key": 1}]}', "needs a string"),
    (b'{"value": "a", "headers": [{"key": "h", "value": 5}]}', "header h"),
    (b'{"value": "a", "value_encoding": 5}', "value_encoding must be a string"),
    (b'{"value": 5, "value_encoding": "rot13"}', "unknown encoding"),
    (b'{"value": "a", "timestamp_ms": "1"}', "timestamp_ms must be an integer"),
    (b'{"value": "a", "timestamp_ms": 100000000000000000000000000000}', "timestamp_ms must be an integer"),
    (b'{"value": "a", "timestamp_ms": -5}', "timestamp_ms must be an integer"),
    (b'{"value": "a", "timestamp_ms": 0}', "librdkafka reads a timestamp of 0"),
    (b'{"value": "a", "timestamp": 5}', "ISO 8601"),
    (b'{"value": "a", "timestamp": "yesterday-ish"}', "cannot read time"),
])
def test_bad_envelopes(line, reason):
    with pytest.raises(BadRecord, match=reason.replace("(", r"\(")):
        encoder().envelope(line)


@pytest.mark.parametrize("changes,conflict", [
    ({"key_separator": b":"}, "--key-separator"),
    ({"format": "envelope"}, "--input envelope"),
    ({"delimiter": b"\0"}, "--delimiter"),
    ({"input_compression": "gzip"}, "--input-compression"),
    ({"files": ["a", "b"]}, "--file"),
])
def test_value_refuses_what_it_would_ignore(changes, conflict):
    with pytest.raises(UsageError, match=f"--value .* {conflict}"):
        check_request(ProduceRequest(topic="t", value="k:v", **changes))


@pytest.mark.parametrize("changes,message", [
    ({"transactional_id": ""}, "--transactional-id must not be empty"),
    ({"value": "\udcff"}, "--value is not valid UTF-8"),
    ({"topic": "t\udcff"}, "topic name is not valid UTF-8"),
    ({"key": "\udcff"}, "--key is not valid UTF-8"),
    ({"failed_file": "/no/such/folder/failed.jsonl"}, "cannot write --failed-file .*: no folder"),
])
def test_usage_errors_before_anything_is_sent(changes, message):
    with pytest.raises(UsageError, match=message):
        check_request(ProduceRequest(**{"topic": "t", **changes}))


# The keyed bulk path (issue 14): split_lines must make exactly the keys and values line() makes.
from hypothesis import given, settings, strategies as st  # noqa: E402

_PIECES = st.sampled_from([b"k", b"v", b":", b"::", b"NULL", b"", b"\t", b"x:y"])
_LINES = st.lists(st.lists(_PIECES, max_size=4).map(b"".join), max_size=12)


@settings(max_examples=300, deadline=None)
@given(lines=_LINES, sep=st.sampled_from([None, b":", b"\t", b"::"]), marker=st.sampled_from([None, b"NULL", b""]),
       key=st.sampled_from([None, "const"]), serializer=st.sampled_from(["string", "bytes"]))
def test_split_lines_makes_what_line_makes(lines, sep, marker, key, serializer):
    enc = encoder(key_separator=sep, null_marker=marker, key=key, key_serializer=serializer,
                  value_serializer=serializer)
    keys, values = enc.split_lines(lines)
    expected = [enc.line(line) for line in lines]
    assert values == [r.value for r in expected]
    assert (keys if keys is not None else [enc.const_key] * len(lines)) == [r.key for r in expected]


def test_split_lines_of_keyed_lines_with_tombstones():
    enc = encoder(key_separator=b"\t", null_marker=b"NULL")
    assert enc.split_lines([b"a\t1", b"NULL\t2", b"b\tNULL", b"plain", b"NULL"]) == (
        [b"a", None, b"b", None, None], [b"1", b"2", None, b"plain", None])


def test_key_field_keys_json_lines_by_a_field():
    enc = encoder(key_field="id")
    line = b'{"id": "c-1", "total": 5}'
    assert enc.line(line) == Record(b"c-1", line, None, None, None)  # the line itself is the value
    assert enc.line(b'{"id": 42}').key == b"42"
    assert enc.line(b'{"id": {"a": 1}}').key == b'{"a":1}'
    assert enc.line(b'{"other": 1}').key is None and enc.line(b'{"id": null}').key is None
    with pytest.raises(BadRecord, match="--key-field needs JSON lines"):
        enc.line(b"not json")
    with pytest.raises(BadRecord, match="a JSON object"):
        enc.line(b"[1, 2]")


@pytest.mark.parametrize("changes,conflict", [
    ({"key_separator": b":"}, "-K/--key-separator"),
    ({"format": "envelope"}, "--input envelope"),
    ({"key": "k"}, "--key"),
    ({"key_field": ""}, "an empty NAME"),
])
def test_key_field_refuses_other_keys(changes, conflict):
    with pytest.raises(UsageError, match=f"--key-field .*{conflict}"):
        check_request(ProduceRequest(topic="t", **{"key_field": "id", **changes}))


def test_compile_template():
    from kctl.inputs import compile_template

    assert compile_template("%v") == (None, None)
    assert compile_template("%s\\n") == (None, b"\n")
    assert compile_template("%k\\t%v\\n") == (b"\t", b"\n")
    assert compile_template("%k%%%v;") == (b"%", b";")
    for bad, message in (("%v %k", "cannot read records"), ("key=%k %v", "cannot read records"),
                         ("%p %v", "%p cannot be read"), ("%k%v", "need a separator"), ("orders.txt", "no %v")):
        with pytest.raises(UsageError, match=message):
            compile_template(bad)
