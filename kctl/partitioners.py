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


class Partitioner:
    """Where a record goes: partition(key, value, partitions) -> a partition, or None to leave
    the choice to librdkafka (its `partitioner` setting is librdkafka_name then, and the client
    never calls partition() for it: librdkafka places every record itself, in C).

    Any object with .name, .librdkafka_name (None: kctl calls .partition for each record) and
    .partition(key, value, partitions) can stand in for one (the client API's protocol).
    """

    name = ""
    librdkafka_name: str | None = None

    def partition(self, key: bytes | None, value: bytes | None, partitions: int) -> int | None:
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Murmur2(Partitioner):
    """Kafka's default for keyed records (Java, and librdkafka's murmur2_random); no key: random."""

    name = "murmur2"
    librdkafka_name = "murmur2_random"

    def partition(self, key, value, partitions):
        return None if key is None else murmur2_partition(key, partitions)


class Consistent(Partitioner):
    """CRC32 of the key (librdkafka's consistent_random, kcat's default); no key: random."""

    name = "consistent"
    librdkafka_name = "consistent_random"

    def partition(self, key, value, partitions):
        return None if key is None else consistent_partition(key, partitions)


class Random(Partitioner):
    name = "random"
    librdkafka_name = "random"


class RoundRobin(Partitioner):
    """partition 0, 1, ..., n-1, 0, ... regardless of the key."""

    name = "round-robin"

    def __init__(self):
        self.next_partition: int | None = None

    def partition(self, key, value, partitions):
        partition = random.randrange(partitions) if self.next_partition is None else self.next_partition % partitions
        self.next_partition = (partition + 1) % partitions
        return partition


class Sticky(Partitioner):
    """Stay on one partition until about batch_size bytes went to it, then switch to another."""

    name = "sticky"

    def __init__(self, batch_size: int = 1_000_000):
        self.batch_size = max(1, batch_size)
        self.current: int | None = None
        self.filled = 0

    def partition(self, key, value, partitions):
        if self.current is None or self.current >= partitions:
            self.current = random.randrange(partitions)
        elif self.filled >= self.batch_size:
            self.filled = 0
            if partitions > 1:
                self.current = (self.current + random.randrange(1, partitions)) % partitions
        self.filled += len(value or b"")
        return self.current


_CLASSES = {"murmur2": Murmur2, "consistent": Consistent, "random": Random, "round-robin": RoundRobin,
            "sticky": Sticky}


def partitioner(name: str, batch_size: int = 1_000_000) -> Partitioner:
    """The partitioner of a CLI name (murmur2 consistent random round-robin sticky); sticky
    switches partitions after batch_size bytes."""
    cls = _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"unknown partitioner {name!r} (one of: {', '.join(NAMES)})")
    return cls(batch_size) if cls is Sticky else cls()
