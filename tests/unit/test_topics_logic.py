"""Pure logic of the topics commands: outcome -> exit code, option parsing, client settings mapping."""

import pytest

from kctl.errors import ExitCode, UsageError, failure_of
from kctl.kafka.kafka_python import kafka_python_kwargs
from kctl.parsing import parse_partition_offsets
from kctl.models import ItemResult, OperationResult
from kctl.services import topics

OK = ItemResult("a", True, "created")
EXISTS = ItemResult("b", False, error="Topic 'b' already exists.", exit_code=2)
UNKNOWN = ItemResult("c", False, error="topic 'c' does not exist", exit_code=4)
UNKNOWN2 = ItemResult("d", False, error="topic 'd' does not exist", exit_code=4)


def test_all_ok_is_no_failure():
    assert failure_of([OK]) is None


def test_some_failed_is_partial_exit_5():
    error = failure_of([OK, EXISTS], "topics create")
    assert error.exit_code == ExitCode.PARTIAL
    assert error.message == "topics create failed for b: Topic 'b' already exists."


def test_all_failed_alike_exit_with_their_code():
    error = failure_of([UNKNOWN, UNKNOWN2], "topics delete")
    assert error.exit_code == ExitCode.NOT_FOUND
    assert error.message == "topics delete failed for 2 of 2 items: c, d"
    assert failure_of([EXISTS]).exit_code == ExitCode.USAGE


def test_all_failed_differently_is_exit_5():
    assert failure_of([EXISTS, UNKNOWN]).exit_code == ExitCode.PARTIAL


def test_operation_hints_name_the_flag_that_would_help():
    assert "--if-not-exists" in topics.failure(OperationResult("create", (EXISTS,))).hint
    assert "--if-exists" in topics.failure(OperationResult("delete", (UNKNOWN,))).hint
    assert topics.failure(OperationResult("delete", (OK,))) is None


def test_parse_partition_offsets():
    assert parse_partition_offsets(["0:100", "3:42"], "--before") == {0: 100, 3: 42}


@pytest.mark.parametrize("bad", ["0", "a:1", "1:b", "-1:5", "1:-5", ":"])
def test_parse_partition_offsets_rejects(bad):
    with pytest.raises(UsageError, match="--before expects PARTITION=OFFSET"):
        parse_partition_offsets([bad], "--before")


def test_parse_partition_offsets_rejects_a_partition_twice():
    with pytest.raises(UsageError, match="twice"):
        parse_partition_offsets(["1:5", "1:6"], "--before")


def test_kafka_python_kwargs_maps_sasl_and_tls():
    kwargs = kafka_python_kwargs({
        "bootstrap.servers": "h1:9092,h2:9092", "security.protocol": "sasl_ssl", "sasl.mechanisms": "SCRAM-SHA-512",
        "sasl.username": "u", "sasl.password": "p", "ssl.ca.location": "/ca.pem",
    }, 2.5)
    assert kwargs["bootstrap_servers"] == ["h1:9092", "h2:9092"]
    assert kwargs["security_protocol"] == "SASL_SSL" and kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"], kwargs["ssl_cafile"]) == ("u", "p", "/ca.pem")
    assert kwargs["request_timeout_ms"] == 2500


@pytest.mark.parametrize("conf", [
    {"bootstrap.servers": "h:1", "sasl.mechanism": "OAUTHBEARER"},
    {"bootstrap.servers": "h:1", "ssl.keystore.location": "/k.p12"},
])
def test_kafka_python_kwargs_refuses_security_settings_it_cannot_map(conf):
    from kctl.errors import ConfigError

    with pytest.raises(ConfigError, match="no kafka-python equivalent"):
        kafka_python_kwargs(conf, 1)


def test_kafka_python_kwargs_leaves_out_client_only_settings():
    """Producer/consumer tuning does not apply to an admin request: it must not break one."""
    kwargs = kafka_python_kwargs({"bootstrap.servers": "h:1", "compression.type": "lz4", "linger.ms": "5",
                                  "enable.idempotence": "true", "fetch.wait.max.ms": "10"}, 1)
    assert kwargs["bootstrap_servers"] == ["h:1"] and "compression_type" not in kwargs
