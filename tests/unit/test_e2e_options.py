"""`kctl e2e run` options that must be refused before anything connects (exit 2, one line), and the
pure logic behind the run: the mode checks, the exit error, the group's assignment tracking."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from kctl.client.records import TopicPartitionOffset
from kctl.errors import AuthError, ExitCode, UsageError, hint_for
from kctl.services import e2e
from kctl.services.e2e.group import GroupMembers
from tests.helpers import run_kctl
from tests.unit.e2e_fixtures import failed_report

# Nothing answers here: an option that is not refused up front ends in exit 6, not 2.
NOWHERE = "127.0.0.1:1"


def _one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kctl: error: "), result.stderr
    return lines[0]


def test_interval_without_repeat_is_a_usage_error():
    result = run_kctl("-b", NOWHERE, "e2e", "run", "--interval", "5", "--timeout", "1")
    assert result.code == 2, result
    assert "--interval needs --repeat" in _one_error_line(result)
    once = run_kctl("-b", NOWHERE, "e2e", "run", "--repeat", "1", "--interval", "5", "--timeout", "1")
    assert once.code == 2 and "--interval needs --repeat" in _one_error_line(once), once


@pytest.mark.parametrize("option", [("-b", NOWHERE), ("--context", "ci"), ("-i", "0")], ids=lambda o: o[0])
def test_all_instances_refuses_an_explicit_target(option):
    result = run_kctl(*option, "e2e", "run", "--all-instances", "--timeout", "1")
    assert result.code == 2, result
    line = _one_error_line(result)
    named = {"-b": "--bootstrap", "--context": "--context", "-i": "--instance"}[option[0]]
    assert "--all-instances" in line and named in line, line


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1"])
def test_max_p99_must_be_a_finite_number_of_zero_or_more(value):
    result = run_kctl("-b", NOWHERE, "e2e", "run", f"--max-p99-ms={value}", "--timeout", "1")
    assert result.code == 2, result
    assert "--max-p99-ms" in _one_error_line(result)


def test_interval_must_be_finite():
    result = run_kctl("-b", NOWHERE, "e2e", "run", "--repeat", "2", "--interval=nan", "--timeout", "1")
    assert result.code == 2, result
    assert "--interval" in _one_error_line(result)


@pytest.mark.parametrize("limit", [math.nan, math.inf, -1.0])
def test_the_service_refuses_a_limit_that_disables_the_check(limit):
    with pytest.raises(UsageError, match="--max-p99-ms"):
        e2e.E2EOptions(max_p99_ms=limit).validate()
    with pytest.raises(UsageError, match="--timeout"):
        e2e.E2EOptions(timeout=math.nan).validate()
    e2e.E2EOptions(max_p99_ms=0.0).validate()


def test_mode_checks():
    e2e.check_modes(None, None, False, ("--bootstrap",))
    e2e.check_modes(3, 0.0, True, ())
    with pytest.raises(UsageError, match="--interval needs --repeat"):
        e2e.check_modes(None, 1.0)
    with pytest.raises(UsageError, match="--all-instances cannot be combined with --bootstrap or --context"):
        e2e.check_modes(None, None, True, ("--bootstrap", "--context"))
    with pytest.raises(UsageError, match="--repeat"):
        e2e.check_modes(0, None)
    with pytest.raises(UsageError):
        e2e.run_many([], e2e.E2EOptions(), repeat=1, interval=2.0)


def test_a_rejected_login_exits_like_every_other_command():
    """The exit error of a run whose connect step was refused a login is the error itself: the
    same message and hint `kctl topics list` prints, exit 9."""
    text = "authentication failed: SASL authentication error: Authentication failed: Invalid username or password"
    steps = tuple(replace(s, status="failed", error=text) if s.name == "connect" else replace(s, status="skipped")
                  for s in failed_report().steps)
    report = replace(failed_report(), exit_code=int(ExitCode.AUTH), steps=steps)
    error = e2e.failure(report)
    assert isinstance(error, AuthError) and error.exit_code == ExitCode.AUTH
    assert error.message == text
    assert error.hint == hint_for(AuthError) and "kctl config view" in error.hint


@pytest.mark.parametrize("code,name", [(7, "TransactionAborted"), (4, "NotFoundError"), (1, "KctlError")])
def test_failure_error_keeps_any_exit_code(code, name):
    error = e2e.failure(replace(failed_report(), exit_code=code))
    assert type(error).__name__ == name and int(error.exit_code) == code


def _tpos(*partitions):
    return [TopicPartitionOffset("t", p, -1001) for p in partitions]


def test_group_members_track_eager_and_incremental_assignments():
    members = GroupMembers({}, "t", "g", 2, {0: 5, 1: 0, 2: 7}, "kctl-e2e-x")
    members.assignments = {0: None, 1: None}
    assign0, revoke0 = members._on_assign(0), members._on_revoke(0)
    assign1 = members._on_assign(1)
    # the first member gets everything and starts where the run's start offsets say
    assert assign0(_tpos(0, 1, 2)) == {("t", 0): 5, ("t", 1): 0, ("t", 2): 7}
    assert members.balanced(3) is False  # member 1 has no assignment yet
    # eager rebalance: everything revoked, then a new split
    revoke0(_tpos(0, 1, 2))
    assert members.assignments[0] is None
    assign0(_tpos(0, 1))
    assign1(_tpos(2))
    assert members.balanced(3) is True
    # incremental (cooperative): only partition 1 moves
    revoke0(_tpos(1))
    assert members.assignments[0] == (0,) and members.balanced(3) is False
    assign1(_tpos(1))
    assert members.assignments[1] == (1, 2) and members.balanced(3) is True
    # more members than partitions: an empty assignment is an assignment
    idle = GroupMembers({}, "t", "g", 2, {}, "p")
    idle.assignments = {0: None, 1: None}
    idle._on_assign(0)(_tpos(0))
    idle._on_assign(1)([])
    assert idle.balanced(1) is True
