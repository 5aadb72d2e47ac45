"""Consumer groups made the way applications make them (the fixtures are in conftest.py).

A confluent Consumer with a unique group id subscribes, commits known offsets and closes (an Empty
group), or stays in the group while the test runs (an active member). Offsets are read back with a
separate AdminClient, not with kctl.
"""

from __future__ import annotations

from contextlib import contextmanager

from tests.helpers import run_kctl, wait_until

STEP = 600_000  # 10 minutes
HALF = STEP // 2  # records sit half a step off the minute marks: a boundary never depends on when the test runs


def kctl_with_snapshots(kafka, tmp_path):
    """run_kctl on the single broker with a state folder of its own (the reset snapshots)."""
    state = str(tmp_path / "state")

    def run(*args, **kwargs):
        return run_kctl(*args, "-i", str(kafka["instance"]), env={"KCTL_STATE_DIR": state}, **kwargs)

    run.state = state
    return run


def produce_at(bootstrap: str, topic: str, partitions: int, stamps: list[int]) -> None:
    """Record i of every partition at stamps[i]."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 1})
    for p in range(partitions):
        for i, stamp in enumerate(stamps):
            producer.produce(topic, value=f"p{p}-m{i}".encode(), partition=p, timestamp=stamp)
    assert producer.flush(30) == 0


def joined_consumer(bootstrap: str, group: str, topic: str):
    """A subscribed consumer that has joined the group and holds its partitions."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "session.timeout.ms": 45000})
    consumer.subscribe([topic])

    def assigned():
        consumer.poll(0.2)  # the assignment arrives in a poll once the group's rebalance is done
        return consumer.assignment()

    wait_until(assigned, 60, "the consumer got an assignment", interval=0)
    return consumer


def _commit(consumer, topic: str, offsets: dict[int, int]) -> None:
    from confluent_kafka import TopicPartition

    consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()], asynchronous=False)


def make_group(bootstrap: str, group: str, topic: str, offsets: dict[int, int]) -> None:
    """An Empty group that committed `offsets` ({partition: offset}) for topic."""
    consumer = joined_consumer(bootstrap, group, topic)
    try:
        _commit(consumer, topic, offsets)
    finally:
        consumer.close()


@contextmanager
def active_member(bootstrap: str, group: str, topic: str, offsets: dict[int, int] | None = None):
    consumer = joined_consumer(bootstrap, group, topic)
    try:
        if offsets:
            _commit(consumer, topic, offsets)
        yield consumer
    finally:
        consumer.close()


def committed(admin, group: str) -> dict[tuple[str, int], int]:
    """{(topic, partition): offset} the group committed, read with an AdminClient."""
    from confluent_kafka import ConsumerGroupTopicPartitions

    (future,) = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)], request_timeout=30).values()
    return {(tp.topic, tp.partition): tp.offset for tp in future.result(timeout=30).topic_partitions if tp.offset >= 0}
