"""`kctl workflow run --params-file`: the bad-input table (no broker, no Temporal). Every case is
exit 2 with one `kctl: error:` line naming the file and the bad field's path, before anything
is contacted: the Temporal address is unreachable (127.0.0.1:1), so a case that wrongly passes
the decoding shows as exit 6 instead."""

from __future__ import annotations

import json
import os

import pytest

from tests.helpers import run_kctl

NOWHERE = ("--temporal", "127.0.0.1:1", "--task-queue", "nobody")
MESSAGE = {"topic": "t", "value": "v"}

# (id, kind, parameters, text the error must contain)
CASES = [
    # produce: messages
    ("negative partition", "produce", {"messages": [MESSAGE] * 3 + [{**MESSAGE, "partition": -1}]},
     "messages[3].partition: expected `int` >= 0"),
    ("float partition", "produce", {"messages": [{**MESSAGE, "partition": 1.5}]}, "messages[0].partition"),
    ("bool partition", "produce", {"messages": [{**MESSAGE, "partition": True}]}, "messages[0].partition"),
    ("unknown key in a message", "produce", {"messages": [{**MESSAGE, "parition": 1}]},
     "messages[0]: object contains unknown field `parition`"),
    ("empty topic", "produce", {"messages": [{**MESSAGE, "topic": ""}]}, "messages[0].topic"),
    ("no topic", "produce", {"messages": [{"value": "v"}]}, "messages[0]: object missing required field `topic`"),
    ("number value", "produce", {"messages": [{**MESSAGE, "value": 5}]}, "messages[0].value"),
    ("header of a number", "produce", {"messages": [{**MESSAGE, "headers": {"h": 1}}]}, "messages[0].headers"),
    ("no messages", "produce", {"messages": []}, "messages: expected `array` of length >= 1"),
    ("messages a string", "produce", {"messages": "abc"}, "messages: expected `array`"),
    ("messages missing", "produce", {}, "missing required field `messages`"),
    ("flush a string", "produce", {"messages": [MESSAGE], "flush": "yes"}, "flush: expected `bool`"),
    ("empty transactional id", "produce", {"messages": [MESSAGE], "transactional_id": ""}, "transactional_id"),
    ("unknown top-level key", "produce", {"messages": [MESSAGE], "flsh": True}, "unknown field `flsh`"),
    # the cluster
    ("bootstrap_servers a string", "produce", {"messages": [MESSAGE], "bootstrap_servers": "127.0.0.1:9392"},
     "bootstrap_servers: expected `array | null`, got `str`"),
    ("no bootstrap server", "produce", {"messages": [MESSAGE], "bootstrap_servers": []}, "bootstrap_servers"),
    ("empty bootstrap server", "produce", {"messages": [MESSAGE], "bootstrap_servers": [""]}, "bootstrap_servers[0]"),
    ("negative instance", "produce", {"messages": [MESSAGE], "instance_id": -1}, "instance_id: expected `int` >= 0"),
    ("instance a string", "produce", {"messages": [MESSAGE], "instance_id": "0"}, "instance_id"),
    ("instance a bool", "produce", {"messages": [MESSAGE], "instance_id": True}, "instance_id"),
    ("two clusters", "topic", {"operation": "list", "instance_id": 0, "bootstrap_servers": ["127.0.0.1:9092"]},
     "give bootstrap_servers or instance_id, not both"),
    # consume
    ("empty group id", "consume", {"group_id": "", "topics": ["t"]}, "group_id: expected `str` of length >= 1"),
    ("no group id", "consume", {"topics": ["t"]}, "missing required field `group_id`"),
    ("topics a string", "consume", {"group_id": "g", "topics": "orders"}, "topics: expected `array`"),
    ("no topics", "consume", {"group_id": "g", "topics": []}, "topics: expected `array` of length >= 1"),
    ("zero polls", "consume", {"group_id": "g", "topics": ["t"], "poll_count": 0}, "poll_count: expected `int` >= 1"),
    ("negative polls", "consume", {"group_id": "g", "topics": ["t"], "poll_count": -3}, "poll_count"),
    ("float polls", "consume", {"group_id": "g", "topics": ["t"], "poll_count": 2.5}, "poll_count"),
    ("bool polls", "consume", {"group_id": "g", "topics": ["t"], "poll_count": True}, "poll_count"),
    ("zero timeout_ms", "consume", {"group_id": "g", "topics": ["t"], "timeout_ms": 0}, "timeout_ms"),
    ("zero max_records", "consume", {"group_id": "g", "topics": ["t"], "max_records": 0}, "max_records"),
    ("odd offset_reset", "consume", {"group_id": "g", "topics": ["t"], "offset_reset": "middle"}, "offset_reset"),
    # topic
    ("unknown operation", "topic", {"operation": "explode"}, "operation: unknown operation 'explode'"),
    ("delete without topic", "topic", {"operation": "delete"}, "operation delete needs topic_name"),
    ("describe_group without group", "topic", {"operation": "describe_group"},
     "operation describe_group needs group_id"),
    ("empty topic group id", "topic", {"operation": "describe_group", "group_id": ""}, "group_id"),
    ("zero partitions", "topic", {"operation": "create", "topic_name": "t", "num_partitions": 0},
     "num_partitions: expected `int` >= 1"),
    ("too many partitions", "topic", {"operation": "create", "topic_name": "t", "num_partitions": 100_001},
     "num_partitions: expected `int` <= 100000"),
    ("zero replication", "topic", {"operation": "create", "topic_name": "t", "replication_factor": 0},
     "replication_factor"),
    # e2e
    ("zero messages", "e2e", {"test_messages_count": 0}, "test_messages_count: expected `int` >= 1"),
    ("negative messages", "e2e", {"test_messages_count": -5}, "test_messages_count"),
    ("float messages", "e2e", {"test_messages_count": 2.5}, "test_messages_count: expected `int`, got `float`"),
    ("bool messages", "e2e", {"test_messages_count": True}, "test_messages_count: expected `int`, got `bool`"),
    ("negative e2e partitions", "e2e", {"num_partitions": -1}, "num_partitions"),
    ("zero e2e timeout", "e2e", {"timeout_s": 0}, "timeout_s"),
    ("e2e timeout a string", "e2e", {"timeout_s": "30"}, "timeout_s"),
    ("cleanup a string", "e2e", {"cleanup": "no"}, "cleanup: expected `bool`"),
    ("empty e2e topic", "e2e", {"topic_name": ""}, "topic_name"),
    # not an object
    ("an array", "e2e", [], "expected a JSON object"),
    ("a string", "topic", "list", "expected a JSON object"),
]


def _one_error_line(result) -> str:
    assert result.stderr.startswith("kctl: error: "), result
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") <= 1, result  # the error and at most a hint
    return result.stderr.splitlines()[0]


@pytest.mark.parametrize("kind, params, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_workflow_parameters_exit_2_naming_the_path(tmp_path, kind, params, expected):
    path = tmp_path / "params.json"
    path.write_text(json.dumps(params))
    result = run_kctl("workflow", "run", kind, "--params-file", str(path), *NOWHERE, "--timeout", "1")
    assert result.code == 2, result
    line = _one_error_line(result)
    assert line.startswith(f"kctl: error: --params-file {path}: ") and expected in line, line


@pytest.mark.parametrize("content", [b"{", b"\xff\xfe", b"[" * 100_000], ids=["truncated", "not utf-8", "deep"])
def test_a_params_file_that_is_not_json_exits_2(tmp_path, content):
    path = tmp_path / "params.json"
    path.write_bytes(content)
    result = run_kctl("workflow", "run", "e2e", "--params-file", str(path), *NOWHERE, "--timeout", "1")
    assert result.code == 2, result
    assert _one_error_line(result).startswith(f"kctl: error: --params-file {path}: ")


def test_a_params_file_that_is_a_fifo_or_missing_exits_2_without_blocking(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path, text in ((fifo, "not a regular file"), (tmp_path / "missing.json", "No such file")):
        result = run_kctl("workflow", "run", "e2e", "--params-file", str(path), *NOWHERE, "--timeout", "1")
        assert result.code == 2 and text in _one_error_line(result), result


def test_a_cli_cluster_on_top_of_a_file_cluster_is_refused(tmp_path):
    path = tmp_path / "params.json"
    path.write_text(json.dumps({"bootstrap_servers": ["127.0.0.1:9092"]}))
    result = run_kctl("workflow", "run", "e2e", "--params-file", str(path), "--instance-id", "0", *NOWHERE)
    assert result.code == 2 and "not both" in _one_error_line(result), result


def test_good_parameters_become_the_workflow_dataclasses():
    from kctl.models.workflow import Message, ProducerParams
    from kctl.temporal.params import decode_params

    params = decode_params("produce", {"messages": [{"topic": "t", "value": "v", "headers": {"h": "x"}, "partition": 2}],
                                       "bootstrap_servers": ["127.0.0.1:9092"]}, "p.json")
    assert params == ProducerParams(messages=(Message("t", "v", None, {"h": "x"}, 2),),
                                    bootstrap_servers=("127.0.0.1:9092",))
    assert decode_params("e2e", {"timeout_s": 5}, "p.json").timeout_s == 5.0  # an int where a float belongs


def test_a_workflows_bootstrap_servers_win_over_the_workers_own():
    """A worker started with -b/-i has bootstrap.servers in its conf; a workflow naming its own
    cluster must run there, not on the worker's (a delete ran on the wrong cluster)."""
    from kctl.models.workflow import Connection
    from kctl.temporal.activities import KafkaActivities

    activities = KafkaActivities({"bootstrap.servers": "127.0.0.1:9092", "client.id": "w"}, "q")
    conf = activities.conf(Connection(("127.0.0.1:9192",)))
    assert conf["bootstrap.servers"] == "127.0.0.1:9192" and conf["client.id"] == "w"
    assert activities.conf(Connection())["bootstrap.servers"] == "127.0.0.1:9092"


@pytest.mark.parametrize("output", ["table", "json"])
def test_dry_run_shows_the_parameters_in_every_output(output):
    """--dry-run prints what the workflow would receive and starts nothing (a table too, not exit 1)."""
    result = run_kctl("-o", output, "workflow", "run", "e2e", "--topic-name", "orders", "--dry-run", *NOWHERE,
                      "--timeout", "1")
    assert result.code == 0, result
    if output == "json":
        assert result.json["topic_name"] == "orders" and result.json["test_messages_count"] == 100
    else:
        assert "nothing started: --dry-run" in result.stdout and "orders" in result.stdout
