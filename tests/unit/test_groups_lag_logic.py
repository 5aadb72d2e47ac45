"""Pure logic of `groups lag`: rates between samples, trend, ETA, and a watch outliving an unanswered refresh."""

from __future__ import annotations

import pytest

from kctl.errors import BrokerUnavailable
from kctl.models import GroupDetail, GroupPartitionOffset
from kctl.models.groups import eta_of, trend_of
from kctl.render.view import build_table
from kctl.render.blocks import plain_text
from kctl.services.groups import lag


def _detail(committed: int, end: int, time_lag: int = 5000) -> GroupDetail:
    row = GroupPartitionOffset("orders", 0, committed, end, end - committed, time_lag_ms=time_lag)
    return GroupDetail("g", "Empty", "Classic", False, None, None, None, (), (row,), measured_at_ms=1_700_000_000_000)


def test_rates_trend_and_eta_between_two_samples():
    g = lag.group_lag(_detail(1500, 2100), _detail(1000, 2000), 2.0)
    (p,) = g.partitions
    assert (p.consume_rate, p.produce_rate, p.trend) == (250.0, 50.0, "catching-up")
    assert p.eta_s == 3.0 and g.eta_s == 3.0 and g.total_lag == 600
    behind = lag.group_lag(_detail(1000, 3000), _detail(1000, 2000), 2.0)
    assert behind.partitions[0].trend == "falling-behind" and behind.eta_s is None
    first = lag.group_lag(_detail(1000, 2000), None, None)
    assert first.partitions[0].consume_rate is None and first.trend == "unknown"


@pytest.mark.parametrize("lag_, consume, produce, trend, eta", [
    (0, None, None, "caught-up", 0.0),
    (10, 5.0, 5.0, "steady", None),
    (None, 1.0, 0.0, "unknown", None),
    (100, 30.0, 10.0, "catching-up", 5.0),
])
def test_trend_and_eta(lag_, consume, produce, trend, eta):
    assert trend_of(lag_, consume, produce) == trend and eta_of(lag_, consume, produce) == eta


def test_a_refresh_no_broker_answers_is_a_warning_and_the_next_one_works(monkeypatch):
    answers = [{"g": _detail(1000, 2000)}, BrokerUnavailable("no broker answered within 1s"), {"g": _detail(1400, 2000)}]

    def fake_read_lag(admin, group_ids, deadline, topic=None):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(lag, "read_lag", fake_read_lag)
    with lag.LagMonitor({"bootstrap.servers": "127.0.0.1:1"}, 1.0, ["g"]) as monitor:
        first = monitor.sample(tolerate_unavailable=True)
        down = monitor.sample(tolerate_unavailable=True)
        back = monitor.sample(tolerate_unavailable=True)
    assert first.warning is None and first.groups[0].total_lag == 1000
    assert "still watching" in down.warning and down.groups == first.groups and down.refresh == 2
    assert "still watching" in plain_text(build_table(down))
    assert back.warning is None and back.groups[0].consume_rate > 0 and back.refresh == 3
    with lag.LagMonitor({"bootstrap.servers": "127.0.0.1:1"}, 1.0, ["g"]) as monitor:
        answers[:] = [BrokerUnavailable("down")]
        with pytest.raises(BrokerUnavailable):
            monitor.sample()  # a one-shot report fails: exit 6


def test_groups_without_an_answer_keep_their_last_numbers_and_the_watch_says_so(monkeypatch):
    from kctl.models import ItemResult

    timed_out = ItemResult("g", False, error="describe group for g did not finish within the timeout", exit_code=6)
    answers = [{"g": _detail(1000, 2000)}, {"g": timed_out}, {"g": _detail(1400, 2000)}]
    monkeypatch.setattr(lag, "read_lag", lambda admin, group_ids, deadline, topic=None: answers.pop(0))
    with lag.LagMonitor({"bootstrap.servers": "127.0.0.1:1"}, 1.0, ["g"]) as monitor:
        first = monitor.sample(tolerate_unavailable=True)
        down = monitor.sample(tolerate_unavailable=True)
        back = monitor.sample(tolerate_unavailable=True)
    assert "no answer for g at refresh 2" in down.warning and down.groups == first.groups and not down.missing
    assert back.warning is None and back.groups[0].consume_rate > 0
    answers[:] = [{"g": timed_out}]
    with lag.LagMonitor({"bootstrap.servers": "127.0.0.1:1"}, 1.0, ["g"]) as monitor:
        once = monitor.sample()  # a one-shot report: the group failed (exit 6 through lag_failure)
    assert once.missing == (timed_out,) and lag.lag_failure(once).exit_code == 6


@pytest.mark.parametrize("args, message", [
    (["groups", "reset-offsets", "g", "--all-topics", "--to-earliest", "--dry-run", "--wait-empty", "60s"],
     "--wait-empty and --dry-run do not go together"),
    (["groups", "reset-offsets", "g", "--all-topics", "--to-earliest", "--execute", "--wait-empty", "0s"],
     "--wait-empty: '0s' is out of range"),
    (["groups", "undo", "g", "--wait-empty", "later"], "--wait-empty: cannot read duration 'later'"),
    (["groups", "reset-offsets", "g", "--by-duration", "soon", "--all-topics"], "--by-duration"),
    (["groups", "lag", "g", "--interval", "0s"], "--interval: '0s' is out of range"),
])
def test_option_errors_are_one_line_and_exit_2(args, message):
    from tests.helpers import run_kctl

    result = run_kctl(*args, "-b", "127.0.0.1:1", "--timeout", "1")
    assert result.code == 2, result
    assert result.stderr.startswith("kctl: error: ") and message in result.stderr.splitlines()[0], result
