"""The end-to-end check as a workflow: the steps of `kctl e2e run` made of the spec's activities,
with the same pure checks (kctl.services.e2e) and the same report shape (kctl.models.E2EReport).

Steps: connect (list topics) -> create_topic -> produce (one send_batch: record i to partition
i % P, idempotent acks=all) -> consume (a group, committing after each poll) -> verify (none missing,
duplicated, reordered, corrupt) -> commit (committed == log end offset, read back with
describe_consumer_group) -> transactions (skipped: not part of this workflow) -> latency (CreateTime
to receipt) -> cleanup (delete_topic, then delete_consumer_group when the
consume step ran; always runs).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from kctl.models import (
        E2ELatency,
        E2EPartitionOffsets,
        E2EReport,
        E2ESettings,
        E2EStep,
        PartitionLatency,
    )
    from kctl.models.workflow import E2EParams, Message, ReceivedRecord, SentRecord
    from kctl.services.e2e import STEPS, latency_stats, payload, record_key, verify
    from kctl.temporal.errors import exit_code_of, message_of
    from kctl.temporal.inputs import GroupInput, SendBatchInput, TopicInput

from kctl.temporal.sessions import Session, any_worker, consume_polls

POLL_TIMEOUT_MS = 1000


@dataclass(frozen=True)
class _Delivery:
    partition: int
    offset: int
    error: str | None = None


@dataclass(frozen=True)
class _Received:
    """What verify() reads. recv_ms carries the latency (receipt minus CreateTime) because the
    payloads carry sent_ms=0: a workflow builds them before the activity sends them."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    recv_ms: float


class EndToEndRun:
    def __init__(self, params: E2EParams, connection):
        self.params = params
        self.connection = connection
        self.run_id = workflow.uuid4().hex[:12]
        self.topic = params.topic_name or f"kctl-e2e-{self.run_id}"
        self.group = f"{self.topic}-group"
        self.steps = {name: E2EStep(name, title, "pending") for name, title in STEPS}
        self.first_failure: int | None = None
        self.created = False
        self.consumed = False
        self.sent: dict[int, bytes] = {}
        self.deliveries: dict[int, _Delivery] = {}
        self.received: list[ReceivedRecord] = []
        self.counts: dict = {}
        self.offsets: tuple = ()
        self.latency = None

    def _now_ms(self) -> float:
        return workflow.now().timestamp() * 1000.0

    async def _step(self, name: str, action) -> bool:
        start = self._now_ms()
        if self.first_failure is not None:
            self.steps[name] = replace(self.steps[name], status="skipped", detail="an earlier step failed")
            return False
        try:
            detail = await action()
        except (ActivityError, _CheckFailed) as error:
            code = exit_code_of(error) if isinstance(error, ActivityError) else 8
            self.first_failure = self.first_failure or (code if code not in (0, 1) else 8)
            self.steps[name] = replace(self.steps[name], status="failed", duration_ms=self._now_ms() - start,
                                       error=message_of(error) if isinstance(error, ActivityError) else str(error))
            return False
        self.steps[name] = replace(self.steps[name], status="passed", duration_ms=self._now_ms() - start,
                                   detail=detail or "")
        return True

    async def execute(self) -> E2EReport:
        p = self.params
        started = workflow.now()
        await self._step("connect", self._connect)
        await self._step("create_topic", self._create)
        await self._step("produce", self._produce)
        await self._step("consume", self._consume)
        await self._step("verify", self._verify)
        await self._step("commit", self._commit)
        self.steps["transactions"] = replace(self.steps["transactions"], status="skipped",
                                             detail="not part of the end-to-end workflow")
        await self._step("latency", self._latency)
        await self._cleanup()
        steps = tuple(self.steps[name] for name, _ in STEPS)
        exit_code = self.first_failure or (8 if any(s.status == "failed" for s in steps) else 0)
        settings = E2ESettings(p.test_messages_count, p.num_partitions, p.replication_factor, 1, False, p.cleanup,
                               False, None, p.timeout_s)
        return E2EReport(
            ok=exit_code == 0, exit_code=exit_code, instance=p.instance_id,
            bootstrap=",".join(self.connection.bootstrap_servers or ()), topic=self.topic, group=self.group,
            run_id=self.run_id, started_at=started.isoformat(timespec="milliseconds"),
            duration_ms=round(self._now_ms() - started.timestamp() * 1000.0, 3), settings=settings, cluster=None,
            steps=steps, produced=len(self.deliveries), offsets=self.offsets, latency=self.latency, **self.counts)

    async def _connect(self) -> str:
        topics = await any_worker("list_topics_activity", TopicInput(connection=self.connection), list)
        return f"{len(topics)} topics"

    async def _create(self) -> str:
        p = self.params
        await any_worker("create_topic_activity",
                         TopicInput(self.topic, p.num_partitions, p.replication_factor, self.connection), dict)
        self.created = True
        return f"{self.topic} ({p.num_partitions} partitions)"

    async def _produce(self) -> str:
        p = self.params
        messages = []
        for seq in range(p.test_messages_count):
            partition = seq % p.num_partitions
            value = payload(self.run_id, seq, partition, 0.0)
            self.sent[seq] = value
            messages.append(Message(self.topic, value.decode(), record_key(self.run_id, seq).decode(), None, partition))
        session = await Session.open("e2e-producer")
        try:
            records = await session.call("send_batch_activity",
                                         SendBatchInput(session.handle, tuple(messages), self.connection),
                                         list[SentRecord], timeout_s=p.timeout_s + 30.0)
        finally:
            await session.close_quietly("close_producer_activity")
        self.deliveries = {seq: _Delivery(r.partition, r.offset) for seq, r in enumerate(records)}
        return f"{len(records)} records acknowledged"

    async def _consume(self) -> str:
        p = self.params
        polls = max(1, int(p.timeout_s * 1000 // POLL_TIMEOUT_MS))
        self.consumed = True  # from here the group may exist
        records, _, _ = await consume_polls(self.group, (self.topic,), self.connection, polls, POLL_TIMEOUT_MS, 500,
                                            until=lambda got: len(got) >= p.test_messages_count)
        self.received = records
        if len(records) < p.test_messages_count:
            raise _CheckFailed(f"{len(records)} of {p.test_messages_count} records arrived within {p.timeout_s:g}s")
        return f"{len(records)} records"

    async def _verify(self) -> str:
        received = [_Received(r.partition, r.offset, None if r.key is None else r.key.encode(),
                              None if r.value is None else r.value.encode(),
                              r.received_ms - (r.timestamp_ms or r.received_ms)) for r in self.received]
        result = verify(self.run_id, self.sent, self.deliveries, received, self.params.num_partitions)
        self.counts = {"consumed": result.consumed, "missing": result.missing, "duplicates": result.duplicates,
                       "out_of_order": result.out_of_order, "corrupt": result.corrupt}
        self._latencies = result.latencies or {}
        if result.problems:
            raise _CheckFailed("; ".join(result.problems[:3]))
        return "complete, unique, ordered, intact"

    async def _commit(self) -> str:
        described = await any_worker("describe_consumer_group_activity", GroupInput(self.group, self.connection), dict)
        rows = [o for g in described.get("groups", []) for o in g.get("offsets", []) if o.get("topic") == self.topic]
        self.offsets = tuple(E2EPartitionOffsets(o["partition"], o.get("committed_offset"), o.get("log_end_offset"))
                             for o in sorted(rows, key=lambda o: o["partition"]))
        behind = [o for o in self.offsets if o.committed is None or o.committed != o.end_offset]
        if len(self.offsets) != self.params.num_partitions or behind:
            raise _CheckFailed(f"committed offsets differ from the log end on {len(behind)} partitions")
        return f"committed == log end on {len(self.offsets)} partitions"

    async def _latency(self) -> str:
        values = [v for vs in self._latencies.values() for v in vs]
        if not values:
            raise _CheckFailed("no latency samples")
        overall = latency_stats(values)
        partitions = tuple(PartitionLatency(p, *(lambda s: (s.count, s.p50_ms, s.p95_ms, s.p99_ms, s.max_ms))(
            latency_stats(vs))) for p, vs in sorted(self._latencies.items()))
        self.latency = E2ELatency(overall, partitions)
        return f"p50 {overall.p50_ms:g} ms, p99 {overall.p99_ms:g} ms"

    async def _cleanup(self) -> None:
        start = self._now_ms()
        if not self.params.cleanup or not self.created:
            self.steps["cleanup"] = replace(self.steps["cleanup"], status="skipped",
                                            detail="--no-cleanup" if self.created else "nothing created")
            return
        deleted = self.topic
        try:
            await workflow.execute_activity("delete_topic_activity", TopicInput(self.topic, connection=self.connection),
                                            result_type=dict, start_to_close_timeout=timedelta(seconds=30))
            # patched: histories recorded before the group was deleted replay without that activity
            if self.consumed and workflow.patched("e2e-deletes-its-group"):
                await workflow.execute_activity("delete_consumer_group_activity",
                                                GroupInput(self.group, self.connection), result_type=dict,
                                                start_to_close_timeout=timedelta(seconds=30))
                deleted = f"{self.topic} and group {self.group}"
        except ActivityError as error:
            self.first_failure = self.first_failure or exit_code_of(error)
            self.steps["cleanup"] = replace(self.steps["cleanup"], status="failed", error=message_of(error),
                                            duration_ms=self._now_ms() - start)
            return
        self.steps["cleanup"] = replace(self.steps["cleanup"], status="passed", detail=f"deleted {deleted}",
                                        duration_ms=self._now_ms() - start)


class _CheckFailed(Exception):
    """A check of the run did not hold (exit 8)."""
