"""Issue 22, item 5: the data commands' bad inputs that need a broker (instance 0): each is its
documented exit code with one `kctl: error:` line and no traceback, and a refused write leaves
the cluster (and the disk) as it was. The cases decided without a broker are in
tests/unit/test_bad_inputs_data.py."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.bad_input_table import NOT_FOUND, PARTIAL, USAGE, one_error_line, run_bounded

HEAD = "apiVersion: kctl/v1\nkind: ClusterState\n"
EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _topics(k) -> set[str]:
    return {t["name"] for t in k("topics", "list", "-o", "json").json}


def _missing() -> str:
    return f"kctl-bad-{uuid.uuid4().hex[:8]}"


# (id, argv with {t} an existing topic and {new} a topic that must not appear, exit code)
CASES = [
    ("copy from a missing topic", ["copy", "{new}", "{new}-dst", "--create"], NOT_FOUND),
    ("copy to a missing topic without --create", ["copy", "{t}", "{new}"], NOT_FOUND),
    ("perf produce to a missing topic", ["perf", "produce", "{new}", "-n", "10"], NOT_FOUND),
    ("perf consume of a missing topic", ["perf", "consume", "{new}", "-n", "10"], NOT_FOUND),
    ("perf latency on a missing topic", ["perf", "latency", "{new}", "-n", "10"], NOT_FOUND),
    ("groups lag of a group without offsets", ["groups", "lag", "{new}", "--interval", "500ms"], NOT_FOUND),
    ("groups undo of a group without snapshots", ["groups", "undo", "{new}", "--yes"], NOT_FOUND),
]


@pytest.mark.parametrize("id_, argv, code", CASES, ids=[c[0] for c in CASES])
def test_bad_data_inputs_on_a_broker(k, kafka, new_topic, id_, argv, code):
    topic, new = new_topic(partitions=1), _missing()
    argv = [a.replace("{t}", topic).replace("{new}", new) for a in argv]
    result = run_bounded(*argv, "-i", str(kafka["instance"]), "--timeout", "5", timeout_s=5)
    if argv[:2] == ["groups", "lag"]:  # its report (a row per group) comes first, then the error
        assert result.code == code and result.stderr.count("kctl: error:") == 1, result
        assert "Traceback" not in result.stderr, result
    else:
        one_error_line(result, code)
    assert not {t for t in _topics(k) if t.startswith(new)}  # nothing created


def test_dump_of_a_missing_topic_writes_nothing(k, tmp_path):
    out = tmp_path / "dump"
    one_error_line(k("topics", "dump", _missing(), "-d", str(out), "--timeout", "5"), NOT_FOUND)
    assert not out.exists() or not any(out.iterdir())


def test_dump_into_a_folder_holding_a_dump_is_refused(k, new_topic, tmp_path):
    topic = new_topic(partitions=1)
    (tmp_path / "manifest.json").write_text("{}")
    one_error_line(k("topics", "dump", topic, "-d", str(tmp_path), "--timeout", "5"), USAGE)
    assert (tmp_path / "manifest.json").read_text() == "{}"


def _dump_dir(tmp_path, name: str, file_entry: dict) -> str:
    folder = tmp_path / "dump"
    folder.mkdir()
    (folder / "p0.jsonl").write_bytes(b"")
    entry = {"partition": 0, "file": "p0.jsonl", "records": 0, "bytes": 0, "sha256": EMPTY_SHA, **file_entry}
    manifest = {"format": "kctl-dump/1", "compression": "none",
                "topics": [{"name": name, "partitions": 1, "replication_factor": 1, "files": [entry]}]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return str(folder)


# a manifest that does not decode is exit 2; a file missing or altered is exit 5 (README, "Backing topics up")
@pytest.mark.parametrize("entry, code", [({"partition": -1}, USAGE), ({"partition": 1}, USAGE),
                                         ({"file": "../p0.jsonl"}, USAGE), ({"file": "/etc/hostname"}, USAGE),
                                         ({"partition": "0"}, USAGE), ({"sha256": "0" * 64}, PARTIAL),
                                         ({"file": "gone.jsonl"}, PARTIAL)],
                         ids=lambda e: json.dumps(e) if isinstance(e, dict) else str(e))
def test_restore_of_a_bad_manifest_creates_nothing(k, tmp_path, entry, code):
    name = _missing()
    result = k("topics", "restore", _dump_dir(tmp_path, name, entry), "--timeout", "5")
    one_error_line(result, code)
    assert name not in _topics(k)


@pytest.mark.parametrize("doc", [
    "topics:\n  - {name: '%s', partitions: 0, replication_factor: 1}\n",
    "topics:\n  - {name: '%s', partitions: 1, replication_factor: 1, surprise: 1}\n",
    "topics:\n  - {name: '%s', partitions: 1, replication_factor: 7}\n",
    "topics:\n  - {name: '%s', partitions: 1, replication_factor: 1, configs: {no.such.config: 1}}\n",
    "topics:\n  - {name: '%s', partitions: 1, replication_factor: 1}\n  - {name: 'a b', partitions: 1, "
    "replication_factor: 1}\n",
    "topics:\n  - {name: '%s', partitions: 1, replication_factor: 1}\nacls:\n  - {principal: alice, operation: read, "
    "resource_type: topic, resource_name: x}\n",
], ids=["zero partitions", "unknown key", "replication beyond the brokers", "unknown config", "an invalid name",
        "a bad ACL"])
def test_apply_of_a_bad_document_changes_nothing(k, tmp_path, doc):
    name = _missing()
    path = tmp_path / "state.yaml"
    path.write_text(HEAD + doc.replace("%s", name))
    result = k("apply", "-f", str(path), "--yes", "--timeout", "10")
    assert result.code == USAGE and result.stderr.count("kctl: error:") == 1, result
    assert "Traceback" not in result.stderr, result
    assert name not in _topics(k)


def test_export_into_a_missing_folder_reads_nothing_and_writes_nothing(k, tmp_path):
    target = tmp_path / "no" / "such" / "state.yaml"
    one_error_line(k("export", "-f", str(target), "--timeout", "5"), USAGE)
    assert not target.parent.exists()


def test_txn_run_to_a_missing_topic_commits_nothing(k, tmp_path):
    name = _missing()
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"steps:\n  - begin\n  - send: {{topic: {name}, value: v}}\n  - commit\n")
    result = k("txn", "run", str(plan), "--timeout", "5")
    assert result.code in (NOT_FOUND, 7), result
    assert result.stderr.count("kctl: error:") == 1 and "Traceback" not in result.stderr, result
    assert name not in _topics(k)


def test_groups_history_of_a_group_without_snapshots(k):
    result = k("groups", "history", _missing(), "--timeout", "5")
    assert "Traceback" not in result.stderr, result
    assert result.code == 0 or result.code == NOT_FOUND, result
    if result.code:
        one_error_line(result, NOT_FOUND)
