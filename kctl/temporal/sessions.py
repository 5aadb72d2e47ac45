"""Workflow-side helpers shared by the workflows: stateful sessions pinned to one worker, the
retry policies, and the poll-and-commit loop. Deterministic code only (runs in the workflow sandbox)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutType
from temporalio.exceptions import TimeoutError as ActivityTimeout

with workflow.unsafe.imports_passed_through():
    from kctl.models.workflow import CommittedOffset, Connection, ReceivedRecord
    from kctl.temporal.inputs import CommitInput, HandleInput, PollInput

# Retriable kctl errors (unavailable, timed out) are retried with backoff; the rest are
# non-retryable ApplicationErrors (kctl.temporal.errors) and fail the workflow with kctl's message.
RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), backoff_coefficient=2.0,
                    maximum_interval=timedelta(seconds=5), maximum_attempts=5)
# A pinned activity is not retried by Temporal: its failure means "redo the sequence", decided here.
ONCE = RetryPolicy(maximum_attempts=1)
MAX_SEQUENCE_ATTEMPTS = 5
WORKER_PICKUP = timedelta(seconds=10)  # a pinned activity not started by then: its worker is gone
# A live worker starts a cleanup activity within milliseconds; after a failure its worker is often
# dead, and every cleanup call waited the full pickup time for nothing (a killed worker cost 20 s more).
CLEANUP_PICKUP = timedelta(seconds=3)


def connection_of(params) -> Connection:
    servers = params.bootstrap_servers
    if isinstance(servers, str):
        servers = (servers,)
    return Connection(tuple(servers) if servers else None, params.instance_id)


def worker_lost_or_unavailable(error: ActivityError) -> bool:
    """Worth redoing on another worker: a timeout (the worker died) or a retryable kctl error."""
    cause = error.cause
    if isinstance(cause, ActivityTimeout):
        return True
    return isinstance(cause, ApplicationError) and not cause.non_retryable


async def any_worker(name: str, arg, result_type, timeout_s: float = 30.0):
    return await workflow.execute_activity(name, args=[] if arg is None else [arg], result_type=result_type,
                                           retry_policy=RETRY, start_to_close_timeout=timedelta(seconds=timeout_s))


class Session:
    """One stateful client on one worker: a handle, and that worker's task queue."""

    def __init__(self, queue: str, handle: str):
        self.queue = queue
        self.handle = handle
        self.worker_gone = False  # an activity of this session was not picked up in time

    @classmethod
    async def open(cls, kind: str) -> "Session":
        queue = await any_worker("worker_task_queue_activity", None, str, 10.0)
        return cls(queue, f"{kind}-{workflow.info().workflow_id}-{workflow.uuid4().hex[:8]}")

    async def call(self, name: str, arg, result_type=None, timeout_s: float = 10.0, heartbeat_s: float | None = None,
                   pickup: timedelta = WORKER_PICKUP):
        try:
            return await workflow.execute_activity(
                name, arg, result_type=result_type, task_queue=self.queue, retry_policy=ONCE,
                schedule_to_start_timeout=pickup, start_to_close_timeout=timedelta(seconds=timeout_s),
                heartbeat_timeout=timedelta(seconds=heartbeat_s) if heartbeat_s else None)
        except ActivityError as error:
            if isinstance(error.cause, ActivityTimeout) and error.cause.type == TimeoutType.SCHEDULE_TO_START:
                self.worker_gone = True
            raise

    async def close_quietly(self, activity_name: str) -> None:
        """Release the client on its worker if that worker is still there; never fails. Once a call
        of the session was not picked up, its worker is taken as gone and no more cleanup is sent."""
        # patched: histories recorded before the skip existed replay with the cleanup activity they scheduled
        if self.worker_gone and workflow.patched("cleanup-skips-a-gone-worker"):
            return
        try:
            await self.call(activity_name, HandleInput(self.handle, 5.0), bool, timeout_s=10.0, pickup=CLEANUP_PICKUP)
        except ActivityError:
            pass


def next_offsets(records) -> tuple[CommittedOffset, ...]:
    """The offsets to commit after these records: last offset + 1 per partition."""
    last: dict[tuple[str, int], int] = {}
    for r in records:
        last[(r.topic, r.partition)] = max(r.offset + 1, last.get((r.topic, r.partition), 0))
    return tuple(CommittedOffset(t, p, o) for (t, p), o in sorted(last.items()))


async def consume_polls(group_id: str, topics: tuple[str, ...], connection: Connection, polls: int, timeout_ms: int,
                        max_records: int, offset_reset: str = "earliest", until=None):
    """Poll (committing after each non-empty poll) `polls` times or until until(records) is true.
    Returns (records, {(topic, partition): CommittedOffset}, attempts)."""
    records: list[ReceivedRecord] = []
    committed: dict[tuple[str, int], CommittedOffset] = {}
    attempt, done = 1, 0
    session = await Session.open("consumer")
    while done < polls and not (until and until(records)):
        try:
            batch = await session.call(
                "poll_messages_activity",
                PollInput(session.handle, group_id, topics, max_records, timeout_ms, offset_reset, connection),
                list[ReceivedRecord], timeout_s=timeout_ms / 1000.0 + 30.0, heartbeat_s=10.0)
            if batch:
                offsets = next_offsets(batch)
                await session.call("commit_offsets_activity", CommitInput(session.handle, offsets), list[CommittedOffset])
                records.extend(batch)
                committed.update({(o.topic, o.partition): o for o in offsets})
            done += 1
        except ActivityError as error:
            await session.close_quietly("close_consumer_activity")
            if not worker_lost_or_unavailable(error) or attempt >= MAX_SEQUENCE_ATTEMPTS:
                raise
            # Uncommitted records of that poll are read again from the group's committed offsets.
            attempt += 1
            session = await Session.open("consumer")
    await session.close_quietly("close_consumer_activity")
    return records, committed, attempt
