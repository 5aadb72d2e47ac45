"""Views of kctl.models.connect: `kctl connect` connectors, a connector, plugins."""

from __future__ import annotations

from kctl.render.blocks import Styled
from kctl.render.view import Column, Lines, Section, View, item

_STATE_STYLES = {"RUNNING": "green", "FAILED": "red", "PAUSED": "yellow", "STOPPED": "yellow"}


def _state_style(row):
    return _STATE_STYLES.get(row.state)


ConnectorSummary = View((
    Section("connectors", (
        Column("NAME", "name"),
        Column("TYPE", "type"),
        Column("STATE", "state", style=_state_style),
        Column("TASKS", "tasks"),
        Column("RUNNING", "tasks_running"),
        Column("FAILED", "tasks_failed", style=lambda c: "red" if c.tasks_failed else None),
        Column("WORKER", lambda c: c.worker or "-", wide=True),
    )),
))


def _head(c) -> list[str]:
    head = [f"connector {c.name}: {c.type}, {c.state}" + (f" on {c.worker}" if c.worker else "")]
    return head + (["  " + line for line in c.trace.splitlines()] if c.trace else [])


def _traces(c) -> list:
    lines: list = []
    for t in c.tasks:
        if t.trace:
            lines.append(Styled(f"task {t.id} trace:", "red"))
            lines += ["  " + line for line in t.trace.splitlines()]
    return lines


ConnectorInfo = View((
    Lines(_head),
    Section("config", (Column("SETTING", item(0)), Column("VALUE", item(1))), rows=lambda c: list(c.config.items())),
    Section("tasks", (Column("TASK", "id"), Column("STATE", "state", style=_state_style),
                      Column("WORKER", lambda t: t.worker or "-")), rows=lambda c: c.tasks),
    Lines(_traces),
))

ConnectPlugin = View((
    Section("plugins", (Column("CLASS", "class_name"), Column("TYPE", "type"), Column("VERSION", "version"))),
))
