"""The e2e checklist: one builder for the live view (stderr, TTY only) and the final tables (stdout)."""

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


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.2f}s" if ms >= 1000 else f"{ms:.0f}ms"


def step_rows(steps, running_since: dict[str, float] | None = None):
    """(icon, title, time, detail) cells of each step; a running step shows its elapsed time."""
    rows = []
    for number, step in enumerate(steps, 1):
        icon, style = _ICONS.get(step.status, ("?", ""))
        if step.status == "running" and running_since and step.name in running_since:
            took = _seconds((time.monotonic() - running_since[step.name]) * 1000)
        elif step.status in ("passed", "failed"):
            took = _seconds(step.duration_ms)
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


def _verdict(ok: bool) -> str:
    return "PASSED" if ok else "FAILED"


def _colour(ok: bool) -> str:
    return "green" if ok else "red"


def _where(report: models.E2EReport) -> str:
    return f"instance {report.instance} ({report.bootstrap})" if report.instance is not None else report.bootstrap


def report_blocks(report: models.E2EReport) -> list:
    title = (f"e2e {_verdict(report.ok)}: {_where(report)}, topic {report.topic}, "
             f"{_seconds(report.duration_ms)} (exit {report.exit_code})")
    parts = [checklist_table(report.steps, title=Styled(title, _colour(report.ok)))]
    if report.latency is not None:
        latency = new_table("PARTITION", "RECORDS", "P50 MS", "P95 MS", "P99 MS", "MAX MS", title="latency")
        for p in report.latency.partitions:
            latency.add_row(str(p.partition), str(p.count), f"{p.p50_ms:.2f}", f"{p.p95_ms:.2f}", f"{p.p99_ms:.2f}",
                            f"{p.max_ms:.2f}")
        o = report.latency.overall
        overall = ("all", str(o.count), f"{o.p50_ms:.2f}", f"{o.p95_ms:.2f}", f"{o.p99_ms:.2f}", f"{o.max_ms:.2f}")
        latency.add_row(*(Styled(cell, "bold") for cell in overall))
        parts.append(latency)
    return parts


def summary_blocks(summary: models.E2ESummary) -> list:
    figures = []
    if summary.duration_p50_ms is not None:
        figures.append(f"run time p50 {_seconds(summary.duration_p50_ms)} max {_seconds(summary.duration_max_ms)}")
    if summary.p99_p50_ms is not None:
        figures.append(f"latency p99 p50 {summary.p99_p50_ms:.1f}ms max {summary.p99_max_ms:.1f}ms")
    title = (f"e2e {_verdict(summary.ok)}: {len(summary.runs)} runs, {summary.passed} passed, {summary.failed} failed"
             + ("; " + ", ".join(figures) if figures else ""))
    table = new_table("RUN", "INSTANCE", "BOOTSTRAP", "RESULT", "TIME", "P99 MS", "FAILED STEPS",
                      title=Styled(title, _colour(summary.ok)))
    for number, run in enumerate(summary.runs, 1):
        failed = ", ".join(f"{s.name}: {s.error}" for s in run.failed_steps)
        table.add_row(
            str(number), "-" if run.instance is None else str(run.instance), run.bootstrap,
            Styled("passed", "green") if run.ok else Styled(f"failed ({run.exit_code})", "red"),
            _seconds(run.duration_ms), f"{run.latency.overall.p99_ms:.2f}" if run.latency else "-", failed,
        )
    for instance in summary.unreachable:
        table.add_row("-", str(instance), "", Styled("no answer", "dim"), "", "", "")
    return [table]


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
        from rich.live import Live

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
