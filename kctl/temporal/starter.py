"""`kctl workflow run|start|result`: start the workflows, wait for them, read their results."""

from __future__ import annotations

import asyncio
import uuid

from kctl.errors import BrokerUnavailable, KctlError, NotFoundError, error_for_exit_code
from kctl.models import E2EReport
from kctl.models.workflow import ConsumerResult, ProducerResult, TopicResult
from kctl.temporal import TASK_QUEUE
from kctl.temporal.errors import exit_code_of, message_of

KINDS = ("e2e", "produce", "consume", "topic")


def _workflow_and_result(kind: str):
    from kctl.temporal.workflows import BY_NAME  # heavy: temporalio (via kctl.temporal.workflows)

    results = {"e2e": E2EReport, "produce": ProducerResult, "consume": ConsumerResult, "topic": TopicResult}
    return BY_NAME[kind], results[kind]


async def start(client, kind: str, params, workflow_id: str | None = None, task_queue: str = TASK_QUEUE):
    workflow, _ = _workflow_and_result(kind)
    workflow_id = workflow_id or f"kctl-{kind}-{uuid.uuid4().hex[:12]}"
    return await client.start_workflow(workflow.run, params, id=workflow_id, task_queue=task_queue)


async def picked_up(client, workflow_id: str, task_queue: str, address: str, timeout_s: float) -> None:
    """Wait (at most timeout_s) until a worker started the workflow's first task. A workflow nobody
    picks up is terminated, so that a worker started later does not run a change the command
    already reported as failed, and is BrokerUnavailable (exit 6)."""
    from temporalio.api.enums.v1 import EventType  # heavy: temporalio
    from temporalio.service import RPCError  # heavy: temporalio

    handle = client.get_workflow_handle(workflow_id)

    async def first_task() -> None:
        async for event in handle.fetch_history_events(wait_new_event=True):
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                return

    try:
        await asyncio.wait_for(first_task(), timeout_s)
    except asyncio.TimeoutError:
        try:
            await handle.terminate(reason=f"no worker picked it up within {timeout_s:g}s")
        except RPCError:
            pass  # it ended meanwhile
        raise BrokerUnavailable(f"no worker polls task queue {task_queue} at {address} within {timeout_s:g}s "
                                f"(workflow {workflow_id} terminated)",
                                hint="start one with `kctl worker run`, or wait longer with --timeout") from None


async def result(client, workflow_id: str, kind: str | None = None):
    """Wait for a workflow and return its result (typed when its kind is known)."""
    from temporalio.client import WorkflowFailureError  # heavy: temporalio
    from temporalio.service import RPCError  # heavy: temporalio

    try:
        if kind is None:
            description = await client.get_workflow_handle(workflow_id).describe()
            kind = _kind_of(description.workflow_type)
        result_type = _workflow_and_result(kind)[1] if kind else None
        return await client.get_workflow_handle(workflow_id, result_type=result_type).result()
    except RPCError as exc:
        if "not found" in str(exc).lower():
            raise NotFoundError(f"no workflow {workflow_id!r}", hint="list them in the Temporal UI or with `temporal workflow list`") from None
        raise KctlError(f"Temporal: {exc}") from None
    except WorkflowFailureError as exc:
        raise workflow_error(workflow_id, exc) from None


def _kind_of(workflow_type: str) -> str | None:
    from kctl.temporal.workflows import BY_NAME  # heavy: temporalio (via kctl.temporal.workflows)

    for kind, cls in BY_NAME.items():
        if getattr(cls, "__temporal_workflow_definition").name == workflow_type:
            return kind
    return None


def workflow_error(workflow_id: str, failure: BaseException) -> KctlError:
    """A failed workflow as the kctl error its activity failed with (same message and exit code)."""
    return error_for_exit_code(exit_code_of(failure), f"workflow {workflow_id} failed: {message_of(failure)}")
