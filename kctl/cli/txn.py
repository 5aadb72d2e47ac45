"""`kctl txn`: list and describe transactions, show partition producers, find and abort hanging transactions."""

from __future__ import annotations

from typing import List, Optional

import typer

from kctl.cli.complete import complete_topics
from kctl.cli.confirm import DRY_RUN, YES, approve
from kctl.cli.context import app_context, no_empty_names
from kctl.cli.options import Duration, one_topic, topic_option
from kctl.errors import TransactionAbortable, TransactionFatal
from kctl.models.choices import TXN_STATES, help_list
from kctl.parsing import parse_partitions
from kctl.render import render

# Wire types of the values (ids and epochs): larger numbers are usage errors before any request.
INT16_MAX, INT32_MAX, INT64_MAX = 2**15 - 1, 2**31 - 1, 2**63 - 1

app = typer.Typer(help="Inspect transactions and producers; find and abort hanging transactions.", no_args_is_help=True)

PARTITIONS = typer.Option([], "--partition", "-p", metavar="P[,P...]", help="Only these partitions (repeatable).")


@app.command("list")
def list_(
    ctx: typer.Context,
    states: List[str] = typer.Option([], "--state", metavar="STATE",
                                      help=f"Only transactions in this state (repeatable): "
                                           f"{help_list(TXN_STATES, ('PrepareEpochFence',))} (any case)."),
    producer_ids: List[int] = typer.Option([], "--producer-id", metavar="N", min=0, max=INT64_MAX,
                                           help="Only this producer id (repeatable)."),
    pattern: Optional[str] = typer.Option(None, "--pattern", metavar="REGEX",
                                          help="Only transactional ids whose whole id matches this regular expression (Kafka 4.1+)."),
    min_duration_ms: Optional[int] = typer.Option(None, "--min-duration-ms",
                                                  click_type=Duration("ms", minimum=0, maximum=INT64_MAX, integer=True),
                                                  help="Only transactions open for longer than this (ms, or 30s, 5m; Kafka 3.8+)."),
):
    """List transactional ids with producer id, epoch, state and coordinator.

    Example: kctl txn list --state ongoing -o json
    """
    from kctl.models import TransactionSummary  # not on txn --help's path
    from kctl.services import txn  # not on txn --help's path

    obj = app_context(ctx)
    result = txn.list_transactions(obj.client_conf(), obj.timeout, states, producer_ids, pattern, min_duration_ms)
    render(result, obj.output, kind=TransactionSummary)


@app.command()
def describe(
    ctx: typer.Context,
    transactional_ids: List[str] = typer.Argument(..., metavar="TRANSACTIONAL_ID...", help="Transactional ids to describe.",
                                                  callback=no_empty_names),
):
    """Show state, producer id/epoch, timeout, start time and partitions of transactions.

    Example: kctl txn describe payments-tx-0 -o yaml
    """
    from kctl.models import TransactionDetail  # not on txn --help's path
    from kctl.services import txn  # not on txn --help's path

    obj = app_context(ctx)
    result = txn.describe_transactions(obj.client_conf(), obj.timeout, transactional_ids)
    if result.transactions:
        render(list(result.transactions), obj.output, kind=TransactionDetail)
    error = txn.describe_failure(result)
    if error is not None:
        raise error


@app.command("describe-producers")
def describe_producers(
    ctx: typer.Context,
    topic_arg: Optional[str] = typer.Argument(None, metavar="TOPIC", help="The topic whose partitions to read (or -t/--topic).",
                                              autocompletion=complete_topics, callback=no_empty_names, show_default=False),
    topic: Optional[str] = topic_option(),
    partitions: List[str] = PARTITIONS,
    broker: Optional[int] = typer.Option(None, "--broker", metavar="ID", min=0, max=INT32_MAX,
                                         help="Ask this replica instead of each partition's leader."),
):
    """Show the active producers of a topic's partitions and their open transactions.

    Example: kctl txn describe-producers orders --partition 0,1
    """
    from kctl.models import PartitionProducers  # not on txn --help's path
    from kctl.services import txn  # not on txn --help's path

    obj = app_context(ctx)
    rows = txn.describe_producers(obj.client_conf(), obj.timeout, one_topic(topic_arg, topic), parse_partitions(partitions), broker)
    render(rows, obj.output, kind=PartitionProducers)
    error = txn.producers_failure(rows)
    if error is not None:
        raise error


@app.command("find-hanging")
def find_hanging(
    ctx: typer.Context,
    topic_arg: Optional[str] = typer.Argument(None, metavar="[TOPIC]", help="Only this topic (or -t/--topic).",
                                              autocompletion=complete_topics, show_default=False),
    broker: Optional[int] = typer.Option(None, "--broker", metavar="ID", min=0, max=INT32_MAX,
                                         help="Only the partitions this broker hosts (asked of it)."),
    topic: Optional[str] = topic_option("Only this topic."),
    partitions: List[str] = PARTITIONS,
    max_age_ms: int = typer.Option(900_000, "--max-age-ms",
                                   click_type=Duration("ms", minimum=0, maximum=INT64_MAX, integer=True),
                                   help="Only transactions idle for longer than this (ms, or 15m, 1h; default: 15 min, "
                                        "the brokers' default transaction.max.timeout.ms)."),
):
    """Find open transactions that their coordinator has forgotten (they block read_committed consumers).

    Example: kctl txn find-hanging --broker 1 -o json
    """
    from kctl.services import txn  # not on txn --help's path

    obj = app_context(ctx)
    report = txn.find_hanging(obj.client_conf(), obj.timeout, broker, one_topic(topic_arg, topic, required=False),
                              parse_partitions(partitions), max_age_ms)
    render(report, obj.output)
    error = txn.hanging_failure(report)
    if error is not None:
        raise error


@app.command()
def abort(
    ctx: typer.Context,
    topic_arg: Optional[str] = typer.Argument(None, metavar="TOPIC", help="The partition's topic (or -t/--topic).",
                                              autocompletion=complete_topics, callback=no_empty_names, show_default=False),
    topic: Optional[str] = topic_option("The partition's topic."),
    partition: int = typer.Option(..., "--partition", "-p", metavar="P", max=INT32_MAX, help="The partition."),
    start_offset: Optional[int] = typer.Option(None, "--start-offset", metavar="N", max=INT64_MAX,
                                               help="The offset the open transaction starts at on the partition."),
    producer_id: Optional[int] = typer.Option(None, "--producer-id", metavar="N", min=0, max=INT64_MAX,
                                              help="Its producer id (instead of --start-offset)."),
    producer_epoch: Optional[int] = typer.Option(None, "--producer-epoch", metavar="N", min=0, max=INT16_MAX,
                                                 help="Its producer epoch."),
    coordinator_epoch: Optional[int] = typer.Option(None, "--coordinator-epoch", metavar="N", min=-1, max=INT32_MAX,
                                                    help="Its coordinator epoch (default: read from the partition)."),
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
):
    """Abort an open (hanging) transaction on one partition (shows it and asks first).

    Example: kctl txn abort orders -p 3 --start-offset 1200 --yes
    """
    from kctl.services import txn  # not on txn --help's path

    obj = app_context(ctx)
    topic = one_topic(topic_arg, topic)

    def confirm(plan) -> bool:
        start = "?" if plan.start_offset is None else plan.start_offset
        return approve(obj, plan, f"abort the transaction of producer {plan.producer_id} (epoch {plan.producer_epoch}) "
                                  f"open on {plan.topic}:{plan.partition} since offset {start} (its records become "
                                  "invisible to read_committed consumers)", yes=yes, dry_run=dry_run)

    result = txn.abort_transaction(obj.client_conf(), obj.timeout, topic, partition, start_offset, producer_id,
                                   producer_epoch, coordinator_epoch, confirm=confirm)
    render(result, obj.output)


@app.command("run")
def run_(
    ctx: typer.Context,
    script: str = typer.Argument(..., metavar="SCRIPT.yaml", help="The script: steps (begin, send, send-offsets, sleep, "
                               "commit, abort) and an optional transactional_id."),
    transactional_id: Optional[str] = typer.Option(None, "--transactional-id", metavar="ID",
                                                   help="Overrides the script's transactional_id.",
                                                   callback=no_empty_names),
):
    """Run a scripted transaction: each step a row; a failure aborts the open transaction (exit 7).

    Example: kctl txn run script.yaml -o json
    """
    from kctl.services.txn_script import run_script  # not on txn --help's path

    obj = app_context(ctx)
    result = run_script(obj.client_conf(), script, transactional_id, obj.timeout)
    render(result, obj.output)
    if result.outcome == "fatal":
        raise TransactionFatal(f"the transactional producer failed fatally: {result.error}",
                               hint="fenced by a newer producer with the same transactional id, or broken")
    if result.outcome != "ok":
        raise TransactionAbortable(f"the script failed and its open transaction was aborted: {result.error}")
