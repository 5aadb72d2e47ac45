"""`kctl groups` against the real single-broker instance: every command and its failures.

Groups are made the way applications make them: a confluent Consumer with a unique group id
subscribes, commits known offsets and closes (an Empty group), or stays in the group while the
test runs (an active member). Offsets are read back with a separate AdminClient, not with kctl.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from tests.helpers import BASE_TS, KEEP_OLD_RECORDS, produce_counts, run_answering_on_a_tty, run_kctl, run_kctl_process
from tests.integration.groups_helpers import active_member, committed, make_group

UNREACHABLE = ("-b", "127.0.0.1:1", "--timeout", "2")
KEEP = KEEP_OLD_RECORDS  # records from 2023


def _one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kctl: error: "), result.stderr
    return lines[0]


@pytest.fixture
def topic_with_data(kafka, new_topic):
    """A 2-partition topic with 5 records in partition 0 and 3 in partition 1."""
    topic = new_topic(partitions=2, config=KEEP)
    produce_counts(kafka["bootstrap"], topic, {0: 5, 1: 3}, BASE_TS)
    return topic


# ------------------------------------------------------------------------------------------- list


def test_list_shows_the_group_and_filters_by_state(k, kafka, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 1})

    listed = k("groups", "list", "-o", "json")
    assert listed.code == 0, listed
    rows = [g for g in listed.json if g["group_id"] == group]
    assert rows == [{"group_id": group, "state": "Empty", "type": "Classic", "simple": False, "members": 0,
                     "total_lag": 4, "max_time_lag_ms": rows[0]["max_time_lag_ms"], "lag_error": None}]
    assert rows[0]["max_time_lag_ms"] > 0

    empty = k("groups", "list", "--state", "empty", "-o", "json")
    assert group in [g["group_id"] for g in empty.json]
    stable = k("groups", "list", "--state", "Stable", "-o", "json")
    assert stable.code == 0 and group not in [g["group_id"] for g in stable.json]

    table = k("groups", "list")
    assert table.code == 0 and any(line.split()[:2] == [group, "Empty"] for line in table.stdout.splitlines())


def test_list_rejects_an_unknown_state(k):
    result = k("groups", "list", "--state", "sleeping")
    assert result.code == 2
    assert "--state must be one of" in _one_error_line(result)


# ------------------------------------------------------------------------------------------- describe


def test_describe_shows_committed_offsets_log_end_and_lag(k, kafka, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 3, 1: 1})

    result = k("groups", "describe", group, "-o", "json")
    assert result.code == 0, result
    (detail,) = result.json
    assert detail["group_id"] == group and detail["state"] == "Empty" and detail["members"] == []
    assert detail["coordinator"] is not None and detail["coordinator_host"]
    offsets = [(o["topic"], o["partition"], o["committed_offset"], o["log_end_offset"], o["lag"]) for o in detail["offsets"]]
    assert offsets == [(topic_with_data, 0, 3, 5, 2), (topic_with_data, 1, 1, 3, 2)]
    assert detail["total_lag"] == 4

    table = k("groups", "describe", group)
    assert table.code == 0
    assert f"group {group}: Empty" in table.stdout and "total lag 4" in table.stdout
    row = next(line for line in table.stdout.splitlines() if line.split()[:2] == [topic_with_data, "0"])
    assert row.split()[2:5] == ["3", "5", "2"]


def test_describe_active_group_shows_members_and_uncommitted_partitions(k, kafka, new_topic, group_name):
    topic = new_topic(partitions=3, config=KEEP)
    produce_counts(kafka["bootstrap"], topic, {0: 4, 1: 4, 2: 4}, BASE_TS)
    group = group_name()
    with active_member(kafka["bootstrap"], group, topic, {0: 4, 1: 2}):
        result = k("groups", "describe", group, "-o", "json")
    assert result.code == 0, result
    (detail,) = result.json
    assert detail["state"] == "Stable" and detail["assignment_strategy"]
    (member,) = detail["members"]
    assert member["client_id"] and member["host"]
    assert member["assignment"] == {topic: [0, 1, 2]}
    by_partition = {o["partition"]: o for o in detail["offsets"]}
    assert [(o["committed_offset"], o["lag"]) for o in by_partition.values()] == [(4, 0), (2, 2), (None, None)]
    assert by_partition[2]["log_end_offset"] == 4
    assert {o["member_id"] for o in detail["offsets"]} == {member["member_id"]}
    assert detail["total_lag"] == 2


def test_describe_unknown_group_exits_4(k, group_name):
    result = k("groups", "describe", group_name())
    assert result.code == 4, result
    assert "does not exist" in _one_error_line(result)
    assert result.stdout == ""


def test_describe_known_and_unknown_group_shows_the_known_one_and_exits_5(k, kafka, topic_with_data, group_name):
    known, unknown = group_name(), group_name()
    make_group(kafka["bootstrap"], known, topic_with_data, {0: 1})
    result = k("groups", "describe", known, unknown, "-o", "json")
    assert result.code == 5, result
    assert [g["group_id"] for g in result.json] == [known]
    assert unknown in result.stderr


# ------------------------------------------------------------------------------------------- reset-offsets


def test_reset_dry_run_shows_the_plan_and_changes_nothing(k, kafka, admin, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 3, 1: 1})
    result = k("groups", "reset-offsets", group, "--topic", topic_with_data, "--to-earliest", "--dry-run", "-o", "json")
    assert result.code == 0, result
    plan = result.json
    assert plan["executed"] is False and plan["strategy"] == "to-earliest"
    assert [(p["partition"], p["current_offset"], p["new_offset"]) for p in plan["partitions"]] == [(0, 3, 0), (1, 1, 0)]
    assert committed(admin, group) == {(topic_with_data, 0): 3, (topic_with_data, 1): 1}

    table = k("groups", "reset-offsets", group, "--topic", topic_with_data, "--to-latest", "--dry-run")
    assert table.code == 0 and "plan: nothing changed" in table.stdout
    assert committed(admin, group) == {(topic_with_data, 0): 3, (topic_with_data, 1): 1}


@pytest.mark.parametrize(
    "option, expected",
    [
        (["--to-earliest"], {0: 0, 1: 0}),
        (["--to-latest"], {0: 5, 1: 3}),
        (["--to-offset", "4"], {0: 4, 1: 3}),  # partition 1 ends at 3: kept within the log
        (["--shift-by", "-2"], {0: 1, 1: 0}),  # 3-2, and 1-2 kept at the log start
        (["--shift-by", "1"], {0: 4, 1: 2}),
        # Record i is at BASE_TS + i s: the first record at or after BASE_TS + 1.5 s is offset 2 in both partitions.
        (["--to-datetime", datetime.fromtimestamp((BASE_TS + 1500) / 1000, timezone.utc).isoformat().replace("+00:00", "Z")],
         {0: 2, 1: 2}),
        (["--to-datetime", str(BASE_TS + 1000)], {0: 1, 1: 1}),
    ],
    ids=["earliest", "latest", "offset", "shift-back", "shift-forward", "datetime-iso", "datetime-ms"],
)
def test_reset_execute_moves_the_committed_offsets(k, kafka, admin, topic_with_data, group_name, option, expected):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 3, 1: 1})
    result = k("groups", "reset-offsets", group, "--topic", topic_with_data, *option, "--execute", "-o", "json")
    assert result.code == 0, result
    assert result.json["executed"] is True
    assert {p["partition"]: p["new_offset"] for p in result.json["partitions"]} == expected
    assert committed(admin, group) == {(topic_with_data, p): o for p, o in expected.items()}


def test_reset_some_partitions_leaves_the_others(k, kafka, admin, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 3, 1: 1})
    result = k("groups", "reset-offsets", group, "-t", f"{topic_with_data}:1", "--to-latest", "--execute")
    assert result.code == 0, result
    assert committed(admin, group) == {(topic_with_data, 0): 3, (topic_with_data, 1): 3}


def test_reset_all_topics_covers_every_committed_partition(k, kafka, admin, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 3})
    result = k("groups", "reset-offsets", group, "--all-topics", "--to-earliest", "--execute", "-o", "json")
    assert result.code == 0, result
    assert [p["partition"] for p in result.json["partitions"]] == [0]
    assert committed(admin, group) == {(topic_with_data, 0): 0}


def test_reset_gives_a_new_group_its_first_offsets(k, admin, topic_with_data, group_name):
    group = group_name()  # never joined by any consumer
    result = k("groups", "reset-offsets", group, "--topic", topic_with_data, "--to-offset", "2", "--execute")
    assert result.code == 0, result
    assert committed(admin, group) == {(topic_with_data, 0): 2, (topic_with_data, 1): 2}


def test_reset_is_refused_while_a_member_is_active(k, kafka, admin, topic_with_data, group_name):
    group = group_name()
    with active_member(kafka["bootstrap"], group, topic_with_data, {0: 3, 1: 1}):
        refused = k("groups", "reset-offsets", group, "--topic", topic_with_data, "--to-earliest", "--execute")
        plan = k("groups", "reset-offsets", group, "--topic", topic_with_data, "--to-earliest", "--dry-run", "-o", "json")
        offsets = committed(admin, group)
    assert refused.code == 2, refused
    assert "offsets can only be reset while no consumer is in the group" in _one_error_line(refused)
    assert refused.stdout == ""
    assert offsets == {(topic_with_data, 0): 3, (topic_with_data, 1): 1}
    assert plan.code == 0 and plan.json["active_members"] == 1 and plan.json["executed"] is False


def test_reset_with_a_failed_partition_applies_nothing(k, kafka, admin, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 3})  # nothing committed for partition 1
    result = k("groups", "reset-offsets", group, "--topic", topic_with_data, "--shift-by", "-1", "--execute", "-o", "json")
    assert result.code == 5, result
    assert result.json["executed"] is False
    rows = {p["partition"]: p for p in result.json["partitions"]}
    assert rows[0]["ok"] and rows[0]["new_offset"] == 2
    assert not rows[1]["ok"] and "no committed offset" in rows[1]["error"]
    assert "nothing was changed" in result.stderr
    assert committed(admin, group) == {(topic_with_data, 0): 3}


def test_reset_unknown_topic_or_partition_exits_4(k, kafka, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 1})
    missing_topic = k("groups", "reset-offsets", group, "--topic", f"{topic_with_data}-nope", "--to-earliest")
    assert missing_topic.code == 4, missing_topic
    assert "does not exist" in _one_error_line(missing_topic)
    missing_partition = k("groups", "reset-offsets", group, "--topic", f"{topic_with_data}:7", "--to-earliest")
    assert missing_partition.code == 4
    assert "has no partition 7" in _one_error_line(missing_partition)


# ------------------------------------------------------------------------------------------- delete


def test_delete_an_empty_group(k, kafka, admin, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 1})
    result = k("groups", "delete", group, "--yes", "-o", "json")
    assert result.code == 0, result
    assert result.json["items"] == [{"name": group, "ok": True, "detail": "deleted", "error": None, "exit_code": 0}]
    assert committed(admin, group) == {}
    assert k("groups", "describe", group).code == 4


def test_delete_an_active_group_fails_its_row(k, kafka, admin, topic_with_data, group_name):
    empty, active = group_name(), group_name()
    make_group(kafka["bootstrap"], empty, topic_with_data, {0: 1})
    with active_member(kafka["bootstrap"], active, topic_with_data, {0: 2}):
        alone = k("groups", "delete", active, "--yes")
        both = k("groups", "delete", empty, active, "--yes", "-o", "json")
        still_there = committed(admin, active)
    assert alone.code == 2, alone
    assert "the group has active members" in alone.stdout and "stop the group's consumers" in alone.stderr
    assert both.code == 5, both
    rows = {i["name"]: i for i in both.json["items"]}
    assert rows[empty]["ok"] is True
    assert rows[active]["ok"] is False and rows[active]["error"] == "the group has active members"
    assert still_there == {(topic_with_data, 0): 2}


def test_delete_unknown_group_exits_4(k, group_name):
    result = k("groups", "delete", group_name(), "--yes")
    assert result.code == 4, result
    assert "the group does not exist" in result.stdout


def test_delete_without_yes_on_a_pipe_is_refused(k, kafka, admin, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 1})
    result = k("groups", "delete", group, input="y\n")
    assert result.code == 2
    assert "refusing without --yes (not a terminal)" in result.stderr.strip().splitlines()[-1]  # after the plan
    assert group in result.stderr and "would delete: state Empty, 1 committed offset" in result.stderr  # the plan
    assert committed(admin, group) == {(topic_with_data, 0): 1}


def _delete_on_a_tty(kafka, group: str, answer: bytes):
    """`kctl groups delete GROUP` with a terminal as stdin, answering the question with `answer`."""
    return run_answering_on_a_tty("groups", "delete", group, "-i", str(kafka["instance"]), "-o", "json", answer=answer)


def test_delete_on_a_tty_asks_and_no_keeps_the_group(kafka, admin, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 1})
    code, out, err = _delete_on_a_tty(kafka, group, b"n\n")
    assert f"Delete 1 group and its committed offsets on instance {kafka['instance']} (" in err and group in err
    assert code == 130 and out == ""
    assert committed(admin, group) == {(topic_with_data, 0): 1}


def test_delete_on_a_tty_asks_and_yes_deletes(kafka, admin, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 1})
    code, out, err = _delete_on_a_tty(kafka, group, b"y\n")
    assert code == 0, err
    assert "Delete 1 group and its committed offsets on instance" in err and json.loads(out)["items"][0]["ok"] is True
    assert committed(admin, group) == {}


# ------------------------------------------------------------------------------------------- delete-offsets


def test_delete_offsets_of_one_partition(k, kafka, admin, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 3, 1: 1})
    result = k("groups", "delete-offsets", group, "--topic", f"{topic_with_data}:0", "--yes", "-o", "json")
    assert result.code == 0, result
    assert [(i["name"], i["ok"], i["detail"]) for i in result.json["items"]] == [(f"{topic_with_data}:0", True, "deleted (was 3)")]
    assert committed(admin, group) == {(topic_with_data, 1): 1}


def test_delete_offsets_of_a_whole_topic(k, kafka, admin, topic_with_data, group_name):
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 3, 1: 1})
    result = k("groups", "delete-offsets", group, "--topic", topic_with_data, "--yes")
    assert result.code == 0, result
    assert committed(admin, group) == {}


def test_delete_offsets_refused_for_a_subscribed_topic(k, kafka, admin, topic_with_data, group_name):
    group = group_name()
    with active_member(kafka["bootstrap"], group, topic_with_data, {0: 3}):
        result = k("groups", "delete-offsets", group, "--topic", f"{topic_with_data}:0", "--yes")
        offsets = committed(admin, group)
    assert result.code == 2, result
    assert "subscribed" in result.stdout
    assert offsets == {(topic_with_data, 0): 3}


def test_delete_offsets_of_unknown_group_exits_4(k, topic_with_data, group_name):
    result = k("groups", "delete-offsets", group_name(), "--topic", topic_with_data, "--yes")
    assert result.code == 4, result
    assert "does not exist" in _one_error_line(result)


# ------------------------------------------------------------------------------------------- unreachable


@pytest.mark.parametrize(
    "args",
    [
        ["groups", "list"],
        ["groups", "describe", "g"],
        ["groups", "delete", "g", "--yes"],
        ["groups", "reset-offsets", "g", "--topic", "t", "--to-earliest"],
        ["groups", "delete-offsets", "g", "--topic", "t"],
    ],
    ids=lambda a: a[1],
)
def test_unreachable_broker_exits_6(args):
    result = run_kctl(*args, *UNREACHABLE)
    assert result.code == 6, result
    assert "cannot reach the cluster at 127.0.0.1:1" in _one_error_line(result)


NOT_UTF8 = b"bad-\xff\xfe-name"


@pytest.mark.parametrize("args, what", [
    (["groups", "describe", NOT_UTF8], "group id"),
    (["groups", "delete", NOT_UTF8, "--yes"], "group id"),
    (["groups", "reset-offsets", NOT_UTF8, "--topic", "t", "--to-earliest"], "group id"),
    (["groups", "delete-offsets", NOT_UTF8, "--topic", "t"], "group id"),
    (["groups", "reset-offsets", "g", "--topic", NOT_UTF8, "--to-earliest"], "topic name"),
    (["groups", "delete-offsets", "g", "--topic", NOT_UTF8], "topic name"),
], ids=["describe", "delete", "reset-offsets", "delete-offsets", "reset-offsets-topic", "delete-offsets-topic"])
def test_names_that_are_not_utf8_are_usage_errors(kafka, args, what):
    """librdkafka crashed (SIGSEGV, exit 139) on a surrogate-escaped group id: exit 2 before it sees one."""
    result = run_kctl_process(*args, "-i", str(kafka["instance"]), "--timeout", "5", timeout=60)
    assert result.code == 2, result
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"kctl: error: {what} is not valid UTF-8"), result


def test_relative_to_datetime_is_accepted(k, kafka, admin, topic_with_data, group_name):
    """--to-datetime goes through kctl.parsing.parse_time: -1h means an hour ago. Every record
    here carries an older timestamp (BASE_TS): the first record at or after the time is the next to be
    written, so each partition goes to its log end (as kafka-consumer-groups does) and says why."""
    group = group_name()
    make_group(kafka["bootstrap"], group, topic_with_data, {0: 1, 1: 1})
    result = k("groups", "reset-offsets", group, "--topic", topic_with_data, "--to-datetime", "-1h", "--execute",
               "-o", "json")
    assert result.code == 0, result
    assert result.json["executed"] is True
    assert all(p["ok"] and "no record at or after" in p["detail"] for p in result.json["partitions"])
    assert committed(admin, group) == {(topic_with_data, 0): 5, (topic_with_data, 1): 3}


# ------------------------------------------------------------------------------------------- three brokers


@pytest.mark.three_brokers
def test_describe_and_reset_on_three_brokers(kafka3, unique_name):
    """Partitions led by different brokers and a coordinator that may be any of them."""
    from confluent_kafka.admin import AdminClient

    from tests.conftest import _create_topic

    admin = AdminClient({"bootstrap.servers": kafka3["bootstrap"]})
    topic, group = unique_name("t"), unique_name("g")
    _create_topic(admin, topic, 3, 3)
    try:
        produce_counts(kafka3["bootstrap"], topic, {0: 2, 1: 3, 2: 4}, BASE_TS)
        make_group(kafka3["bootstrap"], group, topic, {0: 1, 1: 1, 2: 1})
        def run(*args):
            return run_kctl(*args, "-i", str(kafka3["instance"]))

        described = run("groups", "describe", group, "-o", "json")
        assert described.code == 0, described
        (detail,) = described.json
        assert f"{detail['coordinator_host']}" in kafka3["bootstrap"].split(",")
        assert [o["lag"] for o in detail["offsets"]] == [1, 2, 3] and detail["total_lag"] == 6
        reset = run("groups", "reset-offsets", group, "--all-topics", "--to-latest", "--execute")
        assert reset.code == 0, reset
        assert committed(admin, group) == {(topic, 0): 2, (topic, 1): 3, (topic, 2): 4}
    finally:
        for future in admin.delete_consumer_groups([group], request_timeout=30).values():
            try:
                future.result(timeout=30)
            except Exception:  # noqa: BLE001 - cleanup: the group may be gone already
                pass
        admin.delete_topics([topic], operation_timeout=30)[topic].result(timeout=30)


@pytest.mark.parametrize("run", range(3))
def test_describing_thousands_of_groups_past_the_deadline_ends_cleanly(kafka, unique_name, run):
    """3,000 groups (ids the broker never saw still cost a coordinator request each) in half a second:
    most requests are still out when the deadline passes. librdkafka aborted the process
    (`eonce->refcnt > 0`) or crashed when its own timeout ended requests still waiting for their
    coordinator; kctl's deadline must end the command instead, with one error line."""
    prefix = unique_name("g")
    groups = [f"{prefix}-{i}" for i in range(3000)]
    result = run_kctl_process("groups", "describe", *groups, "-i", str(kafka["instance"]), "--timeout", "0.5",
                              "-o", "json", timeout=30)
    assert result.code in (4, 5, 6), result
    assert "Assertion" not in result.stderr and "Traceback" not in result.stderr, result
    assert [line for line in result.stderr.splitlines() if line.startswith("kctl: error:")], result
    assert len(result.stderr) < 2000, result.stderr[:300]  # ten names and a count, not 3,000 names
