"""KIP-848's consumer group protocol: `--group-protocol consumer` on `consume --group` and
`e2e run`, `ConsumerClient(group_protocol=...)`, and the group commands (list, describe, lag,
reset-offsets, undo) on consumer-protocol groups; the bad inputs, and a broker that cannot run the
protocol.

The shared instance 0 (Kafka 4.1.1) has group.version 1 finalized by default (asserted below).
The broker without it is a private Kafka 3.9.2 (group.version not finalized), on a registry of its
own (tests/instances.py) and a state folder of its own, started once for the module.
"""

from __future__ import annotations

import time

import pytest

from tests.helpers import poll_records, run_kctl, wait_until
from tests.instances import instance_of, write_registry
from tests.integration.groups_helpers import committed

OLD_VERSION = "3.9.2"
OLD = instance_of(__name__)  # of a registry of its own


@pytest.fixture(scope="module")
def old_broker(tmp_path_factory):
    """A Kafka 3.9.2 broker: no consumer group protocol (group.version 0)."""
    root = tmp_path_factory.mktemp("group-protocol-old")
    env = {"KCTL_STATE_DIR": str(root / "state")}
    local = ("--registry", str(write_registry(__name__, root)))
    up = run_kctl(*local, "-o", "json", "local", "up", "-i", OLD, "--kafka-version", OLD_VERSION, "--heap", "384m",
                  "--wait", "120", env=env)
    assert up.code == 0, up
    try:
        yield up.json["bootstrap"]
    finally:
        run_kctl(*local, "local", "down", "-i", OLD, env=env)


def _error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kctl: error: "), result
    return lines[0]


@pytest.fixture
def topic(new_topic, kafka):
    """A 3-partition topic with 10 records in each partition."""
    from confluent_kafka import Producer

    name = new_topic(partitions=3, prefix="gp")
    producer = Producer({"bootstrap.servers": kafka["bootstrap"]})
    for partition in range(3):
        for i in range(10):
            producer.produce(name, value=f"p{partition}-{i}".encode(), partition=partition)
    assert producer.flush(30) == 0
    return name


def test_the_shared_broker_runs_group_version_1(k):
    features = k("cluster", "features", "-o", "json")
    assert features.code == 0, features
    level = {f["name"]: f["finalized"] for f in features.json}
    assert level["group.version"] >= 1, features.json


def test_e2e_run_passes_with_the_consumer_protocol(k):
    result = k("e2e", "run", "--group-protocol", "consumer", "--assignor", "range", "--consumers", 2, "-o", "json",
               "--timeout", 30)
    assert result.code == 0, result
    report = result.json
    assert report["ok"] and report["settings"]["group_protocol"] == "consumer", report
    assert report["settings"]["assignor"] == "range"
    assert report["consumed"] == 100 and report["missing"] == 0 and report["duplicates"] == 0
    owned = sorted(p for member in report["assignment"] for p in member["partitions"])
    assert owned == [0, 1, 2] and len(report["assignment"]) == 2, report["assignment"]


def test_consume_commits_and_the_group_commands_see_a_consumer_group(k, topic, group_name):
    group = group_name()
    read = k("consume", topic, "--group", group, "--group-protocol", "consumer", "--assignor", "uniform", "-n", 12,
             "--timeout", 30)
    assert read.code == 0, read
    assert len(read.stdout.splitlines()) == 12

    described = k("groups", "describe", group, "-o", "json")
    assert described.code == 0, described
    (doc,) = described.json
    assert doc["type"] == "Consumer", doc
    committed_offsets = {o["partition"]: o["committed_offset"] for o in doc["offsets"] if o["committed_offset"] is not None}
    assert sum(committed_offsets.values()) == 12, doc["offsets"]
    # the lag of the partitions the group committed (a partition it never committed has none)
    expected_lag = sum(10 - offset for offset in committed_offsets.values())
    assert doc["total_lag"] == expected_lag, doc

    listed = k("groups", "list", "-o", "json")
    assert listed.code == 0, listed
    (row,) = [g for g in listed.json if g["group_id"] == group]
    assert row["type"] == "Consumer" and row["total_lag"] == expected_lag and row["lag_error"] is None, row

    lag = k("groups", "lag", group, "--interval", "200ms", "-o", "json")
    assert lag.code == 0, lag
    (report,) = lag.json["groups"]
    assert report["total_lag"] == expected_lag, report
    assert {p["partition"] for p in report["partitions"]} == set(committed_offsets), report


def test_reset_and_undo_on_a_consumer_protocol_group(k, kafka, admin, topic, group_name, tmp_path):
    group = group_name()
    env = {"KCTL_STATE_DIR": str(tmp_path / "state")}

    def kk(*args):
        return run_kctl(*args, "-i", kafka["instance"], env=env)

    assert kk("consume", topic, "--group", group, "--group-protocol", "consumer", "--until", "end",
              "--timeout", 30).code == 0
    before = committed(admin, group)
    assert before == {(topic, p): 10 for p in range(3)}
    reset = kk("groups", "reset-offsets", group, "--topic", topic, "--to-earliest", "--execute", "-o", "json")
    assert reset.code == 0 and reset.json["snapshot_id"], reset
    assert committed(admin, group) == {(topic, p): 0 for p in range(3)}
    again = kk("consume", topic, "--group", group, "--group-protocol", "consumer", "--until", "end", "--timeout", 30)
    assert again.code == 0 and len(again.stdout.splitlines()) == 30, again
    # back at the end now; undo restores the offsets the reset replaced (also the end): move
    # them first so that the undo has something to change
    assert kk("groups", "reset-offsets", group, "--topic", topic, "--to-offset", 4, "--execute").code == 0
    undone = kk("groups", "undo", group, "--snapshot", reset.json["snapshot_id"], "--execute", "-o", "json")
    assert undone.code == 0, undone
    assert committed(admin, group) == before


def test_reset_is_refused_while_a_consumer_protocol_member_is_in_the_group(k, kafka, topic, group_name):
    from kctl.client import ConsumerClient

    group = group_name()
    assigned = []
    with ConsumerClient(bootstrap=kafka["bootstrap"], group_id=group, group_protocol="consumer",
                        client_id="gp-member", auto_offset_reset="earliest") as consumer:
        consumer.subscribe([topic], on_assign=lambda parts: assigned.extend(parts))
        records = poll_records(consumer, 30, timeout=30, max_records=100)
        assert len(records) == 30 and sorted({tp.partition for tp in assigned}) == [0, 1, 2]
        consumer.commit(timeout=10)
        refused = k("groups", "reset-offsets", group, "--topic", topic, "--to-earliest", "--execute")
        assert refused.code == 2, refused
        assert "gp-member" in _error_line(refused)


def _member(bootstrap: str, group: str, topic: str, client_id: str, protocol: str):
    """(a subscribed member, the list its on_assign fills)."""
    from kctl.client import ConsumerClient

    assigned: list = []
    consumer = ConsumerClient(bootstrap=bootstrap, group_id=group, group_protocol=protocol, client_id=client_id,
                              auto_offset_reset="earliest")
    consumer.subscribe([topic], on_assign=lambda parts: assigned.extend(parts))
    return consumer, assigned


def _poll_until(consumers, done, what: str) -> None:
    """Poll every member (a member that gives partitions up does so in its poll) until done()."""

    def polled():
        for consumer in consumers:
            consumer.poll(100, 0.1)
        return done()

    wait_until(polled, 30, what, interval=0)


def test_describe_shows_member_epochs_and_target_assignments(k, kafka, topic, group_name):
    group = group_name()
    members = [_member(kafka["bootstrap"], group, topic, f"gp-{n}", "consumer") for n in ("one", "two")]
    consumers = [c for c, _ in members]
    state = {}

    def reconciled() -> bool:
        state["doc"] = doc = k("groups", "describe", group, "-o", "json").json[0]
        return len(doc["members"]) == 2 and all(
            m["assignment"] and m["assignment"] == m["target_assignment"] and m["member_epoch"] == doc["assignment_epoch"]
            for m in doc["members"])

    try:
        _poll_until(consumers, reconciled, "the two members reconciled")
        doc = state["doc"]
        assert doc["type"] == "Consumer" and doc["group_epoch"] >= 2 and doc["assignment_epoch"] >= 2, doc
        assert {m["client_id"] for m in doc["members"]} == {"gp-one", "gp-two"}, doc["members"]
        owned = sorted(p for m in doc["members"] for p in m["assignment"][topic])
        assert owned == [0, 1, 2], doc["members"]  # every partition once, reconciled to the target
        for m in doc["members"]:
            assert m["member_epoch"] == doc["assignment_epoch"] and m["assignment"] == m["target_assignment"], m
        table = k("groups", "describe", group)
        assert table.code == 0 and "EPOCH" in table.stdout and "TARGET" in table.stdout, table
        assert f"group epoch {doc['group_epoch']}" in table.stdout
    finally:
        for consumer in consumers:
            consumer.close(10)


def test_a_classic_group_has_no_epochs(k, kafka, topic, group_name):
    group = group_name()
    member, assigned = _member(kafka["bootstrap"], group, topic, "gp-classic", "classic")
    try:
        _poll_until([member], lambda: bool(assigned), "the classic member got its partitions")
        doc = k("groups", "describe", group, "-o", "json").json[0]
    finally:
        member.close(10)
    assert doc["type"] == "Classic" and doc["group_epoch"] is None and doc["assignment_epoch"] is None, doc
    (m,) = doc["members"]
    assert m["member_epoch"] is None and m["target_assignment"] is None and m["assignment"][topic] == [0, 1, 2], m


def test_consumer_client_takes_the_protocol_and_refuses_classic_settings(kafka):
    from kctl.client import ConsumerClient
    from kctl.errors import UsageError

    bad = [
        dict(group_protocol="bogus"),
        dict(group_protocol=3),
        dict(assignor="range"),  # a server-side assignor without the consumer protocol
        dict(group_protocol="consumer", assignor="sticky"),
        dict(group_protocol="consumer", session_timeout_ms=6000),
        dict(group_protocol="consumer", partition_assignment_strategy="range"),
        dict(group_protocol="classic", conf={"bootstrap.servers": kafka["bootstrap"], "group.protocol": "consumer"}),
    ]
    for kwargs in bad:
        kwargs = dict(kwargs)
        conf = kwargs.pop("conf", None)
        with pytest.raises(UsageError):
            ConsumerClient(conf, bootstrap=None if conf else kafka["bootstrap"], group_id="gp-bad", **kwargs)


BAD_INPUTS = [
    (("--group-protocol", "consumer"), "--group-protocol needs --group"),
    (("--assignor", "range"), "--assignor needs --group"),
    (("-g", "G", "--assignor", "range"), "--assignor needs --group-protocol consumer"),
    (("-g", "G", "--group-protocol", "consumer", "--assignment", "range"), "--assignment is a client-side strategy"),
    (("-g", "G", "--group-protocol", "consumer", "-X", "session.timeout.ms=6000"), "session.timeout.ms"),
    (("-g", "G", "--group-protocol", "consumer", "-X", "heartbeat.interval.ms=100"), "heartbeat.interval.ms"),
    (("-g", "G", "--group-protocol", "consumer", "-X", "partition.assignment.strategy=range"),
     "partition.assignment.strategy"),
    (("-g", "G", "-X", "group.protocol=bogus"), "group.protocol must be one of classic, consumer"),
    (("-g", "G", "-X", "group.remote.assignor=range"), "group.remote.assignor needs group.protocol=consumer"),
    (("-g", "G", "--group-protocol", "modern"), "'modern' is not one of"),
    (("-g", "G", "--group-protocol", "consumer", "--assignor", "sticky"), "'sticky' is not one of"),
]


@pytest.mark.parametrize("args,message", BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_consume_bad_inputs(k, topic, args, message):
    result = k("consume", topic, *args, "-n", 1, "--timeout", 10)
    assert result.code == 2, result
    assert message in _error_line(result)


E2E_BAD_INPUTS = [
    (("--assignor", "range"), "--assignor needs --group-protocol consumer"),
    (("--group-protocol", "consumer", "-X", "session.timeout.ms=6000"), "session.timeout.ms"),
    (("--group-protocol", "nope"), "'nope' is not one of"),
]


@pytest.mark.parametrize("args,message", E2E_BAD_INPUTS, ids=[" ".join(a) for a, _ in E2E_BAD_INPUTS])
def test_e2e_bad_inputs_change_nothing(k, args, message):
    before = k("topics", "list", "-o", "json")
    result = k("e2e", "run", *args, "--timeout", 20)
    assert result.code == 2, result
    assert message in result.stderr
    after = k("topics", "list", "-o", "json")
    assert {t["name"] for t in after.json} - {t["name"] for t in before.json} == set()


def test_a_broker_without_group_version_1_is_a_usage_error(old_broker):
    def old(*args):
        return run_kctl("-b", old_broker, "--timeout", 20, *args)

    topic = f"gp-old-{time.time_ns()}"
    assert old("topics", "create", topic, "-p", 1).code == 0
    consumed = old("consume", topic, "--group", "gp-old", "--group-protocol", "consumer", "-n", 1)
    assert consumed.code == 2, consumed
    line = _error_line(consumed)
    assert "group.version" in line and "KIP-848" in line and "--group-protocol classic" in line

    before = {t["name"] for t in old("topics", "list", "-o", "json").json}
    e2e = old("e2e", "run", "--group-protocol", "consumer", "-o", "json")
    assert e2e.code == 2 and "group.version" in e2e.json["steps"][0]["error"], e2e
    assert {t["name"] for t in old("topics", "list", "-o", "json").json} == before  # nothing made

    from kctl.client import ConsumerClient
    from kctl.errors import UsageError

    with ConsumerClient(bootstrap=old_broker, group_id="gp-old", group_protocol="consumer") as consumer:
        with pytest.raises(UsageError, match="group.version"):
            consumer.subscribe([topic])
    # the classic protocol still works there
    assert old("consume", topic, "--group", "gp-old-classic", "--group-protocol", "classic", "--until", "end").code == 0
