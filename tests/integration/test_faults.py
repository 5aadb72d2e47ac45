"""Issue 12, the fault suite: each scenario of bench/faultlib.py, repeated, with exact counts.

Private instances only (never 0/1): instance 7 with 3 brokers and instance 6 with 1 broker, each in a
private KCTL_STATE_DIR under a tmp dir, started here and stopped at the end (also on failure).
`bench/faults --runs N` runs the same scenarios standalone (200k records) and prints a report.
Scenario 5 (kctl local after a broker crash, stale pid files) is tests/integration/test_local_crash.py;
it is also checked in passing here (local status says "degraded" after each kill, local up recovers).
"""

from __future__ import annotations

import os
import random
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import faultlib  # noqa: E402

RUNS = 3
RECORDS = 30_000  # bench/faults: 200,000
SIGNAL_RUNS = 10  # per command and signal (bench/faults: 50)


def _private(number: int, brokers: int, tmp_path_factory):
    from kctl.config.registry import load_registry
    from kctl.services import local

    state = tmp_path_factory.mktemp(f"faults-{number}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KCTL_STATE_DIR", str(state))
        registry = load_registry()
        try:
            local.up(registry, number, brokers=brokers, heap="256m", wait=240)
            yield faultlib.Instance(number, state)
        finally:
            for broker in local.status(registry, number)[0].brokers:  # one a failed scenario 4 left stopped
                if broker.pid:
                    try:
                        os.kill(broker.pid, signal.SIGCONT)
                    except OSError:
                        pass
            local.down(registry, number, grace=10)


@pytest.fixture(scope="module")
def cluster3(tmp_path_factory):
    yield from _private(7, 3, tmp_path_factory)


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    yield from _private(6, 1, tmp_path_factory)


def _check(result: faultlib.Result):
    assert result.ok, result


@pytest.mark.parametrize("run", range(RUNS))
def test_idempotent_produce_survives_two_leader_kills(cluster3, run):
    result = faultlib.produce_with_leader_kills(cluster3, RECORDS)
    _check(result)
    assert (result.code, result.lost, result.duplicated, result.reordered) == (0, 0, 0, 0)


@pytest.mark.parametrize("run", range(RUNS))
def test_transactional_produce_is_all_or_nothing_when_the_leader_dies(cluster3, run):
    result = faultlib.produce_with_leader_kills(cluster3, RECORDS, transactional=True)
    _check(result)
    assert result.code in (0, 7) and result.lost == result.duplicated == 0


@pytest.mark.parametrize("run", range(RUNS))
def test_a_killed_group_member_loses_nothing(cluster3, tmp_path, run):
    result = faultlib.group_member_killed(cluster3, RECORDS, tmp_path)
    _check(result)
    assert result.lost == 0


CONSUME_HANGS = pytest.mark.xfail(strict=True, reason=(
    "found by this suite, not fixed: kctl consume waits for a broker that stopped (SIGSTOP) or died (SIGKILL) "
    "mid-stream for good; --timeout only bounds the start"))


@pytest.mark.parametrize("run", range(RUNS))
@pytest.mark.parametrize("command", ["produce", "groups describe", "e2e run"])
def test_a_broker_that_stops_answering_ends_the_command_in_time(single, tmp_path, command, run):
    """exit 6 (produce: 5, some input not acknowledged) within --timeout + 2 s, one error line;
    produce's --failed-file holds exactly the input that was not acknowledged."""
    result = faultlib.broker_stopped(single, command, tmp_path)
    _check(result)


@CONSUME_HANGS
def test_a_broker_that_stops_answering_ends_consume_in_time(single, tmp_path):
    _check(faultlib.broker_stopped(single, "consume", tmp_path))


@pytest.fixture(scope="module")
def signal_topic(cluster3):
    topic = cluster3.create_topic(3, 3)
    cluster3.kctl("produce", topic, "-b", cluster3.bootstrap,
                  input=b"".join(b"r%d\n" % i for i in range(3000)))
    return topic


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("command", ["produce (pipe)", "consume --group", "e2e run"])
def test_signals_at_random_moments_under_load(cluster3, signal_topic, command, sig):
    rng = random.Random()
    bootstrap = cluster3.bootstrap
    with faultlib.CpuBurner():
        results = [faultlib.signal_at_random(bootstrap, cluster3.env, command, sig, signal_topic, rng)
                   for _ in range(SIGNAL_RUNS)]
    bad = [r for r in results if not r.ok]
    assert not bad, bad
