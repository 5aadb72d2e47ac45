"""`kctl cluster`: what the cluster is made of."""

from __future__ import annotations

import typer

from kctl.cli.context import app_context

app = typer.Typer(help="Inspect the cluster: id, controller, brokers.", no_args_is_help=True)


@app.command()
def describe(ctx: typer.Context):
    """Show the cluster id, the controller and the brokers with their addresses.

    Example: kctl cluster describe -i 1 -o json
    """
    from kctl.render import render
    from kctl.services import cluster

    obj = app_context(ctx)
    render(cluster.describe_cluster(obj.client_conf(), obj.timeout), obj.output)
