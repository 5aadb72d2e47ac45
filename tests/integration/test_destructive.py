"""The one safety model (kctl.cli.confirm) against the single-broker instance: each destructive
command refuses from a script without --yes (exit 2, the plan on stderr, nothing changed),
--dry-run changes nothing (exit 0), and on a terminal the question names the cluster and what goes.

Cheap by design: each test makes its own objects (a topic of a few records, a group, a user) and
checks they are still there."""

from __future__ import annotations


import pytest

from tests.helpers import run_answering_on_a_tty

REFUSAL = "refusing without --yes (not a terminal)"


@pytest.fixture
def topic(k, new_topic):
    """A topic with 3 records in partition 0 and 2 in partition 1."""
    name = new_topic(partitions=2)
    for partition, count in ((0, 3), (1, 2)):
        produced = k("produce", name, "--partition", str(partition), input="x\n" * count)
        assert produced.code == 0, produced
    return name


@pytest.fixture
def group(kafka, topic, unique_name, admin):
    """An Empty group that committed offset 2 on partition 0 and 1 on partition 1 of `topic`."""
    from confluent_kafka import Consumer, TopicPartition

    name = unique_name("g")
    consumer = Consumer({"bootstrap.servers": kafka["bootstrap"], "group.id": name, "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(topic, 0, 2), TopicPartition(topic, 1, 1)], asynchronous=False)
    finally:
        consumer.close()
    yield name
    admin.delete_consumer_groups([name], request_timeout=30)[name].exception(timeout=30)


def _messages(k, topic: str) -> int:
    return k("topics", "describe", topic, "--no-size", "-o", "json").json[0]["messages"]


def _offsets(k, group: str) -> dict:
    detail = k("groups", "describe", group, "-o", "json").json[0]
    return {(p["topic"], p["partition"]): p["committed_offset"] for p in detail["offsets"]}


def _refused(result, kafka) -> str:
    assert result.code == 2, result
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("kctl: error: ") and f"on instance {kafka['instance']} (" in last and REFUSAL in last, last
    assert result.stdout == "", result
    return result.stderr


def test_topics_delete_and_delete_records_refuse_then_dry_run(k, kafka, topic):
    plan = _refused(k("topics", "delete", topic), kafka)
    assert topic in plan and "would delete: 2 partitions, 5 records" in plan
    assert "delete 1 topic and its 5 records" in plan.splitlines()[-1]
    plan = _refused(k("topics", "delete-records", topic, "--all", input="y\n"), kafka)  # a piped "y" is no answer
    assert f"{topic}:0" in plan and "would delete 3 records (offsets 0 to 3)" in plan
    assert "delete 5 records of topic" in plan.splitlines()[-1]
    dry = k("-o", "json", "topics", "delete-records", topic, "--before", "0:2", "--dry-run")
    assert dry.code == 0 and dry.json["dry_run"] is True, dry
    assert [i["detail"] for i in dry.json["items"]] == ["would delete 2 records (offsets 0 to 2)"]
    assert k("topics", "delete", topic, "--dry-run").code == 0
    assert _messages(k, topic) == 5  # nothing changed


def test_groups_delete_delete_offsets_and_reset_refuse_then_dry_run(k, kafka, topic, group):
    before = {(topic, 0): 2, (topic, 1): 1}
    assert _offsets(k, group) == before
    plan = _refused(k("groups", "delete", group), kafka)
    assert group in plan and "2 committed offsets" in plan
    plan = _refused(k("groups", "delete-offsets", group, "--topic", topic), kafka)
    assert "would delete (was 2)" in plan and "delete 2 committed offsets of group" in plan.splitlines()[-1]
    plan = _refused(k("groups", "reset-offsets", group, "--topic", topic, "--to-earliest"), kafka)
    assert "3 records re-read" in plan.splitlines()[-1]  # 2 + 1 records consumed again
    for dry in (k("groups", "delete", group, "--dry-run"), k("groups", "delete-offsets", group, "-t", topic, "--dry-run"),
                k("groups", "reset-offsets", group, "--topic", topic, "--to-earliest", "--dry-run")):
        assert dry.code == 0, dry
    assert _offsets(k, group) == before


def test_groups_undo_refuses_without_yes(k, kafka, topic, group, tmp_path):
    env = {"KCTL_STATE_DIR": str(tmp_path)}  # the snapshot of the reset below
    applied = k("groups", "reset-offsets", group, "--topic", topic, "--to-latest", "--execute", env=env)
    assert applied.code == 0, applied
    moved = {(topic, 0): 3, (topic, 1): 2}
    assert _offsets(k, group) == moved
    plan = _refused(k("groups", "undo", group, env=env), kafka)
    assert "move 2 committed offsets of group" in plan.splitlines()[-1]
    assert _offsets(k, group) == moved


def test_users_delete_refuses_and_dry_run_keeps_the_user(k, kafka, unique_name):
    user = unique_name("u")
    assert k("users", "create", user, "--password-env", "KCTL_IT_PW", env={"KCTL_IT_PW": "pw-0123456789"}).code == 0
    try:
        plan = _refused(k("users", "delete", user), kafka)
        assert f"{user} SCRAM-SHA-512" in plan and "would delete" in plan
        assert k("users", "delete", user, "--dry-run").code == 0
        assert [u["user"] for u in k("users", "list", user, "-o", "json").json] == [user]
    finally:
        assert k("users", "delete", user, "--yes").code == 0


def test_users_delete_without_a_mechanism_deletes_every_credential_the_user_has(k, unique_name):
    user = unique_name("u")
    env = {"KCTL_IT_PW": "pw-0123456789"}
    for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
        made = k("users", "create", user, "--mechanism", mechanism, "--password-env", "KCTL_IT_PW", env=env)
        assert made.code == 0, made
    gone = k("-o", "json", "users", "delete", user, "--yes")
    assert gone.code == 0, gone
    assert sorted(i["name"] for i in gone.json["items"]) == [f"{user} SCRAM-SHA-256", f"{user} SCRAM-SHA-512"]
    assert k("users", "list", user, "-o", "json").code == 4  # no such user any more
    again = k("users", "delete", user, "--yes")
    assert again.code == 4 and again.stderr.count("kctl: error:") == 1, again


def test_a_plan_that_changes_nothing_asks_nothing(k, new_topic):
    empty = new_topic()
    result = k("topics", "delete-records", empty, "--all")  # no records: nothing to refuse
    assert result.code == 0 and "nothing to delete" in result.stdout, result
    unclean = k("cluster", "elect-leaders", "--unclean", "--topic", empty)  # it has a leader
    assert unclean.code == 0 and "nothing to elect" in unclean.stdout, unclean


def _on_a_tty(kafka, args: list[str], answer: bytes):
    """kctl ARGS with a terminal as stdin (a pseudo-terminal), answering its question with `answer`."""
    return run_answering_on_a_tty(*args, "-i", str(kafka["instance"]), answer=answer)


def test_delete_records_all_on_a_terminal_names_the_cluster_and_the_records(k, kafka, topic):
    question = f"Delete 5 records of topic {topic} on instance {kafka['instance']} ({kafka['bootstrap']})? [y/N]"
    code, out, err = _on_a_tty(kafka, ["topics", "delete-records", topic, "--all"], b"n\n")
    assert code == 130 and question in err and out == "", err
    assert f"{topic}:0" in err and "would delete 3 records" in err  # the plan above the question
    assert _messages(k, topic) == 5
    code, out, err = _on_a_tty(kafka, ["topics", "delete-records", topic, "--all"], b"y\n")
    assert code == 0 and question in err and "low watermark now 3" in out, err
    assert _messages(k, topic) == 0
