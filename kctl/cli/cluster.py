"""`kctl cluster`: what the cluster is made of."""

from __future__ import annotations

from typing import List, Optional

import typer

from kctl.cli.confirm import DRY_RUN, YES, approve, approved, plural
from kctl.cli.context import app_context, no_empty_names
from kctl.cli.options import Duration
from kctl.errors import CheckFailed, UsageError, failure_of
from kctl.models import ClientMetricsSubscription, FeatureLevel, OperationResult
from kctl.models.replicas import Reassignment
from kctl.render import render

app = typer.Typer(help="Inspect the cluster: id, controller, brokers, health.", no_args_is_help=True)


@app.command()
def describe(ctx: typer.Context):
    """Show the cluster id, the controller and the brokers with their addresses.

    Example: kctl cluster describe -i 1 -o json
    """
    from kctl.services import cluster  # not on cluster --help's path

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
    from kctl.services import health as health_service  # not on cluster --help's path

    obj = app_context(ctx)
    conf = obj.client_conf()
    report = health_service.cluster_health(conf, obj.timeout, expect_brokers, obj.target.instance)
    render(report, obj.output)
    if not report.healthy:
        raise CheckFailed(f"cluster health: {report.status} ({len(report.findings)} finding(s))",
                          hint="the findings above say which partitions and brokers")


@app.command("log-dirs")
def log_dirs(
    ctx: typer.Context,
    broker: Optional[int] = typer.Option(None, "--broker", min=0, max=2**31 - 1, help="Only this broker."),
    topic: Optional[str] = typer.Option(None, "--topic", "-t", help="Only the replicas of this topic.", callback=no_empty_names),
):
    """Show each broker's log dirs: capacity, free space, size per topic and partition, future replicas.

    Example: kctl cluster log-dirs --broker 1 --topic orders -o json
    """
    from kctl.models import LogDirInfo  # not on cluster --help's path
    from kctl.services import replicas  # not on cluster --help's path

    obj = app_context(ctx)
    render(replicas.log_dirs(obj.client_conf(), obj.timeout, broker, topic), obj.output, kind=LogDirInfo)


@app.command()
def reassignments(
    ctx: typer.Context,
    topic: Optional[str] = typer.Option(None, "--topic", "-t", help="Only this topic's partitions.", callback=no_empty_names),
    cancel: bool = typer.Option(False, "--cancel", help="Cancel the reassignments in progress (the old replicas stay; "
                                                        "shows them and asks first)."),
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
):
    """Show the partition reassignments in progress, or cancel them.

    Example: kctl cluster reassignments --cancel --topic orders --yes
    """
    from kctl.services import plans, replicas  # not on cluster --help's path

    obj = app_context(ctx)
    if (yes or dry_run) and not cancel:
        raise UsageError("--yes and --dry-run go with --cancel (without it nothing changes)")
    conf = obj.client_conf()
    go = False
    if cancel:
        go, result = approved(obj, lambda: plans.cancel_reassignments(conf, obj.timeout, topic),
                              lambda p: f"cancel {plural(len(p.moves), 'partition reassignment')}",
                              yes=yes, dry_run=dry_run, changes=lambda p: bool(p.moves))
    if go or not cancel:
        result = replicas.reassignments(conf, obj.timeout, topic, cancel=cancel)
    if cancel:
        render(result, obj.output)
        error = replicas.failure(result)
        if error is not None:
            raise error
    else:
        render(result, obj.output, kind=Reassignment)


@app.command("elect-leaders")
def elect_leaders(
    ctx: typer.Context,
    preferred: bool = typer.Option(False, "--preferred", help="Move leadership back to each partition's preferred replica (the default)."),
    unclean: bool = typer.Option(False, "--unclean", help="Elect an out-of-sync replica where no in-sync one is left (may lose records)."),
    topic: Optional[str] = typer.Option(None, "--topic", "-t", help="Only this topic's partitions (default: every partition).",
                                        callback=no_empty_names),
    yes: bool = typer.Option(False, "--yes", "-y", help="--unclean: do it without asking (needed when stdin is not a terminal)."),
    dry_run: bool = DRY_RUN,
):
    """Run a preferred (or unclean) leader election (--unclean shows the partitions and asks first).

    Example: kctl cluster elect-leaders --preferred --topic orders
    """
    from kctl.services import plans, replicas  # not on cluster --help's path

    if preferred and unclean:
        raise UsageError("give --preferred or --unclean, not both")
    obj = app_context(ctx)
    conf = obj.client_conf()
    # A preferred election loses nothing: it asks no question (--dry-run still shows what would move).
    go, result = approved(obj, lambda: plans.elect_leaders(conf, obj.timeout, topic, unclean=unclean),
                          lambda p: f"elect out-of-sync leaders for {plural(sum(1 for i in p.items if i.detail.startswith('would')), 'partition')} "
                                    "(records they lack are lost)", yes=yes or not unclean, dry_run=dry_run)
    if go:
        result = replicas.elect_leaders(conf, obj.timeout, topic, unclean=unclean)
    render(result, obj.output, kind=OperationResult)
    error = failure_of(result.items, "cluster elect-leaders")
    if error is not None:
        raise error


@app.command()
def features(
    ctx: typer.Context,
    direction: Optional[str] = typer.Argument(None, metavar="[upgrade|downgrade]", help="Change a feature's level."),
    feature: Optional[str] = typer.Argument(None, metavar="[FEATURE]", help="The feature (group.version, share.version...).",
                                           callback=no_empty_names),
    level: Optional[int] = typer.Option(None, "--level", help="The level to finalize (0: off)."),
    unsafe: bool = typer.Option(False, "--unsafe", help="downgrade: Kafka's unsafe downgrade (may lose metadata)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Change without asking (needed when stdin is not a terminal)."),
    dry_run: bool = DRY_RUN,
):
    """List the finalized feature levels (metadata.version, group.version, share.version and others), or change one.

    Example: kctl cluster features   |   kctl cluster features upgrade share.version --level 1 --yes
    """
    from kctl.services import cluster  # not on cluster --help's path

    obj = app_context(ctx)
    if direction is None:
        if level is not None or unsafe:
            raise UsageError("--level and --unsafe go with `features upgrade|downgrade FEATURE`")
        render(cluster.features(obj.client_conf(), obj.timeout), obj.output, kind=FeatureLevel)
        return
    if feature is None or level is None:
        raise UsageError(f"features {direction}: name the FEATURE and its --level")

    def confirm(plan) -> bool:
        return approve(obj, plan, plan.operation + f" to level {level}", yes=yes, dry_run=dry_run)

    result = cluster.change_feature(obj.client_conf(), obj.timeout, direction, feature, level, unsafe, confirm)
    render(result, obj.output)
    error = failure_of(result.items, result.operation)
    if error is not None:
        raise error


client_metrics_app = typer.Typer(help="KIP-714 client metrics subscriptions: which metrics matching clients push, how often.",
                                 no_args_is_help=True)
app.add_typer(client_metrics_app, name="client-metrics")


@client_metrics_app.command("list")
def client_metrics_list(ctx: typer.Context):
    """List the client metrics subscriptions with their metrics, interval and client match.

    Example: kctl cluster client-metrics list -o json
    """
    from kctl.services import client_metrics  # not on cluster --help's path

    obj = app_context(ctx)
    render(client_metrics.list_subscriptions(obj.client_conf(), obj.timeout), obj.output, kind=ClientMetricsSubscription)


@client_metrics_app.command("describe")
def client_metrics_describe(ctx: typer.Context, name: str = typer.Argument(..., help="The subscription.")):
    """Show one subscription (exit 4 when there is none).

    Example: kctl cluster client-metrics describe producers
    """
    from kctl.services import client_metrics  # not on cluster --help's path

    obj = app_context(ctx)
    render([client_metrics.describe(obj.client_conf(), obj.timeout, name)], obj.output, kind=ClientMetricsSubscription)


@client_metrics_app.command("set")
def client_metrics_set(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The subscription (made when it does not exist)."),
    metrics: Optional[List[str]] = typer.Option(None, "--metrics", help="Metric name prefixes, comma-separated or repeated ('*': all; '': none)."),
    interval: Optional[float] = typer.Option(None, "--interval", click_type=Duration(minimum=0.1, maximum=3600),
                                             help="How often matching clients push: 100ms to 1h (30s, 5m; bare seconds)."),
    match: Optional[List[str]] = typer.Option(None, "--match", help="Which clients: KEY=REGEX (client_id, client_software_name, ...), repeatable (all must match)."),
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
):
    """Create or change a subscription: checked by the broker first, shown as a plan, then applied.

    Example: kctl cluster client-metrics set producers --metrics org.apache.kafka.producer. --interval 1m --match client_id=billing-.* --yes
    """
    from kctl.services import client_metrics  # not on cluster --help's path

    obj = app_context(ctx)

    def confirm(plan) -> bool:
        return approve(obj, plan, plan.operation, yes=yes, dry_run=dry_run)

    interval_ms = None if interval is None else round(interval * 1000, 3)
    result = client_metrics.set_subscription(obj.client_conf(), obj.timeout, name, metrics, interval_ms, match, confirm)
    render(result, obj.output)
    error = failure_of(result.items, result.operation)
    if error is not None:
        raise error


@client_metrics_app.command("delete")
def client_metrics_delete(ctx: typer.Context, name: str = typer.Argument(..., help="The subscription."),
                          yes: bool = YES, dry_run: bool = DRY_RUN):
    """Delete a subscription (shows it and asks first); exit 4 when there is none.

    Example: kctl cluster client-metrics delete producers --yes
    """
    from kctl.services import client_metrics  # not on cluster --help's path

    obj = app_context(ctx)

    def confirm(plan) -> bool:
        return approve(obj, plan, plan.operation, yes=yes, dry_run=dry_run)

    result = client_metrics.delete_subscription(obj.client_conf(), obj.timeout, name, confirm)
    render(result, obj.output)
    error = failure_of(result.items, result.operation)
    if error is not None:
        raise error
