"""`kctl worker run`: the Kafka messaging worker.

One process, two Temporal workers sharing one client: one polls the shared task queue
(`kafka-messaging-queue`: the four workflows and every activity), the other this process's own
queue (`<task queue>-<host>-<pid>-<random>`: the activities of the stateful clients it holds, which
workflows pin to it). SIGTERM/Ctrl-C drain: polling stops, in-flight activities get
`grace` seconds to finish and are then cancelled, clients are closed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from kctl import log
from kctl.errors import BrokerUnavailable, ConfigError
from kctl.temporal import NAMESPACE, TASK_QUEUE


@dataclass(frozen=True)
class WorkerOptions:
    address: str
    namespace: str = NAMESPACE
    task_queue: str = TASK_QUEUE
    max_concurrent_activities: int = 20
    grace_s: float = 10.0
    connect_timeout_s: float = 10.0
    debug: bool = False  # temporalio's traceback of an activity that failed with a kctl error


def worker_queue_name(task_queue: str) -> str:
    return f"{task_queue}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


async def connect(address: str, namespace: str, timeout_s: float = 10.0):
    """A Temporal client; BrokerUnavailable (exit 6) when the server does not answer in time."""
    from temporalio.client import Client  # heavy: temporalio

    try:
        return await asyncio.wait_for(Client.connect(address, namespace=namespace), timeout_s)
    except ValueError as exc:  # temporalio refuses the target before connecting (a malformed address)
        raise ConfigError(f"invalid Temporal address {address!r} ({str(exc).splitlines()[0][:120]})") from None
    except (asyncio.TimeoutError, RuntimeError, OSError) as exc:
        text = str(exc)
        reason = ("connection refused" if "refused" in text.lower() else "no answer within "
                  f"{timeout_s:g}s" if isinstance(exc, asyncio.TimeoutError) else text.splitlines()[0][:120])
        raise BrokerUnavailable(f"cannot reach Temporal at {address} ({reason})",
                                hint="is it running? `kctl local up --temporal` starts one") from None


class _KctlFailures(logging.Filter):
    """temporalio logs every failed activity with its traceback. An activity that failed with a kctl
    error (an ApplicationError carrying its exit code) was already logged as one activity_failed
    line: an expected outcome (a missing topic), not a bug."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        details = getattr(error, "details", None)
        return not (details and isinstance(details[0], dict) and "exit_code" in details[0])


async def run_worker(kafka_conf: dict, options: WorkerOptions, stop: asyncio.Event, on_ready=None) -> None:
    """Run until `stop` is set, then drain; on_ready() once both workers poll."""
    from temporalio.worker import Worker  # heavy: temporalio

    from kctl.temporal.activities import KafkaActivities  # heavy: temporalio (via kctl.temporal.activities)
    from kctl.temporal.workflows import WORKFLOWS  # heavy: temporalio (via kctl.temporal.workflows)

    client = await connect(options.address, options.namespace, options.connect_timeout_s)
    own_queue = worker_queue_name(options.task_queue)
    activities = KafkaActivities(kafka_conf, own_queue)
    executor = ThreadPoolExecutor(max_workers=max(2, options.max_concurrent_activities),
                                  thread_name_prefix="kctl-activity")
    common = dict(activities=activities.all(), activity_executor=executor,
                  max_concurrent_activities=options.max_concurrent_activities,
                  graceful_shutdown_timeout=timedelta(seconds=options.grace_s))
    shared = Worker(client, task_queue=options.task_queue, workflows=list(WORKFLOWS), **common)
    pinned = Worker(client, task_queue=own_queue, **common)
    log.event("worker_started", task_queue=options.task_queue, worker_queue=own_queue, address=options.address,
              namespace=options.namespace)
    quiet = _KctlFailures()
    activity_log = logging.getLogger("temporalio.activity")
    if not options.debug:
        activity_log.addFilter(quiet)
    try:
        async with shared, pinned:
            log.event("worker_polling", task_queue=options.task_queue, worker_queue=own_queue)
            if on_ready is not None:
                on_ready()
            await stop.wait()
            log.event("worker_draining", grace_s=options.grace_s)
    finally:
        activity_log.removeFilter(quiet)
        activities.handles.close_all()
        executor.shutdown(wait=False, cancel_futures=True)
        log.event("worker_stopped", task_queue=options.task_queue)
