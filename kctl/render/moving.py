"""Table builders of the data-moving commands (copy; dump, restore), registered on import."""

from __future__ import annotations

from kctl.render.tables import new_table, table_for

register = True


@table_for("CopySummary")
def _copy_summary(s):
    table = new_table("PARTITION", "START", "STOP", "COMMITTED", "COPIED", "SKIPPED")
    for p in s.partitions:
        table.add_row(str(p.partition), str(p.start), "-" if p.stop is None else str(p.stop), str(p.committed),
                      str(p.copied), str(p.skipped))
    status = "complete" if s.complete else "INCOMPLETE"
    lines = [table, f"{s.source} -> {s.destination}: {s.copied} records copied, {s.skipped} skipped, "
                    f"{s.batches} batches in {s.elapsed_s:.2f}s ({s.rate:,.0f} records/s); {s.guarantee}; {status}; "
                    f"group {s.group}"]
    if s.note:
        lines.append(s.note)
    return lines


@table_for("DumpSummary")
def _dump_summary(s):
    table = new_table("TOPIC", "PARTITION", "RECORDS", "OFFSETS", "BYTES", "FILE")
    for p in s.partitions:
        offsets = "-" if p.first_offset is None else f"{p.first_offset}..{p.last_offset}"
        table.add_row(p.topic, str(p.partition), str(p.records), offsets, str(p.bytes), p.file)
    return [table, f"{s.records} records, {s.bytes} bytes ({s.compression}) in {s.directory} in {s.elapsed_s:.2f}s"]


@table_for("RestoreSummary")
def _restore_summary(s):
    table = new_table("TOPIC", "PARTITION", "EXPECTED", "WRITTEN", "STATUS")
    for p in s.partitions:
        table.add_row(p.topic, str(p.partition), str(p.expected), str(p.written), "ok" if p.ok else "MISSING")
    created = f"; created {', '.join(s.created)}" if s.created else ""
    return [table, f"{s.written} of {s.expected} records restored from {s.directory} in {s.elapsed_s:.2f}s{created}"]


@table_for("ScriptResult")
def _plan_result(r):
    table = new_table("STEP", "ACTION", "DETAIL", "STATUS", "MS", "ERROR")
    for s in r.steps:
        table.add_row("-" if s.index == 0 else str(s.index), s.step, s.detail, s.status,
                      "" if s.elapsed_ms is None else f"{s.elapsed_ms:.1f}", s.error or "")
    return [table, f"transactional id {r.transactional_id}: {r.outcome}; {r.committed} committed, "
                   f"{r.aborted} aborted"]


@table_for("PerfResult")
def _perf_result(r):
    lat = r.latency
    table = new_table("RECORDS", "FAILED", "RECORDS/S", "MB/S", "AVG MS", "P50", "P95", "P99", "P99.9", "MAX")
    table.add_row(str(r.records), str(r.failed), f"{r.records_per_s:,.1f}", f"{r.mb_per_s:.2f}", f"{lat.mean_ms:.3f}",
                  f"{lat.p50_ms:.3f}", f"{lat.p95_ms:.3f}", f"{lat.p99_ms:.3f}", f"{lat.p999_ms:.3f}",
                  f"{lat.max_ms:.3f}")
    target = f", target {r.target_records_per_s:,.0f} records/s" if r.target_records_per_s else ""
    return [table, f"perf {r.test} {r.topic}: {r.elapsed_s:.2f}s, latency = {lat.what} (ms){target}"]


def interval_line(test: str, i) -> str:
    """ProducerPerformance's interval line."""
    return (f"{test}: {i.records} records, {i.records_per_s:,.1f} records/s ({i.mb_per_s:.2f} MB/s), "
            f"{i.mean_ms:.3f} ms avg latency, {i.max_ms:.3f} ms max latency")


def percentile_plot(latency, width: int = 50) -> list[str]:
    """The latency percentile curve as text: one bar per percentile (log-spaced, as HdrHistogram
    plots it), length proportional to the latency."""
    points = [p for p in (50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100)]
    table = latency.percentiles
    if not table:
        return ["(no latencies recorded)"]

    def at(pct):
        for row in table:
            if row.percentile >= pct:
                return row.value_ms
        return table[-1].value_ms

    values = [at(p) for p in points]
    top = max(values) or 1.0
    lines = [f"latency percentiles ({latency.what}, ms)"]
    for pct, value in zip(points, values):
        bar = "#" * max(1, round(value / top * width))
        lines.append(f"{pct:>7g}% | {bar} {value:.3f}")
    return lines
