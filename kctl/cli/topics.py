"""`kctl topics`: list, describe, create, delete and change topics."""

from __future__ import annotations

from typing import Optional

import typer

from kctl.cli.context import app_context

app = typer.Typer(help="Create, inspect, change and delete topics.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    pattern: Optional[str] = typer.Argument(None, help="Only topics matching this regular expression."),
    internal: bool = typer.Option(False, "--internal", help="Include internal topics (__consumer_offsets...)."),
):
    """List topics with their partition counts.

    Example: kctl topics list 'orders.*' -o json
    """
    from kctl.models import TopicSummary
    from kctl.render import render
    from kctl.services import topics

    obj = app_context(ctx)
    render(topics.list_topics(obj.client_conf(), obj.timeout, pattern, internal), obj.output, kind=TopicSummary)
