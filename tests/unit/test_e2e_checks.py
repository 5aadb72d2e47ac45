"""The e2e checks as pure functions: verification, assignment, percentiles, exit codes (no broker)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kctl.errors import BrokerUnavailable, CheckFailed, ExitCode, UsageError
from kctl.services import e2e
from tests.unit.e2e_fixtures import failed_report, passed_report

RUN = "run1"


@dataclass
class Rec:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    recv_ms: float


@dataclass
class Ack:
    partition: int
    offset: int
    error: str | None = None


def _sent(n: int, partitions: int = 2):
    sent = {seq: e2e.payload(RUN, seq, seq % partitions, 1000.0 + seq) for seq in range(n)}
    acks = {seq: Ack(seq % partitions, seq // partitions) for seq in range(n)}
    received = [Rec(seq % partitions, seq // partitions, e2e.record_key(RUN, seq), sent[seq], 1005.0 + seq) for seq in range(n)]
    return sent, acks, received


def test_a_clean_run_verifies_and_yields_latencies():
    sent, acks, received = _sent(6)
    result = e2e.verify(RUN, sent, acks, received, 2)
    assert (result.consumed, result.missing, result.duplicates, result.out_of_order, result.corrupt) == (6, 0, 0, 0, 0)
    assert sorted(result.latencies) == [0, 1]
    assert all(v == pytest.approx(5.0) for vs in result.latencies.values() for v in vs)


def test_missing_duplicated_reordered_and_corrupt_records_are_counted():
    sent, acks, received = _sent(8)
    received = [r for r in received if r.offset != 3 or r.partition != 1]  # record 7 never arrives
    received.append(received[0])  # record 0 again
    received[2], received[4] = received[4], received[2]  # partition 0: record 4 before record 2
    bad = received[1]
    received[1] = Rec(bad.partition, bad.offset, bad.key, bad.value.replace(b'"data":"', b'"data":"x'), bad.recv_ms)
    result = e2e.verify(RUN, sent, acks, received, 2)
    assert result.missing == 1
    assert result.duplicates == 1
    assert result.out_of_order == 1
    assert result.corrupt == 1
    assert any("never arrived" in p for p in result.problems)


def test_records_of_other_runs_are_ignored_not_counted():
    sent, acks, received = _sent(2)
    other = e2e.payload("other", 0, 0, 1.0)
    received.insert(0, Rec(0, 0, b"x", other, 2.0))
    result = e2e.verify(RUN, sent, acks, received, 2)
    assert result.foreign == 1 and result.corrupt == 0 and result.consumed == 2


def test_an_unreadable_value_is_corrupt():
    sent, acks, received = _sent(2)
    received[0] = Rec(0, 0, b"k", b"\xff not json", 1.0)
    result = e2e.verify(RUN, sent, acks, received, 2)
    assert result.corrupt == 1 and result.missing == 1


@pytest.mark.parametrize(
    "members, problems",
    [
        ([("a", (0, 1)), ("b", (2,))], []),
        ([("a", (0, 1, 2)), ("b", ())], []),
        ([("a", (0, 1)), ("b", (1, 2))], ["partition 1 assigned to 2 members"]),
        ([("a", (0,)), ("b", (2,))], ["partition 1 assigned to 0 members"]),
        ([("a", (0, 1, 2))], ["1 members instead of 2"]),
    ],
)
def test_assignment_check(members, problems):
    assert e2e.check_assignment(members, 3, 2) == problems


def test_nearest_rank_percentiles():
    values = [float(v) for v in range(1, 101)]
    assert e2e.percentile(values, 50) == 50.0
    assert e2e.percentile(values, 99) == 99.0
    assert e2e.percentile([7.0], 99) == 7.0
    stats = e2e.latency_stats([3.0, 1.0, 2.0])
    assert (stats.count, stats.p50_ms, stats.max_ms) == (3, 2.0, 3.0)


def test_options_are_validated():
    with pytest.raises(UsageError):
        e2e.E2EOptions(messages=0).validate()
    with pytest.raises(UsageError):
        e2e.E2EOptions(max_p99_ms=-1).validate()
    e2e.E2EOptions().validate()


def test_failure_error_carries_the_report_exit_code():
    assert e2e.failure(passed_report()) is None
    error = e2e.failure(failed_report())
    assert isinstance(error, CheckFailed) and error.exit_code == ExitCode.CHECK_FAILED
    assert "latency" in error.message
    from dataclasses import replace

    unreachable = replace(failed_report(), exit_code=6)
    error = e2e.failure(unreachable)
    assert isinstance(error, BrokerUnavailable) and error.exit_code == 6


def test_summary_counts_and_first_failure_decides():
    summary = e2e.summarise([passed_report(), failed_report(), passed_report()], "repeat", unreachable=(4,))
    assert (summary.passed, summary.failed, summary.ok, summary.exit_code) == (2, 1, False, 8)
    assert summary.duration_p50_ms == 812.5 and summary.p99_max_ms == 3.0
    assert summary.unreachable == (4,)
