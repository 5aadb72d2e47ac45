"""`kctl connect`: connectors of a Kafka Connect cluster (its REST API; `kctl local up --connect`)."""

from __future__ import annotations

from typing import Optional

import typer

from kctl.cli.confirm import DRY_RUN, YES, approved
from kctl.cli.context import app_context
from kctl.errors import UsageError
from kctl.models import ConnectFieldError, ConnectorSummary, ConnectPlugin
from kctl.render import render

app = typer.Typer(help="Kafka Connect connectors: list, describe, create, update, pause, stop, resume, restart, delete.",
                  no_args_is_help=True)

CONNECT_URL = typer.Option(None, "--connect-url", metavar="URL",
                           help="Connect REST URL (default: $KCTL_CONNECT_URL, the context's connect_url, or the local instance's worker).")
NAME = typer.Argument(..., help="The connector's name.")
FILE = typer.Option(..., "--file", "-f", help="The connector's config: YAML or JSON, a mapping of settings or {name, config}.")


def _settings(ctx: typer.Context, url: Optional[str]):
    from kctl.services.connect import connect_settings  # not on connect --help's path

    obj = app_context(ctx)
    instance = obj.target.instance if not url else None
    return connect_settings(url, obj.context, obj.registry_data, instance, obj.timeout)


def _render(ctx: typer.Context, data, kind=None) -> None:
    render(data, app_context(ctx).output, kind=kind)


@app.command("list")
def list_(ctx: typer.Context, connect_url: Optional[str] = CONNECT_URL):
    """List connectors: type, state, tasks running and failed.

    Example: kctl connect list -o json
    """
    from kctl.services import connect  # not on connect --help's path

    _render(ctx, connect.list_connectors(_settings(ctx, connect_url)), ConnectorSummary)


@app.command()
def describe(ctx: typer.Context, name: str = NAME, connect_url: Optional[str] = CONNECT_URL):
    """Show a connector: its config (secrets masked), state, tasks and the first lines of their traces.

    Example: kctl connect describe orders-source
    """
    from kctl.services import connect  # not on connect --help's path

    _render(ctx, connect.describe(_settings(ctx, connect_url), name))


@app.command()
def plugins(ctx: typer.Context, connect_url: Optional[str] = CONNECT_URL):
    """List the worker's plugins (connectors, transformations, converters) with their versions.

    Example: kctl connect plugins
    """
    from kctl.services import connect  # not on connect --help's path

    _render(ctx, connect.plugins(_settings(ctx, connect_url)), ConnectPlugin)


@app.command()
def validate(ctx: typer.Context, name: str = NAME, file: str = FILE, connect_url: Optional[str] = CONNECT_URL):
    """Check a connector config with its plugin's own validation (refused settings: exit 2); nothing is created.

    Example: kctl connect validate orders-source -f orders-source.yaml
    """
    from kctl.services import connect  # not on connect --help's path

    config = connect.read_config(file, name)
    errors = connect.validate(_settings(ctx, connect_url), config)
    _render(ctx, errors, ConnectFieldError)
    if errors:
        raise UsageError(f"connector {name}: {len(errors)} invalid setting{'s' if len(errors) > 1 else ''}")


@app.command()
def create(ctx: typer.Context, name: str = NAME, file: str = FILE, connect_url: Optional[str] = CONNECT_URL):
    """Create a connector from a config file, after the plugin validated it (invalid: exit 2, nothing created).

    Example: kctl connect create orders-source -f orders-source.yaml
    """
    from kctl.services import connect  # not on connect --help's path

    config = connect.read_config(file, name)
    _render(ctx, connect.create(_settings(ctx, connect_url), name, config))


@app.command()
def update(ctx: typer.Context, name: str = NAME, file: str = FILE, connect_url: Optional[str] = CONNECT_URL):
    """Replace a connector's config with a file's, after the plugin validated it (invalid: exit 2, nothing changed).

    Example: kctl connect update orders-source -f orders-source.yaml
    """
    from kctl.services import connect  # not on connect --help's path

    config = connect.read_config(file, name)
    _render(ctx, connect.update(_settings(ctx, connect_url), name, config))


@app.command()
def delete(ctx: typer.Context, name: str = NAME, yes: bool = YES, dry_run: bool = DRY_RUN,
           connect_url: Optional[str] = CONNECT_URL):
    """Delete a connector (shows it and asks first; the records it wrote stay).

    Example: kctl connect delete orders-source --yes
    """
    from kctl.services import connect  # not on connect --help's path

    settings = _settings(ctx, connect_url)
    go, plan = approved(app_context(ctx), lambda: connect.delete_plan(settings, name),
                        lambda p: f"delete connector {name}", yes=yes, dry_run=dry_run,
                        cluster=f"Connect cluster {settings.url}")
    _render(ctx, connect.delete(settings, name) if go else plan)


@app.command()
def pause(ctx: typer.Context, name: str = NAME, connect_url: Optional[str] = CONNECT_URL):
    """Pause a connector and its tasks (they keep their assignment; `resume` continues).

    Example: kctl connect pause orders-source
    """
    from kctl.services import connect  # not on connect --help's path

    _render(ctx, connect.pause(_settings(ctx, connect_url), name))


@app.command()
def stop(ctx: typer.Context, name: str = NAME, connect_url: Optional[str] = CONNECT_URL):
    """Stop a connector: it and its tasks shut down and give up their assignment; its config stays (`resume` starts it).

    Example: kctl connect stop orders-source
    """
    from kctl.services import connect  # not on connect --help's path

    _render(ctx, connect.stop(_settings(ctx, connect_url), name))


@app.command()
def resume(ctx: typer.Context, name: str = NAME, connect_url: Optional[str] = CONNECT_URL):
    """Resume a paused or stopped connector.

    Example: kctl connect resume orders-source
    """
    from kctl.services import connect  # not on connect --help's path

    _render(ctx, connect.resume(_settings(ctx, connect_url), name))


@app.command()
def restart(ctx: typer.Context, name: str = NAME,
            only_failed: bool = typer.Option(False, "--only-failed", "--failed-only",
                                             help="Only the connector and tasks that FAILED (implies --include-tasks)."),
            include_tasks: bool = typer.Option(False, "--include-tasks", help="Its tasks too, not just the connector."),
            connect_url: Optional[str] = CONNECT_URL):
    """Restart a connector (and its tasks with --include-tasks; only the failed ones with --only-failed).

    Example: kctl connect restart orders-source --only-failed
    """
    from kctl.services import connect  # not on connect --help's path

    _render(ctx, connect.restart(_settings(ctx, connect_url), name, include_tasks or only_failed, only_failed))
