"""The K-member consumer group of the consume step: K ConsumerClients in one group, each polled
by its own thread, sharing what they received.

Partition start offsets are handed over in-process: a member that gets a partition starts where
the previous owner stopped (or at the start offsets), so a rebalance during the run does not
replay records; a duplicate seen by the check therefore really is one in the log.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

from kctl.client import ConsumerClient
from kctl.client.group_protocol import CLASSIC_ONLY, protocol_of
from kctl.client.records import ConsumerRecord
from kctl.deadline import Deadline

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


def consumer_conf(conf: dict, **forced) -> dict:
    """CONSUMER_DEFAULTS < the user's settings < what the check needs (forced, '.' spelled '_').
    With the consumer group protocol the broker owns sessions and heartbeats: the classic-only
    defaults are left out (a classic-only setting of the user's is refused by ConsumerClient)."""
    out = {**conf, **{name.replace("_", "."): value for name, value in forced.items()}}
    defaults = CONSUMER_DEFAULTS
    if protocol_of(out) == "consumer":
        defaults = {k: v for k, v in defaults.items() if k not in CLASSIC_ONLY}
    return {**defaults, **out}


@dataclass(frozen=True)
class Received:
    member: int
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    recv_ms: float  # wall clock, when poll handed the record over


class GroupMembers:
    """K members of `group` reading `topic` under read_committed, never committing on their own."""

    def __init__(self, conf: dict, topic: str, group: str, count: int, start_offsets: dict[int, int],
                 client_prefix: str, group_protocol: str | None = None, assignor: str | None = None):
        self.group_protocol, self.assignor = group_protocol, assignor
        self.conf, self.topic, self.group, self.count = conf, topic, group, count
        self.client_prefix = client_prefix
        self.clients: list = []
        self.received: list[Received] = []
        self.errors: list[str] = []
        # member -> the partitions it owns; None while it has none (not joined yet, or rebalancing)
        self.assignments: dict[int, tuple[int, ...] | None] = {}
        self._next = dict(start_offsets)  # partition -> next offset to read
        self._changed = threading.Condition(threading.Lock())
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def client_id(self, member: int) -> str:
        return f"{self.client_prefix}-c{member}"

    # -- joining and polling --

    def start(self) -> None:
        for member in range(self.count):
            client = ConsumerClient(consumer_conf(
                self.conf, group_id=self.group, client_id=self.client_id(member), enable_auto_commit=False,
                auto_offset_reset="earliest", isolation_level="read_committed", max_poll_interval_ms=300000,
                **({"group_protocol": self.group_protocol} if self.group_protocol else {})),
                assignor=self.assignor)
            self.clients.append(client)
            self.assignments[member] = None
            client.subscribe([self.topic], on_assign=self._on_assign(member), on_revoke=self._on_revoke(member),
                             on_lost=self._on_revoke(member))
        for member, client in enumerate(self.clients):
            thread = threading.Thread(target=self._poll, args=(member, client), name=f"kctl-e2e-c{member}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _on_assign(self, member: int):
        def on_assign(partitions) -> dict:
            with self._changed:
                owned = set(self.assignments.get(member) or ()) | {tp.partition for tp in partitions}
                self.assignments[member] = tuple(sorted(owned))
                self._changed.notify_all()
                return {(tp.topic, tp.partition): self._next[tp.partition] for tp in partitions
                        if tp.partition in self._next}
        return on_assign

    def _on_revoke(self, member: int):
        def on_revoke(partitions) -> None:
            with self._changed:
                owned = set(self.assignments.get(member) or ()) - {tp.partition for tp in partitions}
                self.assignments[member] = tuple(sorted(owned)) or None
                self._changed.notify_all()
        return on_revoke

    def _poll(self, member: int, client) -> None:
        while not self._stop.is_set():
            try:
                items = client.poll_items(500, 0.05)
            except Exception as exc:  # noqa: BLE001 - a closed or broken consumer ends its thread
                with self._changed:
                    self.errors.append(f"consumer {member}: {exc}")
                    self._changed.notify_all()
                return
            if not items:
                continue
            now = time.time() * 1000.0
            with self._changed:
                for item in items:
                    if not isinstance(item, ConsumerRecord):
                        if item.kind != "eof":
                            self.errors.append(item.message)
                        continue
                    self.received.append(Received(member, item.partition, item.offset, item.key, item.value, now))
                    if item.offset + 1 > self._next.get(item.partition, 0):
                        self._next[item.partition] = item.offset + 1
                self._changed.notify_all()

    # -- waiting on what the members saw --

    def wait_for(self, predicate: Callable[[], bool], deadline: Deadline) -> bool:
        """Wait until predicate() (called under the lock) holds; False at the deadline."""
        with self._changed:
            while not predicate():
                if deadline.expired:
                    return False
                self._changed.wait(min(deadline.remaining(), 0.1))
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
        with self._changed:
            return list(self.received), dict(self.assignments), list(self.errors)

    # -- committing and leaving --

    def stop_polling(self, timeout: float = 2.0) -> None:
        self._stop.set()
        deadline = Deadline.after(timeout)
        for thread in self._threads:
            thread.join(deadline.remaining())

    def commit(self, deadline: Deadline) -> None:
        """Each member commits the next offsets of the partitions it owns (synchronously, bounded)."""
        with self._changed:
            nexts, owners = dict(self._next), dict(self.assignments)
        for member, client in enumerate(self.clients):
            offsets = {(self.topic, p): nexts[p] for p in owners.get(member) or () if p in nexts}
            if offsets:
                client.commit(offsets, timeout=deadline)

    def close(self, deadline: Deadline) -> list[str]:
        """Leave the group (every member at once, each bounded by the deadline); problems as text."""
        self.stop_polling(min(deadline.remaining(), 1.0))
        left: dict[int, bool] = {}
        threads = []
        for member, client in enumerate(self.clients):
            thread = threading.Thread(target=lambda m=member, c=client: left.__setitem__(m, c.close(deadline)),
                                      name=f"kctl-e2e-close{member}", daemon=True)
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(deadline.remaining() + 0.5)
        self.clients = []
        return [f"consumer {member} did not leave the group in time" for member in range(len(threads))
                if not left.get(member)]
