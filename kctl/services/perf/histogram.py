"""Latency recording: an HDR histogram in microseconds (1 µs .. 1 h, 3 significant digits),
summarised in milliseconds."""

from __future__ import annotations

from hdrh.histogram import HdrHistogram

from kctl.models.perf import Latency, Percentile, PerfInterval

HIGHEST_US = 3_600_000_000


class Recorder:
    """The whole run's histogram, and the current interval's."""

    def __init__(self, what: str):
        self.what = what
        self.total = HdrHistogram(1, HIGHEST_US, 3)
        self.interval = HdrHistogram(1, HIGHEST_US, 3)
        self.interval_bytes = 0
        self.interval_records = 0

    def record(self, seconds: float, size: int = 0, records: int = 1) -> None:
        """One latency; size and records (a poll returns many) count toward the interval's rates."""
        us = min(max(1, int(seconds * 1_000_000)), HIGHEST_US)
        self.total.record_value(us)
        self.interval.record_value(us)
        self.interval_bytes += size
        self.interval_records += records

    def take_interval(self, elapsed_s: float) -> PerfInterval:
        h, size, records = self.interval, self.interval_bytes, self.interval_records
        count = h.get_total_count()
        out = PerfInterval(records, round(records / elapsed_s, 1) if elapsed_s > 0 else 0.0,
                           round(size / elapsed_s / 1e6, 3) if elapsed_s > 0 else 0.0,
                           round(h.get_mean_value() / 1000, 3) if count else 0.0,
                           round(h.get_max_value() / 1000, 3) if count else 0.0)
        h.reset()
        self.interval_bytes = self.interval_records = 0
        return out

    def summary(self) -> Latency:
        return summarise(self.total, self.what)


def summarise(h, what: str) -> Latency:
    count = h.get_total_count()
    if not count:
        return Latency(what, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, ())

    def at(p: float) -> float:
        return round(h.get_value_at_percentile(p) / 1000, 3)

    table = []
    for item in h.get_percentile_iterator(5):  # HdrHistogram's percentile distribution, 5 ticks per half
        table.append(Percentile(round(item.percentile_level_iterated_to, 5), round(item.value_iterated_to / 1000, 3),
                                item.total_count_to_this_value))
        if item.total_count_to_this_value >= count:
            break
    if not table or table[-1].percentile < 100:
        table.append(Percentile(100.0, round(h.get_max_value() / 1000, 3), count))
    return Latency(what, count, round(h.get_mean_value() / 1000, 3), at(50), at(95), at(99), at(99.9),
                   round(h.get_max_value() / 1000, 3), tuple(table))
