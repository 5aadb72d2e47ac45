"""A deterministic stand-in for kctl.tui.data.DataSource, for the snapshot tests only (the behaviour
tests run against the real broker)."""

from __future__ import annotations

from kctl.client.records import ConsumerRecord, RecordMetadata
from kctl.models import BrokerInfo, ClusterInfo, PartitionDetail, TopicDetail, TopicSummary
from kctl.tui.browse import Page
from kctl.tui.data import ClusterView, GroupRow, TopicGroup, TopicStats

T0 = 1_764_600_000_000  # 2025-12-01T14:40:00Z


class FakeBrowser:
    partitions = [0, 1]

    def __init__(self):
        self.rules = ()
        self.records = [
            ConsumerRecord("orders", 0, 0, T0, b"order-1", b'{"id": 1, "item": "book", "qty": 2}', (("trace", b"abc"),)),
            ConsumerRecord("orders", 1, 0, T0 + 1000, b"order-2", b"plain text", ()),
            ConsumerRecord("orders", 1, 1, T0 + 2000, None, bytes([0, 1, 2, 255]), (("bin", b"\x00\x01"),)),
        ]

    def first(self, mode, value, size):
        return Page(list(self.records), {0: 0, 1: 0}, 3, at_end=True)

    next = prev = lambda self, size: Page([], {0: 1, 1: 2}, 0, at_end=True)

    def tail(self, wait=0.5, max_records=500):
        return []

    def stop_tail(self):
        pass

    def close(self):
        pass

    def prefetch_topics(self):
        pass


class FakeData:
    label = "instance 0"
    conf: dict = {}
    timeout = 1.0

    def cluster(self):
        brokers = (BrokerInfo(1, "kafka-1.local", 9092, True), BrokerInfo(2, "kafka-2.local", 9092),
                   BrokerInfo(3, "kafka-3.local", 9092))
        return ClusterView(ClusterInfo("MkU3OEVBNTcwNTJENDM2Qk", 1, brokers, 42), (), ("healthy: no offline, under-replicated or under-min-ISR partitions",))

    def topics(self):
        return [TopicSummary("orders", 6, 3), TopicSummary("payments", 3, 3), TopicSummary("audit-log", 1, 1)]

    def topic_stats(self, names):
        stats = {"orders": TopicStats(125_000, 48_000_000), "payments": TopicStats(9_800, 1_200_000),
                 "audit-log": TopicStats(0, 0)}
        return {n: stats[n] for n in names if n in stats}

    def topic_markers(self):
        return {"orders": "ok", "payments": "under-replicated", "audit-log": "under-min-isr"}

    def topic(self, name):
        parts = tuple(PartitionDetail(p, (p % 3) + 1, (1, 2, 3), (1, 2, 3) if p != 2 else (1, 3), 0, 1000 + p,
                                      1000 + p, 400_000) for p in range(3))
        return TopicDetail(name, "kU3OE", False, parts, {"retention.ms": "86400000", "cleanup.policy": "delete"},
                           1_200_000, {"retention.ms": "topic", "cleanup.policy": "broker"})

    def topic_groups(self, topic):
        return [TopicGroup("billing", "Stable", 12), TopicGroup("audit", "Empty", 3000)]

    def groups(self):
        return [GroupRow("billing", "Stable", 2, 3000, ("orders",)), GroupRow("audit", "Empty", 0, 3000, ("orders", "payments"))]

    def close(self):
        pass

    def prefetch_topics(self):
        pass

    def browser(self, topic, partition=None):
        return FakeBrowser()

    def produce(self, topic, key, value, headers, partition):
        return RecordMetadata(topic, 2 if partition is None else partition, 41)
