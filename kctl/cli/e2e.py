"""`kctl e2e`: end-to-end health checks that CI trusts by their exit code."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from kctl.cli.context import app_context, no_empty_names
from kctl.cli.options import ASSIGNOR_HELP, GROUP_PROTOCOL_HELP, Assignor, Duration, GroupProtocol
from kctl.models.choices import MAX_PARTITIONS, MAX_REPLICATION
from kctl.render import make_console, render
from kctl.render.junit import check_writable, write_junit

app = typer.Typer(help="End-to-end health checks of a cluster.", no_args_is_help=True)


@app.command("run")
def run(
    ctx: typer.Context,
    topic: Optional[str] = typer.Option(None, "--topic", "-t", help="Topic to use (default: a new unique name).",
                                        callback=no_empty_names),
    messages: int = typer.Option(100, "--messages", "-n", min=1, help="Records to produce and consume."),
    partitions: int = typer.Option(3, "--partitions", min=1, max=MAX_PARTITIONS, help="Partitions of the topic."),
    replication_factor: Optional[int] = typer.Option(None, "--replication-factor", "-r", min=1, max=MAX_REPLICATION,
                                                     help="Replication factor (default: the broker's)."),
    group: Optional[str] = typer.Option(None, "--group", "-g", help="Consumer group (default: a new unique name).",
                                        callback=no_empty_names),
    consumers: int = typer.Option(2, "--consumers", min=1, help="Members of the consumer group."),
    group_protocol: Optional[GroupProtocol] = typer.Option(None, "--group-protocol", help=GROUP_PROTOCOL_HELP),
    assignor: Optional[Assignor] = typer.Option(None, "--assignor", help=ASSIGNOR_HELP),
    no_cleanup: bool = typer.Option(False, "--no-cleanup", help="Keep the topic and group afterwards."),
    reuse: bool = typer.Option(False, "--reuse", help="Use an existing --topic/--group instead of failing."),
    transactional: bool = typer.Option(False, "--transactional", help="Also check committed and aborted transactions."),
    max_p99_ms: Optional[float] = typer.Option(None, "--max-p99-ms", click_type=Duration("ms", minimum=0, maximum=86_400_000),
                                               help="Fail when p99 latency exceeds this (ms, or 1s)."),
    junit: Optional[str] = typer.Option(None, "--junit", help="Write a JUnit XML report (one test case per step)."),
    repeat: Optional[int] = typer.Option(None, "--repeat", min=1, help="Canary mode: run this many times and summarise."),
    interval: Optional[float] = typer.Option(None, "--interval", click_type=Duration(minimum=0, maximum=86400 * 7),
                                             help="Time between the starts of repeated runs (with --repeat): 30s, 5m; bare seconds."),
    all_instances: bool = typer.Option(False, "--all-instances",
                                       help="Run against every registry instance that answers (not with -b/-i/--context)."),
):
    """Create a topic, produce, consume in a group, verify, commit, measure latency, clean up.

    Exit 0 when every step passes, 8 when a check fails, 6 when the cluster cannot be reached.
    The global --timeout bounds the whole run (cleanup gets up to 5 s more).

    Example: kctl e2e run -i 0 --max-p99-ms 50 --junit e2e.xml
    """
    from kctl.services import e2e  # not on e2e --help's path

    obj = app_context(ctx)
    options = e2e.E2EOptions(
        topic=topic, messages=messages, partitions=partitions, replication_factor=replication_factor, group=group,
        consumers=consumers, cleanup=not no_cleanup, reuse=reuse, transactional=transactional,
        max_p99_ms=max_p99_ms, timeout=obj.timeout, group_protocol=group_protocol.value if group_protocol else None,
        assignor=assignor.value if assignor else None,
    )
    given = tuple(name for name, value in (("--bootstrap", obj.bootstrap), ("--instance", obj.instance),
                                           ("--context", obj.context_name)) if value is not None)
    options.validate()
    e2e.check_modes(repeat, interval, all_instances, given)
    if junit:
        check_writable(junit)
    progress = None
    if obj.progress_on_stderr:
        from kctl.render.checklist import LiveChecklist  # not on e2e --help's path

        progress = LiveChecklist(make_console(stderr=True), transient=sys.stdout.isatty())
    try:
        result = e2e.run_requested(
            options, progress, target=lambda: e2e.Target(obj.target.instance, obj.target.bootstrap, obj.client_conf()),
            repeat=repeat, interval=interval, all_instances=all_instances,
            registry=obj.registry_data if all_instances else None,
            conf_of=lambda bootstrap: {**obj.client_conf(), "bootstrap.servers": bootstrap}, target_options=given)
    finally:
        if progress is not None:
            progress.__exit__(None, None, None)
    render(result, obj.output)
    if junit:
        write_junit(result, junit)
    error = e2e.failure(result)
    if error is not None:
        raise error
