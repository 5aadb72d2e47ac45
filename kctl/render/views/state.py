"""Views of kctl.models.state: `diff`, `plan` and `apply`."""

from __future__ import annotations

from kctl.render.blocks import Styled
from kctl.render.view import Column, Lines, Section, View

StateDiff = View((
    Lines(lambda r: Styled(f"no differences between {r.left} and {r.right}", "green") if r.equal else None),
    Section("differences", (
        Column("KIND", "kind"),
        Column("NAME", "name"),
        Column("FIELD", lambda d: d.field or "-"),
        Column("CHANGE", "change"),
        Column("LEFT", "left"),
        Column("RIGHT", "right"),
    ), rows=lambda r: r.differences, title=lambda r: f"{r.left}  vs  {r.right}", when=lambda r: not r.equal),
))


def _applied(plan) -> bool:
    return plan.applied


StatePlan = View((
    Lines(lambda p: Styled(f"no changes: {p.target} matches the document", "green") if p.empty else None),
    Section("changes", (
        Column("STEP", "step"),
        Column("KIND", "kind"),
        Column("NAME", "name"),
        Column("ACTION", "action"),
        Column("DETAIL", "detail"),
        Column("STATUS", "status", when=_applied),
        Column("ERROR", lambda c: c.error or ""),
    ), rows=lambda p: p.changes, when=lambda p: not p.empty,
        title=lambda p: f"{p.target}: {', '.join(f'{n} {action}' for action, n in p.counts.items())}"),
))
