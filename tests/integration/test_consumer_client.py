"""kctl.client.ConsumerClient against a real broker: assign/subscribe, offsets, look-ups, close."""

from __future__ import annotations

import time

import pytest

from kctl.client import ConsumerClient, ConsumerRecord, TopicPartitionOffset
from kctl.errors import NotFoundError
from tests.helpers import poll_records
from tests.integration.consume_helpers import committed, group_name, produce


def test_assign_poll_position_watermarks_seek(kafka, new_topic):
    topic = new_topic(partitions=2)
    now = int(time.time() * 1000)
    produce(kafka["bootstrap"], topic, [{"key": b"k", "value": f"v{i}".encode(), "partition": 0,
                                         "headers": [("h", b"x")], "timestamp": now - 10_000 + i} for i in range(6)])
    with ConsumerClient(bootstrap=kafka["bootstrap"]) as consumer:
        consumer.assign({(topic, 0): ConsumerClient.OFFSET_BEGINNING, (topic, 1): ConsumerClient.OFFSET_BEGINNING})
        assert sorted(consumer.assignment()) == [(topic, 0), (topic, 1)]
        records = poll_records(consumer, 6)
        assert all(isinstance(r, ConsumerRecord) for r in records)
        assert [(r.partition, r.offset, r.value) for r in records] == [(0, i, f"v{i}".encode()) for i in range(6)]
        first = records[0]
        assert (first.key, first.headers, first.timestamp_ms, first.timestamp_type) == \
            (b"k", (("h", b"x"),), now - 10_000, "create")
        assert consumer.position([(topic, 0)]) == {(topic, 0): 6}
        assert consumer.watermarks(topic, 0, timeout=10) == (0, 6)
        assert consumer.offsets_for_times(topic, [0, 1], now - 10_000 + 4, timeout=10) == {0: 4, 1: -1}
        consumer.seek(topic, 0, 2)
        assert [r.offset for r in poll_records(consumer, 4)] == [2, 3, 4, 5]
        assert consumer.topics(timeout=10, topic=topic) == {topic: [0, 1]}


def test_subscribe_callbacks_commit_and_committed(kafka, new_topic):
    topic = new_topic(partitions=2)
    produce(kafka["bootstrap"], topic, [{"value": b"x", "partition": i % 2} for i in range(10)])
    group = group_name("client")
    assigned: list = []
    with ConsumerClient(bootstrap=kafka["bootstrap"], group_id=group, auto_offset_reset="earliest",
                        enable_auto_commit=False) as consumer:
        def on_assign(partitions):
            assigned.extend(partitions)
            return {(topic, 1): 3}  # start partition 1 at offset 3 instead of the committed one

        consumer.subscribe([topic], on_assign=on_assign)
        records = poll_records(consumer, 7)
        assert sorted(assigned, key=lambda tp: tp.partition) == [TopicPartitionOffset(topic, 0, -1001),
                                                                 TopicPartitionOffset(topic, 1, -1001)]
        assert sorted((r.partition, r.offset) for r in records) == [(0, o) for o in range(5)] + [(1, 3), (1, 4)]
        consumer.commit()  # the positions of what was polled
        assert consumer.committed([(topic, 0), (topic, 1)], timeout=10) == {(topic, 0): 5, (topic, 1): 5}
        consumer.commit({(topic, 0): 2})
    assert committed(kafka["bootstrap"], group, topic, 2) == {0: 2, 1: 5}


def test_store_offsets_then_commit(kafka, new_topic):
    topic = new_topic(partitions=1)
    produce(kafka["bootstrap"], topic, [{"value": b"x"} for _ in range(5)])
    group = group_name("store")
    with ConsumerClient(bootstrap=kafka["bootstrap"], group_id=group, enable_auto_offset_store=False,
                        enable_auto_commit=False) as consumer:
        consumer.assign({(topic, 0): ConsumerClient.OFFSET_BEGINNING})
        assert len(poll_records(consumer, 5)) == 5
        consumer.store_offsets([TopicPartitionOffset(topic, 0, 3)])
        consumer.commit()
    assert committed(kafka["bootstrap"], group, topic, 1) == {0: 3}


def test_group_metadata_and_close_twice(kafka):
    consumer = ConsumerClient(bootstrap=kafka["bootstrap"], group_id=group_name("meta"))
    assert consumer.group_metadata() is not None
    assert consumer.close(timeout=10) is True
    assert consumer.close(timeout=10) is True


def test_close_is_bounded_when_the_cluster_is_gone():
    consumer = ConsumerClient(bootstrap="127.0.0.1:1", group_id=group_name("gone"))
    consumer.subscribe(["anything"])
    consumer.poll(timeout=0.2)
    started = time.monotonic()
    consumer.close(timeout=1)
    # Not a timing assertion on the machine's speed: an unbounded close waits out socket timeouts (a minute).
    assert time.monotonic() - started < 30


def test_a_missing_topic_by_name(kafka, unique_name):
    missing = unique_name("missing")
    with ConsumerClient(bootstrap=kafka["bootstrap"]) as consumer:
        assert consumer.topics(timeout=10, topic=missing) == {missing: None}
        with pytest.raises(NotFoundError):
            consumer.watermarks(missing, 0, timeout=5)


def test_group_metadata_commits_offsets_in_a_transaction(kafka, new_topic):
    """consume-transform-produce: the consumer's offsets are committed by the producer's transaction."""
    from kctl.client import ProducerRecord, TransactionClient

    source, sink = new_topic(partitions=1), new_topic(partitions=1)
    produce(kafka["bootstrap"], source, [{"value": f"in{i}".encode()} for i in range(3)])
    group = group_name("eos")
    with ConsumerClient(bootstrap=kafka["bootstrap"], group_id=group, auto_offset_reset="earliest",
                        enable_auto_commit=False) as consumer, \
            TransactionClient(f"eos-{group}", bootstrap=kafka["bootstrap"]) as txn:
        consumer.subscribe([source])
        records = poll_records(consumer, 3)
        txn.init(timeout=30)
        txn.begin()
        for record in records:
            txn.send(ProducerRecord(sink, value=record.value.upper()))
        txn.send_offsets(consumer.group_metadata(), consumer.position([(source, 0)]), timeout=30)
        txn.commit(timeout=30)
    assert committed(kafka["bootstrap"], group, source, 1) == {0: 3}
