"""`kctl groups lag` and `kctl topics lag` (registered by kctl.cli.groups and kctl.cli.topics)."""

from __future__ import annotations

from typing import List, Optional

import typer

from kctl.cli.complete import complete_topics
from kctl.cli.context import app_context, no_empty_names
from kctl.cli.options import Duration
from kctl.errors import UsageError
from kctl.render import render
from kctl.render.groups import follow


def groups_lag(
    ctx: typer.Context,
    group_ids: List[str] = typer.Argument(..., metavar="GROUP...", help="Groups to watch.", callback=no_empty_names),
    topic: Optional[str] = typer.Option(None, "--topic", "-t", metavar="TOPIC", help="Only this topic's partitions.",
                                        autocompletion=complete_topics),
    watch: bool = typer.Option(False, "--watch", "-w", help="Refresh until Ctrl-C: a live table on a terminal, "
                                                            "one JSON line per refresh otherwise (-o csv/yaml: exit 2)."),
    interval: float = typer.Option(2.0, "--interval", click_type=Duration(minimum=0.001, maximum=3600),
                                   help="Time between samples (the rate window of a one-shot report): 500ms, 2s, 1m; at most 1h."),
):
    """Lag per partition with consume and produce rates (records/s), trend and time to catch up.

    Without --watch: two samples --interval apart. With --watch: refreshes every --interval; a
    refresh no broker answered is shown as a warning and the watch goes on.

    Example: kctl groups lag billing --watch --interval 5s
    """
    from kctl.models import LagReport  # not on groups --help's path
    from kctl.services.groups import lag  # not on groups --help's path

    obj = app_context(ctx)
    seconds = interval
    if watch and obj.output in ("csv", "yaml"):
        raise UsageError(f"--watch with -o {obj.output}: a watch streams a live table on a terminal or one JSON "
                         "line per refresh", hint="-o json, or drop --watch for one report")
    if watch:
        follow(lag.watch_lag(obj.client_conf(), obj.timeout, group_ids, topic, seconds),
               live=obj.output in ("table", "wide") and obj.stdout_is_tty)
        return
    report = lag.lag_report(obj.client_conf(), obj.timeout, group_ids, topic, seconds)
    render(report, obj.output, kind=LagReport)
    error = lag.lag_failure(report)
    if error is not None:
        raise error
