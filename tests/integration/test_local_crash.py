"""Issue 12: `kctl local` survives a broker crash. A private 3-broker instance (5) in a private state
folder, shared by the tests of this module (starting 3 JVMs is slow); brokers die by SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from kctl.config.registry import load_registry
from kctl.deadline import Deadline
from kctl.services.local import processes
from tests.helpers import run_kctl
from tests.instances import instance_of

INSTANCE = instance_of(__name__)
HEAP = "256m"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Instance 5 with 3 brokers, up at the start of every test."""
    state = tmp_path_factory.mktemp("crash") / "state"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KCTL_STATE_DIR", str(state))
        up = run_kctl("local", "up", "-i", INSTANCE, "--brokers", 3, "--heap", HEAP, "--wait", 180, "-o", "json")
        assert up.code == 0, up
        try:
            yield state
        finally:
            run_kctl("local", "down", "-i", INSTANCE, "--grace", "10")


@pytest.fixture
def instance(cluster):
    """The instance's status JSON, after making sure every broker runs (an earlier test may have failed)."""
    up = run_kctl("local", "up", "-i", INSTANCE, "--heap", HEAP, "--wait", 180, "-o", "json")
    assert up.code == 0 and up.json["state"] == "up", up
    return up.json


def _status() -> dict:
    result = run_kctl("local", "status", "-i", INSTANCE, "-o", "json")
    assert result.code == 0, result
    [info] = result.json
    return info


def _kill(info: dict, *node_ids: int) -> None:
    """SIGKILL brokers from outside, and wait until they are really gone."""
    pids = [b["pid"] for b in info["brokers"] if b["node_id"] in node_ids]
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    for pid in pids:
        assert processes.wait_gone(pid, Deadline.after(30)), f"pid {pid} survived SIGKILL"


def _pids(info: dict) -> dict[int, int | None]:
    return {b["node_id"]: b["pid"] for b in info["brokers"]}


def _metadata_brokers() -> list[int]:
    from confluent_kafka.admin import AdminClient

    bootstrap = ",".join(f"127.0.0.1:{load_registry().broker_port_of(INSTANCE, k)}" for k in range(3))
    return sorted(AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=15).brokers)


def test_one_killed_broker_is_degraded_and_up_restarts_just_it(instance):
    before = _pids(instance)
    _kill(instance, 1)

    info = _status()
    assert info["state"] == "degraded" and info["running"] is False
    assert [(b["node_id"], b["running"]) for b in info["brokers"]] == [(1, False), (2, True), (3, True)]
    assert _pids(info) == {1: None, 2: before[2], 3: before[3]}
    table = run_kctl("local", "status", "-i", INSTANCE)
    assert "degraded (broker 1 down)" in table.stdout, table

    # No --brokers: the count comes from the instance (3), and the live brokers are left alone.
    up = run_kctl("local", "up", "-i", INSTANCE, "--heap", HEAP, "--wait", 180, "-o", "json")
    assert up.code == 0, up
    assert up.json["state"] == "up" and up.json["started"] == [1] and up.json["already_running"] is False
    after = _pids(up.json)
    assert after[2] == before[2] and after[3] == before[3]
    assert after[1] not in (None, before[1])
    assert _metadata_brokers() == [1, 2, 3]


def test_two_killed_brokers_come_back_with_explicit_brokers_3(instance):
    before = _pids(instance)
    _kill(instance, 1, 2)
    info = _status()
    assert info["state"] == "degraded"
    assert "degraded (brokers 1,2 down)" in run_kctl("local", "status", "-i", INSTANCE).stdout

    up = run_kctl("local", "up", "-i", INSTANCE, "--brokers", 3, "--heap", HEAP, "--wait", 180, "-o", "json")
    assert up.code == 0, up  # was: "port 9612 is already taken" (the survivor's), and then nothing ran
    assert up.json["started"] == [1, 2] and up.json["state"] == "up"
    assert _pids(up.json)[3] == before[3]
    assert _metadata_brokers() == [1, 2, 3]


def test_other_count_is_refused_and_touches_nothing(instance):
    result = run_kctl("local", "up", "-i", INSTANCE, "--brokers", 1)
    assert result.code == 3
    assert "instance 5 is running with 3 broker(s), not 1" in result.stderr
    assert _pids(_status()) == _pids(instance)


def test_stale_pid_files_do_not_fool_status_or_up(instance):
    """Pid files from a previous boot: one names another live process (a reused pid: here broker 3,
    a java Kafka process but not broker 1), one a dead pid, one garbage."""
    before = _pids(instance)
    _kill(instance, 1, 2)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        root = os.path.join(os.environ.get("KCTL_STATE_DIR", ""), "instances", str(INSTANCE))
        with open(os.path.join(root, "broker-1", "pid"), "w") as fh:
            fh.write(f"{before[3]}\n")
        with open(os.path.join(root, "broker-2", "pid"), "w") as fh:
            fh.write(f"{dead.pid}\n")
        info = _status()
        assert info["state"] == "degraded"
        assert _pids(info) == {1: None, 2: None, 3: before[3]}

        with open(os.path.join(root, "broker-2", "pid"), "w") as fh:
            fh.write(f"{bystander.pid}\n")
        assert _pids(_status()) == {1: None, 2: None, 3: before[3]}

        up = run_kctl("local", "up", "-i", INSTANCE, "--heap", HEAP, "--wait", 180, "-o", "json")
        assert up.code == 0, up
        assert up.json["started"] == [1, 2]
        assert _pids(up.json)[3] == before[3]
        assert bystander.poll() is None  # never signalled
        assert _metadata_brokers() == [1, 2, 3]
    finally:
        bystander.kill()
        bystander.wait()


def test_all_brokers_killed_is_down_and_up_recovers(instance):
    _kill(instance, 1, 2, 3)
    info = _status()
    assert info["state"] == "down" and all(not b["running"] for b in info["brokers"])
    assert " down " in run_kctl("local", "status", "-i", INSTANCE).stdout
    up = run_kctl("local", "up", "-i", INSTANCE, "--heap", HEAP, "--wait", 180, "-o", "json")
    assert up.code == 0, up
    assert up.json["started"] == [1, 2, 3] and up.json["state"] == "up"
    assert _metadata_brokers() == [1, 2, 3]
