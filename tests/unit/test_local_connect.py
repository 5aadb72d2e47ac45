"""The local Connect worker's files and command line (pure logic; the worker itself runs in
tests/integration/test_connect.py)."""

from __future__ import annotations


import pytest

from kctl.config.registry import load_registry
from kctl.errors import ConfigError
from kctl.services.local import connect
from kctl.services.local.supervisor import Run


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("KCTL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("KAFKA_HOME", raising=False)
    return tmp_path


def _meta(instance: int, **meta) -> None:
    from kctl.services.local.paths import write_meta

    write_meta(instance, meta)


def _properties(text: str) -> dict:
    return dict(line.split("=", 1) for line in text.splitlines())


@pytest.mark.parametrize("brokers,replication", [(1, "1"), (3, "3")])
def test_worker_properties_fit_the_instance(state, brokers, replication):
    _meta(1, brokers=brokers, cluster_id="x", kafka_version="4.1.1")
    app = state / "app"
    (app / "plugins").mkdir(parents=True)
    props = _properties(connect.worker_properties(load_registry(), 1, app))
    assert props["bootstrap.servers"] == ",".join(f"127.0.0.1:{9192 + 10 * k}" for k in range(brokers))
    for topic in ("config", "offset", "status"):
        assert props[f"{topic}.storage.replication.factor"] == replication
    assert props["group.id"] == "kctl-connect-1" and props["listeners"] == "http://127.0.0.1:8183"
    assert props["plugin.path"] == str(app / "plugins") and props["exactly.once.source.support"] == "enabled"


def test_kafka_home_plugins_are_its_connect_file_jars(state):
    libs = state / "kafka" / "libs"
    libs.mkdir(parents=True)
    (libs / "connect-file-4.1.1.jar").write_bytes(b"")
    assert connect.plugin_path(state / "kafka") == str(libs / "connect-file-4.1.1.jar")


@pytest.mark.parametrize("meta,message", [({}, "has no brokers yet"),
                                          ({"cluster_id": "x", "security": "scram"}, "plaintext instances only")])
def test_prepare_refuses_what_the_worker_cannot_run_on(state, meta, message):
    _meta(0, **meta)
    root = state / "root"
    root.mkdir()
    run = Run(load_registry(), 0, root, root / "connect.log", "java", state, 0)
    with pytest.raises(ConfigError, match=message):
        connect._prepare(run)
    assert not (root / connect.WORKER_PROPERTIES).exists()


def test_the_command_line_names_this_instances_worker(state):
    root = connect.SERVER.root(2)
    command = connect.server_command("java", state / "app", root)
    assert all(needle in " ".join(command) for needle in connect.SERVER.needles(2))
    assert command[-2:] == [connect.MAIN, str(root / connect.WORKER_PROPERTIES)]


def test_a_kafka_home_without_connect_is_a_config_error(state, monkeypatch):
    (state / "kafka" / "libs").mkdir(parents=True)
    monkeypatch.setenv("KAFKA_HOME", str(state / "kafka"))
    with pytest.raises(ConfigError, match="no libs/connect-runtime"):
        connect.app_dir(0)
