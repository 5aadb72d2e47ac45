"""`-i N` on an instance started with `kctl local up --security scram` logs in as its super user,
as `--context local-N-scram` does (kctl.config.state): without it every command waited --timeout
and then said the broker was not running."""

from __future__ import annotations

import json

import pytest

from kctl.cli.context import AppContext
from kctl.client.conf import resolve_conf
from tests.helpers import run_kctl


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("KCTL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("KCTL_CONFIG", str(tmp_path / "none.yaml"))
    for var in ("KCTL_BOOTSTRAP", "KCTL_INSTANCE", "KCTL_REGISTRY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)

    def instance(number: int, security: str) -> None:
        folder = tmp_path / "state" / "instances" / str(number)
        folder.mkdir(parents=True)
        (folder / "instance.json").write_text(json.dumps({"brokers": 1, "security": security}))
        (folder / "admin.password").write_text("s3cret-admin\n")

    return instance


def test_a_secured_instance_gives_its_super_user(state):
    state(5, "scram")
    state(4, "none")
    conf = AppContext(instance=5).client_conf()
    assert (conf["security.protocol"], conf["sasl.mechanism"], conf["sasl.username"]) == ("SASL_SSL", "SCRAM-SHA-512", "admin")
    assert conf["sasl.password"] == "s3cret-admin" and conf["ssl.ca.location"].endswith("/instances/5/tls/ca.pem")
    assert "sasl.username" not in AppContext(instance=4).client_conf()
    assert "sasl.username" not in AppContext(instance=3).client_conf()  # never started here
    assert resolve_conf(instance=5)["sasl.username"] == "admin"  # the Python API resolves the same way


def test_options_still_win_over_the_instance_login(state):
    state(5, "scram")
    conf = AppContext(instance=5, overrides={"sasl.username": "alice", "sasl.password": "${env:HOME}"}).client_conf()
    assert conf["sasl.username"] == "alice"


def test_config_view_says_where_the_login_came_from_and_shows_no_secret(state):
    state(5, "scram")
    result = run_kctl("-i", "5", "config", "view", "-o", "json")
    assert result.code == 0, result
    assert result.json["properties"]["sasl.username"] == "admin"
    assert result.json["property_sources"]["sasl.username"] == "instance 5"
    assert "s3cret-admin" not in result.stdout + result.stderr
