"""`kctl workflow`: start kctl's Kafka workflows on Temporal and read their results."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Optional

import typer

from kctl.cli.confirm import approved, where
from kctl.cli.context import app_context, no_empty_names
from kctl.models import ItemResult, OperationResult
from kctl.render import render

app = typer.Typer(help="Start the Kafka workflows on Temporal (a `kctl worker` runs them).", no_args_is_help=True)


class Kind(str, Enum):
    e2e = "e2e"
    produce = "produce"
    consume = "consume"
    topic = "topic"


_TEMPORAL = typer.Option(None, "--temporal", help="Temporal frontend HOST:PORT (default: the instance's).",
                         callback=no_empty_names)
_NAMESPACE = typer.Option("default", "--namespace", help="Temporal namespace.", callback=no_empty_names)
_QUEUE = typer.Option("kafka-messaging-queue", "--task-queue", help="Task queue of the workers.", callback=no_empty_names)
_PARAMS = typer.Option(None, "--params-file", help="JSON object of the workflow's parameters (the spec's dictionary).")
_ID = typer.Option(None, "--workflow-id", help="Workflow id (default: kctl-KIND-<random>).", callback=no_empty_names)
_TOPIC_NAME = typer.Option(None, "--topic-name", help="e2e/topic: the topic.", callback=no_empty_names)
_COUNT = typer.Option(None, "--test-messages-count", min=1, help="e2e: records to produce and consume.")
_PARTITIONS = typer.Option(None, "--num-partitions", min=1, max=100000, help="e2e/topic: partitions.")
_INSTANCE_ID = typer.Option(None, "--instance-id", min=0, help="Kafka registry instance the workflow uses.")
_CLEANUP = typer.Option(None, "--cleanup/--no-cleanup", help="e2e: delete the topic afterwards (default: yes).")
_YES = typer.Option(False, "--yes", "-y", help="topic delete: do it without asking (needed when stdin is not a terminal).")
_DRY_RUN = typer.Option(False, "--dry-run", help="Show the workflow's parameters (topic delete: the plan); start nothing.")


def _approve(obj, kind: Kind, params, task_queue: str, yes: bool, dry_run: bool) -> bool:
    """A topic workflow that deletes goes through the gate of every destructive command (kctl.cli.confirm),
    read on the cluster the workflow names; False: --dry-run (the plan or the parameters were rendered)."""
    from kctl.services import plans  # not on workflow --help's path

    if kind != Kind.topic or params.operation != "delete":
        if dry_run:
            render(params, obj.output)
        return not dry_run
    servers = params.bootstrap_servers
    if servers or params.instance_id is not None:
        target = dataclasses.replace(obj, bootstrap=",".join(servers) if servers else None, instance=params.instance_id,
                                     context_name=None)
        label = where(target)

        def plan_of():
            return plans.delete_topics(target.client_conf(), obj.timeout, [params.topic_name])
    else:  # the workers' own cluster: not known here
        label = f"the cluster of the workers on task queue {task_queue}"

        def plan_of():
            return OperationResult("delete", (ItemResult(params.topic_name, True, "would delete"),), dry_run=True)
    go, plan = approved(obj, plan_of, lambda p: f"delete topic {params.topic_name} and all its records (a workflow)",
                        yes=yes, dry_run=dry_run, cluster=label)
    if not go:
        render(plan, obj.output)
    return go


def _start(ctx, kind: Kind, params_file, temporal, namespace, task_queue, workflow_id, overrides, wait: bool,
           yes: bool = False, dry_run: bool = False):
    from kctl.temporal import commands as workflows  # not on workflow --help's path

    obj = app_context(ctx)
    params = workflows.load_params(kind.value, params_file, overrides)
    if not _approve(obj, kind, params, task_queue, yes, dry_run):
        return
    # The workflow's Temporal is that of the instance it names (`--instance-id 2`: instance 2's).
    instance = params.instance_id if params.instance_id is not None else obj.target.instance
    address = workflows.temporal_address(obj.registry_data, instance, temporal)
    result = workflows.start_workflow(address, namespace, task_queue, kind.value, params, workflow_id, wait,
                                      obj.timeout)
    if not wait:
        typer.echo(result)
        return
    render(result, obj.output)
    error = workflows.failure(result)
    if error is not None:
        raise error


@app.command("run")
def run(ctx: typer.Context, kind: Kind = typer.Argument(..., help="e2e, produce, consume or topic."),
        params_file: Optional[str] = _PARAMS, topic_name: Optional[str] = _TOPIC_NAME,
        test_messages_count: Optional[int] = _COUNT, num_partitions: Optional[int] = _PARTITIONS,
        instance_id: Optional[int] = _INSTANCE_ID, cleanup: Optional[bool] = _CLEANUP,
        temporal: Optional[str] = _TEMPORAL, namespace: str = _NAMESPACE, task_queue: str = _QUEUE,
        workflow_id: Optional[str] = _ID, yes: bool = _YES, dry_run: bool = _DRY_RUN):
    """Start a workflow, wait for it and print its result (exit 8 when an e2e check fails).

    A worker must pick the workflow up within --timeout (else exit 6 and the workflow is terminated).

    Example: kctl workflow run e2e --test-messages-count 100 --num-partitions 3 --instance-id 0
    """
    overrides = {"topic_name": topic_name, "test_messages_count": test_messages_count,
                 "num_partitions": num_partitions, "instance_id": instance_id, "cleanup": cleanup}
    _start(ctx, kind, params_file, temporal, namespace, task_queue, workflow_id, overrides, wait=True, yes=yes,
           dry_run=dry_run)


@app.command("start")
def start(ctx: typer.Context, kind: Kind = typer.Argument(..., help="e2e, produce, consume or topic."),
          params_file: Optional[str] = _PARAMS, topic_name: Optional[str] = _TOPIC_NAME,
          test_messages_count: Optional[int] = _COUNT, num_partitions: Optional[int] = _PARTITIONS,
          instance_id: Optional[int] = _INSTANCE_ID, cleanup: Optional[bool] = _CLEANUP,
          temporal: Optional[str] = _TEMPORAL, namespace: str = _NAMESPACE, task_queue: str = _QUEUE,
          workflow_id: Optional[str] = _ID, yes: bool = _YES, dry_run: bool = _DRY_RUN):
    """Start a workflow and print its id without waiting (read it later with `kctl workflow result ID`).

    Example: kctl workflow start produce --params-file messages.json
    """
    overrides = {"topic_name": topic_name, "test_messages_count": test_messages_count,
                 "num_partitions": num_partitions, "instance_id": instance_id, "cleanup": cleanup}
    _start(ctx, kind, params_file, temporal, namespace, task_queue, workflow_id, overrides, wait=False, yes=yes,
           dry_run=dry_run)


@app.command("result")
def result(ctx: typer.Context, workflow_id: str = typer.Argument(..., help="The workflow id.", callback=no_empty_names),
           temporal: Optional[str] = _TEMPORAL, namespace: str = _NAMESPACE):
    """Wait for a workflow and print its result (exit 4 for an unknown id).

    Example: kctl workflow result kctl-e2e-3f2a9c1e0b7d -o json
    """
    from kctl.temporal import commands as workflows  # not on workflow --help's path

    obj = app_context(ctx)
    address = workflows.temporal_address(obj.registry_data, obj.target.instance, temporal)
    value = workflows.workflow_result(address, namespace, workflow_id, obj.timeout)
    render(value, obj.output)
    error = workflows.failure(value)
    if error is not None:
        raise error
