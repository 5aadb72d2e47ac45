"""`kctl groups lag` and `kctl topics lag`: lag samples with consume/produce rates, trend and ETA.

A LagMonitor keeps the last few samples (each one round of requests for all its groups) and
computes the rates between the oldest one kept and the newest: records/s of committed offsets
(consume) and of log ends (produce) over that window. A one-shot report takes two samples an
interval apart; a watch samples every interval until interrupted, and a sample that fails
because no broker answers becomes a report with a warning (the previous numbers), not an end.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Iterator

from kctl import log
from kctl.client.admin import AdminClient, check_names
from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable, KctlError, NotFoundError, failure_of
from kctl.models import GroupDetail, GroupLag, ItemResult, LagReport, PartitionLag
from kctl.models.groups import eta_of, trend_of
from kctl.services.groups.describe import read_lag

# Rates cover the span from the oldest kept sample to the newest: 5 samples of 2 s = 8 s.
WINDOW_SAMPLES = 5


class LagMonitor:
    """Samples the lag of some groups (or of every group with offsets on `topic` when group_ids
    is empty; of every group of the cluster when both are empty, as `kctl ui`'s groups screen
    watches them) with one AdminClient; use it as a context manager."""

    def __init__(self, conf: dict, timeout: float, group_ids: list[str], topic: str | None = None,
                 window: int = WINDOW_SAMPLES):
        self.group_ids = list(dict.fromkeys(check_names(group_ids, "group id")))
        self.topic = check_names([topic], "topic name")[0] if topic is not None else None
        self.timeout = timeout
        self.admin = AdminClient(conf, timeout=timeout)
        self.samples: deque = deque(maxlen=max(window, 2))
        self.refresh = 0
        self.last: LagReport | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.admin.close()

    def _groups(self, deadline: Deadline) -> list[str]:
        if self.group_ids:
            return self.group_ids
        # Every group with a committed offset on the topic (topics lag): one listing, then the
        # offset fetches of all groups in flight together.
        listed = [g.group_id for g in self.admin.list_groups(deadline).groups]
        if self.topic is None:
            return listed
        committed = self.admin.committed_offsets(listed, deadline) if listed else {}
        return [g for g in listed if committed[g].ok and any(t == self.topic for t, _ in committed[g].value or {})]

    def sample(self, tolerate_unavailable: bool = False) -> LagReport:
        """Read the lag once and return the report with rates over the window.
        tolerate_unavailable: a sample no broker answered is a report with a warning (the last
        numbers, or none) instead of raising BrokerUnavailable."""
        self.refresh += 1
        deadline = Deadline.after(self.timeout)
        try:
            names = self._groups(deadline)
            found = read_lag(self.admin, names, deadline, topic=self.topic) if names else {}
        except BrokerUnavailable as exc:
            if not tolerate_unavailable:
                raise
            log.event("lag_sample_failed", logging.WARNING, refresh=self.refresh, error=exc.message)
            previous = self.last
            warning = f"no answer at refresh {self.refresh} ({exc.message}); still watching"
            if previous is None:
                return LagReport(int(time.time() * 1000), None, (), refresh=self.refresh, warning=warning)
            return LagReport(previous.measured_at_ms, previous.window_s, previous.groups, previous.missing,
                             refresh=self.refresh, warning=warning + ": the numbers are from the last answer")
        unanswered = [g for g, d in found.items()
                      if isinstance(d, ItemResult) and d.exit_code == BrokerUnavailable.exit_code]
        if unanswered and tolerate_unavailable:
            return self._unanswered(found, unanswered)
        now = time.monotonic()
        self.samples.append((now, found))
        then, old = self.samples[0]
        window = now - then if len(self.samples) > 1 and now > then else None
        groups, missing = [], []
        measured = [d.measured_at_ms for d in found.values() if isinstance(d, GroupDetail) and d.measured_at_ms]
        for group, detail in found.items():
            if isinstance(detail, ItemResult):
                missing.append(detail)
                continue
            before = old.get(group) if window else None
            groups.append(group_lag(detail, before if isinstance(before, GroupDetail) else None, window))
        report = LagReport(measured[0] if measured else int(time.time() * 1000),
                           round(window, 3) if window else None, tuple(groups), tuple(missing), refresh=self.refresh)
        self.last = report
        return report


    def _unanswered(self, found: dict, unanswered: list[str]) -> LagReport:
        """A refresh in which some groups got no answer (a broker down for a moment): the groups
        that answered are fresh, the others keep their last numbers, and the report says so.
        The sample is not kept for the rates (they would count the gap as no progress)."""
        log.event("lag_sample_incomplete", logging.WARNING, refresh=self.refresh, unanswered=len(unanswered))
        previous = {g.group_id: g for g in self.last.groups} if self.last is not None else {}
        groups = []
        for group, detail in found.items():
            if isinstance(detail, GroupDetail):
                groups.append(group_lag(detail, None, None))
            elif group in previous:
                groups.append(previous[group])
        names = ", ".join(unanswered[:5]) + (" ..." if len(unanswered) > 5 else "")
        warning = (f"no answer for {names} at refresh {self.refresh} (is a broker down?); "
                   "still watching: their numbers are from the last answer")
        missing = tuple(d for g, d in found.items() if isinstance(d, ItemResult) and g not in unanswered)
        return LagReport(int(time.time() * 1000), None, tuple(groups), missing, refresh=self.refresh, warning=warning)


def group_lag(now: GroupDetail, before: GroupDetail | None, window_s: float | None) -> GroupLag:
    """The GroupLag of a sample, with rates against an earlier sample `window_s` seconds before."""
    old = {(o.topic, o.partition): o for o in before.offsets} if before is not None else {}
    rows = []
    for o in now.offsets:
        prev = old.get((o.topic, o.partition))
        consume = produce = None
        if prev is not None and window_s:
            consume = _rate(prev.committed_offset, o.committed_offset, window_s)
            produce = _rate(prev.log_end_offset, o.log_end_offset, window_s)
        rows.append(PartitionLag(o.topic, o.partition, o.committed_offset, o.log_end_offset, o.lag, o.time_lag_ms,
                                 consume, produce, trend_of(o.lag, consume, produce), eta_of(o.lag, consume, produce)))
    return GroupLag(now.group_id, now.state, len(now.members), tuple(rows))


def _rate(then: int | None, now: int | None, seconds: float) -> float | None:
    if then is None or now is None:
        return None
    return round((now - then) / seconds, 1)


# ---------------------------------------------------------------------------------------- commands


def lag_report(conf: dict, timeout: float, group_ids: list[str], topic: str | None = None,
               interval: float = 2.0) -> LagReport:
    """Two samples `interval` seconds apart: the lag now, with rates, trend and ETA over the interval."""
    start = time.perf_counter()
    with LagMonitor(conf, timeout, group_ids, topic) as monitor:
        monitor.sample()
        time.sleep(interval)  # the window the rates are measured over
        report = monitor.sample()
    log.event("group_lag", groups=len(report.groups), missing=len(report.missing), topic=topic,
              duration_ms=round((time.perf_counter() - start) * 1000))
    return report


def watch_lag(conf: dict, timeout: float, group_ids: list[str], topic: str | None = None,
              interval: float = 2.0) -> Iterator[LagReport]:
    """A report every `interval` seconds until the caller stops iterating (Ctrl-C); a refresh no
    broker answered is a report with a warning, and the watch goes on."""
    with LagMonitor(conf, timeout, group_ids, topic) as monitor:
        started = time.monotonic()
        first = monitor.sample()  # a wrong group or cluster fails at once, not as a watch of nothing
        if not first.groups and first.missing:
            raise lag_failure(first)
        yield first
        while True:
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
            started = time.monotonic()
            yield monitor.sample(tolerate_unavailable=True)


def topic_lag(conf: dict, timeout: float, topic: str) -> LagReport:
    """Every group that has committed offsets on the topic, with its lag on it (one sample, no rates)."""
    start = time.perf_counter()
    with LagMonitor(conf, timeout, [], topic) as monitor:
        if monitor.admin.topic(monitor.topic) is None:
            raise NotFoundError(f"topic {topic!r} does not exist", hint="`kctl topics list` shows the topics")
        report = monitor.sample()
    log.event("topic_lag", topic=topic, groups=len(report.groups), duration_ms=round((time.perf_counter() - start) * 1000))
    return report


def lag_failure(report: LagReport, command: str = "groups lag") -> KctlError | None:
    """Exit 4 when no group was found, 5 when some were not (after the report was rendered)."""
    rows = [ItemResult(g.group_id, True) for g in report.groups] + list(report.missing)
    return failure_of(rows, command, hint="`kctl groups list` shows the groups")
