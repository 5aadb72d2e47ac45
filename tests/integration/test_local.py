"""`kctl local` against real Apache Kafka processes (instance 4, in a private state folder)."""

from __future__ import annotations

import os
import socket

import pytest

from kctl.config.registry import load_registry
from tests.helpers import run_kctl, run_kctl_process, wait_until
from tests.instances import instance_of

INSTANCE = instance_of(__name__)


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """A private state folder, so these tests never touch the shared instances."""
    monkeypatch.setenv("KCTL_STATE_DIR", str(tmp_path / "state"))
    yield tmp_path / "state"
    run_kctl("local", "down", "--all", "--grace", "5")


def _pids_alive(pids) -> list[int]:
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().split(")")[-1].split()[0] == "Z":
                    continue
        except OSError:
            continue
        alive.append(pid)
    return alive


def test_up_status_logs_down_cycle(state_dir):
    registry = load_registry()
    up = run_kctl("local", "up", "-i", INSTANCE, "-o", "json")
    assert up.code == 0, up
    info = up.json
    assert info["running"] is True and info["instance"] == INSTANCE
    assert info["bootstrap"] == f"127.0.0.1:{registry.broker_port_of(INSTANCE)}"
    pids = [b["pid"] for b in info["brokers"]]
    assert _pids_alive(pids) == pids

    # The broker really answers: kctl talks to it through the registry.
    listed = run_kctl("topics", "list", "-i", INSTANCE, "-o", "json")
    assert listed.code == 0, listed
    assert listed.json == []

    again = run_kctl("local", "up", "-i", INSTANCE, "-o", "json")
    assert again.code == 0
    assert again.json["already_running"] is True
    assert "already running" in again.stderr
    assert [b["pid"] for b in again.json["brokers"]] == pids

    status = run_kctl("local", "status", "-o", "json")
    assert [(s["instance"], s["running"]) for s in status.json] == [(INSTANCE, True)]
    # -i narrows the table to one instance; one never started here shows as down.
    only = run_kctl("local", "status", "-i", INSTANCE, "-o", "json").json
    assert [[b["pid"] for b in s["brokers"]] for s in only] == [pids]
    other = run_kctl("local", "status", "-i", INSTANCE + 1, "-o", "json")
    assert [(s["instance"], s["running"]) for s in other.json] == [(INSTANCE + 1, False)]
    assert run_kctl("local", "status", "-i", 99).code == 3

    logs = run_kctl("local", "logs", "-i", INSTANCE, "-n", "200")
    assert logs.code == 0
    assert "Kafka Server started" in logs.stdout

    down = run_kctl("local", "down", "-i", INSTANCE, "-o", "json")
    assert down.code == 0
    assert down.json[0]["running"] is False
    assert _pids_alive(pids) == []
    assert run_kctl("local", "status", "-o", "json").json[0]["running"] is False


def test_reset_wipes_data(state_dir):
    assert run_kctl("local", "up", "-i", INSTANCE).code == 0
    created = run_kctl_process("topics", "create", "keep-me", "-i", INSTANCE, env={"KCTL_STATE_DIR": str(state_dir)})
    # topics create may not exist on every branch yet: the check below only needs the topic to exist.
    if created.code != 0:
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{load_registry().broker_port_of(INSTANCE)}"})
        admin.create_topics([NewTopic("keep-me", 1, 1)])["keep-me"].result(30)
    assert [t["name"] for t in run_kctl("topics", "list", "-i", INSTANCE, "-o", "json").json] == ["keep-me"]
    reset = run_kctl("local", "up", "-i", INSTANCE, "--reset", "--yes")
    assert reset.code == 0, reset
    assert run_kctl("topics", "list", "-i", INSTANCE, "-o", "json").json == []


def test_port_taken_is_a_config_error_and_leaves_nothing_running(state_dir):
    registry = load_registry()
    port = registry.broker_port_of(INSTANCE)
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the previous test's port may be in TIME_WAIT
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        result = run_kctl("local", "up", "-i", INSTANCE)
    assert result.code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port}" in lines[0] and lines[0].startswith("kctl: error: ")
    status = run_kctl("local", "status", "-o", "json").json
    assert all(not s["running"] for s in status)


def test_broker_that_dies_during_start_reports_its_log(state_dir):
    # A heap too small for the JVM: the broker process exits at once.
    result = run_kctl("local", "up", "-i", INSTANCE, "--heap", "2m")
    assert result.code == 6, result
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("kctl: error: broker 1 of instance 4 exited during start")
    assert "initialization of vm" in line.lower()  # the last lines of the broker log name the cause
    assert all(not s["running"] for s in run_kctl("local", "status", "-o", "json").json)


@pytest.mark.parametrize("args", [["--brokers", "2"], ["--heap", "lots"]])
def test_bad_options_are_usage_errors(state_dir, args):
    result = run_kctl("local", "up", "-i", INSTANCE, *args)
    assert result.code == 2
    assert result.stderr.startswith("kctl: error: --")


def test_missing_java_is_a_config_error(state_dir, tmp_path):
    env = {"PATH": str(tmp_path / "empty-bin"), "JAVA_HOME": ""}
    result = run_kctl_process("local", "up", "-i", INSTANCE, env=env)
    assert result.code == 3
    assert result.stderr.strip() == "kctl: error: java not found (install Java 17 or newer, or set JAVA_HOME)"


def test_three_broker_instance_replicates(kafka3):
    """The shared 3-broker instance: replication factor 3 is possible and the ISR is visible."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": kafka3["bootstrap"]})
    metadata = admin.list_topics(timeout=10)
    assert sorted(metadata.brokers) == [1, 2, 3]
    name = f"replicated-{os.getpid()}-{os.urandom(3).hex()}"
    admin.create_topics([NewTopic(name, 3, 3)])[name].result(30)
    try:
        def in_sync():
            partitions = admin.list_topics(topic=name, timeout=10).topics[name].partitions
            return partitions if partitions and all(len(p.isrs) == 3 for p in partitions.values()) else None

        partitions = wait_until(in_sync, 30, "all three replicas in sync")
        assert all(sorted(p.replicas) == [1, 2, 3] and sorted(p.isrs) == [1, 2, 3] for p in partitions.values())
    finally:
        admin.delete_topics([name])[name].result(30)
