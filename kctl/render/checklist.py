"""The e2e checklist: the step rows of the live view (stderr, TTY only) and of the final table
(stdout: the E2EReport view, kctl.render.views.e2e)."""

from __future__ import annotations

import time

from kctl import models
from kctl.render.blocks import Styled, new_table, to_rich

_ICONS = {
    "passed": ("✓", "green"),
    "failed": ("✗", "red"),
    "skipped": ("-", "dim"),
    "pending": ("·", "dim"),
    "running": ("…", "yellow"),
}


def seconds(ms: float) -> str:
    return f"{ms / 1000:.2f}s" if ms >= 1000 else f"{ms:.0f}ms"


def step_rows(steps, running_since: dict[str, float] | None = None):
    """(icon, title, time, detail) cells of each step; a running step shows its elapsed time."""
    rows = []
    for number, step in enumerate(steps, 1):
        icon, style = _ICONS.get(step.status, ("?", ""))
        if step.status == "running" and running_since and step.name in running_since:
            took = seconds((time.monotonic() - running_since[step.name]) * 1000)
        elif step.status in ("passed", "failed"):
            took = seconds(step.duration_ms)
        else:
            took = ""
        detail = step.detail or ""
        if step.error:
            detail = Styled(f"{detail}; {step.error}" if detail else step.error, "red")
        title = f"{number}. {step.title}"
        if step.status in ("pending", "skipped"):
            title = Styled(title, "dim")
        rows.append((Styled(icon, style), title, took, detail))
    return rows


def checklist_table(steps, title: str | None = None, running_since: dict[str, float] | None = None):
    table = new_table("", "STEP", "TIME", "DETAIL", title=title)
    for row in step_rows(steps, running_since):
        table.add_row(*row)
    return table


def verdict(ok: bool) -> str:
    return "PASSED" if ok else "FAILED"


def colour(ok: bool) -> str:
    return "green" if ok else "red"


def where(report: models.E2EReport) -> str:
    return f"instance {report.instance} ({report.bootstrap})" if report.instance is not None else report.bootstrap


class LiveChecklist:
    """Follows a run through the service's progress calls and redraws the checklist on stderr.

    Use only when stderr is a terminal. transient=True erases it at the end (when the final
    table follows on the same terminal).
    """

    def __init__(self, console, transient: bool = True):
        self.console = console
        self.transient = transient
        self.live = None
        self.label = ""
        self.steps: list = []
        self.since: dict[str, float] = {}

    def _renderable(self):
        return to_rich([checklist_table(self.steps, title=f"e2e {self.label}", running_since=self.since)])

    def run_started(self, label: str, steps) -> None:
        from rich.live import Live  # heavy: rich

        self._stop()
        self.label, self.steps, self.since = label, list(steps), {}
        self.live = Live(self._renderable(), console=self.console, transient=self.transient,
                         refresh_per_second=8, get_renderable=self._renderable)
        self.live.start()

    def _replace(self, step) -> None:
        self.steps = [step if s.name == step.name else s for s in self.steps]

    def step_started(self, step) -> None:
        self.since[step.name] = time.monotonic()
        self._replace(step)

    def step_finished(self, step) -> None:
        self._replace(step)
        if self.live is not None:
            self.live.refresh()

    def _stop(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._stop()
