"""The root of the CLI: global options -> AppContext, and the command groups.

Keep this module cheap to import: no Kafka library, rich.table or yaml at import time.
"""

from __future__ import annotations

from enum import Enum
from typing import List, Optional

import typer

from kctl import __version__
from kctl.cli.argv import GLOBAL_FLAG_OPTIONS, GLOBAL_VALUE_OPTIONS  # noqa: F401 - re-exported
from kctl.cli.context import AppContext, finite_number, no_empty_names


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"


class LogFormat(str, Enum):
    logfmt = "logfmt"
    json = "json"


app = typer.Typer(
    name="kctl",
    help="kctl: a fast, scriptable Kafka command line.\n\nExample: kctl topics create orders -p 6",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)



def _version(value: bool):
    if value:
        typer.echo(f"kctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o", help="Output format.", envvar="KCTL_OUTPUT"),
    bootstrap: Optional[str] = typer.Option(None, "--bootstrap", "-b", help="Bootstrap servers HOST:PORT[,...] (overrides instance).",
                                            callback=no_empty_names),
    instance: Optional[int] = typer.Option(None, "--instance", "-i", help="Instance number in port_registry.yaml."),
    context: Optional[str] = typer.Option(None, "--context", help="Named context from the kctl config file."),
    registry: Optional[str] = typer.Option(None, "--registry", help="Path of port_registry.yaml."),
    properties: List[str] = typer.Option([], "-X", help="librdkafka property key=value (repeatable)."),
    command_config: Optional[str] = typer.Option(None, "--command-config", help="Client properties file (.properties or YAML)."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds to wait for the cluster.", min=0.1,
                                  callback=finite_number),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More logs on stderr (-vv for debug)."),
    log_format: LogFormat = typer.Option(LogFormat.logfmt, "--log-format", help="Log line format."),
    log_file: Optional[str] = typer.Option(None, "--log-file", help="Write logs to this file instead of stderr."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    ask_password: bool = typer.Option(False, "--ask-password", help="Prompt for the SASL password."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
):
    from kctl import log
    from kctl.config.client_conf import parse_key_values

    log.setup(verbose, log_format.value, log_file)
    ctx.obj = AppContext(
        output=output.value,
        bootstrap=bootstrap,
        instance=instance,
        context_name=context,
        registry=registry,
        overrides=parse_key_values(properties, "-X"),
        command_config=command_config,
        timeout=timeout,
        verbose=verbose,
        debug=debug,
        ask_password=ask_password,
    )


def _register() -> None:
    from kctl.cli import acls, cluster, configs, consume, doctor, e2e, groups, local, produce, topics, txn, users, worker, workflow
    from kctl.cli import config as config_cli
    from kctl.cli import copy as copy_cli
    from kctl.cli import perf as perf_cli
    from kctl.cli import schemas as schemas_cli

    app.command("produce")(produce.produce)
    app.command("consume")(consume.consume)
    app.command("copy")(copy_cli.copy)
    app.add_typer(topics.app, name="topics")
    app.add_typer(groups.app, name="groups")
    app.add_typer(txn.app, name="txn")
    app.add_typer(perf_cli.app, name="perf")
    app.add_typer(e2e.app, name="e2e")
    app.add_typer(local.app, name="local")
    app.add_typer(cluster.app, name="cluster")
    app.command("doctor")(doctor.doctor)
    app.add_typer(configs.app, name="configs")
    app.add_typer(acls.app, name="acls")
    app.add_typer(users.app, name="users")
    app.add_typer(config_cli.app, name="config")
    app.add_typer(worker.app, name="worker")
    app.add_typer(workflow.app, name="workflow")
    app.add_typer(schemas_cli.app, name="schemas")


_register()
