"""Protobuf schemas without a registry: protoc at run time, messages by name and by message indexes,
base64 descriptors, and encode -> decode through confluent's serializer and deserializer."""

from __future__ import annotations

import base64
import sys

import pytest

from kctl.errors import ConfigError, ExitCode, UsageError
from kctl.kafka import protobuf_schema as pb
from kctl.kafka.lib import confluent_module
from kctl.serde import SerdeError

ORDER = """syntax = "proto3";
package unit.shop;
import "money.proto";
import "google/protobuf/timestamp.proto";
message Order {
  message Line { string sku = 1; int32 qty = 2; }
  string id = 1; unit.money.Money total = 2; repeated Line lines = 3; google.protobuf.Timestamp at = 4; int64 big = 5;
}
message Refund { string order_id = 1; }
"""
MONEY = 'syntax = "proto3";\npackage unit.money;\nmessage Money { int64 units = 1; string currency = 2; }\n'


@pytest.fixture
def order_file(tmp_path):
    (tmp_path / "money.proto").write_text(MONEY)
    (tmp_path / "order.proto").write_text(ORDER)
    return str(tmp_path / "order.proto")


def test_compile_file_with_imports(order_file):
    compiled = pb.compile_file(order_file)
    assert compiled.main.name == "order.proto"
    assert compiled.message_names() == ["unit.shop.Order", "unit.shop.Refund"]
    assert compiled.sources == {"money.proto": MONEY}  # its own import; google/protobuf/ comes with protoc
    assert "google/protobuf/timestamp.proto" in [f.name for f in compiled.files]
    pool = compiled.pool()
    assert pb.message_descriptor(compiled, pool, None, order_file).full_name == "unit.shop.Order"
    assert pb.message_descriptor(compiled, pool, "Refund", order_file).full_name == "unit.shop.Refund"
    assert pb.message_descriptor(compiled, pool, "unit.shop.Order.Line", order_file).full_name == "unit.shop.Order.Line"
    with pytest.raises(UsageError, match="no message 'Nope'") as info:
        pb.message_descriptor(compiled, pool, "Nope", order_file)
    assert "unit.shop.Order, unit.shop.Refund" in info.value.hint


@pytest.mark.parametrize("text,expected", [
    ('syntax = "proto3";\nmessage A { int32 x = 1 }\n', [':2:25: Expected ";".']),
    # several messages from protoc: one line, joined
    ('syntax = "proto3";\nimport "gone.proto";\nmessage A { Foo x = 1; }\n',
     ["gone.proto: File not found.; ", 'Import "gone.proto" was not found', '"Foo" is not defined.']),
])
def test_a_file_that_does_not_compile_is_one_line(tmp_path, text, expected):
    path = tmp_path / "bad.proto"
    path.write_text(text)
    with pytest.raises(UsageError) as info:
        pb.compile_file(str(path))
    message = info.value.message
    assert "\n" not in message and info.value.exit_code == ExitCode.USAGE
    assert message.startswith(f"{path} does not compile: ") and all(part in message for part in expected), message


def test_without_grpcio_tools_a_config_error(monkeypatch, order_file):
    monkeypatch.setitem(sys.modules, "grpc_tools", None)
    with pytest.raises(ConfigError, match="grpcio-tools") as info:
        pb.compile_file(order_file)
    assert "kctl-kafka[protobuf]" in info.value.hint


def test_base64_descriptors_are_recognised(order_file):
    compiled = pb.compile_file(order_file)
    encoded = base64.b64encode(compiled.main.SerializeToString()).decode()
    assert pb._descriptor_of_base64(encoded).name == "order.proto"
    assert pb._descriptor_of_base64(ORDER) is None
    assert pb._descriptor_of_base64("aGVsbG8=") is None  # base64, but no descriptor with messages


class FakeClient:
    """What the Protobuf code asks of a registry client: config(), and references by subject/version."""

    def __init__(self, versions=None):
        self.versions = versions or {}

    def config(self):
        return {}

    def get_version(self, subject, version):
        return self.versions[(subject, version)]

    def lookup_schema(self, subject, schema, *args, **kwargs):
        raise AssertionError(f"unexpected look-up of {subject}")


def _registered(subject, version, text, references=()):
    sr = confluent_module("schema_registry")
    return sr.RegisteredSchema(subject=subject, version=version, schema_id=1, guid=None,
                               schema=sr.Schema(text, "PROTOBUF", list(references)))


@pytest.mark.parametrize("message,indexes", [(None, b"\x00"), ("Refund", b"\x02\x02")])
def test_encode_then_decode_from_the_registered_text(order_file, message, indexes):
    sr = confluent_module("schema_registry")
    serialization = confluent_module("serialization")
    client = FakeClient({("money.proto", 1): _registered("money.proto", 1, MONEY)})
    schema = sr.Schema(ORDER, "PROTOBUF", [sr.SchemaReference("money.proto", "money.proto", 1)])
    encoder = pb.ProtobufEncoder(client, pb.compile_file(order_file), "orders-value", 42, schema, message, order_file)
    ctx = serialization.SerializationContext("orders", serialization.MessageField.VALUE)
    record = ({"id": "o1", "total": {"units": 7, "currency": "EUR"}, "lines": [{"sku": "a", "qty": 2}],
               "at": "2026-12-02T03:00:00Z", "big": 2**60 + 1} if message is None else {"order_id": "o1"})
    data = encoder(record, ctx)
    assert data[:5] == b"\x00" + (42).to_bytes(4, "big") and data[5:5 + len(indexes)] == indexes
    decoder = pb.ProtobufDecoder(client, lambda schema_id: schema)
    decoded = decoder.decode(data, 42)
    if message is None:  # int64 beyond a double's precision stays exact, as a string
        assert decoded == {**record, "big": str(2**60 + 1)}
    else:
        assert decoded == record
    assert decoder.decode(data, 42) == decoded  # compiled once, cached per id and message


def test_encoder_complaints_and_decoder_bad_indexes(order_file):
    sr = confluent_module("schema_registry")
    serialization = confluent_module("serialization")
    client = FakeClient({("money.proto", 1): _registered("money.proto", 1, MONEY)})
    schema = sr.Schema(ORDER, "PROTOBUF", [sr.SchemaReference("money.proto", "money.proto", 1)])
    encoder = pb.ProtobufEncoder(client, pb.compile_file(order_file), "s", 3, schema, None, order_file)
    ctx = serialization.SerializationContext("t", serialization.MessageField.VALUE)
    with pytest.raises(SerdeError, match="no field named"):
        encoder({"idx": 1}, ctx)
    with pytest.raises(SerdeError, match="JSON object"):
        encoder([1], ctx)
    with pytest.raises(SerdeError, match="qty"):
        encoder({"lines": [{"qty": "three"}]}, ctx)
    decoder = pb.ProtobufDecoder(client, lambda schema_id: schema)
    with pytest.raises(SerdeError, match=r"message index \[5\]"):
        decoder.decode(b"\x00\x00\x00\x00\x03\x02\x0a", 3)
    with pytest.raises(SerdeError, match="message indexes"):
        decoder.decode(b"\x00\x00\x00\x00\x03\x02", 3)  # the index array ends early


def test_decode_from_a_base64_descriptor_with_well_known_imports(order_file):
    """confluent's serializer registers base64 descriptors (and its imports likewise, as references)."""
    sr = confluent_module("schema_registry")
    compiled = pb.compile_file(order_file)
    money = next(f for f in compiled.files if f.name == "money.proto")
    client = FakeClient({("money.proto", 1): _registered("money.proto", 1, base64.b64encode(money.SerializeToString()).decode())})
    schema = sr.Schema(base64.b64encode(compiled.main.SerializeToString()).decode(), "PROTOBUF",
                       [sr.SchemaReference("money.proto", "money.proto", 1)])
    rebuilt = pb.from_registry(client, schema, "schema 1")
    assert [f.name for f in rebuilt.files][-1] == "order.proto"
    pool = rebuilt.pool()
    assert pool.FindMessageTypeByName("unit.shop.Order").fields_by_name["at"].message_type.full_name == "google.protobuf.Timestamp"


def test_references_imported_twice_are_fetched_once_and_compiled_together():
    sr = confluent_module("schema_registry")
    c = 'syntax = "proto3";\npackage d;\nenum Colour { RED = 0; BLUE = 1; }\n'
    a = 'syntax = "proto3";\npackage d;\nimport "c.proto";\nmessage A { Colour colour = 1; }\n'
    b = 'syntax = "proto3";\npackage d;\nimport "c.proto";\nmessage B { Colour colour = 1; }\n'
    main = 'syntax = "proto3";\npackage d;\nimport "a.proto";\nimport "b.proto";\nmessage M { A a = 1; B b = 2; }\n'
    ref_c = sr.SchemaReference("c.proto", "c-subject", 1)
    versions = {("c-subject", 1): _registered("c-subject", 1, c)}
    for name, text in (("a", a), ("b", b)):
        versions[(f"{name}-subject", 1)] = _registered(f"{name}-subject", 1, text, [ref_c])
    fetched = []
    client = FakeClient(versions)
    client.get_version = lambda subject, version: fetched.append(subject) or versions[(subject, version)]
    schema = sr.Schema(main, "PROTOBUF", [sr.SchemaReference("a.proto", "a-subject", 1), sr.SchemaReference("b.proto", "b-subject", 1)])
    compiled = pb.from_registry(client, schema, "schema 9")
    assert sorted(fetched) == ["a-subject", "b-subject", "c-subject"]
    assert compiled.message_names() == ["d.M"] and sorted(compiled.sources) == ["a.proto", "b.proto", "c.proto"]
    enum = compiled.pool().FindMessageTypeByName("d.M").fields_by_name["b"].message_type.fields_by_name["colour"].enum_type
    assert enum.full_name == "d.Colour"
