"""The supervisor of `kctl local`'s managed servers, with a real server of a few lines: Python's
http.server described as a `Server`, as a new local server would be (no Java, no Temporal)."""

from __future__ import annotations

import socket
import sys

import pytest

from kctl.config.registry import load_registry
from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable, ConfigError, NotFoundError
from kctl.services.local import processes, supervisor
from kctl.services.local.supervisor import Run, Server
from tests.helpers import wait_until
from tests.instances import free_server_port

INSTANCE = 6


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("KCTL_STATE_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def port():
    return free_server_port()


def _web(port: int, **changes) -> Server:
    """`python -m http.server` serving its folder, where `prepare` writes the page it serves."""
    fields = dict(
        name="web", label="web server", flag="--web", log_name="web.log", program="http.server", marker="{root}",
        ports=lambda registry, instance: (("web HTTP port", port),), find_tool=lambda: sys.executable,
        command=lambda run: [run.tool, "-u", "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(run.root)],
        ready=lambda run: processes.http_status(f"http://127.0.0.1:{port}/index.html") == 200,
        describe=lambda registry, instance, root, pid: {"pid": pid, "root": str(root)},
        prepare=lambda run: (run.root / "index.html").write_text("hello\n"),
    )
    return Server(**{**fields, **changes})


def test_start_describe_log_and_stop(state, port):
    registry, web = load_registry(), _web(port)
    assert supervisor.describe(web, registry, INSTANCE) is None  # never started
    with pytest.raises(NotFoundError, match="instance 6 has no web server log") as caught:
        supervisor.log_path(web, INSTANCE)
    assert caught.value.hint == "`kctl local up -i 6 --web`"

    assert supervisor.start(web, registry, INSTANCE, wait=20) is True
    try:
        pid = supervisor.pid(web, INSTANCE)
        root = state / "instances" / "6" / "web"
        assert pid is not None and (root / "pid").read_text().strip() == str(pid)
        assert supervisor.describe(web, registry, INSTANCE) == {"pid": pid, "root": str(root)}
        assert supervisor.start(web, registry, INSTANCE, wait=20) is False  # already running: left alone
        assert supervisor.pid(web, INSTANCE) == pid
        assert supervisor.log_path(web, INSTANCE) == root / "web.log"
    finally:
        assert supervisor.stop(web, INSTANCE, grace=5) is True
    assert processes.wait_gone(pid, Deadline.after(5))
    # The kernel lets go of a dead process's listener a moment after its exit; a bind can be refused
    # for a minute longer (the server's own closed connections sit in TIME_WAIT on its port).
    wait_until(lambda: not processes.port_accepts("127.0.0.1", port), 5, f"nothing listening on {port} after stop")
    assert supervisor.describe(web, registry, INSTANCE) == {"pid": None, "root": str(root)}
    assert supervisor.stop(web, INSTANCE, grace=5) is False
    assert "GET /index.html" in (root / "web.log").read_text()  # the readiness probe's request, in its log


def test_a_taken_port_is_one_config_error_and_nothing_starts(state, port):
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # over an earlier test's TIME_WAIT
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        with pytest.raises(ConfigError) as caught:
            supervisor.start(_web(port), load_registry(), INSTANCE, wait=20)
    assert str(caught.value) == f"port {port} on 127.0.0.1 (web HTTP port of instance 6) is already taken"
    assert not (state / "instances" / "6" / "web").exists()


def test_a_server_that_exits_during_start_fails_with_its_log(state, port):
    web = _web(port, command=lambda run: ["sh", "-c", "echo no such page; exit 4", "http.server", str(run.root)])
    with pytest.raises(BrokerUnavailable) as caught:
        supervisor.start(web, load_registry(), INSTANCE, wait=20)
    assert str(caught.value) == "the web server of instance 6 exited during start (code 4): no such page"
    assert not (state / "instances" / "6" / "web" / "pid").exists()


def test_a_failed_after_ready_stops_what_was_started(state, port):
    started = []

    def refuse(run: Run) -> None:
        started.append(supervisor.pid(web, INSTANCE))
        raise BrokerUnavailable("first-start set-up failed")

    web = _web(port, after_ready=refuse)
    with pytest.raises(BrokerUnavailable, match="first-start set-up failed"):
        supervisor.start(web, load_registry(), INSTANCE, wait=20)
    assert started[0] is not None and processes.wait_gone(started[0], Deadline.after(5))
    assert supervisor.pid(web, INSTANCE) is None and processes.port_free("127.0.0.1", port)
