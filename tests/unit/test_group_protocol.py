"""The group protocol settings (kctl.client.group_protocol), pure: what is sent to librdkafka."""

from __future__ import annotations

import pytest

from kctl.client.group_protocol import protocol_conf
from kctl.errors import UsageError
from kctl.services.consume.options import ConsumeOptions, consumer_conf
from kctl.services.e2e.group import consumer_conf as e2e_conf


def test_the_consumer_protocol_sets_the_assignor_and_keeps_other_settings():
    conf = protocol_conf({"bootstrap.servers": "b:1", "fetch.wait.max.ms": 10}, "consumer", "range")
    assert conf == {"bootstrap.servers": "b:1", "fetch.wait.max.ms": 10, "group.protocol": "consumer",
                    "group.remote.assignor": "range"}
    assert protocol_conf({}, None, None) == {}  # nothing asked: nothing added (librdkafka's classic)


@pytest.mark.parametrize("conf,protocol,assignor,message", [
    ({}, "modern", None, "group protocol must be one of classic, consumer"),
    ({}, None, "range", "a server-side assignor needs the consumer group protocol"),
    ({}, "classic", "uniform", "a server-side assignor needs the consumer group protocol"),
    ({}, "consumer", "sticky", "assignor must be one of uniform, range"),
    ({"session.timeout.ms": 6000}, "consumer", None, "session.timeout.ms: classic-protocol setting"),
    ({"heartbeat.interval.ms": 1, "group.protocol.type": "consumer"}, "consumer", None,
     "heartbeat.interval.ms, group.protocol.type: classic-protocol settings"),
    ({"group.protocol": "consumer"}, "classic", None, "contradicts group.protocol=consumer"),
    ({"group.protocol": "nope"}, None, None, "group.protocol must be one of"),
    ({"group.remote.assignor": "range"}, None, None, "group.remote.assignor needs group.protocol=consumer"),
])
def test_bad_combinations_are_usage_errors(conf, protocol, assignor, message):
    with pytest.raises(UsageError) as caught:
        protocol_conf(conf, protocol, assignor)
    assert message in caught.value.message


def test_consume_sends_no_classic_setting_with_the_consumer_protocol():
    opts = ConsumeOptions(topics=("t",), group="g", group_protocol="consumer", assignor="uniform").validated()
    conf = consumer_conf({"bootstrap.servers": "b:1"}, opts)
    assert conf["group.protocol"] == "consumer" and conf["group.remote.assignor"] == "uniform"
    assert not {"partition.assignment.strategy", "session.timeout.ms", "heartbeat.interval.ms"} & set(conf)


def test_e2e_leaves_its_classic_defaults_out_with_the_consumer_protocol():
    classic = e2e_conf({}, group_id="g")
    assert classic["session.timeout.ms"] == 6000 and classic["heartbeat.interval.ms"] == 100
    consumer = e2e_conf({}, group_id="g", group_protocol="consumer")
    assert "session.timeout.ms" not in consumer and "heartbeat.interval.ms" not in consumer
    assert consumer["fetch.wait.max.ms"] == 10  # the other defaults stay
