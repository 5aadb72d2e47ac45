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


@app.command("partition-for")
def partition_for(
    ctx: typer.Context,
    topic: str = typer.Argument(..., help="The topic (its partition count decides)."),
    keys: list[str] = typer.Argument(..., help="One or more keys."),
    partitioner: str = typer.Option("murmur2", "--partitioner", help="murmur2 (Java producers, kctl's default) or consistent (CRC32)."),
    key_serializer: str = typer.Option("string", "--key-serializer", help="How the keys are encoded (string, int32, int64, hex...)."),
):
    """Show the partition each key lands on, as Kafka's Java producer places it.

    Example: kctl topics partition-for orders customer-1 customer-2
    """
    from kctl.models import KeyPartition
    from kctl.render import render
    from kctl.services import produce

    obj = app_context(ctx)
    render(produce.partition_for(obj.client_conf(), obj.timeout, topic, keys, partitioner, key_serializer),
           obj.output, kind=KeyPartition)
