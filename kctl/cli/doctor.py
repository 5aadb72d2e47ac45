"""`kctl doctor`: what is wrong with the cluster, and what to do about it."""

from __future__ import annotations

from typing import Optional

import typer

from kctl.cli.context import app_context
from kctl.errors import CheckFailed
from kctl.render import render


def doctor(
    ctx: typer.Context,
    expect_brokers: Optional[int] = typer.Option(None, "--expect-brokers", min=1, max=100_000,
                                                 help="Brokers the cluster should have (default: the local instance's count, when the target is one)."),
):
    """Check the cluster: reachability, clock skew, replication, unclean election, balance, disks, groups, transactions.

    Each item has a verdict (ok, info, warning, error), the evidence and what to do; exit 8 on any warning.
    One round of batched requests, whatever the number of topics.

    Example: kctl doctor -i 1 -o json
    """
    from kctl.services import doctor as doctor_service  # not on doctor --help's path

    obj = app_context(ctx)
    report = doctor_service.doctor(obj.client_conf(), obj.timeout, expect_brokers, obj.target.instance)
    render(report, obj.output)
    if not report.healthy:
        failing = [c.check for c in report.checks if c.verdict in ("warning", "error", "critical")]
        raise CheckFailed(f"doctor: {report.status} ({', '.join(failing)})", hint="the WHAT TO DO column says how to fix each")
