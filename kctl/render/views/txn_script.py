"""Views of kctl.models.txn_script: `txn run` (a transaction script's steps)."""

from __future__ import annotations

from kctl.render.view import Column, Lines, Section, View

ScriptResult = View((
    Section("steps", (
        Column("STEP", lambda s: "-" if s.index == 0 else str(s.index)),
        Column("ACTION", "step"),
        Column("DETAIL", "detail"),
        Column("STATUS", "status"),
        Column("MS", lambda s: "" if s.elapsed_ms is None else f"{s.elapsed_ms:.1f}"),
        Column("ERROR", lambda s: s.error or ""),
    ), rows=lambda r: r.steps),
    Lines(lambda r: f"transactional id {r.transactional_id}: {r.outcome}; {r.committed} committed, {r.aborted} aborted"),
))
