"""Partitioners: where a record goes, computed exactly as Kafka clients compute it.

murmur2 is a pure-Python copy of Kafka's Java `Utils.murmur2` (the default partitioner of the
Java producer for keyed records: `toPositive(murmur2(keyBytes)) % numPartitions`). librdkafka's
`murmur2_random` partitioner uses the same hash, so kctl, kcat -X partitioner=murmur2_random
and Java producers put a key on the same partition.

consistent is librdkafka's CRC32 hash (`crc32(key) % numPartitions`, kcat's default for keys).
round-robin and sticky ignore keys, like Java's RoundRobinPartitioner and the (pre-3.3)
UniformStickyPartitioner; librdkafka has no such choice for keyed records, so kctl computes them.
"""

from __future__ import annotations

import random
import zlib

NAMES = ("murmur2", "consistent", "random", "round-robin", "sticky")

# The kctl name -> the librdkafka `partitioner` setting; None = kctl computes the partition.
LIBRDKAFKA_PARTITIONER = {
    "murmur2": "murmur2_random",
    "consistent": "consistent_random",
    "random": "random",
    "round-robin": None,
    "sticky": None,
}

_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's Utils.murmur2: a signed 32-bit int, bit for bit what Java returns."""
    length = len(data)
    h = (0x9747B28C ^ length) & _MASK
    length4 = length & ~3
    for i in range(0, length4, 4):
        k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)
        k = (k * _M) & _MASK
        k ^= k >> 24
        k = (k * _M) & _MASK
        h = (h * _M) & _MASK
        h ^= k
    rest = length & 3
    if rest == 3:
        h ^= data[length4 + 2] << 16
    if rest >= 2:
        h ^= data[length4 + 1] << 8
    if rest >= 1:
        h ^= data[length4]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def to_positive(number: int) -> int:
    """Kafka's Utils.toPositive: clear the sign bit (not abs())."""
    return number & 0x7FFFFFFF


def murmur2_partition(key: bytes, partitions: int) -> int:
    return to_positive(murmur2(key)) % partitions


def consistent_partition(key: bytes, partitions: int) -> int:
    return zlib.crc32(key) % partitions


def partition_for(key: bytes, partitions: int, partitioner: str = "murmur2") -> int | None:
    """The partition a keyed record lands on; None when the partitioner ignores keys."""
    if partitions <= 0:
        raise ValueError("a topic has at least one partition")
    if partitioner == "murmur2":
        return murmur2_partition(key, partitions)
    if partitioner == "consistent":
        return consistent_partition(key, partitions)
    if partitioner in NAMES:
        return None
    raise ValueError(f"unknown partitioner {partitioner!r} (one of: {', '.join(NAMES)})")


class RoundRobin:
    """partition 0, 1, ..., n-1, 0, ... regardless of the key."""

    def __init__(self, partitions: int):
        self.partitions = partitions
        self.next_partition = random.randrange(partitions)

    def __call__(self, size: int) -> int:
        partition = self.next_partition
        self.next_partition = (partition + 1) % self.partitions
        return partition


class Sticky:
    """Stay on one partition until about batch_size bytes went to it, then switch to another."""

    def __init__(self, partitions: int, batch_size: int = 1_000_000):
        self.partitions = partitions
        self.batch_size = max(1, batch_size)
        self.current = random.randrange(partitions)
        self.filled = 0

    def __call__(self, size: int) -> int:
        if self.filled >= self.batch_size:
            self.filled = 0
            if self.partitions > 1:
                self.current = (self.current + random.randrange(1, self.partitions)) % self.partitions
        self.filled += size
        return self.current


def python_partitioner(name: str, partitions: int, batch_size: int = 1_000_000):
    """A callable size -> partition for the partitioners librdkafka lacks, else None."""
    if name == "round-robin":
        return RoundRobin(partitions)
    if name == "sticky":
        return Sticky(partitions, batch_size)
    return None
