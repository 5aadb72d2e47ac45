"""The write paths of `kctl groups` against the real broker: every precondition is checked before
the first change, a failure after a change says what was changed, undo restores partitions that
had no offset before the reset, and every file the commands read (reset files, snapshots) is
decoded strictly: the bad-input tables of `reset-offsets --from-file`, `undo` and `history`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.integration.groups_helpers import committed, kctl_with_snapshots, make_group


@pytest.fixture
def k(kafka, tmp_path):
    """kctl on the single broker, with its own state folder (the snapshots)."""
    return kctl_with_snapshots(kafka, tmp_path)


def _one_error_line(result, code: int) -> str:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result
    assert result.code == code, result
    errors = [line for line in result.stderr.splitlines() if line.startswith("kctl: error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def _snapshots(k) -> list[Path]:
    return sorted(Path(k.state).glob("groups/*/*.json"))


# ------------------------------------------------------------------------------ preconditions first


def test_an_unwritable_export_is_refused_before_the_reset(k, kafka, admin, timed_topic, group_name, tmp_path):
    group = group_name()
    make_group(kafka["bootstrap"], group, timed_topic, {0: 4, 1: 6})
    result = k("groups", "reset-offsets", group, timed_topic, "--to-earliest", "--export",
               str(tmp_path / "no-such-folder" / "plan.csv"), "--yes")
    line = _one_error_line(result, 2)
    assert "--export" in line and "no-such-folder" in line
    assert committed(admin, group) == {(timed_topic, 0): 4, (timed_topic, 1): 6}
    assert _snapshots(k) == []


def test_an_export_that_fails_after_the_reset_says_the_reset_was_applied(k, kafka, admin, timed_topic, group_name):
    """/dev/full passes every check and fails the write (ENOSPC): the reset is done by then."""
    group = group_name()
    make_group(kafka["bootstrap"], group, timed_topic, {0: 4, 1: 6})
    result = k("groups", "reset-offsets", group, timed_topic, "--to-earliest", "--export", "/dev/full", "--yes",
               "-o", "json")
    line = _one_error_line(result, 2)
    (snapshot,) = _snapshots(k)
    assert "WAS applied" in line and snapshot.stem in line, line
    assert result.json["executed"] is True  # the rows are shown
    assert committed(admin, group) == {(timed_topic, 0): 0, (timed_topic, 1): 0}


def test_an_unwritable_snapshot_folder_changes_nothing(kafka, admin, timed_topic, group_name, tmp_path):
    from tests.helpers import run_kctl

    group = group_name()
    make_group(kafka["bootstrap"], group, timed_topic, {0: 4, 1: 6})
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_kctl("groups", "reset-offsets", group, timed_topic, "--to-earliest", "--yes",
                      "-i", str(kafka["instance"]), env={"KCTL_STATE_DIR": str(blocker / "state")})
    line = _one_error_line(result, 2)
    assert "cannot save the snapshot" in line
    assert committed(admin, group) == {(timed_topic, 0): 4, (timed_topic, 1): 6}


def test_a_bad_from_file_is_refused_before_the_broker_is_asked(tmp_path):
    """The file is decoded first: an unreachable cluster does not hide (or delay) its error."""
    from tests.helpers import run_kctl

    bad = tmp_path / "plan.json"
    bad.write_text('[{"topic": "t", "partition": 0, "offset": "7"}]')
    result = run_kctl("groups", "reset-offsets", "g", "--from-file", str(bad), "--yes",
                      "-b", "127.0.0.1:1", "--timeout", "5")
    line = _one_error_line(result, 2)
    assert str(bad) in line and "[0].offset" in line


# ------------------------------------------------------------------------------ undo deletes what was not there


def test_undo_deletes_the_offsets_a_reset_gave_to_partitions_without_one(k, kafka, admin, timed_topic, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, timed_topic, {1: 3})  # partition 0: no committed offset
    reset = k("groups", "reset-offsets", group, timed_topic, "--to-latest", "--yes", "-o", "json")
    assert reset.code == 0, reset
    assert committed(admin, group) == {(timed_topic, 0): 10, (timed_topic, 1): 10}

    plan = k("groups", "undo", group, "--dry-run", "-o", "json")
    assert plan.code == 0, plan
    rows = {p["partition"]: p for p in plan.json["partitions"]}
    assert rows[0]["delete"] is True and rows[0]["new_offset"] is None and rows[0]["current_offset"] == 10
    assert (rows[1]["delete"], rows[1]["new_offset"]) == (False, 3)
    table = k("groups", "undo", group, "--dry-run")
    assert "delete" in table.stdout

    undone = k("groups", "undo", group, "--yes", "-o", "json")
    assert undone.code == 0, undone
    assert committed(admin, group) == {(timed_topic, 1): 3}
    # The undo's own snapshot has partition 0 at 10 again: undoing the undo gives it back.
    again = k("groups", "undo", group, "--yes", "-o", "json")
    assert again.code == 0, again
    assert committed(admin, group) == {(timed_topic, 0): 10, (timed_topic, 1): 10}


# ------------------------------------------------------------------------------ bad inputs: --from-file

BAD_FROM_FILES = [
    ("unknown key in a list entry", "f.json", '[{"topic": "t", "partition": 0, "offset": 1, "extra": 1}]', "extra"),
    ("partition as a string", "f.json", '[{"topic": "t", "partition": "0", "offset": 1}]', "[0].partition"),
    ("negative offset", "f.json", '[{"topic": "t", "partition": 0, "offset": -1}]', "[0].offset"),
    ("partition past int32", "f.json", '[{"topic": "t", "partition": 2147483648, "offset": 1}]', "[0].partition"),
    ("offset past int64", "f.json", '[{"topic": "t", "partition": 0, "offset": 9223372036854775808}]', "[0].offset"),
    ("empty topic", "f.json", '[{"topic": "", "partition": 0, "offset": 1}]', "[0].topic"),
    ("missing offset", "f.json", '[{"topic": "t", "partition": 0}]', "offset"),
    ("offset as a bool", "f.json", '[{"topic": "t", "partition": 0, "offset": true}]', "[0].offset"),
    ("plan with an unknown key", "f.json", '{"partitions": [], "bogus": 1}', "bogus"),
    ("plan row new_offset a string", "f.json", '{"partitions": [{"topic": "t", "partition": 0, "new_offset": "5"}]}',
     "partitions[0].new_offset"),
    ("plan partitions not a list", "f.json", '{"partitions": "t,0,5"}', "partitions"),
    ("a JSON scalar list", "f.json", '[1, 2]', "[0]"),
    ("invalid JSON", "f.json", '[{"topic": ', "not valid JSON"),
    ("nested too deeply", "f.json", "[" * 100_000, "f.json"),
    ("CSV negative offset", "f.csv", "t,0,-1\n", "line 1"),
    ("CSV bad second line", "f.csv", "t,0,1\nt;1;2\n", "line 2"),
    ("CSV partition past int32", "f.csv", "t,2147483648,1\n", "line 1"),
    ("not UTF-8", "f.csv", b"t,0,1\n\xff\xfe,0,1\n", "UTF-8"),
]


@pytest.mark.parametrize("name, content, expected", [c[1:] for c in BAD_FROM_FILES], ids=[c[0] for c in BAD_FROM_FILES])
def test_bad_from_file_is_exit_2_naming_file_and_place(k, kafka, admin, timed_topic, group_name, tmp_path,
                                                       name, content, expected):
    group = group_name()
    make_group(kafka["bootstrap"], group, timed_topic, {0: 4, 1: 6})
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = k("groups", "reset-offsets", group, "--from-file", str(path), "--yes")
    line = _one_error_line(result, 2)
    assert str(path) in line and expected in line, line
    assert committed(admin, group) == {(timed_topic, 0): 4, (timed_topic, 1): 6}
    assert _snapshots(k) == []


@pytest.mark.parametrize("kind", ["folder", "fifo", "missing"])
def test_a_from_file_that_is_not_a_regular_file_is_refused(k, tmp_path, kind):
    path = tmp_path / "plan.csv"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)  # opening it for reading would block until a writer came
    result = k("groups", "reset-offsets", "g", "--from-file", str(path), "--yes")
    line = _one_error_line(result, 2)
    assert str(path) in line


# ------------------------------------------------------------------------------ bad inputs: snapshots

BAD_SNAPSHOTS = [
    ("unknown key", lambda d: {**d, "extra": 1}, "extra"),
    ("offset as a string", lambda d: {**d, "offsets": [{"topic": "t", "partition": 0, "offset": "4"}]},
     "offsets[0].offset"),
    ("negative partition", lambda d: {**d, "offsets": [{"topic": "t", "partition": -1, "offset": 4}]},
     "offsets[0].partition"),
    ("offsets not a list", lambda d: {**d, "offsets": {"t": 4}}, "offsets"),
    ("created_ms missing", lambda d: {k: v for k, v in d.items() if k != "created_ms"}, "created_ms"),
    ("another group's", lambda d: {**d, "group_id": "someone-else"}, "someone-else"),
    ("another id than its name", lambda d: {**d, "snapshot_id": "20200101T000000.000Z-beef"}, "file's name"),
    ("not JSON", lambda d: "{", "not valid JSON"),
]


def _snapshot_of(k, kafka, group: str, topic: str) -> tuple[Path, dict]:
    make_group(kafka["bootstrap"], group, topic, {0: 4, 1: 6})
    assert k("groups", "reset-offsets", group, topic, "--to-latest", "--yes").code == 0
    (path,) = _snapshots(k)
    return path, json.loads(path.read_text())


@pytest.mark.parametrize("change, expected", [c[1:] for c in BAD_SNAPSHOTS], ids=[c[0] for c in BAD_SNAPSHOTS])
@pytest.mark.parametrize("command", ["undo", "history"])
def test_a_bad_snapshot_is_exit_2_naming_it(k, kafka, admin, timed_topic, group_name, change, expected, command):
    group = group_name()
    path, data = _snapshot_of(k, kafka, group, timed_topic)
    changed = change(data)
    path.write_text(changed if isinstance(changed, str) else json.dumps(changed))
    result = k("groups", command, group, *(["--yes"] if command == "undo" else []))
    line = _one_error_line(result, 2)
    assert str(path) in line and expected in line, line
    assert committed(admin, group) == {(timed_topic, 0): 10, (timed_topic, 1): 10}  # the undo changed nothing


@pytest.mark.parametrize("kind", ["link out of the folder", "fifo"])
@pytest.mark.parametrize("command", ["undo", "history"])
def test_a_snapshot_that_is_not_a_file_of_its_folder_is_refused(k, kafka, admin, timed_topic, group_name, tmp_path,
                                                               kind, command):
    group = group_name()
    path, data = _snapshot_of(k, kafka, group, timed_topic)
    planted = path.with_name("20990101T000000.000Z-0000.json")  # sorts last: undo's default
    if kind == "fifo":
        os.mkfifo(planted)
    else:
        outside = tmp_path / "outside.json"
        outside.write_text(json.dumps({**data, "snapshot_id": planted.stem}))
        planted.symlink_to(outside)
    result = k("groups", command, group, *(["--yes"] if command == "undo" else []))
    line = _one_error_line(result, 2)
    assert planted.name in line, line
    assert committed(admin, group) == {(timed_topic, 0): 10, (timed_topic, 1): 10}
