"""Views of kctl.models.e2e: the e2e checklist and latency, the summary of several runs."""

from __future__ import annotations

from kctl.render.blocks import Styled
from kctl.render.checklist import colour, seconds, step_rows, verdict, where
from kctl.render.view import Column, Section, View, item

_STEP_COLUMNS = (Column("", item(0)), Column("STEP", item(1)), Column("TIME", item(2)), Column("DETAIL", item(3)))


def _title(report) -> Styled:
    return Styled(f"e2e {verdict(report.ok)}: {where(report)}, topic {report.topic}, "
                  f"{seconds(report.duration_ms)} (exit {report.exit_code})", colour(report.ok))


def _latency_rows(report):
    """(label, figures, style): a row per partition, then the overall figures in bold."""
    if report.latency is None:
        return []
    return [*((str(p.partition), p, None) for p in report.latency.partitions), ("all", report.latency.overall, "bold")]


def _ms(name: str) -> Column:
    return Column(f"{name.upper()} MS", lambda r: f"{getattr(r[1], name + '_ms'):.2f}", style=item(2))


E2EReport = View((
    Section("steps", _STEP_COLUMNS, rows=lambda r: step_rows(r.steps), title=_title),
    Section("latency", (
        Column("PARTITION", item(0), style=item(2)),
        Column("RECORDS", lambda r: r[1].count, style=item(2)),
        _ms("p50"), _ms("p95"), _ms("p99"), _ms("max"),
    ), rows=_latency_rows, title=lambda r: "latency", when=lambda r: r.latency is not None),
))


def _summary_title(summary) -> Styled:
    figures = []
    if summary.duration_p50_ms is not None:
        figures.append(f"run time p50 {seconds(summary.duration_p50_ms)} max {seconds(summary.duration_max_ms)}")
    if summary.p99_p50_ms is not None:
        figures.append(f"latency p99 p50 {summary.p99_p50_ms:.1f}ms max {summary.p99_max_ms:.1f}ms")
    return Styled(f"e2e {verdict(summary.ok)}: {len(summary.runs)} runs, {summary.passed} passed, {summary.failed} failed"
                  + ("; " + ", ".join(figures) if figures else ""), colour(summary.ok))


def _summary_rows(summary):
    rows = []
    for number, run in enumerate(summary.runs, 1):
        rows.append((str(number), "-" if run.instance is None else str(run.instance), run.bootstrap,
                     Styled("passed", "green") if run.ok else Styled(f"failed ({run.exit_code})", "red"),
                     seconds(run.duration_ms), f"{run.latency.overall.p99_ms:.2f}" if run.latency else "-",
                     ", ".join(f"{s.name}: {s.error}" for s in run.failed_steps)))
    rows += [("-", str(instance), "", Styled("no answer", "dim"), "", "", "") for instance in summary.unreachable]
    return rows


E2ESummary = View((
    Section("runs", tuple(Column(header, item(i)) for i, header in enumerate(
        ("RUN", "INSTANCE", "BOOTSTRAP", "RESULT", "TIME", "P99 MS", "FAILED STEPS"))),
        rows=_summary_rows, title=_summary_title),
))
