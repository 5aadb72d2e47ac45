"""`kctl cluster`: what the cluster is made of."""

from __future__ import annotations

from typing import Optional

import typer

from kctl.cli.context import app_context

app = typer.Typer(help="Inspect the cluster: id, controller, brokers, health.", no_args_is_help=True)


@app.command()
def describe(ctx: typer.Context):
    """Show the cluster id, the controller and the brokers with their addresses.

    Example: kctl cluster describe -i 1 -o json
    """
    from kctl.render import render
    from kctl.services import cluster

    obj = app_context(ctx)
    render(cluster.describe_cluster(obj.client_conf(), obj.timeout), obj.output)


@app.command()
def health(
    ctx: typer.Context,
    expect_brokers: Optional[int] = typer.Option(None, "--expect-brokers", min=1, max=100_000,
                                                 help="Brokers the cluster should have (default: the local instance's count, when the target is one)."),
):
    """Report offline, under-replicated, under-min-ISR and at-min-ISR partitions, missing brokers and the KRaft quorum.

    Each finding has a severity (info, warning, error, critical); exit 8 when any is at warning or worse.

    Example: kctl cluster health -i 1 --expect-brokers 3 -o json
    """
    from kctl.errors import CheckFailed
    from kctl.render import render
    from kctl.services import health as health_service

    obj = app_context(ctx)
    conf = obj.client_conf()
    report = health_service.cluster_health(conf, obj.timeout, expect_brokers, obj.target.instance)
    render(report, obj.output)
    if not report.healthy:
        raise CheckFailed(f"cluster health: {report.status} ({len(report.findings)} finding(s))",
                          hint="the findings above say which partitions and brokers")
