"""Views of kctl.models.replicas: reassignment plans and reassignments in progress."""

from __future__ import annotations

from kctl.render.view import Column, Lines, Section, View
from kctl.render.views.common import ids

_MOVE_STYLES = {"failed": "red", "started": "green", "cancelled": "yellow", "planned": "cyan"}


def _plan_title(plan) -> str:
    title = f"{plan.operation} {plan.topic or ''}".strip()
    return title if plan.executed else title + ": plan (nothing changed; --yes/--execute does it)"


ReplicaReassignment = View((
    Section("moves", (
        Column("PARTITION", lambda m: f"{m.topic}:{m.partition}"),
        Column("CURRENT", lambda m: ids(m.current)),
        Column("TARGET", lambda m: ids(m.target)),
        Column("STATUS", "status", style=lambda m: _MOVE_STYLES.get(m.status, "")),
        Column("DETAIL", lambda m: m.error or ""),
    ), rows=lambda p: p.moves, title=_plan_title),
    Lines(lambda p: None if p.throttle_bytes is None else
          f"throttle: {p.throttle_bytes} bytes/s on the brokers involved (remove it when done)"),
))

Reassignment = View((
    Section("reassignments", (
        Column("PARTITION", lambda r: f"{r.topic}:{r.partition}"),
        Column("REPLICAS", lambda r: ids(r.replicas)),
        Column("ADDING", lambda r: ids(r.adding)),
        Column("REMOVING", lambda r: ids(r.removing)),
    )),
    Lines(lambda rows: None if rows else "no reassignment in progress"),
))
