"""Offset resets with impact, snapshots and undo against the real broker.

Every reset is checked by consuming after it: the records the group then receives are the
ones the plan said it would re-read (or, moving forward, all but the skipped ones).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.helpers import BASE_TS, KEEP_OLD_RECORDS, produce_counts, run_kctl, wait_until
from tests.integration.groups_helpers import STEP, active_member, committed, kctl_with_snapshots, make_group

NOW = int(time.time() * 1000)


@pytest.fixture
def k(kafka, tmp_path):
    """kctl on the single broker, with its own state folder (the snapshots)."""
    return kctl_with_snapshots(kafka, tmp_path)


def _consume_count(k, topic: str, group: str) -> int:
    """What the group receives now, from its committed offsets to the end (and commits)."""
    result = k("consume", topic, "--group", group, "--until", "end")
    assert result.code == 0, result
    return len([line for line in result.stdout.splitlines() if line])


def _plan(result) -> dict[int, dict]:
    return {p["partition"]: p for p in result.json["partitions"]}


@pytest.mark.parametrize("duration, first", [("-1h", 4), ("PT30M", 7)])
def test_by_duration_rereads_what_the_plan_says(k, kafka, timed_topic, group_name, duration, first, ts):
    group = group_name()
    make_group(kafka["bootstrap"], group, timed_topic, {0: 10, 1: 10})
    result = k("groups", "reset-offsets", group, "--topic", timed_topic, "--by-duration", duration, "--execute",
               "-o", "json")
    assert result.code == 0, result
    plan = _plan(result)
    for p in (0, 1):
        assert plan[p]["new_offset"] == first and plan[p]["reread"] == 10 - first and plan[p]["skipped"] is None
        assert plan[p]["from_timestamp_ms"] == ts(first) and plan[p]["to_timestamp_ms"] == ts(9)
    assert result.json["records_reread"] == 2 * (10 - first) and result.json["records_skipped"] == 0
    assert _consume_count(k, timed_topic, group) == result.json["records_reread"]


def test_moving_forward_skips_and_says_so(k, kafka, timed_topic, group_name, ts):
    group = group_name()
    make_group(kafka["bootstrap"], group, timed_topic, {0: 2, 1: 2})
    result = k("groups", "reset-offsets", group, "--topic", f"{timed_topic}:0", "--to-offset", "8", "--execute",
               "-o", "json")
    assert result.code == 0, result
    row = _plan(result)[0]
    assert row["skipped"] == 6 and row["reread"] is None
    assert (row["from_timestamp_ms"], row["to_timestamp_ms"]) == (ts(2), ts(7))
    assert result.json["records_skipped"] == 6
    assert _consume_count(k, timed_topic, group) == (10 - 8) + (10 - 2)  # partition 1 was not moved
    table = k("groups", "reset-offsets", group, "--topic", timed_topic, "--to-latest", "--dry-run")
    assert "RE-READ" in table.stdout and "SKIPPED: 2 record(s)" not in table.stdout  # already at the end now


def test_to_current_and_to_earliest(k, kafka, timed_topic, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, timed_topic, {0: 3, 1: 9})
    current = k("groups", "reset-offsets", group, "--topic", timed_topic, "--to-current", "--execute", "-o", "json")
    assert current.code == 0, current
    assert [(p["new_offset"], p["reread"], p["skipped"]) for p in current.json["partitions"]] == [(3, 0, 0), (9, 0, 0)]
    earliest = k("groups", "reset-offsets", group, "--all-topics", "--to-earliest", "--execute", "-o", "json")
    assert earliest.json["records_reread"] == 3 + 9
    assert _consume_count(k, timed_topic, group) == 20


def test_a_datetime_before_the_earliest_record_clamps_and_says_so(k, kafka, timed_topic, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, timed_topic, {0: 5, 1: 5})
    result = k("groups", "reset-offsets", group, "--topic", timed_topic, "--to-datetime", str(NOW - 1000 * STEP),
               "--dry-run", "-o", "json")
    assert result.code == 0, result
    for row in result.json["partitions"]:
        assert row["new_offset"] == 0 and row["reread"] == 5
        assert "is before the earliest record" in row["detail"]


def test_a_datetime_resolves_an_empty_partition_and_one_with_only_older_records_to_the_log_end(
        k, kafka, new_topic, group_name, ts):
    """An empty partition has one position (start = end); a partition whose records are all older than
    the time has none at or after it: both resolve to the log end, as kafka-consumer-groups does, with
    nothing re-read."""
    from confluent_kafka import Producer

    topic = new_topic(partitions=3, config=KEEP_OLD_RECORDS)
    producer = Producer({"bootstrap.servers": kafka["bootstrap"], "linger.ms": 1})
    for i in range(10):
        producer.produce(topic, value=f"m{i}".encode(), partition=1, timestamp=ts(i) - 100 * STEP)  # all old
        producer.produce(topic, value=f"m{i}".encode(), partition=2, timestamp=ts(i))
    assert producer.flush(30) == 0
    group = group_name()
    make_group(kafka["bootstrap"], group, topic, {0: 0, 1: 2, 2: 2})
    result = k("groups", "reset-offsets", group, "--topic", topic, "--to-datetime", "-1h", "--dry-run", "-o", "json")
    assert result.code == 0, result
    rows = _plan(result)
    assert (rows[0]["new_offset"], rows[0]["reread"], rows[0]["skipped"], rows[0]["detail"]) == (0, 0, 0, "")
    assert (rows[1]["new_offset"], rows[1]["skipped"]) == (10, 8)
    assert "no record at or after" in rows[1]["detail"] and "log end" in rows[1]["detail"]
    assert rows[2]["new_offset"] == 4  # record 4 is the first of the last hour
    applied = k("groups", "reset-offsets", group, "--topic", topic, "--to-datetime", "-1h", "--execute", "-o", "json")
    assert applied.code == 0, applied
    assert _consume_count(k, topic, group) == 10 - 4


def test_to_group_and_from_file_round_trip_through_export(k, kafka, admin, timed_topic, group_name, tmp_path):
    source, target, again = group_name(), group_name(), group_name()
    make_group(kafka["bootstrap"], source, timed_topic, {0: 3, 1: 7})
    make_group(kafka["bootstrap"], target, timed_topic, {0: 9, 1: 1})
    csv_file, json_file = tmp_path / "plan.csv", tmp_path / "plan.json"
    plan = k("groups", "reset-offsets", target, "--to-group", source, "--export", str(csv_file), "--dry-run", "-o", "json")
    assert plan.code == 0 and plan.json["executed"] is False, plan
    assert csv_file.read_text() == f"{timed_topic},0,3\n{timed_topic},1,7\n"
    assert committed(admin, target) == {(timed_topic, 0): 9, (timed_topic, 1): 1}  # a dry run

    applied = k("groups", "reset-offsets", target, "--from-file", str(csv_file), "--execute",
                "--export", str(json_file), "-o", "json")
    assert applied.code == 0, applied
    assert committed(admin, target) == committed(admin, source)
    assert _plan(applied)[0]["reread"] == 6 and _plan(applied)[1]["skipped"] == 6

    # The JSON export is --from-file input too.
    make_group(kafka["bootstrap"], again, timed_topic, {0: 0, 1: 0})
    from_json = k("groups", "reset-offsets", again, "--from-file", str(json_file), "--execute")
    assert from_json.code == 0, from_json
    assert committed(admin, again) == committed(admin, source)
    assert _consume_count(k, timed_topic, again) == (10 - 3) + (10 - 7)


def test_a_partition_missing_from_the_file_applies_nothing_unless_skip_missing(k, kafka, admin, timed_topic,
                                                                              group_name, tmp_path):
    group = group_name()
    make_group(kafka["bootstrap"], group, timed_topic, {0: 5, 1: 5})
    offsets = tmp_path / "offsets.csv"
    offsets.write_text(f"{timed_topic},0,2\n")
    refused = k("groups", "reset-offsets", group, "--topic", timed_topic, "--from-file", str(offsets), "--execute",
                "-o", "json")
    assert refused.code == 4, refused
    row = _plan(refused)[1]
    assert not row["ok"] and "not in" in row["error"] and "--skip-missing" in row["error"]
    assert committed(admin, group) == {(timed_topic, 0): 5, (timed_topic, 1): 5}
    applied = k("groups", "reset-offsets", group, "--topic", timed_topic, "--from-file", str(offsets), "--execute",
                "--skip-missing", "-o", "json")
    assert applied.code == 0, applied
    assert committed(admin, group) == {(timed_topic, 0): 2, (timed_topic, 1): 5}
    bad = tmp_path / "bad.csv"
    bad.write_text("orders;0;1\n")
    unreadable = k("groups", "reset-offsets", group, "--from-file", str(bad))
    assert unreadable.code == 2 and "expected topic,partition,offset" in unreadable.stderr


def test_every_execute_saves_a_snapshot_and_undo_restores_exactly(k, kafka, admin, timed_topic, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, timed_topic, {0: 4, 1: 6})
    before = committed(admin, group)
    first = k("groups", "reset-offsets", group, "--all-topics", "--to-latest", "--execute", "-o", "json")
    assert first.code == 0 and first.json["snapshot_id"], first
    second = k("groups", "reset-offsets", group, "--all-topics", "--to-earliest", "--execute", "-o", "json")
    assert second.code == 0, second

    history = k("groups", "history", group, "-o", "json")
    assert history.code == 0, history
    assert [s["snapshot_id"] for s in history.json] == [first.json["snapshot_id"], second.json["snapshot_id"]]
    snap = history.json[0]
    assert snap["group_id"] == group and snap["reason"] == "to-latest" and snap["cluster_id"]
    assert {(o["topic"], o["partition"]): o["offset"] for o in snap["offsets"]} == before

    plan = k("groups", "undo", group, "--snapshot", first.json["snapshot_id"], "--dry-run", "-o", "json")
    assert plan.code == 0 and plan.json["executed"] is False, plan
    assert {p["partition"]: p["new_offset"] for p in plan.json["partitions"]} == {0: 4, 1: 6}
    assert committed(admin, group) == {(timed_topic, 0): 0, (timed_topic, 1): 0}
    undone = k("groups", "undo", group, "--snapshot", first.json["snapshot_id"][:20], "--execute", "-o", "json")
    assert undone.code == 0, undone
    assert committed(admin, group) == before
    assert len(k("groups", "history", group, "-o", "json").json) == 3  # the undo saved what it replaced
    table = k("groups", "history", group)
    assert first.json["snapshot_id"] in table.stdout and "to-latest" in table.stdout


def test_undo_refuses_a_snapshot_of_another_cluster(k, kafka, timed_topic, group_name):
    from pathlib import Path

    group = group_name()
    make_group(kafka["bootstrap"], group, timed_topic, {0: 4, 1: 6})
    assert k("groups", "reset-offsets", group, "--all-topics", "--to-latest", "--execute").code == 0
    (path,) = Path(k.state).glob("groups/*/*.json")
    data = json.loads(path.read_text())
    data["cluster_id"] = "another-cluster"
    path.write_text(json.dumps(data))
    refused = k("groups", "undo", group, "--execute")
    assert refused.code == 2, refused
    assert "taken on cluster another-cluster" in refused.stderr
    none = k("groups", "undo", group_name())
    assert none.code == 4 and "no snapshots" in none.stderr


def test_refused_while_a_member_is_active_then_applied_with_wait_empty(k, kafka, admin, timed_topic, group_name):
    group = group_name()
    with active_member(kafka["bootstrap"], group, timed_topic, {0: 5, 1: 5}) as consumer:
        refused = k("groups", "reset-offsets", group, "--all-topics", "--to-earliest", "--execute")
        assert refused.code == 2, refused
        line = refused.stderr.strip().splitlines()[0]
        assert "1 member(s)" in line and "members: rdkafka@" in line and "--wait-empty" in refused.stderr
        proc = subprocess.Popen([sys.executable, "-m", "kctl", "-v", "-i", str(kafka["instance"]), "groups",
                                 "reset-offsets", group, "--all-topics", "--to-earliest", "--execute",
                                 "--wait-empty", "60s"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                env={**__import__("os").environ, "KCTL_STATE_DIR": k.state})
        for line in proc.stderr:  # kctl reports that it waits (-v) before the member leaves
            if "group_wait_empty" in line:
                break
        else:
            pytest.fail(f"kctl never waited: {proc.communicate()}")
        consumer.close()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert committed(admin, group) == {(timed_topic, 0): 0, (timed_topic, 1): 0}
    assert _consume_count(k, timed_topic, group) == 20


@pytest.mark.three_brokers
def test_reset_on_three_brokers_round_trips_with_undo(kafka3, unique_name, tmp_path):
    from confluent_kafka.admin import AdminClient, NewTopic

    bootstrap = kafka3["bootstrap"]
    topic, group = unique_name("t3r"), unique_name("g3r")
    cluster_admin = AdminClient({"bootstrap.servers": bootstrap})
    cluster_admin.create_topics([NewTopic(topic, 3, 3)])[topic].result(60)
    env = {"KCTL_STATE_DIR": str(tmp_path / "state")}

    def run(*args):
        return run_kctl(*args, "-i", str(kafka3["instance"]), env=env)

    try:
        assert run("topics", "describe", topic).code == 0  # leaders elected
        produce_counts(bootstrap, topic, {0: 5, 1: 5, 2: 5}, BASE_TS)
        make_group(bootstrap, group, topic, {0: 1, 1: 2, 2: 3})
        before = committed(cluster_admin, group)
        reset = run("groups", "reset-offsets", group, "--all-topics", "--to-datetime", str(BASE_TS + 4000), "--execute",
                    "-o", "json")
        assert reset.code == 0, reset
        assert reset.json["records_reread"] == 0 and reset.json["records_skipped"] == 3 + 2 + 1
        undone = run("groups", "undo", group, "--execute")
        assert undone.code == 0, undone
        assert committed(cluster_admin, group) == before
    finally:
        for future in cluster_admin.delete_consumer_groups([group], request_timeout=30).values():
            try:
                future.result(30)
            except Exception:  # noqa: BLE001 - cleanup: the group may be gone already
                pass
        cluster_admin.delete_topics([topic])[topic].result(60)


def test_undo_names_partitions_that_no_longer_exist(k, kafka, admin, new_topic, group_name):
    kept, dropped = new_topic(partitions=1, config=KEEP_OLD_RECORDS), new_topic(partitions=1, config=KEEP_OLD_RECORDS)
    produce_counts(kafka["bootstrap"], kept, {0: 5}, BASE_TS)
    produce_counts(kafka["bootstrap"], dropped, {0: 5}, BASE_TS)
    group = group_name()
    make_group(kafka["bootstrap"], group, kept, {0: 2})
    make_group(kafka["bootstrap"], group, dropped, {0: 3})
    assert k("groups", "reset-offsets", group, "--all-topics", "--to-latest", "--execute").code == 0
    admin.delete_topics([dropped])[dropped].result(30)
    wait_until(lambda: dropped not in admin.list_topics(timeout=10).topics, 60, "the deleted topic went away")
    refused = k("groups", "undo", group, "--execute", "-o", "json")
    assert refused.code == 4, refused
    assert {p["topic"]: p["ok"] for p in refused.json["partitions"]} == {kept: True, dropped: False}
    assert committed(admin, group)[(kept, 0)] == 5
    undone = k("groups", "undo", group, "--execute", "--skip-missing")
    assert undone.code == 0, undone
    assert committed(admin, group)[(kept, 0)] == 2
