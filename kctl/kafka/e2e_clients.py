"""The Kafka side of `kctl e2e run`: small, bounded wrappers over confluent-kafka.

Every call here takes a timeout (seconds) or a deadline (time.monotonic()) and returns within it;
calls that librdkafka cannot bound itself (synchronous commit, consumer close) run in a daemon
thread that is abandoned when its time is up. Errors come out as KctlError subclasses.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from kctl import log
from kctl.errors import BrokerUnavailable, CheckFailed, KctlError
from kctl.kafka.clients import admin_client, cluster_metadata, kafka_error_of, to_kctl_error
from kctl.models import BrokerInfo, ClusterInfo

# Settings that make a short-lived group join, fetch and leave quickly. User settings (-X, context)
# win over these, except the ones kctl needs for the check itself (group.id, offsets, isolation).
CONSUMER_DEFAULTS = {
    "session.timeout.ms": 6000,  # the broker's group.min.session.timeout.ms default
    "heartbeat.interval.ms": 100,  # an existing member learns of a rebalance on its next heartbeat
    "fetch.wait.max.ms": 10,
    "fetch.queue.backoff.ms": 5,
    "fetch.error.backoff.ms": 50,
    "reconnect.backoff.ms": 50,
    "reconnect.backoff.max.ms": 500,
    "topic.metadata.refresh.interval.ms": 1000,
    "allow.auto.create.topics": False,
}
PRODUCER_DEFAULTS = {
    "linger.ms": 1,
    "reconnect.backoff.ms": 50,
    "reconnect.backoff.max.ms": 500,
}


def remaining(deadline: float, floor: float = 0.05) -> float:
    return max(floor, deadline - time.monotonic())


def _conf(base: dict, defaults: dict, forced: dict) -> dict:
    conf = {**defaults, **base, **forced}
    conf.setdefault("logger", log.librdkafka_logger())
    return conf


def bounded(fn: Callable, timeout: float, what: str):
    """Run fn() in a daemon thread and wait at most timeout seconds for it."""
    box: dict = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"kctl-e2e-{what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise BrokerUnavailable(f"{what} did not finish within {timeout:.1f}s")
    if "error" in box:
        raise to_kctl_error(box["error"], what)
    return box.get("result")


# --- metadata and administration ---------------------------------------------------------------


def probe(conf: dict, timeout: float) -> ClusterInfo:
    """Cluster metadata (brokers, controller); BrokerUnavailable when nothing answers in time."""
    with admin_client(_conf(conf, {}, {})) as admin:
        metadata = cluster_metadata(admin, conf, timeout)
        controller = getattr(metadata, "controller_id", None)
        if controller is not None and controller < 0:
            controller = None
        brokers = tuple(
            BrokerInfo(id=b.id, host=b.host, port=b.port, is_controller=b.id == controller)
            for b in sorted(metadata.brokers.values(), key=lambda b: b.id)
        )
        return ClusterInfo(cluster_id=metadata.cluster_id, controller_id=controller, brokers=brokers,
                           topic_count=len(metadata.topics))


def answers(conf: dict, timeout: float) -> bool:
    try:
        probe(conf, timeout)
        return True
    except KctlError:
        return False


class _Ignored(Exception):
    """A KafkaError the caller listed as acceptable (its code name is args[0])."""


def _result(future, timeout: float, what: str, accept: tuple[str, ...] = ()):
    """future.result() with a timeout that becomes BrokerUnavailable; listed codes raise _Ignored."""
    from concurrent.futures import TimeoutError as FutureTimeout

    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        raise BrokerUnavailable(f"{what} timed out after {timeout:.1f}s") from None
    except Exception as exc:  # noqa: BLE001 - classified here
        error = kafka_error_of(exc)
        if error is not None and error.name() in accept:
            raise _Ignored(error.name()) from None
        raise to_kctl_error(exc, what) from None


class Admin:
    """One AdminClient for the whole run; every method bounded by its timeout or deadline."""

    def __init__(self, conf: dict):
        from confluent_kafka.admin import AdminClient

        from kctl.kafka.clients import _config_error

        self.conf = conf
        try:
            self.client = AdminClient(_conf(conf, {}, {}))
        except Exception as exc:  # noqa: BLE001 - bad -X settings
            raise _config_error(exc) from None

    def partitions_of(self, topic: str, timeout: float) -> int | None:
        """Partition count of an existing topic, None when it does not exist."""
        metadata = cluster_metadata(self.client, self.conf, timeout, topic=topic)
        entry = metadata.topics.get(topic)
        if entry is None or entry.error is not None:
            return None
        return len(entry.partitions)

    def create_topic(self, topic: str, partitions: int, replication: int | None, deadline: float) -> None:
        from confluent_kafka.admin import NewTopic

        wait = remaining(deadline)
        futures = self.client.create_topics(
            [NewTopic(topic, partitions, replication if replication else -1)],
            operation_timeout=wait, request_timeout=wait,
        )
        try:
            _result(futures[topic], wait, f"create topic {topic}", accept=("TOPIC_ALREADY_EXISTS",))
        except _Ignored:
            raise CheckFailed(f"topic {topic} already exists (pass --reuse to use it)") from None
        self.wait_for_leaders(topic, partitions, deadline)

    def wait_for_leaders(self, topic: str, partitions: int, deadline: float) -> None:
        """Wait on metadata until every partition has a leader (clients would otherwise retry)."""
        while True:
            metadata = cluster_metadata(self.client, self.conf, remaining(deadline), topic=topic)
            entry = metadata.topics.get(topic)
            if entry is not None and entry.error is None and len(entry.partitions) == partitions and all(
                p.leader >= 0 for p in entry.partitions.values()
            ):
                return
            if time.monotonic() >= deadline:
                raise BrokerUnavailable(f"partitions of {topic} have no leader yet")
            time.sleep(0.02)

    def _describe(self, group: str, timeout: float):
        future = self.client.describe_consumer_groups([group], request_timeout=timeout)[group]
        return _result(future, timeout, f"describe group {group}", accept=("GROUP_ID_NOT_FOUND",))

    def group_exists(self, group: str, timeout: float) -> bool:
        try:
            description = self._describe(group, timeout)
        except _Ignored:
            return False
        return _state(description) not in ("DEAD", "UNKNOWN")

    def describe_group(self, group: str, topic: str, timeout: float) -> tuple[str, list[tuple[str, str, tuple[int, ...]]]]:
        """(state, [(member_id, client_id, partitions of topic)]) as the group coordinator sees it."""
        try:
            description = self._describe(group, timeout)
        except _Ignored:
            return "DEAD", []
        members = []
        for member in description.members:
            tps = member.assignment.topic_partitions if member.assignment else []
            members.append((member.member_id, member.client_id,
                            tuple(sorted(tp.partition for tp in tps if tp.topic == topic))))
        return _state(description), members

    def committed_offsets(self, group: str, topic: str, partitions: int, timeout: float) -> dict[int, int | None]:
        from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

        request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in range(partitions)])
        future = self.client.list_consumer_group_offsets([request], request_timeout=timeout)[group]
        result = _result(future, timeout, f"read committed offsets of {group}")
        return {tp.partition: (tp.offset if tp.offset >= 0 else None) for tp in result.topic_partitions}

    def end_offsets(self, topic: str, partitions, timeout: float) -> dict[int, int]:
        """Log end offsets (high watermarks) of the given partitions (a count means all)."""
        from confluent_kafka import TopicPartition
        from confluent_kafka.admin import OffsetSpec

        numbers = range(partitions) if isinstance(partitions, int) else partitions
        request = {TopicPartition(topic, p): OffsetSpec.latest() for p in numbers}
        futures = self.client.list_offsets(request, request_timeout=timeout)
        return {tp.partition: _result(f, timeout, f"list offsets of {topic}").offset for tp, f in futures.items()}

    def delete_group(self, group: str, deadline: float) -> bool:
        """True when deleted, False when there was no such group. Retries while the members'
        LeaveGroup requests are still being processed (NON_EMPTY_GROUP)."""
        while True:
            wait = remaining(deadline)
            future = self.client.delete_consumer_groups([group], request_timeout=wait)[group]
            try:
                _result(future, wait, f"delete group {group}",
                        accept=("GROUP_ID_NOT_FOUND", "NON_EMPTY_GROUP", "COORDINATOR_LOAD_IN_PROGRESS"))
                return True
            except _Ignored as ignored:
                if ignored.args[0] == "GROUP_ID_NOT_FOUND":
                    return False
                if time.monotonic() >= deadline:
                    raise BrokerUnavailable(f"group {group} still has members ({ignored.args[0]})") from None
                time.sleep(0.05)

    def delete_topic(self, topic: str, deadline: float) -> None:
        """Delete and wait until the metadata no longer lists the topic (so a rerun can recreate it)."""
        wait = remaining(deadline)
        future = self.client.delete_topics([topic], operation_timeout=wait, request_timeout=wait)[topic]
        try:
            _result(future, wait, f"delete topic {topic}", accept=("UNKNOWN_TOPIC_OR_PART", "_UNKNOWN_TOPIC"))
        except _Ignored:
            pass
        while True:
            metadata = cluster_metadata(self.client, self.conf, remaining(deadline), topic=topic)
            entry = metadata.topics.get(topic)
            if entry is None or entry.error is not None:
                return
            if time.monotonic() >= deadline:
                raise BrokerUnavailable(f"topic {topic} still listed after deletion")
            time.sleep(0.02)


def _state(description) -> str:
    return str(getattr(description.state, "name", description.state)).upper()


# --- producing -----------------------------------------------------------------------------


@dataclass
class Delivery:
    partition: int
    offset: int
    error: str | None = None
    error_code: str | None = None


class IdempotentProducer:
    """An idempotent acks=all producer created early, so that getting its producer id overlaps the
    topic creation and group join. librdkafka sometimes retries the producer-id request only after
    500 ms; ready() waits for it (seen in the client statistics), so the records are not held back
    by it and the latency figures measure the data path."""

    def __init__(self, conf: dict, deadline: float):
        from confluent_kafka import KafkaException, Producer

        self.state = None
        settings = _conf(conf, PRODUCER_DEFAULTS, {
            "enable.idempotence": True,
            "acks": "all",
            "message.timeout.ms": max(1, int(remaining(deadline) * 1000)),
            "statistics.interval.ms": 20,
            "stats_cb": self._on_stats,
        })
        try:
            self.producer = Producer(settings)
        except (KafkaException, ValueError, TypeError) as exc:
            from kctl.kafka.clients import _config_error

            raise _config_error(exc) from None

    def _on_stats(self, text: str) -> None:
        if self.state != "Assigned":
            import json

            self.state = json.loads(text).get("eos", {}).get("idemp_state")

    def ready(self, topic: str, deadline: float) -> bool:
        """Topic metadata known and producer id assigned (False when the deadline came first)."""
        from confluent_kafka import KafkaException

        try:
            self.producer.list_topics(topic, timeout=remaining(deadline))
        except KafkaException as exc:
            raise to_kctl_error(exc, "producer metadata") from None
        while self.state != "Assigned":
            if time.monotonic() >= deadline:
                return False
            self.producer.poll(0.01)
        return True

    def discard(self) -> None:
        """Drop anything still queued so that destroying the client does not wait for it."""
        self.producer.purge(in_queue=True, in_flight=True)
        self.producer.flush(0)


def produce(client: IdempotentProducer, topic: str, count: int, partition_of: Callable[[int], int],
            key_of: Callable[[int], bytes], value_of: Callable[[int, float], bytes], deadline: float) -> dict[int, Delivery]:
    """Produce records 0..count-1; value_of(seq, sent_ms) builds the payload at send time.
    Returns {seq: Delivery}; records not acknowledged by the deadline are absent (and purged)."""
    producer = client.producer
    deliveries: dict[int, Delivery] = {}

    def report(seq):
        def on_delivery(err, msg):
            if err is not None:
                deliveries[seq] = Delivery(msg.partition(), -1, err.str(), err.name())
            else:
                deliveries[seq] = Delivery(msg.partition(), msg.offset())
        return on_delivery

    for seq in range(count):
        # The run's deadline bounds sending too (not only a full queue): records not sent by
        # then are absent from the result, and the step reports them as not acknowledged.
        if time.monotonic() >= deadline:
            break
        while True:
            try:
                producer.produce(topic, key=key_of(seq), value=value_of(seq, time.time() * 1000.0),
                                 partition=partition_of(seq), on_delivery=report(seq))
                break
            except BufferError:
                producer.poll(0.01)
                if time.monotonic() >= deadline:
                    break
        producer.poll(0)
    if producer.flush(remaining(deadline, 0.0)):
        client.discard()
    return deliveries


# --- the consumer group ----------------------------------------------------------------------


@dataclass
class Received:
    member: int
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    recv_ms: float  # wall clock, when poll handed the record over


@dataclass
class GroupConsumers:
    """K consumers in one group, each polled by its own thread, sharing what they received.

    Partition start offsets are handed over in-process: a member that gets a partition starts
    where the previous owner stopped (or at start_offsets), so a rebalance during the run does
    not replay records; a duplicate seen by the check therefore really is one in the log.
    """

    conf: dict
    topic: str
    group: str
    count: int
    start_offsets: dict[int, int]
    client_prefix: str
    received: list[Received] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    consumers: list = field(default_factory=list)
    assignments: dict[int, tuple[int, ...] | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _changed: threading.Condition = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list = field(default_factory=list)
    _next: dict[int, int] = field(default_factory=dict)

    def __post_init__(self):
        self._changed = threading.Condition(self._lock)
        self._next = dict(self.start_offsets)

    def client_id(self, member: int) -> str:
        return f"{self.client_prefix}-c{member}"

    def start(self) -> None:
        from confluent_kafka import Consumer, KafkaException

        for member in range(self.count):
            settings = _conf(self.conf, CONSUMER_DEFAULTS, {
                "group.id": self.group,
                "client.id": self.client_id(member),
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "isolation.level": "read_committed",
                "max.poll.interval.ms": 300000,
                "error_cb": self._on_error,
            })
            try:
                consumer = Consumer(settings)
            except (KafkaException, ValueError, TypeError) as exc:
                from kctl.kafka.clients import _config_error

                raise _config_error(exc) from None
            self.consumers.append(consumer)
            self.assignments[member] = None
            consumer.subscribe([self.topic], on_assign=self._on_assign(member), on_revoke=self._on_revoke(member))
        for member, consumer in enumerate(self.consumers):
            thread = threading.Thread(target=self._poll, args=(member, consumer), name=f"kctl-e2e-c{member}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _on_error(self, err) -> None:
        with self._lock:
            self.errors.append(err.str())

    def _on_assign(self, member: int):
        def on_assign(consumer, partitions):
            with self._changed:
                for tp in partitions:
                    tp.offset = self._next.get(tp.partition, tp.offset)
                self.assignments[member] = tuple(sorted(tp.partition for tp in partitions))
                self._changed.notify_all()
            consumer.assign(partitions)
        return on_assign

    def _on_revoke(self, member: int):
        def on_revoke(consumer, partitions):
            with self._changed:
                self.assignments[member] = None
                self._changed.notify_all()
        return on_revoke

    def _poll(self, member: int, consumer) -> None:
        while not self._stop.is_set():
            try:
                messages = consumer.consume(num_messages=500, timeout=0.05)
            except Exception as exc:  # noqa: BLE001 - a closed or broken consumer ends its thread
                with self._changed:
                    self.errors.append(f"consumer {member}: {exc}")
                    self._changed.notify_all()
                return
            if not messages:
                continue
            now = time.time() * 1000.0
            with self._changed:
                for msg in messages:
                    if msg.error():
                        self.errors.append(msg.error().str())
                        continue
                    self.received.append(Received(member, msg.partition(), msg.offset(), msg.key(), msg.value(), now))
                    if msg.offset() + 1 > self._next.get(msg.partition(), 0):
                        self._next[msg.partition()] = msg.offset() + 1
                self._changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool], deadline: float) -> bool:
        """Wait until predicate() (called under the lock) holds; False at the deadline."""
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.1))
            return True

    def balanced(self, partitions: int) -> bool:
        """Every member has an assignment and each partition belongs to exactly one of them."""
        if any(a is None for a in self.assignments.values()):
            return False
        owned = [p for a in self.assignments.values() for p in a]
        return sorted(owned) == list(range(partitions))

    def reached(self, ends: dict[int, int]) -> bool:
        """Every partition consumed up to its end offset (call under the lock, e.g. in wait_for)."""
        return all(self._next.get(p, 0) >= end for p, end in ends.items())

    def snapshot(self) -> tuple[list[Received], dict[int, tuple[int, ...] | None], list[str]]:
        """(records received in arrival order, assignment per member, client errors)."""
        with self._lock:
            return list(self.received), dict(self.assignments), list(self.errors)

    def stop_polling(self, timeout: float = 2.0) -> None:
        self._stop.set()
        end = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, end - time.monotonic()))

    def next_offsets(self) -> dict[int, int]:
        with self._lock:
            return dict(self._next)

    def commit(self, deadline: float) -> None:
        """Each member commits the next offset of the partitions it owns (synchronously, bounded)."""
        from confluent_kafka import TopicPartition

        nexts = self.next_offsets()
        for member, consumer in enumerate(self.consumers):
            owned = self.assignments.get(member) or ()
            offsets = [TopicPartition(self.topic, p, nexts[p]) for p in owned if p in nexts]
            if not offsets:
                continue
            bounded(lambda c=consumer, o=offsets: c.commit(offsets=o, asynchronous=False),
                    remaining(deadline), f"commit by member {member}")

    def close(self, timeout: float) -> list[str]:
        """Leave the group (close every consumer, in parallel, bounded); problems as text."""
        end = time.monotonic() + timeout
        self.stop_polling(min(timeout, 1.0))
        problems = []
        threads = []
        for member, consumer in enumerate(self.consumers):
            thread = threading.Thread(target=consumer.close, name=f"kctl-e2e-close{member}", daemon=True)
            thread.start()
            threads.append((member, thread))
        for member, thread in threads:
            thread.join(max(0.0, end - time.monotonic()))
            if thread.is_alive():
                problems.append(f"consumer {member} did not leave the group within {timeout:.1f}s")
        self.consumers = []
        return problems


# --- transactions --------------------------------------------------------------------------


def transaction_check(conf: dict, topic: str, partition: int, start: int, transactional_id: str, group: str,
                      prefix: bytes, deadline: float) -> tuple[int, int, int, int, int]:
    """Commit one transaction, abort one, then commit a sentinel; read the partition back.

    start: the partition's end offset before the check. Returns (committed_sent, committed_visible, aborted_sent, aborted_visible_read_committed,
    aborted_in_log_read_uncommitted).
    """
    from confluent_kafka import KafkaException, Producer

    settings = _conf(conf, PRODUCER_DEFAULTS, {
        "transactional.id": transactional_id,
        "enable.idempotence": True,
        "acks": "all",
        "transaction.timeout.ms": 60000,
        "message.timeout.ms": max(1, int(remaining(deadline) * 1000)),
    })
    committed = [prefix + b":commit:%d" % i for i in range(3)]
    aborted = [prefix + b":abort:%d" % i for i in range(3)]
    sentinel = prefix + b":sentinel"
    try:
        producer = Producer(settings)
        producer.init_transactions(remaining(deadline))
        producer.begin_transaction()
        for value in committed:
            producer.produce(topic, value=value, partition=partition)
        producer.commit_transaction(remaining(deadline))
        producer.begin_transaction()
        for value in aborted:
            producer.produce(topic, value=value, partition=partition)
        # Flush first so the aborted records are really in the log, behind an abort marker.
        if producer.flush(remaining(deadline)):
            raise BrokerUnavailable("aborted-transaction records were not delivered in time")
        producer.abort_transaction(remaining(deadline))
        producer.begin_transaction()
        producer.produce(topic, value=sentinel, partition=partition)
        producer.commit_transaction(remaining(deadline))
    except KafkaException as exc:
        raise to_kctl_error(exc, "transaction") from None
    seen_committed = _read_until(conf, topic, partition, start, sentinel, "read_committed", group, deadline)
    seen_uncommitted = _read_until(conf, topic, partition, start, sentinel, "read_uncommitted", group, deadline)
    return (
        len(committed),
        sum(1 for v in seen_committed if v in committed),
        len(aborted),
        sum(1 for v in seen_committed if v in aborted),
        sum(1 for v in seen_uncommitted if v in aborted),
    )


def _assign_consumer(conf: dict, group: str, isolation: str):
    from confluent_kafka import Consumer

    # group.id is required by the client; assign mode without commits creates no group on the broker.
    return Consumer(_conf(conf, CONSUMER_DEFAULTS, {
        "group.id": group, "enable.auto.commit": False, "isolation.level": isolation,
        "enable.partition.eof": False,
    }))


def _read_until(conf: dict, topic: str, partition: int, start: int, sentinel: bytes, isolation: str,
                group: str, deadline: float) -> list[bytes]:
    from confluent_kafka import TopicPartition

    consumer = _assign_consumer(conf, group, isolation)
    values: list[bytes] = []
    try:
        consumer.assign([TopicPartition(topic, partition, start)])
        while time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=100, timeout=0.05):
                if msg.error():
                    continue
                if msg.value() == sentinel:
                    return values
                values.append(msg.value())
        raise CheckFailed(f"the committed sentinel record was not read back ({isolation}) in time")
    finally:
        bounded(consumer.close, remaining(deadline, 1.0), "close")
