"""DescribeLogDirs v1 on the wire (kctl.kafka.logdirs_wire): the request bytes and the answer's
decoding, against byte strings laid out as in Kafka's DescribeLogDirs schema."""

from __future__ import annotations

import struct

import pytest

from kctl.kafka import logdirs_wire, wire
from kctl.models.admin import ReplicaLogDir


def _s(text: str) -> bytes:
    return struct.pack(">h", len(text)) + text.encode()


def test_request_names_topics_and_partitions_or_null_for_all():
    framed = logdirs_wire.request({"t1": [0, 2]}, correlation_id=7, client_id="kctl")
    (size,) = struct.unpack_from(">i", framed)
    assert size == len(framed) - 4
    assert framed[4:] == (struct.pack(">hhi", 35, 1, 7) + _s("kctl") + struct.pack(">i", 1) + _s("t1")
                          + struct.pack(">iii", 2, 0, 2))
    assert logdirs_wire.request(None, correlation_id=7)[-4:] == struct.pack(">i", -1)


def test_parse_keeps_replicas_of_healthy_dirs_and_flags_future_ones():
    ok_dir = (struct.pack(">h", 0) + _s("/data") + struct.pack(">i", 1) + _s("t1") + struct.pack(">i", 2)
              + struct.pack(">iqqb", 0, 1234, 0, 0) + struct.pack(">iqqb", 1, 99, 5, 1))
    offline = struct.pack(">h", 57) + _s("/bad") + struct.pack(">i", 1) + _s("t1") + struct.pack(">i", 1) \
        + struct.pack(">iqqb", 2, 1, 0, 0)
    data = struct.pack(">iii", 1, 0, 2) + ok_dir + offline
    assert logdirs_wire.parse(data, broker=3) == [
        ReplicaLogDir(broker=3, log_dir="/data", topic="t1", partition=0, size_bytes=1234, is_future=False),
        ReplicaLogDir(broker=3, log_dir="/data", topic="t1", partition=1, size_bytes=99, is_future=True),
    ]
    with pytest.raises(ValueError):
        logdirs_wire.parse(data, broker=3, correlation_id=2)


@pytest.mark.parametrize(("conf", "usable"), [
    ({"bootstrap.servers": "h:9092"}, True),
    ({"security.protocol": "PLAINTEXT"}, True),
    ({"security.protocol": "SSL"}, False),
    ({"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN"}, False),
    ({"sasl.mechanism": "OAUTHBEARER"}, False),  # librdkafka ignores it on plaintext; kafka-python decides
])
def test_only_plain_tcp_clusters_use_it(conf, usable):
    assert wire.usable(conf) is usable
