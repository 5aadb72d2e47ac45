"""ListOffsets v2 on the wire (kctl.kafka.offsets_wire): the request bytes and the answer's
decoding, against byte strings laid out as in Kafka's ListOffsets schema."""

from __future__ import annotations

import struct

import pytest

from kctl.kafka import offsets_wire


def _s(text: str) -> bytes:
    return struct.pack(">h", len(text.encode())) + text.encode()


def test_request_groups_partitions_by_topic_read_committed():
    framed = offsets_wire.request([("t1", 0), ("t2", 3), ("t1", 1)], offsets_wire.LATEST, correlation_id=5)
    (size,) = struct.unpack_from(">i", framed)
    assert size == len(framed) - 4
    assert framed[4:] == (struct.pack(">hhi", 2, 2, 5) + _s("kctl") + struct.pack(">ibi", -1, 1, 2)
                          + _s("t1") + struct.pack(">iiqiq", 2, 0, -1, 1, -1)
                          + _s("t2") + struct.pack(">iiq", 1, 3, -1))


def test_parse_keeps_the_partitions_answered_without_an_error():
    data = (struct.pack(">iii", 5, 0, 2)
            + _s("t1") + struct.pack(">i", 2) + struct.pack(">ihqq", 0, 0, -1, 42) + struct.pack(">ihqq", 1, 6, -1, -1)
            + _s("t2") + struct.pack(">i", 1) + struct.pack(">ihqq", 3, 0, -1, 0))
    assert offsets_wire.parse(data, correlation_id=5) == {("t1", 0): 42, ("t2", 3): 0}  # 6: not the leader
    with pytest.raises(ValueError):
        offsets_wire.parse(data, correlation_id=1)
    with pytest.raises(ValueError):
        offsets_wire.parse(data[:-3], correlation_id=5)
