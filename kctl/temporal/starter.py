"""`kctl workflow run|start|result`: start the workflows, wait for them, read their results."""

from __future__ import annotations

import dataclasses
import uuid

from kctl.errors import KctlError, NotFoundError, UsageError
from kctl.temporal import TASK_QUEUE

KINDS = ("e2e", "produce", "consume", "topic")


def params_from(kind: str, document: dict):
    """The workflow's parameter dataclass from a JSON object (the spec's dictionaries); unknown
    keys are a usage error, not silently dropped."""
    from temporalio.converter import value_to_type

    from kctl.models.workflow import ConsumerParams, E2EParams, ProducerParams, TopicParams

    cls = {"e2e": E2EParams, "produce": ProducerParams, "consume": ConsumerParams, "topic": TopicParams}[kind]
    if not isinstance(document, dict):
        raise UsageError(f"{kind} workflow parameters must be a JSON object")
    unknown = sorted(set(document) - {f.name for f in dataclasses.fields(cls)})
    if unknown:
        raise UsageError(f"unknown {kind} workflow parameter(s): {', '.join(unknown)}",
                         hint=f"known: {', '.join(f.name for f in dataclasses.fields(cls))}")
    try:
        return value_to_type(cls, document, [])
    except (TypeError, ValueError, KeyError) as exc:
        raise UsageError(f"bad {kind} workflow parameters: {exc}") from None


def _workflow_and_result(kind: str):
    from kctl.models import E2EReport
    from kctl.models.workflow import ConsumerResult, ProducerResult, TopicResult
    from kctl.temporal.workflows import BY_NAME

    results = {"e2e": E2EReport, "produce": ProducerResult, "consume": ConsumerResult, "topic": TopicResult}
    return BY_NAME[kind], results[kind]


async def start(client, kind: str, params, workflow_id: str | None = None, task_queue: str = TASK_QUEUE):
    workflow, _ = _workflow_and_result(kind)
    workflow_id = workflow_id or f"kctl-{kind}-{uuid.uuid4().hex[:12]}"
    return await client.start_workflow(workflow.run, params, id=workflow_id, task_queue=task_queue)


async def result(client, workflow_id: str, kind: str | None = None):
    """Wait for a workflow and return its result (typed when its kind is known)."""
    from temporalio.client import WorkflowFailureError
    from temporalio.service import RPCError

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
    from kctl.temporal.workflows import BY_NAME

    for kind, cls in BY_NAME.items():
        if getattr(cls, "__temporal_workflow_definition").name == workflow_type:
            return kind
    return None


def workflow_error(workflow_id: str, failure: BaseException) -> KctlError:
    """A failed workflow as the kctl error its activity failed with (same message and exit code)."""
    from kctl.errors import error_for_exit_code
    from kctl.temporal.errors import exit_code_of, message_of

    return error_for_exit_code(exit_code_of(failure), f"workflow {workflow_id} failed: {message_of(failure)}")
