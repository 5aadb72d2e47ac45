"""`kctl local`: run a real Apache Kafka on this machine."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from kctl.cli.confirm import approve, plural
from kctl.cli.context import app_context
from kctl.cli.options import Duration
from kctl.errors import UsageError
from kctl.models import LocalInstance
from kctl.render import render

app = typer.Typer(help="Run Apache Kafka (KRaft) locally, on the ports of an instance.", no_args_is_help=True)


def _instance(ctx: typer.Context, instance: Optional[int]) -> int:
    return instance if instance is not None else (app_context(ctx).instance or 0)


def _servers(**flags: bool) -> list[str]:
    """The managed servers (kctl.services.local.SERVERS) whose --<name> option was given."""
    return [name for name, given in flags.items() if given]


INSTANCE = typer.Option(None, "--instance", "-i", help="Instance number (default 0, or the global -i).")


def _approve_wipe(ctx: typer.Context, instances, yes: bool, dry_run: bool) -> bool:
    """--reset wipes data: the same plan, question and --yes as every destructive command.
    False: --dry-run (the plan was rendered; nothing started, stopped or wiped)."""
    from kctl.services import local  # not on local --help's path

    if instances is None:
        if dry_run:
            raise UsageError("--dry-run shows what --reset would wipe: give both")
        return True
    obj = app_context(ctx)
    plan = local.wipe_plan(list(instances))
    names = ", ".join(i.name for i in plan.items)
    if approve(obj, plan, f"wipe the data of {plural(len(plan.items), 'local instance')}", yes=yes, dry_run=dry_run,
               cluster=f"this machine ({names})"):
        return True
    render(plan, obj.output)
    return False


@app.command()
def up(
    ctx: typer.Context,
    instance: Optional[int] = INSTANCE,
    brokers: Optional[int] = typer.Option(
        None, "--brokers", help="Number of brokers: 1 or 3 (default: the instance's own count, 1 for a new one)."),
    reset: bool = typer.Option(False, "--reset", help="Wipe the instance's data first."),
    wait: float = typer.Option(90.0, "--wait", click_type=Duration(minimum=1, maximum=86400),
                               help="How long to wait for the brokers (and Temporal) to answer (90s, 5m; bare seconds)."),
    heap: str = typer.Option("512m", "--heap", help="JVM heap of each broker."),
    temporal: bool = typer.Option(False, "--temporal", help="Also start the instance's Temporal dev server."),
    security: Optional[str] = typer.Option(None, "--security", metavar="none|scram|oauth|mtls",
                                           help="TLS, the standard authorizer, a super user and a kctl context (new instances): scram (SASL/SCRAM), oauth (OAUTHBEARER tokens of a local OIDC issuer), mtls (client certificates)."),
    schema_registry: bool = typer.Option(
        False, "--schema-registry", help="Also start the instance's Schema Registry (Apicurio; needs Java 21+)."),
    connect: bool = typer.Option(
        False, "--connect", help="Also start the instance's Kafka Connect worker (distributed mode, same Kafka version)."),
    kafka_version: Optional[str] = typer.Option(
        None, "--kafka-version", metavar="VERSION",
        help="Apache Kafka release of a new instance: 3.9.0 or newer (default: the instance's own, else $KCTL_KAFKA_VERSION, else kctl's default)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="--reset: wipe without asking (needed when stdin is not a terminal)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="--reset: only show what would be wiped."),
):
    """Start Kafka for an instance (only the brokers that are down) and wait until it answers.

    Example: kctl local up --brokers 3 -i 1 --temporal
    """
    from kctl.services import local  # not on local --help's path

    obj = app_context(ctx)
    if not _approve_wipe(ctx, [_instance(ctx, instance)] if reset else None, yes, dry_run):
        return
    result = local.up(obj.registry_data, _instance(ctx, instance), brokers=brokers, reset=reset, wait=wait, heap=heap,
                      servers=_servers(temporal=temporal, schema_registry=schema_registry, connect=connect), security=security,
                      kafka_version=kafka_version)
    if result.already_running and not obj.quiet:
        print(f"instance {result.instance} is already running", file=sys.stderr)
    render(result, obj.output)
    if obj.output in ("table", "wide") and not obj.quiet:
        for broker in result.brokers:
            note = " (started now)" if broker.node_id in result.started else ""
            print(f"broker {broker.node_id}: pid {broker.pid}{note}, data {broker.data_dir}, log {broker.log_file}", file=sys.stderr)
        if result.context:
            how = {"scram": "SASL/SCRAM over TLS", "oauth": "SASL/OAUTHBEARER over TLS",
                   "mtls": "TLS client certificates"}.get(result.security, result.security)
            print(f"secured ({how}): `kctl --context {result.context} ...` logs in as the super user", file=sys.stderr)
        if result.oidc is not None and result.oidc.running:
            o = result.oidc
            print(f"oidc issuer: pid {o.pid}, {o.issuer}, token {o.token_url}, log {o.log_file}", file=sys.stderr)
        if result.temporal is not None and result.temporal.running:
            t = result.temporal
            print(f"temporal: pid {t.pid}, {t.address}, UI {t.ui_url}, db {t.db_file}, log {t.log_file}", file=sys.stderr)
        if result.schema_registry is not None and result.schema_registry.running:
            r = result.schema_registry
            print(f"schema registry: pid {r.pid}, {r.url}, db {r.db_file}, log {r.log_file}", file=sys.stderr)
        if result.connect is not None and result.connect.running:
            c = result.connect
            print(f"connect: pid {c.pid}, {c.url}, config {c.config_file}, log {c.log_file}", file=sys.stderr)


@app.command()
def down(
    ctx: typer.Context,
    instance: Optional[int] = INSTANCE,
    all_instances: bool = typer.Option(False, "--all", help="Stop every local instance."),
    grace: float = typer.Option(20.0, "--grace", click_type=Duration(minimum=0, maximum=3600),
                                help="How long to wait after SIGTERM before SIGKILL (20s; bare seconds)."),
    reset: bool = typer.Option(False, "--reset", help="Also wipe the instance's data."),
    yes: bool = typer.Option(False, "--yes", "-y", help="--reset: wipe without asking (needed when stdin is not a terminal)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="--reset: only show what would be wiped (nothing stops)."),
):
    """Stop a local instance, its Temporal server, Schema Registry and Connect worker too (gracefully, then forcefully).

    Example: kctl local down --all
    """
    from kctl.services import local  # not on local --help's path

    obj = app_context(ctx)
    wiped = (local.known_instances() if all_instances else [_instance(ctx, instance)]) if reset else None
    if not _approve_wipe(ctx, wiped, yes, dry_run):
        return
    if all_instances:
        results = local.down_all(obj.registry_data, grace)
    else:
        results = [local.down(obj.registry_data, _instance(ctx, instance), grace)]
    if reset:
        for result in results:
            local.wipe(result.instance)
    render(results, obj.output, kind=LocalInstance)


@app.command()
def status(ctx: typer.Context, instance: Optional[int] = typer.Option(
        None, "--instance", "-i", help="Only this instance (default: every instance started here, or the global -i).")):
    """Show local instances: up, degraded (naming the brokers that are down) or down; pids, ports, Temporal.

    Example: kctl local status -o json
    """
    from kctl.services import local  # not on local --help's path

    obj = app_context(ctx)
    only = instance if instance is not None else obj.instance
    render(local.status(obj.registry_data, only), obj.output, kind=LocalInstance)


@app.command()
def logs(
    ctx: typer.Context,
    instance: Optional[int] = INSTANCE,
    broker: int = typer.Option(1, "--broker", help="Which broker of the instance (1..3)."),
    temporal: bool = typer.Option(False, "--temporal", help="The Temporal dev server's log instead of a broker's."),
    schema_registry: bool = typer.Option(False, "--schema-registry", help="The Schema Registry's log instead of a broker's."),
    oidc: bool = typer.Option(False, "--oidc", help="The OIDC issuer's log (--security oauth) instead of a broker's."),
    connect: bool = typer.Option(False, "--connect", help="The Kafka Connect worker's log instead of a broker's."),
    follow: bool = typer.Option(False, "--follow", help="Keep printing new lines (like tail -f)."),
    lines: int = typer.Option(50, "--lines", "-n", min=0, help="How many last lines to show."),
):
    """Show a local broker's log (or the Temporal server's).

    Example: kctl local logs --follow -n 100
    """
    from kctl.services import local  # not on local --help's path

    server = next(iter(_servers(schema_registry=schema_registry, temporal=temporal, oidc=oidc, connect=connect)), None)
    path = local.log_path(_instance(ctx, instance), broker, server)
    if follow:
        for line in local.follow(path, lines):
            print(line, flush=True)
    else:
        for line in local.log_tail(path, lines):
            print(line)
