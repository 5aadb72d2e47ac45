"""`kctl version` (and `kctl --version`)."""

from __future__ import annotations

import typer

from kctl.cli.context import app_context
from kctl.render import render
from kctl.services.version import versions


def version(ctx: typer.Context):
    """Show the versions of kctl, its Kafka client (confluent-kafka, librdkafka) and the default local Kafka.

    Example: kctl version -o json
    """
    render(versions(), app_context(ctx).output)


def print_versions() -> None:
    """`kctl --version`: the same facts as lines, the first one `kctl VERSION` as tools print it
    (before any global option is read: `kctl version -o json` is the shape for scripts)."""
    info = versions()
    typer.echo(f"kctl {info.kctl} ({info.distribution})\n"
               f"{info.client} {info.client_version}, librdkafka {info.librdkafka}\n"
               f"python {info.python}\n"
               f"kafka {info.local_kafka_default} (the default of kctl local up)")
