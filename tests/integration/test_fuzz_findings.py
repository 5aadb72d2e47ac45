"""Command lines the CLI fuzzer (bench/fuzzlib.py) found breaking the error contract: each must
end with one `kctl: error:` line and a documented exit code, before anything is read or written."""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_kctl
from tests.integration.groups_helpers import committed, make_group


def _error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert lines and lines[0].startswith("kctl: error: ") and len(lines) == 1, result
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("args", [
    ("workflow", "result", "--temporal", "[::1", "X"),
    ("workflow", "result", "--temporal", "localhost", "X"),
    ("workflow", "result", "--temporal", "localhost:0", "X"),
    ("worker", "run", "--temporal", "http://"),
    ("worker", "run", "--temporal", "http://localhost:7233"),
])
def test_a_malformed_temporal_address_is_a_usage_error_naming_the_option(kafka, args):
    result = run_kctl("-i", str(kafka["instance"]), "--timeout", "2", *args)
    assert result.code == 2, result
    assert "--temporal" in _error_line(result) and "HOST:PORT" in result.stderr


def test_an_address_temporalio_refuses_is_a_config_error(kafka):
    result = run_kctl("-i", str(kafka["instance"]), "--timeout", "2", "workflow", "result", "X",
                      env={"KCTL_TEMPORAL_ADDRESS": "bad%host:7233"})
    assert result.code == 3, result
    assert "invalid Temporal address" in _error_line(result)


def test_a_dump_folder_that_is_a_file_is_refused_before_anything_is_read(kafka, new_topic, tmp_path):
    topic = new_topic()
    regular = tmp_path / "a-regular-file"
    regular.write_text("x")
    for folder, reason in ((regular, "it is a file"), (regular / "below", f"{regular} is a file")):
        result = run_kctl("-i", str(kafka["instance"]), "topics", "dump", "--dir", str(folder), topic)
        assert result.code == 2, result
        line = _error_line(result)
        assert "--dir" in line and reason in line
    assert regular.read_text() == "x"


def test_snapshots_of_a_group_id_longer_than_a_file_name(kafka, admin, new_topic, tmp_path, unique_name):
    topic = new_topic(partitions=1)
    group = unique_name("g") + "-" + "x" * 300
    state = tmp_path / "state"
    (state / "groups").mkdir(parents=True)

    def k(*args):
        return run_kctl("-i", str(kafka["instance"]), *args, env={"KCTL_STATE_DIR": str(state)})

    try:
        assert k("groups", "history", group, "-o", "json").json == []
        none = k("groups", "undo", group, "--dry-run")
        assert none.code == 4 and "no snapshots" in _error_line(none)
        make_group(kafka["bootstrap"], group, topic, {0: 0})
        reset = k("groups", "reset-offsets", group, "--all-topics", "--to-latest", "--execute", "-o", "json")
        assert reset.code == 0, reset
        history = k("groups", "history", group, "-o", "json")
        assert [s["snapshot_id"] for s in history.json] == [reset.json["snapshot_id"]]
        plan = k("groups", "undo", group, "--dry-run", "-o", "json")
        assert plan.code == 0 and plan.json["executed"] is False, plan
        assert committed(admin, group) == {(topic, 0): 0}  # the topic is empty: latest is 0
        (folder,) = (state / "groups").iterdir()
        assert len(folder.name) < 255 and "~" in folder.name
    finally:
        for future in admin.delete_consumer_groups([group], request_timeout=30).values():
            future.result(timeout=30)


def test_a_short_group_keeps_its_readable_folder(kafka, tmp_path):
    """Snapshots saved before (groups/<%-escaped id>/) are still found."""
    state = tmp_path / "state"
    folder = state / "groups" / "orders%2Faudit"
    folder.mkdir(parents=True)
    snapshot = {"snapshot_id": "20261201T220501.123Z-1a2b", "group_id": "orders/audit", "cluster_id": None,
                "created_ms": 1, "reason": "to-latest", "offsets": [{"topic": "t", "partition": 0, "offset": 3}]}
    (folder / "20261201T220501.123Z-1a2b.json").write_text(json.dumps(snapshot))
    history = run_kctl("-i", str(kafka["instance"]), "groups", "history", "orders/audit", "-o", "json",
                       env={"KCTL_STATE_DIR": str(state)})
    assert [s["snapshot_id"] for s in history.json] == ["20261201T220501.123Z-1a2b"], history


@pytest.mark.parametrize("url", ["http://user:PASSWORD@registry.example:8081",
                                 "https://user:${env:SR_PASSWORD}@registry.example"])
def test_a_schema_registry_password_in_the_url_is_refused(tmp_path, url):
    config = tmp_path / "config.yaml"
    result = run_kctl("config", "set-context", "prod", "-b", "broker.example:9092", "--schema-registry", url,
                      env={"KCTL_CONFIG": str(config)})
    assert result.code == 2, result
    assert "--schema-registry" in _error_line(result) and "PASSWORD" not in result.stderr + result.stdout
    assert "--schema-registry-password-env" in result.stderr
    assert not config.exists()
    kept = run_kctl("config", "set-context", "prod", "-b", "broker.example:9092", "--schema-registry",
                    "http://user@registry.example:8081", env={"KCTL_CONFIG": str(config)})
    assert kept.code == 0, kept


@pytest.mark.parametrize("prop, hint", [("print.key=true", "-f '%k %v'"), ("print.timestamp=true", "%T"),
                                        ("key.separator=:", "-K/--key-separator"),
                                        ("parse.key=true", "-K/--key-separator")])
def test_a_console_tool_property_names_kctls_equivalent(kafka, prop, hint):
    result = run_kctl("-i", str(kafka["instance"]), "consume", "no-such-topic-needed", "--property", prop)
    assert result.code == 2, result
    assert hint in _error_line(result)
