"""Share groups (KIP-932): `kctl consume --share-group` on a private Kafka 4.3.1 (share.version 1
finalized by default there), several members sharing the records, a SIGKILLed member's records
redelivered, --ack release; and the refusal on the shared instance 0 (Kafka 4.1.1, share.version
not finalized: left as it is).

The private broker runs on a registry of its own (tests/instances.py) and a state folder of its own,
started once for the module and stopped at its end.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid

import pytest

from tests.helpers import run_kctl
from tests.instances import instance_of, write_registry
from tests.integration.consume_helpers import kctl_popen, produce

VERSION = "4.3.1"
INSTANCE = instance_of(__name__)  # of a registry of its own


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    root = tmp_path_factory.mktemp("share-groups")
    env = {"KCTL_STATE_DIR": str(root / "state")}
    local = ("--registry", str(write_registry(__name__, root)))
    up = run_kctl(*local, "-o", "json", "local", "up", "-i", INSTANCE, "--kafka-version", VERSION, "--heap", "384m",
                  "--wait", "300", env=env)
    assert up.code == 0, up
    try:
        features = run_kctl("-b", up.json["bootstrap"], "-o", "json", "cluster", "features")
        share = [f for f in features.json if f["name"] == "share.version"]
        assert share and (share[0]["finalized"] or 0) >= 1, features
        yield up.json["bootstrap"]
    finally:
        run_kctl(*local, "local", "down", "-i", INSTANCE, env=env)


def _group_config(bootstrap: str, group: str, **configs) -> None:
    """Group configs kctl's `configs alter` does not reach yet (a share group starts at the end
    of each partition by default: share.auto.offset.reset=latest)."""
    from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

    entries = [ConfigEntry(k.replace("_", "."), str(v), incremental_operation=AlterConfigOpType.SET)
               for k, v in configs.items()]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.incremental_alter_configs([ConfigResource(ResourceType.GROUP, group,
                                                                  incremental_configs=entries)]).values():
        future.result(timeout=30)


def _share_group(bootstrap: str, **configs) -> str:
    group = f"sg-{uuid.uuid4().hex[:10]}"
    _group_config(bootstrap, group, share_auto_offset_reset="earliest", **configs)
    return group


def _topic(bootstrap: str, partitions: int) -> str:
    topic = f"share-{uuid.uuid4().hex[:10]}"
    created = run_kctl("-b", bootstrap, "topics", "create", topic, "-p", partitions)
    assert created.code == 0, created
    return topic


def _member(bootstrap, topic, group, *args):
    return kctl_popen("-b", bootstrap, "--timeout", 20, "consume", topic, "--share-group", group, *args)


def _records(out: bytes) -> list[dict]:
    """The complete JSON lines (a killed member may have written part of one)."""
    return [json.loads(line) for line in out.split(b"\n") if line.endswith(b"}")]


def test_three_members_share_every_record_once(broker):
    topic = _topic(broker, 6)
    group = _share_group(broker)
    total = 30_000
    produce(broker, topic, [{"value": f"v{i}".encode(), "partition": i % 6} for i in range(total)])
    members = [_member(broker, topic, group, "-f", "%p %o\\n", "--idle-timeout", 12) for _ in range(3)]
    outputs = []
    for proc in members:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        assert b"Traceback" not in err
        outputs.append(out.decode().splitlines())
    printed = [line for lines in outputs for line in lines]
    assert len(printed) == total, [len(lines) for lines in outputs]  # nothing printed twice...
    expected = {f"{i % 6} {i // 6}" for i in range(total)}
    assert set(printed) == expected  # ...and nothing missing
    # Everything was accepted: the broker counts no lag on any partition, and a new member of the
    # group gets nothing more.
    described = run_kctl("-b", broker, "-o", "json", "groups", "describe", group)
    assert described.code == 0, described
    (detail,) = described.json
    assert detail["type"] == "Share" and detail["members"] == [], detail
    offsets = {o["partition"]: o for o in detail["offsets"] if o["topic"] == topic}
    assert sorted(offsets) == list(range(6)) and all(o["lag"] == 0 for o in offsets.values()), offsets
    late = run_kctl("-b", broker, "--timeout", 20, "consume", topic, "--share-group", group, "--idle-timeout", 8)
    assert late.code == 0 and late.stdout == "", late
    print("records per member:", [len(lines) for lines in outputs],
          "start offsets:", {p: o["start_offset"] for p, o in sorted(offsets.items())})


def test_groups_list_and_describe_show_a_share_group_and_its_member(broker):
    topic = _topic(broker, 2)
    group = _share_group(broker)
    produce(broker, topic, [{"value": f"m{i}".encode(), "partition": i % 2} for i in range(10)])
    member = _member(broker, topic, group, "-f", "%o\\n")
    try:
        assert len([member.stdout.readline() for _ in range(10)]) == 10
        listed = run_kctl("-b", broker, "-o", "json", "groups", "list", "--type", "share")
        assert listed.code == 0, listed
        row = [g for g in listed.json if g["group_id"] == group]
        assert row and row[0]["type"] == "Share" and row[0]["members"] == 1, listed.json
        table = run_kctl("-b", broker, "groups", "list")
        assert any(line.split()[:1] == [group] and "Share" in line for line in table.stdout.splitlines()), table
        described = run_kctl("-b", broker, "-o", "json", "groups", "describe", group)
        assert described.code == 0, described
        (detail,) = described.json
        assert detail["state"] == "Stable" and len(detail["members"]) == 1, detail
        assert detail["members"][0]["assignment"] == {topic: [0, 1]}, detail
        # (The lag of what it printed drops to 0 once its next poll carried the acknowledgements.)
        assert sorted(o["partition"] for o in detail["offsets"] if o["topic"] == topic) == [0, 1], detail
        text = run_kctl("-b", broker, "groups", "describe", group)
        assert "type Share" in text.stdout and "START" in text.stdout, text
    finally:
        member.send_signal(signal.SIGTERM)
        member.communicate(timeout=10)
    missing = run_kctl("-b", broker, "groups", "describe", "no-such-share-group")
    assert missing.code == 4 and "does not exist" in missing.stderr, missing


def test_a_killed_members_records_are_delivered_again(broker):
    topic = _topic(broker, 2)
    # The records a dead member held come back when their acquisition locks expire (the
    # broker's minimum lock time is 15 s).
    group = _share_group(broker, share_record_lock_duration_ms=15000)
    total = 2000
    produce(broker, topic, [{"value": (f"r{i}-" + "x" * 200).encode(), "partition": i % 2} for i in range(total)])
    # stdout a pipe nobody reads: the member acquires records, blocks writing them and never acknowledges.
    victim = _member(broker, topic, group, "-o", "json")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.5)
        import select

        if select.select([victim.stdout], [], [], 0)[0]:
            break
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    held = _records(victim.stdout.read())
    assert held, "the killed member had printed nothing"
    # A partition the dead member was assigned reaches the survivor once the broker evicts it
    # (share.session.timeout.ms, at least 45 s): the survivor reads until it has them all.
    survivor = _member(broker, topic, group, "-o", "json", "-n", total)
    out, err = survivor.communicate(timeout=180)
    assert survivor.returncode == 0, err
    got = _records(out)
    assert {(r["partition"], r["offset"]) for r in got} == {(i % 2, i // 2) for i in range(total)}
    redelivered = [r for r in got if r["delivery_count"] > 1]
    assert redelivered, "no record came back with a delivery count above 1"
    assert {(r["partition"], r["offset"]) for r in held} <= {(r["partition"], r["offset"]) for r in got}


def test_ack_release_gives_the_records_back(broker):
    topic = _topic(broker, 1)
    group = _share_group(broker)
    produce(broker, topic, [{"value": f"a{i}".encode(), "partition": 0} for i in range(20)])
    first = run_kctl("-b", broker, "--timeout", 20, "-o", "json", "consume", topic, "--share-group", group,
                     "--ack", "release", "-n", 5)
    assert first.code == 0, first
    seen = [json.loads(line) for line in first.stdout.splitlines()]
    assert len(seen) == 5 and all(r["delivery_count"] == 1 for r in seen), seen
    again = run_kctl("-b", broker, "--timeout", 20, "-o", "json", "consume", topic, "--share-group", group,
                     "--idle-timeout", 8)
    assert again.code == 0, again
    records = {r["offset"]: r for r in map(json.loads, again.stdout.splitlines())}
    assert set(records) == set(range(20))
    assert all(records[r["offset"]]["delivery_count"] == 2 for r in seen), records


def test_skipped_records_are_released_by_default_and_rejected_on_request(broker):
    topic = _topic(broker, 1)
    group = _share_group(broker)
    produce(broker, topic, [{"value": f"{'keep' if i % 2 else 'drop'}{i}".encode(), "partition": 0} for i in range(10)])
    kept = run_kctl("-b", broker, "--timeout", 20, "consume", topic, "--share-group", group, "--match", "value=^keep",
                    "--ack-on-skip", "reject", "--idle-timeout", 8)
    assert kept.code == 0 and sorted(kept.stdout.split()) == sorted(f"keep{i}" for i in range(1, 10, 2)), kept
    rest = run_kctl("-b", broker, "--timeout", 20, "consume", topic, "--share-group", group, "--idle-timeout", 6)
    assert rest.code == 0 and rest.stdout == "", rest  # rejected: never delivered again


def test_sigterm_ends_a_member_within_two_seconds(broker):
    topic = _topic(broker, 1)
    group = _share_group(broker)
    produce(broker, topic, [{"value": f"t{i}".encode(), "partition": 0} for i in range(10)])
    proc = _member(broker, topic, group, "-f", "%o\\n")
    lines = [proc.stdout.readline() for _ in range(10)]
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert time.monotonic() - started < 2.0
    assert proc.returncode == 143 and b"Traceback" not in err, err
    assert sorted(int(x) for x in lines) == list(range(10))
    # What was printed was acknowledged on the way out.
    late = run_kctl("-b", broker, "--timeout", 20, "consume", topic, "--share-group", group, "--idle-timeout", 6)
    assert late.code == 0 and late.stdout == "", late


def test_refused_on_a_cluster_without_share_groups(kafka):
    features = run_kctl("-b", kafka["bootstrap"], "-o", "json", "cluster", "features")
    share = [f for f in features.json if f["name"] == "share.version"]
    # instance 0 runs kctl's default Kafka (4.1.1), where share.version is supported but not finalized
    assert share and not share[0]["finalized"], features
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "kctl", "-b", kafka["bootstrap"], "--timeout", "10", "consume",
                             "some-topic", "--share-group", "g"], capture_output=True, text=True, timeout=30)
    assert time.monotonic() - started < 10
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result
    assert lines[0].startswith("kctl: error: ") and "share.version" in lines[0] and "Kafka 4." in lines[0], lines


def test_a_topic_that_does_not_exist_is_exit_4_at_once(broker):
    started = time.monotonic()
    result = run_kctl("-b", broker, "--timeout", 5, "consume", f"absent-{uuid.uuid4().hex[:8]}", "--share-group", "g")
    assert result.code == 4 and "not found" in result.stderr, result
    assert time.monotonic() - started < 5
