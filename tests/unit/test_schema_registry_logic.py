"""The Schema Registry parts that need no registry: ports, subject names, which registry, Java 21
lookup, the decoded output shapes and the produce-side checks."""

from __future__ import annotations

import json

import pytest

from kctl.client.records import ConsumerRecord
from kctl.config import registry as reg
from kctl.errors import ConfigError, ExitCode, UsageError
from kctl.kafka.schema_registry import SchemaDecoder, json_safe, subject_for
from kctl.schema_outputs import schema_output
from kctl.serde import SerdeError
from kctl.services.produce.records import RecordEncoder
from kctl.services.produce.request import ProduceRequest, check_request
from kctl.services.schemas import settings as sr_settings


def test_registry_ports_and_url():
    registry = reg.load_registry(str(reg.PACKAGED_REGISTRY))
    assert (registry.schema_registry_of(0).port, registry.schema_registry_of(0).management_port) == (8081, 9081)
    ports = registry.schema_registry_of(3)
    assert (ports.port, ports.management_port) == (8381, 9381)
    assert ports.url == "http://127.0.0.1:8381/apis/ccompat/v7"
    assert ports.ready_url == "http://127.0.0.1:9381/health/ready"


def test_registry_refuses_a_schema_registry_port_that_collides(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n"
                    "  max_instances: 10\nschema_registry:\n  port: 9092\n  management_port: 9081\n")
    with pytest.raises(ConfigError, match="Schema Registry port of instance 0"):
        reg.load_registry(str(path))


@pytest.mark.parametrize("strategy,record,subject", [
    ("topic", None, "orders-value"), ("record", "shop.Order", "shop.Order"), ("topic-record", "shop.Order", "orders-shop.Order"),
])
def test_subject_strategies(strategy, record, subject):
    assert subject_for(strategy, "orders", "value", record) == subject


def test_record_strategy_needs_a_name():
    with pytest.raises(UsageError):
        subject_for("record", "orders", "value", None)


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("KCTL_SCHEMA_REGISTRY", raising=False)


def test_settings_order(no_env, monkeypatch):
    context = {"name": "c", "schema_registry": "http://ctx:8081"}
    monkeypatch.setattr("kctl.services.schemas.settings.running_url", lambda registry, n: "http://local")
    assert sr_settings.registry_settings("http://flag/", context, None, 0).url == "http://flag"
    monkeypatch.setenv("KCTL_SCHEMA_REGISTRY", "http://env")
    assert sr_settings.registry_settings(None, context, None, 0).url == "http://env"
    monkeypatch.delenv("KCTL_SCHEMA_REGISTRY")
    assert sr_settings.registry_settings(None, context, None, 0).url == "http://ctx:8081"
    assert sr_settings.registry_settings(None, None, None, 0).url == "http://local"


def test_settings_context_mapping_resolves_the_password(no_env, monkeypatch, tmp_path):
    monkeypatch.setenv("SR_PASSWORD", "s3cret")
    context = {"name": "c", "schema_registry": {"url": "https://sr", "user": "alice", "password": "${env:SR_PASSWORD}",
                                                "ca_file": str(tmp_path / "ca.pem")}}
    settings = sr_settings.registry_settings(None, context, None, None)
    assert (settings.user, settings.password, settings.ca_file) == ("alice", "s3cret", str(tmp_path / "ca.pem"))
    conf = settings.conf()
    assert conf["basic.auth.user.info"] == "alice:s3cret" and conf["ssl.ca.location"] == str(tmp_path / "ca.pem")


def test_settings_none_is_a_config_error(no_env, monkeypatch):
    monkeypatch.setattr("kctl.services.schemas.settings.running_url", lambda registry, n: None)
    with pytest.raises(ConfigError) as info:
        sr_settings.registry_settings(None, None, None, 0)
    assert info.value.exit_code == ExitCode.CONFIG


def test_no_java_21_is_one_config_error(monkeypatch, tmp_path):
    from kctl.services.local import schema_registry as local_sr

    old = tmp_path / "jdk17"
    (old / "bin").mkdir(parents=True)
    (old / "bin" / "java").write_text("")
    (old / "release").write_text('JAVA_VERSION="17.0.9"\n')
    monkeypatch.setenv("KCTL_JAVA_HOME", str(old))
    monkeypatch.setenv("JAVA_HOME", str(old))
    monkeypatch.setattr(local_sr, "JVM_DIR", tmp_path / "none")
    with pytest.raises(ConfigError, match="Java 21 or newer"):
        local_sr.find_java21()
    new = tmp_path / "jvm" / "jdk25"
    (new / "bin").mkdir(parents=True)
    (new / "bin" / "java").write_text("")
    (new / "release").write_text('JAVA_VERSION="25.0.1"\n')
    monkeypatch.setattr(local_sr, "JVM_DIR", tmp_path / "jvm")
    assert local_sr.find_java21() == str(new / "bin" / "java")


class FakeDecoder:
    """Values starting with b"A" are 'Avro' with schema id 7; the rest are not Confluent-framed."""

    def decode(self, data, topic):
        if data.startswith(b"A"):
            return {"n": int(data[1:])}, 7
        return None


def _record(value: bytes, offset: int = 0) -> ConsumerRecord:
    return ConsumerRecord("t", 0, offset, 1000, None, value)


def test_decoded_value_column_and_passthrough():
    out = schema_output("table", None, None, None, False, None, FakeDecoder())
    assert out.render(_record(b"A5")) == b'{"n": 5}\n'
    assert out.render(_record(b"plain")) == b"plain\n"


def test_decoded_envelope_carries_the_schema_id():
    out = schema_output("json", None, None, None, False, None, FakeDecoder())
    decoded = json.loads(out.render(_record(b"A5")))
    assert decoded["value"] == {"n": 5} and decoded["value_encoding"] == "json" and decoded["value_schema_id"] == 7
    plain = json.loads(out.render(_record(b"plain", 1)))
    assert plain["value"] == "plain" and "value_schema_id" not in plain


def test_decoded_format_tokens():
    out = schema_output("table", "%o:%v", None, None, False, None, FakeDecoder())
    assert out.render(_record(b"A12", 3)) == b'3:{"n": 12}\n'


def test_fixed_format_refuses_unframed_data():
    decoder = SchemaDecoder.__new__(SchemaDecoder)
    decoder.name = "avro"
    with pytest.raises(SerdeError, match="magic byte"):
        decoder.decode(b"plain text", "t")
    decoder.name = "auto"
    assert decoder.decode(b"plain text", "t") is None


def test_json_safe():
    assert json_safe({"b": b"\x00\xff", "l": [1, (2, 3)]}) == {"b": "\x00\xff", "l": [1, [2, 3]]}


class FakeSchemaSerializer:
    name = "avro"
    schema_id = 3

    def serialize(self, value):
        obj = json.loads(value)
        if not isinstance(obj, dict) or "id" not in obj:
            raise SerdeError("does not fit schema 3 (avro): id missing")
        return b"\x00\x00\x00\x00\x03" + json.dumps(obj, sort_keys=True).encode()


def test_envelope_values_go_to_the_schema_serializer():
    encoder = RecordEncoder("string", FakeSchemaSerializer())
    # a decoded `consume -o json` envelope (value_encoding json) and one without an encoding
    for line in (b'{"value": {"id": 1}, "value_encoding": "json", "value_schema_id": 3}', b'{"value": {"id": 1}}'):
        assert encoder.envelope(line).value == b'\x00\x00\x00\x00\x03{"id": 1}'
    assert encoder.line(b'{"id": 2}').value == b'\x00\x00\x00\x00\x03{"id": 2}'


def test_produce_checks_schema_options():
    with pytest.raises(UsageError, match="--value-schema needs --value-format"):
        check_request(ProduceRequest(topic="t", value_schema="x.avsc"))
    with pytest.raises(UsageError, match="--input raw"):
        check_request(ProduceRequest(topic="t", format="raw", value_format="avro", schema_registry=object()))
    with pytest.raises(UsageError, match="not both"):
        check_request(ProduceRequest(topic="t", value_format="avro", value_schema="x", value_schema_id=1,
                                     schema_registry=object()))


def test_context_schema_registry_from_set_context(tmp_path, monkeypatch):
    from kctl.config.contexts import get_context
    from tests.helpers import run_kctl

    monkeypatch.setenv("KCTL_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.delenv("KCTL_SCHEMA_REGISTRY", raising=False)
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    result = run_kctl("config", "set-context", "sr", "-b", "h:9092", "--schema-registry", "https://sr:8081",
                      "--schema-registry-user", "bob", "--schema-registry-password-env", "SR_PW",
                      "--schema-registry-ca-file", str(ca))
    assert result.code == 0, result
    entry = get_context("sr")["schema_registry"]
    assert entry == {"url": "https://sr:8081", "user": "bob", "password": "${env:SR_PW}", "ca_file": str(ca)}
    monkeypatch.setenv("SR_PW", "pw")
    settings = sr_settings.registry_settings(None, get_context("sr"), None, None)
    assert (settings.url, settings.user, settings.password, settings.ca_file) == ("https://sr:8081", "bob", "pw", str(ca))
    refused = run_kctl("config", "set-context", "sr", "--schema-registry-user", "bob")
    assert refused.code == 2 and "need --schema-registry URL" in refused.stderr
