"""Output renderers of `kctl consume` on fixed messages (no broker)."""

import json
import struct

import pytest

from kctl import outputs, serde
from kctl.errors import UsageError
from tests.unit.messages import Msg


def test_value_only_is_raw_and_marks_the_fast_path():
    out = outputs.make_output("table", None, None, None, False)
    assert out.raw_values
    assert out.render(Msg(value=b"\xff\x00abc")) == b"\xff\x00abc\n"
    assert out.render(Msg(value=None)) == b"\n"


def test_value_deserializer_and_pretty():
    assert outputs.make_output("table", None, None, "int32", False).render(Msg(value=struct.pack(">i", -7))) == b"-7\n"
    assert outputs.make_output("table", None, None, "hex", False).render(Msg(value=b"\x01\xab")) == b"01ab\n"
    pretty = outputs.make_output("table", None, None, None, True)
    assert not pretty.raw_values
    assert pretty.render(Msg(value=b'{"a":[1]}')) == b'{\n  "a": [\n    1\n  ]\n}\n'
    assert pretty.render(Msg(value=b"not json")) == b"not json\n"


def test_bad_bytes_for_a_deserializer_fall_back_to_the_raw_value():
    out = outputs.make_output("table", None, None, "int64", False)
    assert out.render(Msg(value=b"abc")) == b"abc\n"


def test_format_tokens_like_kcat():
    out = outputs.make_output("table", r"%t|%p|%o|%T|%d|%k|%K|%s|%v|%S|%h|%%\t.", None, None, False)
    msg = Msg(value=b"hello", key=b"id1", headers=[("a", b"1"), ("b", None)])
    assert out.render(msg) == b"orders|2|41|1795687200123|2026-11-26T10:00:00.123Z|id1|3|hello|hello|5|a=1,b=|%\t.\n"


def test_format_null_key_and_value_sizes():
    out = outputs.make_output("table", "%K %S %R%k%v", None, None, False)
    assert out.render(Msg(value=None, key=None)) == b"-1 -1 " + struct.pack(">i", -1) + b"\n"


def test_format_with_own_newline_is_not_doubled():
    out = outputs.make_output("table", r"%k=%v\n", None, None, False)
    assert out.render(Msg()) == b"k=v\n"


def test_format_of_only_the_value_uses_the_fast_path():
    assert outputs.make_output("table", r"%s\n", None, None, False).raw_values


def test_format_deserializes_keys():
    out = outputs.make_output("table", "%k %v", "int64", "json", False)
    assert out.render(Msg(key=struct.pack(">q", 2**40), value=b'{"x": 1}')) == b'1099511627776 {"x": 1}\n'


@pytest.mark.parametrize("fmt", ["%q", "abc%", r"\x"])
def test_bad_format_is_a_usage_error(fmt):
    with pytest.raises(UsageError):
        outputs.make_output("table", fmt, None, None, False)


def test_json_lines_are_the_serde_envelope_with_binary_fields():
    out = outputs.make_output("json", None, None, None, False)
    msg = Msg(value=b"\xff\xfe", key=None, headers=[("bin", b"\x00\x9f"), ("txt", b"ok")])
    line = out.render(msg)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    record = json.loads(line)
    assert record == serde.envelope("orders", 2, 41, 1795687200123, None, b"\xff\xfe", [("bin", b"\x00\x9f"), ("txt", b"ok")])
    assert serde.decode_field(record["value"], record["value_encoding"]) == b"\xff\xfe"
    assert serde.decode_field(record["headers"][0]["value"], record["headers"][0]["encoding"]) == b"\x00\x9f"
    assert record["timestamp"] == "2026-11-26T10:00:00.123Z"


def test_json_lines_without_timestamp_and_with_deserializer():
    out = outputs.make_output("json", None, "string", "int32", False)
    record = json.loads(out.render(Msg(value=struct.pack(">i", 5), timestamp=(0, -1))))
    assert "timestamp" not in record
    assert record["value"] == 5 and record["value_encoding"] == "int32"


def test_json_falls_back_when_the_deserializer_rejects_a_value():
    out = outputs.make_output("json", None, None, "json", False)
    record = json.loads(out.render(Msg(value=b"{broken")))
    assert record["value"] == "{broken" and "value_encoding" not in record


def test_yaml_and_format_with_json_are_usage_errors():
    with pytest.raises(UsageError):
        outputs.make_output("yaml", None, None, None, False)
    with pytest.raises(UsageError):
        outputs.make_output("json", "%v", None, None, False)
