"""`kctl worker`: the Temporal worker that runs kctl's Kafka workflows."""

from __future__ import annotations

from typing import Optional

import typer

from kctl.cli.confirm import where
from kctl.cli.context import app_context, no_empty_names
from kctl.cli.options import Duration

app = typer.Typer(help="Run the Temporal worker for kctl's Kafka workflows.", no_args_is_help=True)


@app.command("run")
def run(
    ctx: typer.Context,
    temporal: Optional[str] = typer.Option(None, "--temporal", help="Temporal frontend HOST:PORT (default: the instance's).",
                                           callback=no_empty_names),
    namespace: str = typer.Option("default", "--namespace", help="Temporal namespace.", callback=no_empty_names),
    task_queue: str = typer.Option("kafka-messaging-queue", "--task-queue", help="Task queue to poll.",
                                   callback=no_empty_names),
    max_concurrent_activities: int = typer.Option(20, "--max-concurrent-activities", min=1, max=1000,
                                                  help="Activities this worker runs at once."),
    grace: float = typer.Option(10.0, "--grace", click_type=Duration(minimum=0, maximum=3600),
                                help="How long in-flight activities get to finish on stop (10s, 1m; bare seconds)."),
):
    """Poll the task queue and run the producer, consumer, topic and end-to-end workflows.

    Kafka is the instance's (-i/-b/--context) unless a workflow names its own. SIGTERM or Ctrl-C
    drains: in-flight activities finish (or are cancelled after --grace), then exit 0 / 130.

    Example: kctl worker run -i 0
    """
    from kctl.temporal import commands as workflows  # not on worker --help's path

    obj = app_context(ctx)
    options = workflows.worker_options(obj.registry_data, obj.target.instance, temporal, namespace, task_queue,
                                       max_concurrent_activities, grace, obj.timeout, obj.debug)

    def ready() -> None:
        if not obj.quiet:
            typer.echo(f"kctl: worker polling task queue {options.task_queue} at {options.address} "
                       f"(namespace {options.namespace}); Kafka: {where(obj)} unless a workflow names its own",
                       err=True)

    workflows.run_worker(obj.client_conf(), options, ready)
