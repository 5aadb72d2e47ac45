"""Tables of `kctl connect`: BUILDERS (model name -> builder) is merged into kctl.render.tables."""

from __future__ import annotations

from typing import Callable

from kctl.render.blocks import Styled, new_table

BUILDERS: dict[str, Callable] = {}
_STATE_STYLE = {"RUNNING": "green", "FAILED": "red", "PAUSED": "yellow", "STOPPED": "yellow"}


def table_for(model_name: str):
    def register(fn):
        BUILDERS[model_name] = fn
        return fn

    return register


def _state(state: str):
    style = _STATE_STYLE.get(state)
    return Styled(state, style) if style else state


@table_for("ConnectorSummary")
def connectors_table(rows):
    table = new_table("NAME", "TYPE", "STATE", "TASKS", "RUNNING", "FAILED", "WORKER", wide=("WORKER",))
    for c in rows if isinstance(rows, list) else [rows]:
        table.add_row(c.name, c.type, _state(c.state), str(c.tasks), str(c.tasks_running),
                      Styled(str(c.tasks_failed), "red") if c.tasks_failed else "0", c.worker or "-")
    return table


@table_for("ConnectorInfo")
def connector_table(c):
    head = [f"connector {c.name}: {c.type}, {c.state}" + (f" on {c.worker}" if c.worker else "")]
    if c.trace:
        head += ["  " + line for line in c.trace.splitlines()]
    config = new_table("SETTING", "VALUE")
    for key, value in c.config.items():
        config.add_row(key, value)
    tasks = new_table("TASK", "STATE", "WORKER")
    for t in c.tasks:
        tasks.add_row(str(t.id), _state(t.state), t.worker or "-")
    traces = []
    for t in c.tasks:
        if t.trace:
            traces.append(Styled(f"task {t.id} trace:", "red"))
            traces += ["  " + line for line in t.trace.splitlines()]
    return [*head, config, tasks, *traces]


@table_for("ConnectPlugin")
def plugins_table(rows):
    table = new_table("CLASS", "TYPE", "VERSION")
    for p in rows if isinstance(rows, list) else [rows]:
        table.add_row(p.class_name, p.type, p.version)
    return table
