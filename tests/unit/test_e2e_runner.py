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
    assert e2e.failure_error(report).exit_code == code


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
    assert e2e.failure_error(report).message == "authentication failed: bad password"


def test_ctrl_c_still_runs_cleanup():
    state = RunState({}, e2e.E2EOptions(), None, "fake:9092", Deadline.after(30))
    runner = StepRunner(state)
    runner.bodies = FakeSteps("consume", KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        runner.execute()
    assert runner.steps["cleanup"].status == "skipped"  # it ran (nothing to clean), not left pending
