"""`kctl copy SRC DST`: copy a topic, exactly once within a cluster, at least once across clusters."""

from __future__ import annotations

import dataclasses
from typing import List, Optional

import typer

from kctl.cli.complete import complete_topics
from kctl.cli.context import app_context, no_empty_names, positive_number
from kctl.cli.options import WHERE_HELP, Duration, Position, where_reported
from kctl.cli.progress import ProgressLine
from kctl.errors import PartialFailure
from kctl.render import render


def copy(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="SRC", help="Source topic.", autocompletion=complete_topics,
                                 callback=no_empty_names),
    destination: str = typer.Argument(..., metavar="DST", help="Destination topic.", callback=no_empty_names),
    from_instance: Optional[int] = typer.Option(None, "--from-instance", "-I", metavar="N",
                                                help="Source instance (default: the global -i/-b/--context)."),
    from_context: Optional[str] = typer.Option(None, "--from-context", metavar="NAME", help="Source context."),
    to_instance: Optional[int] = typer.Option(None, "--to-instance", metavar="N", help="Destination instance."),
    to_context: Optional[str] = typer.Option(None, "--to-context", metavar="NAME", help="Destination context."),
    to_bootstrap: Optional[str] = typer.Option(None, "--to-bootstrap", metavar="HOST:PORT[,...]",
                                               help="Destination bootstrap servers.", callback=no_empty_names),
    group: Optional[str] = typer.Option(None, "--group", "-g", help="The group that records progress "
                                        "(default kctl-copy-SRC--DST): the same group resumes.",
                                        callback=no_empty_names),
    transactional_id: Optional[str] = typer.Option(None, "--transactional-id", metavar="ID",
                                                   help="Transactional id (default: the group).",
                                                   callback=no_empty_names),
    from_: Optional[str] = typer.Option(None, "--from", click_type=Position("from"), help="Where partitions the group "
                                        "never copied start: beginning (default), end, OFFSET, -N, TIME (@TIME, -1h, ISO 8601)."),
    until: Optional[str] = typer.Option(None, "--until", click_type=Position("until"),
                                        help="Stop before: end (default: the end offsets at start), OFFSET, TIME (@TIME, -1h, ISO 8601)."),
    follow: bool = typer.Option(False, "--follow", help="Keep copying new records until Ctrl-C/SIGTERM."),
    match: List[str] = typer.Option([], "--match", metavar="FIELD=REGEX",
                                    help="Copy only records where key=, value= or header.NAME= matches (repeatable)."),
    where: Optional[str] = typer.Option(None, "--where", metavar="EXPR", help=WHERE_HELP),
    rate: Optional[float] = typer.Option(None, "--rate", metavar="N", help="At most N records per second.",
                                         callback=positive_number),
    batch: int = typer.Option(5000, "--batch", metavar="N", min=1, max=1_000_000, help="Records per transaction (at most)."),
    batch_ms: float = typer.Option(200.0, "--batch-ms", click_type=Duration("ms", minimum=1, maximum=600000),
                                   help="How long a batch collects records, at most (ms, or 1s)."),
    partition_preserve: Optional[bool] = typer.Option(None, "--partition-preserve/--no-partition-preserve",
                                                      help="Same partition in DST (default when DST has at least "
                                                           "as many partitions), or the partitioner."),
    create: bool = typer.Option(False, "--create", help="Create DST with SRC's partitions and configs."),
):
    """Copy a topic's records (key, value, headers, timestamp), resumably.

    Within one cluster exactly once (read_committed source, one transaction per batch with the
    source offsets in it); to another cluster at least once. Exit 0 only when everything up to the
    stop point is committed in DST.

    Example: kctl copy orders orders-backup --create
    """
    from kctl.services.copy import CopyOptions  # not on copy --help's path
    from kctl.services.copy import copy as run_copy  # not on copy --help's path

    obj = app_context(ctx)
    opts = CopyOptions.parse(source, destination, from_=from_, until=until, match=match, group=group,
                             transactional_id=transactional_id, follow=follow, rate=rate, batch=batch,
                             batch_ms=batch_ms, partition_preserve=partition_preserve, create=create,
                             timeout=obj.timeout)
    if where is not None:
        from kctl.services.where import compile_where  # not on copy --help's path

        opts = dataclasses.replace(opts, where=compile_where(where))
    src = obj
    if from_instance is not None or from_context is not None:  # replaces the global -b/-i/--context
        src = dataclasses.replace(obj, instance=from_instance, context_name=from_context, bootstrap=None)
    dst_conf = None
    if to_instance is not None or to_context is not None or to_bootstrap is not None:
        dst = dataclasses.replace(obj, instance=to_instance, context_name=to_context, bootstrap=to_bootstrap)
        dst_conf = dst.client_conf()
    progress = ProgressLine.copy() if obj.progress_on_stderr else None
    try:
        with where_reported(opts.where):
            summary = run_copy(opts, src.client_conf(), dst_conf, progress)
    finally:
        if progress:
            progress.close()
    render(summary, obj.output)
    if not summary.complete:
        raise PartialFailure("the copy stopped before its stop point")
