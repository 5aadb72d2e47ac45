"""Schema Registry records against a real registry (Apicurio, started by kctl.services.local for
instance 0 like the brokers) and the real broker: Avro and JSON Schema produce/consume, evolution,
records that do not fit, `auto`, unknown ids, a registry going away, restarts and `kctl schemas`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kctl.config.registry import load_registry
from kctl.services import local
from tests.helpers import run_kctl

pytestmark = pytest.mark.schema_registry

USER = {"type": "record", "name": "User", "namespace": "kctl.test",
        "fields": [{"name": "id", "type": "int"}, {"name": "name", "type": "string"}]}
USER_V2 = {**USER, "fields": USER["fields"] + [{"name": "email", "type": "string", "default": ""}]}
USER_BAD = {**USER, "fields": USER["fields"] + [{"name": "age", "type": "int"}]}  # no default: not BACKWARD
JSON_SCHEMA = {"type": "object", "title": "Order", "properties": {"id": {"type": "integer"}, "item": {"type": "string"}},
               "required": ["id", "item"]}
PRIVATE_INSTANCE = 7  # a registry only (no brokers) in a private state folder, for stop/restart tests


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


def _id_fetches(kafka) -> dict[int, int]:
    """How often each schema id was fetched, from the registry's access log."""
    import re
    from collections import Counter

    log = local.status(load_registry(), kafka["instance"])[0].schema_registry.log_file
    with open(log, errors="replace") as fh:
        return Counter(int(m) for m in re.findall(r'path="/apis/ccompat/v7/schemas/ids/(\d+)"', fh.read()))


def _consume(kafka, topic, *args):
    return run_kctl("-b", kafka["bootstrap"], "-o", "json", "consume", topic, "--until", "end", *args)


@pytest.mark.parametrize("fmt,schema", [("avro", USER), ("json-schema", JSON_SCHEMA)])
def test_round_trip_and_wire_format(kafka, registry_url, new_topic, tmp_path, fmt, schema):
    from confluent_kafka.schema_registry import SchemaRegistryClient
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
    # five records, one schema id: fetched once (the registry's access log)
    (schema_id,) = ids
    assert _id_fetches(kafka).get(schema_id, 0) - fetches_before.get(schema_id, 0) == 1
    # The bytes on the topic: magic byte 0, the schema id, then the payload confluent-kafka's own
    # deserializer reads (independent of kctl's decoding).
    client = SchemaRegistryClient({"url": registry_url})
    deserializer = AvroDeserializer(client) if fmt == "avro" else JSONDeserializer(None, schema_registry_client=client)
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
    assert run_kctl("schemas", "delete", subject).code == 2  # no terminal, no --yes
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
