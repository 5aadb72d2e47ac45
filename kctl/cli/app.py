"""The root of the CLI: global options -> AppContext, and the command groups.

Keep this module cheap to import: no Kafka library, rich.table or yaml at import time.
"""

from __future__ import annotations

from enum import Enum
from typing import List, Optional

import typer

from kctl.cli.argv import GLOBAL_FLAG_OPTIONS, GLOBAL_VALUE_OPTIONS  # noqa: F401 - re-exported
from kctl.cli.context import AppContext, no_empty_names
from kctl.cli.lazy import Lazy, LazyGroup
from kctl.cli.options import Duration, console_property_hint
from kctl.errors import BrokerUnavailable, UsageError, hint_for
from kctl.render import FORMATS, Output

# -o's choices: kctl.render.FORMATS, the one list (csv included).
OutputFormat = Enum("OutputFormat", {name: name for name in FORMATS}, type=str)


class LogFormat(str, Enum):
    logfmt = "logfmt"
    json = "json"


# The commands, imported and built only when used (kctl.cli.lazy): (module, attribute, summary).
# The summary is the first paragraph of the command's help; tests/unit/test_startup_imports.py
# keeps the two equal. A command registered on `app` the usual way (app.add_typer) works too,
# built up front.
COMMANDS = {
    "produce": Lazy("kctl.cli.produce", "produce", "Produce messages to a topic from stdin, files or the command line."),
    "consume": Lazy("kctl.cli.consume", "consume",
                    "Read records from topics to stdout: values by default, --format, or -o json (JSON Lines)."),
    "search": Lazy("kctl.cli.search", "search", "Find records by a CEL expression (--where), every partition, in parallel."),
    "copy": Lazy("kctl.cli.copy", "copy", "Copy a topic's records (key, value, headers, timestamp), resumably."),
    "topics": Lazy("kctl.cli.topics", "app", "Create, inspect, change and delete topics."),
    "groups": Lazy("kctl.cli.groups", "app",
                   "Inspect consumer groups, their lag, and move or delete their committed offsets."),
    "txn": Lazy("kctl.cli.txn", "app", "Inspect transactions and producers; find and abort hanging transactions."),
    "perf": Lazy("kctl.cli.perf", "app", "Measure a cluster: throughput and latency percentiles (HDR histograms)."),
    "e2e": Lazy("kctl.cli.e2e", "app", "End-to-end health checks of a cluster."),
    "local": Lazy("kctl.cli.local", "app", "Run Apache Kafka (KRaft) locally, on the ports of an instance."),
    "cluster": Lazy("kctl.cli.cluster", "app", "Inspect the cluster: id, controller, brokers, health."),
    "doctor": Lazy("kctl.cli.doctor", "doctor", "Check the cluster: reachability, clock skew, replication, unclean "
                   "election, balance, disks, groups, transactions."),
    "configs": Lazy("kctl.cli.configs", "app", "Describe and change broker, topic and group configs."),
    "acls": Lazy("kctl.cli.acls", "app", "List, create and delete ACLs (principal, host, operation, permission, resource)."),
    "export": Lazy("kctl.cli.state", "export",
                   "Write the cluster's state as a ClusterState YAML document (topics, ACLs, users, configs, schemas, connectors)."),
    "diff": Lazy("kctl.cli.state", "diff",
                 "Show what differs between a document and the cluster, or between two clusters; exit 8 when anything does."),
    "plan": Lazy("kctl.cli.state", "plan",
                 "Show the ordered changes that would make the cluster match the document (nothing changes)."),
    "apply": Lazy("kctl.cli.state", "apply",
                  "Make the cluster match the document: the plan, a question naming the cluster, then each change in order."),
    "quotas": Lazy("kctl.cli.quotas", "app",
                   "List, set and delete client quotas (users, client ids, IP addresses); resolve which applies."),
    "users": Lazy("kctl.cli.users", "app", "List, create and delete SCRAM users."),
    "schemas": Lazy("kctl.cli.schemas", "app",
                    "Schema Registry subjects and schemas (Confluent API; `kctl local up --schema-registry`)."),
    "connect": Lazy("kctl.cli.connect", "app",
                    "Kafka Connect connectors: list, describe, create, update, pause, stop, resume, restart, delete."),
    "config": Lazy("kctl.cli.config", "app", "Named contexts and the effective client configuration."),
    "worker": Lazy("kctl.cli.worker", "app", "Run the Temporal worker for kctl's Kafka workflows."),
    "workflow": Lazy("kctl.cli.workflow", "app", "Start the Kafka workflows on Temporal (a `kctl worker` runs them)."),
    "completion": Lazy("kctl.cli.completion", "completion", "Print the shell completion script (bash, zsh or fish) to stdout."),
    "version": Lazy("kctl.cli.version", "version",
                    "Show the versions of kctl, its Kafka client (confluent-kafka, librdkafka) and the default local Kafka."),
    "ui": Lazy("kctl.cli.ui", "ui", "Browse the cluster in the terminal: topics, messages, groups and lag (read-only by default)."),
}


class RootGroup(LazyGroup):
    lazy = COMMANDS

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokerUnavailable as exc:
            # The standard hint (`kctl local status`) fits a local instance, not a remote cluster.
            if exc.hint == hint_for(BrokerUnavailable) and isinstance(ctx.obj, AppContext):
                exc.hint = ctx.obj.unreachable_hint() or exc.hint
            raise


app = typer.Typer(
    name="kctl",
    cls=RootGroup,
    help="kctl: a fast, scriptable Kafka command line.\n\nExample: kctl topics create orders -p 6",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool):
    if value:
        from kctl.cli.version import print_versions  # not on --help's path

        print_versions()
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    output: OutputFormat = typer.Option("table", "--output", "-o", envvar="KCTL_OUTPUT",
                                        help="Output format: table, wide (every column), csv (every table), json or yaml."),
    section: Optional[str] = typer.Option(None, "--section", metavar="NAME",
                                          help="With -o csv: only the table of that name (a describe's partitions)."),
    bootstrap: Optional[str] = typer.Option(None, "--bootstrap", "-b", help="Bootstrap servers HOST:PORT[,...] (overrides instance).",
                                            callback=no_empty_names),
    instance: Optional[int] = typer.Option(None, "--instance", "-i", help="Instance number in port_registry.yaml."),
    context: Optional[str] = typer.Option(None, "--context", help="Named context from the kctl config file."),
    registry: Optional[str] = typer.Option(None, "--registry", help="Path of port_registry.yaml."),
    properties: List[str] = typer.Option([], "-X", "--property", metavar="KEY=VALUE", help="librdkafka property (repeatable)."),
    command_config: Optional[str] = typer.Option(None, "--command-config", help="Client properties file (.properties or YAML)."),
    timeout: float = typer.Option(10.0, "--timeout", help="How long to wait for the cluster (10s, 500ms, 2m; bare seconds).",
                                  click_type=Duration(minimum=0.1, maximum=86400 * 365)),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More logs on stderr (-vv for debug)."),
    log_format: LogFormat = typer.Option(LogFormat.logfmt, "--log-format", help="Log line format."),
    log_file: Optional[str] = typer.Option(None, "--log-file", help="Write logs to this file instead of stderr."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summaries, notes or progress on stderr (errors still)."),
    ask_password: bool = typer.Option(False, "--ask-password", help="Prompt for the SASL password."),
    token_command: Optional[str] = typer.Option(
        None, "--token-command", metavar="CMD",
        help="OAUTHBEARER with the token this program prints (JSON token/expires_in or a JWT), as -X kctl.oauthbearer.*."),
    allow_plaintext_password: bool = typer.Option(
        False, "--allow-plaintext-password",
        help="No warning for a SASL PLAIN/SCRAM login over SASL_PLAINTEXT (no TLS) to another host."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
):
    from kctl import log  # not on --help's path
    from kctl.config.client_conf import parse_key_values  # not on --help's path

    log.setup(verbose, log_format.value, log_file)
    if section is not None and output.value != "csv":
        raise UsageError("--section picks a table of -o csv", hint=f"kctl -o csv --section {section} ...")
    overrides = parse_key_values(properties, "-X")
    if token_command is not None:
        overrides.update({"sasl.mechanism": "OAUTHBEARER", "kctl.oauthbearer.method": "command",
                          "kctl.oauthbearer.token.command": token_command})
    for key in overrides:
        hint = console_property_hint(key)
        if hint:
            raise UsageError(f"-X/--property {key}: a Kafka console tool's formatter property, not a client "
                             "property", hint=hint)
    ctx.obj = AppContext(
        output=Output(output.value, section),
        bootstrap=bootstrap,
        instance=instance,
        context_name=context,
        registry=registry,
        overrides=overrides,
        command_config=command_config,
        timeout=timeout,
        verbose=verbose,
        debug=debug,
        quiet=quiet,
        ask_password=ask_password,
        allow_plaintext_password=allow_plaintext_password,
    )
