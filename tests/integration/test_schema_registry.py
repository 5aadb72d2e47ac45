"""Schema Registry records against a real registry (Apicurio, started by kctl.services.local for
instance 0 like the brokers) and the real broker: Avro, Protobuf and JSON Schema produce/consume, evolution,
records that do not fit, `auto`, unknown ids, a registry going away, restarts and `kctl schemas`; the bytes
checked with confluent-kafka's own deserializers (and Protobuf records of its own serializer decoded by kctl)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from kctl.config.registry import load_registry
from kctl.services import local
from tests.helpers import run_kctl
from tests.instances import instance_of

pytestmark = pytest.mark.schema_registry

USER = {"type": "record", "name": "User", "namespace": "kctl.test",
        "fields": [{"name": "id", "type": "int"}, {"name": "name", "type": "string"}]}
USER_V2 = {**USER, "fields": USER["fields"] + [{"name": "email", "type": "string", "default": ""}]}
USER_BAD = {**USER, "fields": USER["fields"] + [{"name": "age", "type": "int"}]}  # no default: not BACKWARD
JSON_SCHEMA = {"type": "object", "title": "Order", "properties": {"id": {"type": "integer"}, "item": {"type": "string"}},
               "required": ["id", "item"]}
PRIVATE_INSTANCE = instance_of(__name__)  # a registry only (no brokers) in a private state folder, for stop/restart tests


@pytest.fixture(scope="module")
def registry_url(kafka):
    registry = load_registry()
    started = local.start_schema_registry(registry, kafka["instance"], wait=120)
    yield registry.schema_registry_of(kafka["instance"]).url
    if started:
        local.stop_schema_registry(registry, kafka["instance"])


@pytest.fixture(autouse=True)
def registry_env(registry_url, monkeypatch):
    """`-b` names no instance, so the registry comes from $KCTL_SCHEMA_REGISTRY unless a test says otherwise."""
    monkeypatch.setenv("KCTL_SCHEMA_REGISTRY", registry_url)


def _schema_file(tmp_path, name: str, schema: dict) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(schema))
    return str(path)


def _lines(records) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def _raw_values(kafka, topic: str) -> list[bytes]:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": kafka["bootstrap"], "group.id": "t", "enable.auto.commit": False,
                         "enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, 0, 0)])
    out = []
    try:
        while True:
            msg = consumer.poll(10)
            assert msg is not None, "no end of partition within 10 s"
            if msg.error():
                break
            out.append(msg.value())
    finally:
        consumer.close()
    return out


def _access_log(kafka) -> str:
    log = local.status(load_registry(), kafka["instance"])[0].schema_registry.log_file
    with open(log, errors="replace") as fh:
        return fh.read()


def _id_fetches(kafka) -> dict[int, int]:
    """How often each schema id was fetched, from the registry's access log."""
    import re
    from collections import Counter

    return Counter(int(m) for m in re.findall(r'path="/apis/ccompat/v7/schemas/ids/(\d+)"', _access_log(kafka)))


def _association_lookups(kafka, topic: str) -> int:
    """Requests for the topic's subject associations (confluent-kafka >= 2.16's default subject strategy)."""
    return _access_log(kafka).count(f'path="/apis/ccompat/v7/associations/resources/-/{topic}')


def _consume(kafka, topic, *args):
    return run_kctl("-b", kafka["bootstrap"], "-o", "json", "consume", topic, "--until", "end", *args)


@pytest.mark.parametrize("fmt,schema", [("avro", USER), ("json-schema", JSON_SCHEMA)])
def test_round_trip_and_wire_format(kafka, registry_url, new_topic, tmp_path, fmt, schema):
    from confluent_kafka.schema_registry import SchemaRegistryClient, topic_subject_name_strategy
    from confluent_kafka.schema_registry.avro import AvroDeserializer
    from confluent_kafka.schema_registry.json_schema import JSONDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    topic = new_topic()
    records = ([{"id": i, "name": f"user-{i}"} for i in range(5)] if fmt == "avro"
               else [{"id": i, "item": f"item-{i}"} for i in range(5)])
    path = _schema_file(tmp_path, "s.avsc" if fmt == "avro" else "s.json", schema)
    result = run_kctl("-b", kafka["bootstrap"], "produce", topic, "--value-format", fmt, "--value-schema", path,
                      "--schema-registry", registry_url, input=_lines(records))
    assert result.code == 0, result
    fetches_before = _id_fetches(kafka)
    consumed = _consume(kafka, topic, "--value-format", fmt, "--schema-registry", registry_url)
    assert consumed.code == 0, consumed
    assert [r["value"] for r in consumed.json_lines] == records
    ids = {r["value_schema_id"] for r in consumed.json_lines}
    assert len(ids) == 1
    # five records, one schema id: fetched once (the registry's access log), and no subject lookup:
    # the id names the schema (the associations request once went unanswered for 5 minutes)
    (schema_id,) = ids
    assert _id_fetches(kafka).get(schema_id, 0) - fetches_before.get(schema_id, 0) == 1
    assert _association_lookups(kafka, topic) == 0
    # The bytes on the topic: magic byte 0, the schema id, then the payload confluent-kafka's own
    # deserializer reads (independent of kctl's decoding).
    client = SchemaRegistryClient({"url": registry_url})
    conf = {"subject.name.strategy": topic_subject_name_strategy}  # as kctl: no associations request
    deserializer = (AvroDeserializer(client, conf=conf) if fmt == "avro"
                    else JSONDeserializer(None, conf=conf, schema_registry_client=client))
    raw = _raw_values(kafka, topic)
    assert all(v[0] == 0 and int.from_bytes(v[1:5], "big") in ids for v in raw)
    ctx = SerializationContext(topic, MessageField.VALUE)
    assert [deserializer(v, ctx) for v in raw] == records


def test_consume_json_round_trips_into_produce(kafka, registry_url, new_topic, tmp_path):
    source, target = new_topic(), new_topic()
    path = _schema_file(tmp_path, "u.avsc", USER)
    records = [{"id": i, "name": "n" * i} for i in range(3)]
    assert run_kctl("-b", kafka["bootstrap"], "produce", source, "--value-format", "avro", "--value-schema", path,
                    input=_lines(records)).code == 0
    dumped = _consume(kafka, source, "--value-format", "avro")
    assert dumped.code == 0, dumped
    replay = run_kctl("-b", kafka["bootstrap"], "produce", target, "--input", "envelope", "--value-format", "avro",
                      "--value-subject", f"{source}-value", input=dumped.stdout)
    assert replay.code == 0, replay
    again = _consume(kafka, target, "--value-format", "avro")
    assert [r["value"] for r in again.json_lines] == records


def test_evolution_backward_compatible_and_refused(kafka, registry_url, new_topic, tmp_path):
    topic = new_topic()
    v1, v2, bad = (_schema_file(tmp_path, n, s) for n, s in (("v1.avsc", USER), ("v2.avsc", USER_V2), ("bad.avsc", USER_BAD)))
    assert run_kctl("-b", kafka["bootstrap"], "produce", topic, "--value-format", "avro", "--value-schema", v1,
                    input='{"id": 1, "name": "old"}\n').code == 0
    newer = run_kctl("-b", kafka["bootstrap"], "produce", topic, "--value-format", "avro", "--value-schema", v2,
                     input='{"id": 2, "name": "new", "email": "a@b"}\n')
    assert newer.code == 0, newer
    refused = run_kctl("-b", kafka["bootstrap"], "produce", topic, "--value-format", "avro", "--value-schema", bad,
                       input='{"id": 3, "name": "x", "age": 4}\n')
    assert refused.code == 2, refused
    assert refused.stderr.count("kctl: error:") == 1 and "refused the schema" in refused.stderr
    consumed = _consume(kafka, topic, "--value-format", "avro")
    assert [r["value"] for r in consumed.json_lines] == [{"id": 1, "name": "old"},
                                                         {"id": 2, "name": "new", "email": "a@b"}]
    assert len(_raw_values(kafka, topic)) == 2  # nothing produced by the refused run


def test_record_that_does_not_fit(kafka, registry_url, new_topic, tmp_path):
    topic = new_topic()
    path = _schema_file(tmp_path, "u.avsc", USER)
    lines = '{"id": 1, "name": "a"}\n{"id": 2, "name": "b"}\n{"id": "three", "name": "c"}\n{"id": 4, "name": "d"}\n'
    result = run_kctl("-b", kafka["bootstrap"], "produce", topic, "--value-format", "avro", "--value-schema", path,
                      input=lines)
    assert result.code == 5, result
    assert "line 3" in result.stderr and "id" in result.stderr and "2 messages before it were delivered" in result.stderr
    assert [r["value"]["id"] for r in _consume(kafka, topic, "--value-format", "avro").json_lines] == [1, 2]
    skipped = run_kctl("-b", kafka["bootstrap"], "produce", topic, "--value-format", "avro", "--value-schema", path,
                       "--on-error", "skip", input=lines)
    assert skipped.code == 0 and "1 skipped" in skipped.stderr, skipped
    assert [r["value"]["id"] for r in _consume(kafka, topic, "--value-format", "avro").json_lines] == [1, 2, 1, 2, 4]


def test_auto_on_a_mixed_topic_and_unknown_id(kafka, registry_url, new_topic, tmp_path):
    topic = new_topic()
    path = _schema_file(tmp_path, "u.avsc", USER)
    assert run_kctl("-b", kafka["bootstrap"], "produce", topic, "--value-format", "avro", "--value-schema", path,
                    input='{"id": 1, "name": "a"}\n').code == 0
    assert run_kctl("-b", kafka["bootstrap"], "produce", topic, input="plain text\n").code == 0
    mixed = _consume(kafka, topic, "--value-format", "auto")
    assert mixed.code == 0, mixed
    first, second = mixed.json_lines
    assert first["value"] == {"id": 1, "name": "a"} and "value_schema_id" in first
    assert second["value"] == "plain text" and "value_schema_id" not in second
    text = run_kctl("-b", kafka["bootstrap"], "consume", topic, "--until", "end", "--value-format", "auto", "-f", "%o %v")
    assert text.code == 0, text
    assert text.stdout.splitlines() == ['0 {"id": 1, "name": "a"}', "1 plain text"]
    # magic byte 0 and a schema id no registry knows
    assert run_kctl("-b", kafka["bootstrap"], "produce", topic, "--value-serializer", "hex",
                    input="00" + (2**31 - 7).to_bytes(4, "big").hex() + "0201\n").code == 0
    unknown = _consume(kafka, topic, "--value-format", "auto")
    assert unknown.code == 4, unknown
    assert unknown.stderr.count("kctl: error:") == 1 and "not found" in unknown.stderr.lower()
    assert "Traceback" not in unknown.stderr


@pytest.fixture
def private_registry(tmp_path, monkeypatch):
    """A second registry (instance 7's ports, no brokers) in a private state folder."""
    monkeypatch.setenv("KCTL_STATE_DIR", str(tmp_path / "state"))
    registry = load_registry()
    assert local.start_schema_registry(registry, PRIVATE_INSTANCE, wait=120)
    yield registry
    local.stop_schema_registry(registry, PRIVATE_INSTANCE)


def test_registry_stopped_mid_consume_restart_keeps_schemas_and_down(kafka, private_registry, new_topic, tmp_path):
    from kctl.services.local import processes

    ports = private_registry.schema_registry_of(PRIVATE_INSTANCE)
    url = ports.url
    topic = new_topic()
    path = _schema_file(tmp_path, "u.avsc", USER)
    produce = ("-b", kafka["bootstrap"], "produce", topic, "--value-format", "avro", "--value-schema", path,
               "--schema-registry", url)
    assert run_kctl(*produce, input='{"id": 1, "name": "a"}\n').code == 0
    raw_first = _raw_values(kafka, topic)[0]
    proc = subprocess.Popen([sys.executable, "-m", "kctl", "-b", kafka["bootstrap"], "consume", topic,
                             "--value-format", "avro", "--schema-registry", url, "-f", "%o %v"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b'0 {"id": 1, "name": "a"}\n'
        assert local.stop_schema_registry(private_registry, PRIVATE_INSTANCE)
        # a record of the schema id already seen decodes from the cache, without the registry
        assert run_kctl("-b", kafka["bootstrap"], "produce", topic, "--value-serializer", "hex",
                        input=raw_first.hex() + "\n").code == 0
        assert proc.stdout.readline() == b'1 {"id": 1, "name": "a"}\n'
        # a new id needs the registry, which is gone: one line, exit 6
        assert run_kctl("-b", kafka["bootstrap"], "produce", topic, "--value-serializer", "hex",
                        input="00" + (2**31 - 9).to_bytes(4, "big").hex() + "0201\n").code == 0
        code = proc.wait(timeout=60)
        stderr = proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 6, stderr
    assert stderr.count("kctl: error:") == 1 and "unreachable" in stderr and "Traceback" not in stderr
    # restart: the subject and its schema are still there (H2 in the state folder)
    assert local.start_schema_registry(private_registry, PRIVATE_INSTANCE, wait=120)
    subjects = run_kctl("-o", "json", "schemas", "list", "--schema-registry", url)
    assert subjects.code == 0 and f"{topic}-value" in [s["subject"] for s in subjects.json], subjects
    down = run_kctl("local", "down", "-i", str(PRIVATE_INSTANCE), "--grace", "15")
    assert down.code == 0, down
    assert processes.port_free(ports.host, ports.port) and processes.port_free(ports.host, ports.management_port)
    status = run_kctl("-o", "json", "local", "status", "-i", str(PRIVATE_INSTANCE))
    assert status.json[0]["schema_registry"]["running"] is False


def test_keys_and_values_with_schemas(kafka, registry_url, new_topic, tmp_path):
    topic = new_topic(partitions=2)
    key_schema = _schema_file(tmp_path, "k.avsc", {"type": "record", "name": "Key", "fields": [{"name": "k", "type": "string"}]})
    value_schema = _schema_file(tmp_path, "v.json", JSON_SCHEMA)
    line = json.dumps({"key": {"k": "a"}, "value": {"id": 1, "item": "x"}}) + "\n"
    result = run_kctl("-b", kafka["bootstrap"], "produce", topic, "--input", "envelope", "--key-format", "avro", "--key-schema", key_schema,
                      "--value-format", "json-schema", "--value-schema", value_schema, input=line)
    assert result.code == 0, result
    (record,) = _consume(kafka, topic, "--key-format", "avro", "--value-format", "auto").json_lines
    assert record["key"] == {"k": "a"} and record["value"] == {"id": 1, "item": "x"}
    assert isinstance(record["key_schema_id"], int) and isinstance(record["value_schema_id"], int)
    text = run_kctl("-b", kafka["bootstrap"], "consume", topic, "--until", "end", "--key-format", "auto",
                    "--value-format", "json-schema", "-f", "%k => %v")
    assert text.stdout == '{"k": "a"} => {"id": 1, "item": "x"}\n', text


def test_schemas_commands(kafka, registry_url, unique_name, tmp_path):
    subject = unique_name("subject")
    v1, v2, bad = (_schema_file(tmp_path, n, s) for n, s in (("v1.avsc", USER), ("v2.avsc", USER_V2), ("bad.avsc", USER_BAD)))
    first = run_kctl("-o", "json", "schemas", "register", subject, v1)
    assert first.code == 0 and first.json["version"] == 1, first
    assert run_kctl("schemas", "check", subject, v2).code == 0
    refused = run_kctl("schemas", "check", subject, bad)
    assert refused.code == 8 and "NOT compatible" in refused.stdout, refused
    assert run_kctl("schemas", "register", subject, bad).code == 2
    second = run_kctl("-o", "json", "schemas", "register", subject, v2)
    assert second.json["version"] == 2
    latest = run_kctl("-o", "json", "schemas", "get", subject)
    assert latest.json["version"] == 2 and json.loads(latest.json["schema"])["fields"][2]["name"] == "email"
    assert json.loads(run_kctl("-o", "json", "schemas", "get", subject, "--version", "1").json["schema"]) == USER
    by_id = run_kctl("-o", "json", "schemas", "get", "--id", str(first.json["schema_id"]))
    assert json.loads(by_id.json["schema"]) == USER
    listed = {s["subject"]: s["versions"] for s in run_kctl("-o", "json", "schemas", "list").json}
    assert listed[subject] == [1, 2]
    assert run_kctl("-o", "json", "schemas", "config", subject, "--set-compatibility", "none").json["compatibility"] == "NONE"
    assert run_kctl("-o", "json", "schemas", "config", subject).json["compatibility"] == "NONE"
    refused = run_kctl("schemas", "delete", subject)  # no terminal, no --yes
    assert refused.code == 2 and "refusing without --yes (not a terminal)" in refused.stderr, refused
    assert "delete 2 versions of subject" in refused.stderr and "on Schema Registry http" in refused.stderr
    dry = run_kctl("-o", "json", "schemas", "delete", subject, "--dry-run")
    assert dry.code == 0 and dry.json == {"subject": subject, "versions": [1, 2], "permanent": False, "dry_run": True}
    assert run_kctl("schemas", "delete", subject, "--yes").code == 0
    assert subject not in {s["subject"] for s in run_kctl("-o", "json", "schemas", "list").json}
    assert subject in {s["subject"] for s in run_kctl("-o", "json", "schemas", "list", "--deleted").json}
    assert run_kctl("schemas", "delete", subject, "--yes", "--permanent").code == 0
    missing = run_kctl("schemas", "get", subject)
    assert missing.code == 4 and missing.stderr.count("kctl: error:") == 1, missing


def test_local_status_shows_the_registry_and_it_is_the_default(kafka, registry_url, new_topic, tmp_path):
    status = run_kctl("-o", "json", "local", "status", "-i", str(kafka["instance"]))
    assert status.code == 0
    entry = status.json[0]["schema_registry"]
    assert entry["running"] is True and entry["url"] == registry_url
    # the registry answers with BACKWARD as its global default (set on first start)
    import urllib.request

    with urllib.request.urlopen(f"{registry_url}/config", timeout=10) as response:
        assert json.loads(response.read())["compatibilityLevel"] == "BACKWARD"
    # the local instance's registry is the default for -i N (no --schema-registry)
    topic = new_topic()
    path = _schema_file(tmp_path, "u.avsc", USER)
    env = {"KCTL_SCHEMA_REGISTRY": ""}
    assert run_kctl("-i", str(kafka["instance"]), "produce", topic, "--value-format", "avro", "--value-schema", path,
                    input='{"id": 7, "name": "g"}\n', env=env).code == 0
    consumed = run_kctl("-i", str(kafka["instance"]), "consume", topic, "--until", "end", "--value-format", "avro",
                        env=env)
    assert consumed.stdout == '{"id": 7, "name": "g"}\n', consumed


# --- Protobuf: .proto files compiled at run time (protoc from grpcio-tools), decoded from the registry's schema

def _proto_files(tmp_path, unique: str) -> tuple[str, str]:
    """order.proto (two top-level messages, a nested one, an enum, a repeated field, a Timestamp) importing
    a money file of its own (a reference), both with names and a package unique to this test."""
    money = f"money_{unique}.proto"
    (tmp_path / money).write_text(f'syntax = "proto3";\npackage kctl.t{unique};\n'
                                  "message Money { int64 units = 1; string currency = 2; }\n")
    (tmp_path / f"order_{unique}.proto").write_text(
        f'syntax = "proto3";\npackage kctl.t{unique};\nimport "{money}";\nimport "google/protobuf/timestamp.proto";\n'
        "message Order {\n  enum State { NEW = 0; PAID = 1; }\n  message Line { string sku = 1; int32 qty = 2; }\n"
        "  string id = 1; Money total = 2; repeated Line lines = 3; State state = 4;\n"
        "  google.protobuf.Timestamp at = 5; int64 big = 6;\n}\n"
        "message Refund { string order_id = 1; Money amount = 2; }\n")
    return str(tmp_path / f"order_{unique}.proto"), money


def _generated_module(tmp_path, proto: str, *imports: str):
    """The protoc-generated Python module of `proto` and its imports (confluent's own (de)serializers need
    generated classes)."""
    import importlib.util
    from pathlib import Path

    out = tmp_path / "generated"
    out.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{tmp_path}", f"--python_out={out}",
                           Path(proto).name, *imports], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    sys.path.insert(0, str(out))
    try:
        return importlib.import_module(Path(proto).stem + "_pb2")
    finally:
        sys.path.remove(str(out))


def _order(i: int) -> dict:
    return {"id": f"o{i}", "total": {"units": 100 + i, "currency": "EUR"},
            "lines": [{"sku": f"s{j}", "qty": j + 1} for j in range(i % 3)], "state": "PAID" if i % 2 else "NEW",
            "at": f"2026-12-02T03:0{i}:00Z", "big": 2**40 + i}


def test_protobuf_round_trip_wire_format_and_schemas_commands(kafka, registry_url, new_topic, tmp_path):
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
    from google.protobuf import json_format

    unique = uuid.uuid4().hex[:8]
    proto, money = _proto_files(tmp_path, unique)
    topic = new_topic()
    records = [_order(i) for i in range(4)]
    result = run_kctl("-b", kafka["bootstrap"], "produce", topic, "--value-format", "protobuf", "--value-schema", proto,
                      input=_lines(records))
    assert result.code == 0, result
    fetches_before = _id_fetches(kafka)
    consumed = _consume(kafka, topic, "--value-format", "protobuf")
    assert consumed.code == 0, consumed
    assert [r["value"] for r in consumed.json_lines] == records  # every field given: nothing left to defaults
    (schema_id,) = {r["value_schema_id"] for r in consumed.json_lines}
    assert _id_fetches(kafka).get(schema_id, 0) - fetches_before.get(schema_id, 0) == 1  # four records, one fetch
    # `consume -o json | produce -F json` round-trips, with the subject's latest schema
    target = new_topic()
    replay = run_kctl("-b", kafka["bootstrap"], "produce", target, "--input", "envelope", "--value-format", "protobuf",
                      "--value-subject", f"{topic}-value", input=consumed.stdout)
    assert replay.code == 0, replay
    assert [r["value"] for r in _consume(kafka, target, "--value-format", "protobuf").json_lines] == records
    # The bytes: magic 0, the schema id, message index [0] (one byte 0), then the message, which
    # confluent-kafka's own ProtobufDeserializer reads into protoc's generated class.
    raw = _raw_values(kafka, topic)
    assert all(v[:6] == b"\x00" + schema_id.to_bytes(4, "big") + b"\x00" for v in raw)
    module = _generated_module(tmp_path, proto, money)
    deserializer = ProtobufDeserializer(module.Order, {"use.deprecated.format": False})
    decoded = [json_format.MessageToDict(deserializer(v, None), preserving_proto_field_name=True) for v in raw]
    assert [d["id"] for d in decoded] == [r["id"] for r in records]
    assert [int(d["big"]) for d in decoded] == [r["big"] for r in records]
    # kctl schemas: the subject and its import (registered first, under its import name) are listed and shown
    listed = {s["subject"]: s["versions"] for s in run_kctl("-o", "json", "schemas", "list").json}
    assert listed[f"{topic}-value"] == [1] and listed[money] == [1]
    shown = run_kctl("-o", "json", "schemas", "get", f"{topic}-value")
    assert shown.code == 0 and shown.json["schema_type"] == "PROTOBUF" and shown.json["schema_id"] == schema_id
    assert shown.json["schema"] == open(proto).read()
    # the latest of the subject, and another message of the schema (message index [1]) by --value-message
    more = run_kctl("-b", kafka["bootstrap"], "produce", topic, "--value-format", "protobuf", "--value-message", "Refund",
                    input='{"order_id": "o1", "amount": {"units": 5, "currency": "EUR"}}\n')
    assert more.code == 0, more
    assert _raw_values(kafka, topic)[-1][:7] == b"\x00" + schema_id.to_bytes(4, "big") + b"\x02\x02"
    last = _consume(kafka, topic, "--value-format", "auto").json_lines[-1]
    assert last["value"] == {"order_id": "o1", "amount": {"units": 5, "currency": "EUR"}}


def test_protobuf_records_of_confluents_own_serializer_decode(kafka, registry_url, new_topic, tmp_path):
    """confluent-kafka's ProtobufSerializer registers the schema as a base64 descriptor (Apicurio keeps it
    so): kctl decodes those records too, message indexes included, without the .proto."""
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    unique = uuid.uuid4().hex[:8]
    proto, money = _proto_files(tmp_path, unique)
    module = _generated_module(tmp_path, proto, money)
    topic = new_topic()
    client = SchemaRegistryClient({"url": registry_url})
    ctx = SerializationContext(topic, MessageField.VALUE)
    serializer = ProtobufSerializer(module.Refund, client, {"use.deprecated.format": False,
                                                            "subject.name.strategy": lambda c, name: f"{topic}-refund"})
    producer = Producer({"bootstrap.servers": kafka["bootstrap"]})
    for i in range(3):
        producer.produce(topic, serializer(module.Refund(order_id=f"o{i}", amount={"units": i, "currency": "NOK"}), ctx))
    assert producer.flush(30) == 0
    assert not client.get_latest_version(f"{topic}-refund").schema.schema_str.startswith("syntax")  # base64
    consumed = _consume(kafka, topic, "--value-format", "protobuf")
    assert consumed.code == 0, consumed
    assert [r["value"] for r in consumed.json_lines] == [
        {"order_id": f"o{i}", "amount": {"units": i, "currency": "NOK"}} for i in range(3)]


def test_protobuf_errors(kafka, registry_url, new_topic, tmp_path):
    unique = uuid.uuid4().hex[:8]
    proto, _ = _proto_files(tmp_path, unique)
    topic = new_topic()
    produce = ("-b", kafka["bootstrap"], "produce", topic, "--value-format", "protobuf")
    # a record that does not fit: its line, the records before it delivered, nothing after it
    lines = _lines([_order(1), _order(2)]) + '{"id": "o3", "lines": [{"qty": "three"}]}\n' + _lines([_order(4)])
    bad = run_kctl(*produce, "--value-schema", proto, input=lines)
    assert bad.code == 5, bad
    assert bad.stderr.count("kctl: error:") == 1 and "line 3" in bad.stderr and "qty" in bad.stderr
    assert "2 messages before it were delivered" in bad.stderr
    assert [r["value"]["id"] for r in _consume(kafka, topic, "--value-format", "protobuf").json_lines] == ["o1", "o2"]
    unknown_field = run_kctl(*produce, "--value-schema", proto, input='{"id": "x", "colour": "red"}\n')
    assert unknown_field.code == 5 and "colour" in unknown_field.stderr, unknown_field
    # a .proto that does not compile: protoc's messages on one line, exit 2, nothing sent
    broken = tmp_path / "broken.proto"
    broken.write_text('syntax = "proto3";\nmessage A { int32 x = 1 }\n')
    failed = run_kctl(*produce, "--value-schema", str(broken), input=_lines([{"x": 1}]))
    assert failed.code == 2, failed
    (line,) = failed.stderr.splitlines()
    assert line.startswith("kctl: error:") and "does not compile" in line and 'broken.proto:2:25: Expected ";"' in line
    missing_message = run_kctl(*produce, "--value-schema", proto, "--value-message", "Nope", input="{}\n")
    assert missing_message.code == 2 and "Order, " in missing_message.stderr, missing_message
    # an unknown subject (no schema file: the latest of it), and a registry that is down
    no_subject = run_kctl(*produce, "--value-subject", f"none-{unique}", input="{}\n")
    assert no_subject.code == 4 and no_subject.stderr.count("kctl: error:") == 1, no_subject
    down = run_kctl(*produce, "--value-schema", proto, "--schema-registry", "http://127.0.0.1:9/apis/ccompat/v7", input="{}\n")
    assert down.code == 6 and down.stderr.count("kctl: error:") == 1 and "unreachable" in down.stderr, down
    assert len(_raw_values(kafka, topic)) == 2
    assert "Traceback" not in bad.stderr + failed.stderr + no_subject.stderr + down.stderr


def test_protobuf_schemas_register_and_check(kafka, registry_url, unique_name, tmp_path):
    subject = unique_name("pb")
    files = {}
    for name, body in (("v1", "int32 id = 1; string name = 2;"), ("v2", "int32 id = 1; string name = 2; string email = 3;"),
                       ("bad", "string id = 1; string name = 2;")):
        files[name] = tmp_path / f"{name}.proto"
        files[name].write_text(f'syntax = "proto3";\npackage kctl.check;\nmessage User {{ {body} }}\n')
    first = run_kctl("-o", "json", "schemas", "register", subject, files["v1"])
    assert first.code == 0 and first.json["version"] == 1 and first.json["schema_type"] == "PROTOBUF", first
    assert run_kctl("schemas", "check", subject, files["v2"]).code == 0
    refused = run_kctl("schemas", "check", subject, files["bad"])
    assert refused.code == 8 and "NOT compatible" in refused.stdout, refused
    register_bad = run_kctl("schemas", "register", subject, files["bad"])
    assert register_bad.code == 2 and "Field type changed" in register_bad.stderr, register_bad
    assert run_kctl("-o", "json", "schemas", "register", subject, files["v2"]).json["version"] == 2
    broken = tmp_path / "broken.proto"
    broken.write_text("message {")
    not_compiled = run_kctl("schemas", "check", subject, broken)
    assert not_compiled.code == 2 and "does not compile" in not_compiled.stderr, not_compiled
