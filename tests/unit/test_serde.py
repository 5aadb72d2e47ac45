"""Serializers (Java-compatible byte layouts), deserializers and the JSON Lines envelope."""

import json
import struct

import pytest

from kctl import serde


@pytest.mark.parametrize(
    "name,text,expected",
    [
        # Java IntegerSerializer / LongSerializer / DoubleSerializer write big-endian.
        ("int32", b"1", b"\x00\x00\x00\x01"),
        ("int32", b"-1", b"\xff\xff\xff\xff"),
        ("int32", b"2147483647", b"\x7f\xff\xff\xff"),
        ("int32", b" 258\n", b"\x00\x00\x01\x02"),
        ("int64", b"1", b"\x00" * 7 + b"\x01"),
        ("int64", b"-9223372036854775808", b"\x80" + b"\x00" * 7),
        ("double", b"1.5", struct.pack(">d", 1.5)),
        ("hex", b"00ff10", b"\x00\xff\x10"),
        ("base64", b"AP8Q", b"\x00\xff\x10"),
        ("string", "h\u00e9".encode(), "h\u00e9".encode()),
        ("bytes", b"\xff\x00", b"\xff\x00"),
        ("json", b'{"a": 1}', b'{"a": 1}'),
    ],
)
def test_serializers(name, text, expected):
    assert serde.serializer(name).serialize(text) == expected


@pytest.mark.parametrize(
    "name,text",
    [
        ("int32", b"2147483648"),
        ("int32", b"x"),
        ("int64", b"1.5"),
        ("double", b"abc"),
        ("hex", b"abc"),
        ("base64", b"!!!"),
        ("string", b"\xff\xfe"),
        ("json", b"{bad"),
    ],
)
def test_serializers_reject_bad_input(name, text):
    with pytest.raises(serde.SerdeError):
        serde.serializer(name).serialize(text)


def test_unknown_serializer():
    with pytest.raises(serde.SerdeError, match="unknown serializer"):
        serde.serializer("avro")


@pytest.mark.parametrize("name,text", [("int32", b"-42"), ("int64", b"123456789012"), ("double", b"2.25"),
                                       ("hex", b"0aff"), ("base64", b"AAEC")])
def test_deserializer_inverts_serializer(name, text):
    data = serde.serializer(name).serialize(text)
    value = serde.deserializer(name)(data)
    assert serde.serializer(name).serialize(str(value).encode()) == data


def test_int_deserializer_checks_length():
    with pytest.raises(serde.SerdeError):
        serde.deserializer("int32")(b"\x00\x01")


@pytest.mark.parametrize(
    "data,deser",
    [
        (b"hello", None),
        ("h\u00e9llo".encode(), None),
        (b"\xff\x00\x80binary", None),
        (b'{"a":[1,2,{"b":null}]}', "json"),
        (struct.pack(">i", -7), "int32"),
        (struct.pack(">q", 2**40), "int64"),
        (struct.pack(">d", 0.1), "double"),
        (b"\x00\xff", "hex"),
        (b"\x00\xff", "base64"),
        (None, None),
        (b"", None),
    ],
)
def test_envelope_fields_round_trip_exactly(data, deser):
    value, encoding = serde.encode_field(data, deser)
    # through JSON text, as `kctl consume -o json | kctl produce --input envelope` does
    value = json.loads(json.dumps(value))
    assert serde.decode_field(value, encoding) == data


def test_envelope_shape():
    out = serde.envelope("t", 1, 42, 1795687200000, b"k", b"\xff", [("h", b"v"), ("bin", b"\x80")])
    assert out["topic"] == "t" and out["partition"] == 1 and out["offset"] == 42
    assert out["timestamp"] == "2026-11-26T10:00:00.000Z" and out["timestamp_ms"] == 1795687200000
    assert out["key"] == "k" and "key_encoding" not in out
    assert out["value_encoding"] == "base64"
    assert out["headers"][0] == {"key": "h", "value": "v"}
    assert out["headers"][1]["encoding"] == "base64"


def test_decode_field_rejects_mismatched_types():
    with pytest.raises(serde.SerdeError):
        serde.decode_field(5, None)
    with pytest.raises(serde.SerdeError):
        serde.decode_field("x", "int32")
    with pytest.raises(serde.SerdeError):
        serde.decode_field("x", "rot13")


def test_serializer_objects_take_python_values():
    assert serde.serializer("int32").serialize(7) == struct.pack(">i", 7)
    assert serde.serializer("int64").serialize("-3") == struct.pack(">q", -3)
    assert serde.serializer("double").serialize(0.5) == struct.pack(">d", 0.5)
    assert serde.serializer("json").serialize({"n": 1}) == b'{"n":1}'
    assert serde.serializer("json").serialize("hi") == b'"hi"'
    assert serde.serializer("json").serialize(b'{"n": 1}') == b'{"n": 1}'  # bytes: JSON text, checked
    assert serde.serializer("string").serialize("cl\u00e9") == "cl\u00e9".encode()
    assert serde.serializer("string").serialize(None) is None
    assert serde.serializer("hex").name == "hex"
    for name, value in (("string", 5), ("int32", True), ("int32", 2**40), ("double", "x"), ("json", b"{"),
                        ("string", "\udcff")):
        with pytest.raises(serde.SerdeError):
            serde.serializer(name).serialize(value)
