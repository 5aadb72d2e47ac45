"""Views of kctl.models.perf: `perf produce|consume|e2e` results."""

from __future__ import annotations

from kctl.render.view import Column, Lines, Section, View


def _ms(header: str, name: str) -> Column:
    return Column(header, lambda r: f"{getattr(r.latency, name):.3f}")


PerfResult = View((
    Section("result", (
        Column("RECORDS", "records"),
        Column("FAILED", "failed"),
        Column("RECORDS/S", lambda r: f"{r.records_per_s:,.1f}"),
        Column("MB/S", lambda r: f"{r.mb_per_s:.2f}"),
        _ms("AVG MS", "mean_ms"), _ms("P50", "p50_ms"), _ms("P95", "p95_ms"), _ms("P99", "p99_ms"),
        _ms("P99.9", "p999_ms"), _ms("MAX", "max_ms"),
    )),
    Lines(lambda r: f"perf {r.test} {r.topic}: {r.elapsed_s:.2f}s, latency = {r.latency.what} (ms)"
          + (f", target {r.target_records_per_s:,.0f} records/s" if r.target_records_per_s else "")),
))
