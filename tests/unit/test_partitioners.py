"""murmur2 and the partitioners, checked against Kafka's Java client."""

import zlib

import pytest

from kctl import partitioners
from kctl.partitioners import murmur2, murmur2_partition, partition_for, to_positive
from tests.unit.murmur2_vectors import KAFKA_UTILS_TEST_VECTORS

# Printed by Java from kafka-clients-4.1.1.jar: Utils.murmur2(key.getBytes(UTF_8)) and
# Utils.toPositive(Utils.murmur2(bytes)) % n for n = 1..12 (the Java producer's placement).
JAVA_PLACEMENT = {
    "foo": (597841616, [0, 0, 2, 0, 1, 2, 1, 0, 2, 6, 9, 8]),
    "bar": (988958145, [0, 1, 0, 1, 0, 3, 0, 1, 3, 5, 10, 9]),
    "21": (-973932308, [0, 0, 0, 0, 0, 0, 3, 4, 3, 0, 5, 0]),
    "customer-1": (1939597761, [0, 1, 0, 1, 1, 3, 3, 1, 3, 1, 2, 9]),
    "order-42": (501153024, [0, 0, 0, 0, 4, 0, 1, 0, 3, 4, 9, 0]),
    "": (275646681, [0, 1, 0, 1, 1, 3, 2, 1, 0, 1, 2, 9]),
    "a": (-1563381124, [0, 0, 1, 0, 4, 4, 5, 4, 4, 4, 5, 4]),
    "ab": (316155434, [0, 0, 2, 2, 4, 2, 0, 2, 5, 4, 1, 2]),
    "abc": (479470107, [0, 1, 0, 3, 2, 3, 4, 3, 3, 7, 6, 3]),
    "\u00e9t\u00e9": (-2101193575, [0, 1, 1, 1, 3, 1, 4, 1, 4, 3, 5, 1]),
}


@pytest.mark.parametrize("data,expected", KAFKA_UTILS_TEST_VECTORS.items())
def test_murmur2_matches_kafka_utils_test(data, expected):
    assert murmur2(data) == expected


@pytest.mark.parametrize("key", JAVA_PLACEMENT)
def test_partition_matches_java_for_1_to_12_partitions(key):
    hash_value, placements = JAVA_PLACEMENT[key]
    data = key.encode("utf-8")
    assert murmur2(data) == hash_value
    assert [murmur2_partition(data, n) for n in range(1, 13)] == placements
    assert [partition_for(data, n) for n in range(1, 13)] == placements


def test_murmur2_binary_key_with_high_bytes():
    # Java: Utils.murmur2(new byte[]{(byte) 0xff, 0, (byte) 0x80, 0x7f, 1})
    assert murmur2(bytes([0xFF, 0x00, 0x80, 0x7F, 0x01])) == -315781896


def test_to_positive_clears_the_sign_bit_instead_of_abs():
    assert to_positive(-1) == 0x7FFFFFFF
    assert to_positive(-2147483648) == 0
    assert to_positive(5) == 5


def test_consistent_is_crc32_like_librdkafka():
    assert partition_for(b"foo", 7, "consistent") == zlib.crc32(b"foo") % 7


def test_key_ignoring_partitioners_have_no_key_placement():
    assert partition_for(b"foo", 3, "round-robin") is None
    with pytest.raises(ValueError):
        partition_for(b"foo", 3, "nope")
    with pytest.raises(ValueError):
        partition_for(b"foo", 0)


def test_round_robin_cycles_through_every_partition():
    rr = partitioners.partitioner("round-robin")
    seen = [rr.partition(b"k", b"v" * 10, 4) for _ in range(8)]
    assert sorted(seen[:4]) == [0, 1, 2, 3]
    assert seen[4:] == seen[:4]


def test_sticky_stays_until_a_batch_is_full_then_moves():
    sticky = partitioners.partitioner("sticky", batch_size=100)
    first = [sticky.partition(None, b"v" * 10, 3) for _ in range(10)]  # 100 bytes: one batch
    assert len(set(first)) == 1
    assert sticky.partition(None, b"v" * 10, 3) != first[0]


def test_partitioner_objects_and_their_librdkafka_names():
    assert partitioners.partitioner("murmur2").librdkafka_name == "murmur2_random"
    assert partitioners.partitioner("consistent").librdkafka_name == "consistent_random"
    assert partitioners.partitioner("sticky").librdkafka_name is None
    assert partitioners.partitioner("murmur2").partition(b"foo", None, 7) == murmur2_partition(b"foo", 7)
    assert partitioners.partitioner("murmur2").partition(None, b"v", 7) is None  # unkeyed: librdkafka's choice
    assert {p: partitioners.partitioner(p).name for p in partitioners.NAMES} == {p: p for p in partitioners.NAMES}
    with pytest.raises(ValueError, match="unknown partitioner"):
        partitioners.partitioner("nope")
