"""The step runner without a broker (fake step bodies): the exit code of a run is the exit code of
the error its first failed step raised (kctl.errors is the one map), steps whose prerequisite did
not pass are skipped, and cleanup always runs."""

from __future__ import annotations

import pytest

from kctl.deadline import Deadline
from kctl.errors import (
    AuthError, BrokerUnavailable, CheckFailed, ConfigError, InvalidRequest, KctlError, NotFoundError,
    TransactionAbortable,
)
from kctl.services import e2e
from kctl.services.e2e.run import StepRunner
from kctl.services.e2e.state import CheckFailedWith, RunState


class FakeSteps:
    """Every step passes, except `fail_at`, which raises `error`."""

    def __init__(self, fail_at: str, error: BaseException):
        self.fail_at, self.error, self.ran = fail_at, error, []

    def __getattr__(self, name):
        def body():
            self.ran.append(name)
            if name == self.fail_at:
                raise self.error
            return f"{name} fine"
        return body


def _run(fail_at: str, error: BaseException, **options):
    state = RunState({}, e2e.E2EOptions(**options), None, "fake:9092", Deadline.after(30))
    runner = StepRunner(state)
    runner.bodies = FakeSteps(fail_at, error)
    return runner.execute(), runner.bodies


@pytest.mark.parametrize("error,code", [
    (CheckFailed("x"), 8), (BrokerUnavailable("x"), 6), (AuthError("x"), 9), (InvalidRequest("x"), 2),
    (ConfigError("x"), 3), (NotFoundError("x"), 4), (TransactionAbortable("x"), 7), (KctlError("x"), 1),
    (ValueError("a bug"), 1),
])
def test_the_first_failed_step_decides_the_exit_code_by_its_error(error, code):
    report, _ = _run("commit", error)
    assert report.exit_code == code and not report.ok
    steps = {s.name: s for s in report.steps}
    assert steps["commit"].status == "failed"
    assert steps["cleanup"].status == "skipped"  # nothing was made: the fake steps create no clients
    assert e2e.failure(report).exit_code == code


def test_after_an_unreachable_cluster_every_later_step_is_skipped_but_cleanup_runs():
    report, fake = _run("produce", BrokerUnavailable("cannot reach the cluster"))
    steps = {s.name: s for s in report.steps}
    assert [n for n in fake.ran] == ["connect", "create_topic", "produce"]
    assert all(steps[n].detail == "skipped: the cluster is unreachable"
               for n in ("consume", "verify", "commit", "transactions", "latency"))
    assert steps["cleanup"].status == "skipped" and steps["cleanup"].detail == "skipped: nothing was created"


def test_a_failed_check_skips_only_what_needs_it_and_keeps_its_detail():
    report, fake = _run("verify", CheckFailedWith("3 missing", "97/100 received"), transactional=True)
    steps = {s.name: s for s in report.steps}
    assert steps["verify"].detail == "97/100 received" and steps["verify"].error == "3 missing"
    assert "latency" in fake.ran and "commit" in fake.ran and "transactions" in fake.ran
    assert report.exit_code == 8


def test_a_failed_connect_skips_everything():
    report, fake = _run("connect", AuthError("authentication failed: bad password"))
    assert fake.ran == ["connect"]
    assert report.exit_code == 9
    assert e2e.failure(report).message == "authentication failed: bad password"


def test_ctrl_c_still_runs_cleanup():
    state = RunState({}, e2e.E2EOptions(), None, "fake:9092", Deadline.after(30))
    runner = StepRunner(state)
    runner.bodies = FakeSteps("consume", KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        runner.execute()
    assert runner.steps["cleanup"].status == "skipped"  # it ran (nothing to clean), not left pending


class _FencedThenBack:
    """An admin client whose metadata lists no broker for its first `empty` answers, then one
    (a broker back from a stall is fenced for a moment)."""

    def __init__(self, conf=None, timeout=None, empty=2):
        self.answers, self.empty, self.closed = 0, empty, False

    def describe_cluster(self, deadline):
        from kctl.models import BrokerInfo, ClusterInfo

        self.answers += 1
        brokers = () if self.answers <= self.empty else (BrokerInfo(1, "127.0.0.1", 9092),)
        return ClusterInfo("c", 1 if brokers else None, brokers, 0)

    def close(self):
        self.closed = True


@pytest.mark.parametrize("empty, passes", [(0, True), (10**9, False)])
def test_connect_fails_when_the_metadata_lists_no_live_broker(monkeypatch, empty, passes):
    """No broker listed (still, at the deadline: the client asks again before that) is not
    'connected': exit 6, so create_topic does not wait for a controller the client never learns of."""
    from kctl.services.e2e import steps

    made = []
    monkeypatch.setattr(steps, "AdminClient", lambda conf, timeout: made.append(
        _FencedThenBack(empty=empty)) or made[-1])
    monkeypatch.setattr(steps, "RunProducer", lambda conf, deadline: "producer")
    state = RunState({}, e2e.E2EOptions(), None, "fake:9092", Deadline.after(0.5))
    if passes:
        assert steps.Steps(state).connect().startswith("1 broker(s), controller 1")
        assert state.admin is made[0]
    else:
        with pytest.raises(BrokerUnavailable, match="no live broker"):
            steps.Steps(state).connect()
        assert made[0].closed
