"""Text of the perf commands: the interval lines and the latency percentile plot (the tables of the
data-moving commands are views: kctl.render.views.moving, .perf, .txn_script)."""

from __future__ import annotations


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
