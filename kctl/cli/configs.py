"""`kctl configs`: describe and change broker, topic and group configs."""

from __future__ import annotations

from enum import Enum
from typing import List, Optional

import typer

from kctl.cli.confirm import DRY_RUN
from kctl.cli.context import app_context
from kctl.cli.options import CONFIG_OPTION, DELETE_OPTION, VALIDATE_ONLY
from kctl.config.client_conf import parse_key_values
from kctl.models import OperationResult
from kctl.render import render

app = typer.Typer(help="Describe and change broker, topic and group configs.", no_args_is_help=True)


class ResourceType(str, Enum):
    broker = "broker"
    topic = "topic"
    group = "group"


class AlterableType(str, Enum):
    broker = "broker"
    topic = "topic"


DEFAULT = typer.Option(False, "--default", help="The cluster-wide dynamic broker defaults (broker only, instead of an id).")


@app.command()
def describe(
    ctx: typer.Context,
    resource_type: ResourceType = typer.Argument(..., metavar="broker|topic|group", help="What to describe."),
    name: Optional[str] = typer.Argument(None, metavar="ID|NAME", help="Broker id, topic or group name."),
    all_: bool = typer.Option(False, "--all", help="Every config, Kafka's built-in defaults too."),
    default: bool = DEFAULT,
):
    """Show configs: value, source, default or not, read-only; sensitive values masked.

    Without --all only the configs not at Kafka's built-in default.

    Example: kctl configs describe broker 1 --all -o json
    """
    from kctl.services import configs  # not on configs --help's path

    obj = app_context(ctx)
    render(configs.describe(obj.client_conf(), obj.timeout, resource_type.value, name, all_=all_, default=default),
           obj.output)


@app.command()
def alter(
    ctx: typer.Context,
    resource_type: AlterableType = typer.Argument(..., metavar="broker|topic", help="What to change."),
    name: Optional[str] = typer.Argument(None, metavar="ID|NAME", help="Broker id or topic name."),
    set_: List[str] = CONFIG_OPTION,
    delete: List[str] = DELETE_OPTION,
    validate_only: bool = VALIDATE_ONLY,
    dry_run: bool = DRY_RUN,
    default: bool = DEFAULT,
):
    """Change configs incrementally (other overrides stay); unknown key or invalid value: exit 2, nothing changed.

    Example: kctl configs alter topic orders -c retention.ms=3600000 --delete cleanup.policy
    """
    from kctl.services import configs  # not on configs --help's path

    obj = app_context(ctx)
    changes = parse_key_values(set_, "-c/--config")
    result = configs.alter(obj.client_conf(), obj.timeout, resource_type.value, name, changes, list(delete),
                           validate_only=validate_only, dry_run=dry_run, default=default)
    render(result, obj.output, kind=OperationResult)
    error = configs.failure(result)
    if error is not None:
        raise error
