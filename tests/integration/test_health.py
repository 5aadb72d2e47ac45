"""Issue 10: `cluster health`, `doctor` and the `topics list` state filters on a private 3-broker
instance (3, in a private state folder, started and stopped by this module), with one broker
stopped and started again (`doctor` and `--sizes` on instance 0: test_doctor.py)."""

from __future__ import annotations

import os
import signal

import pytest

from kctl.deadline import Deadline
from kctl.services.local import processes
from tests.helpers import run_kctl, wait_until
from tests.instances import instance_of

INSTANCE = instance_of(__name__)
HEAP = "256m"
STOPPED = 2  # the node id this module stops


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    state = tmp_path_factory.mktemp("health") / "state"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KCTL_STATE_DIR", str(state))
        up = run_kctl("local", "up", "-i", INSTANCE, "--brokers", 3, "--heap", HEAP, "--wait", 180, "-o", "json")
        assert up.code == 0, up
        try:
            yield up.json
        finally:
            run_kctl("local", "down", "-i", INSTANCE, "--grace", "10")


def _health():
    return run_kctl("-i", INSTANCE, "cluster", "health", "-o", "json")


def _create(name: str, replication: int, assignment=None) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    from kctl.config.registry import load_registry

    bootstrap = load_registry().bootstrap_of(INSTANCE)
    topic = (NewTopic(name, len(assignment), replica_assignment=assignment) if assignment
             else NewTopic(name, 3, replication))
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept until the future is done (it dies with the handle)
    admin.create_topics([topic], operation_timeout=30)[name].result(timeout=30)


def test_health_reports_a_stopped_broker_and_recovers(cluster, unique_name):
    replicated, single = unique_name("rf3"), unique_name("rf1")
    _create(replicated, 3)
    _create(single, 1, assignment=[[STOPPED]])  # one partition, only on the broker that is stopped
    wait_until(lambda: _health().code == 0, 120, "the cluster healthy", interval=0.2)

    table = run_kctl("-i", INSTANCE, "cluster", "health")
    assert table.code == 0 and "status: ok" in table.stdout, table
    assert run_kctl("-i", INSTANCE, "topics", "list", "--under-replicated", "-o", "json").json == []

    [pid] = [b["pid"] for b in cluster["brokers"] if b["node_id"] == STOPPED]
    os.kill(pid, signal.SIGTERM)
    assert processes.wait_gone(pid, Deadline.after(60))

    def degraded():
        result = _health()
        subjects = {(f["check"], f["subject"]) for f in result.json["findings"]}
        return result if ("under-replicated", f"{replicated}:0") in subjects and ("offline", f"{single}:0") in subjects else None

    result = wait_until(degraded, 120, "health shows the stopped broker's partitions", interval=0.2)
    assert result.code == 8, result
    report = result.json
    assert report["healthy"] is False and report["status"] == "critical"
    assert report["brokers"] == [1, 3] and report["expected_brokers"] == 3
    assert report["expected_source"] == f"local instance {INSTANCE}"
    checks = {(f["check"], f["subject"]): f["severity"] for f in report["findings"]}
    assert checks[("missing-broker", f"broker {STOPPED}")] == "error"
    assert all(checks[("under-replicated", f"{replicated}:{p}")] == "warning" for p in range(3))
    assert checks[("offline", f"{single}:0")] == "critical"
    assert "cluster health: critical" in result.stderr

    listed = lambda *flags: {t["name"] for t in run_kctl("-i", INSTANCE, "topics", "list", *flags, "-o", "json").json}  # noqa: E731
    assert {replicated, single} <= listed("--under-replicated")
    assert single in listed("--offline") and replicated not in listed("--offline")
    assert single in listed("--unavailable") and replicated not in listed("--unavailable")
    assert replicated in listed("--offline", "--under-replicated")  # filters combine with OR
    # describe shows the offline partition with its offsets unknown, without asking ListOffsets for
    # it (which would retry LEADER_NOT_AVAILABLE until --timeout)
    described = run_kctl("-i", INSTANCE, "topics", "describe", single, "--no-size", "-o", "json")
    assert described.code == 0, described
    [offline] = described.json[0]["partitions"]
    assert offline["leader"] is None and offline["low_watermark"] is None and offline["high_watermark"] is None
    assert _offsets_asked_by_describe(single) == []

    doctor = run_kctl("-i", INSTANCE, "doctor", "-o", "json")
    assert doctor.code == 8, doctor
    verdicts = {c["check"]: c for c in doctor.json["checks"]}
    assert verdicts["brokers"]["verdict"] == "error" and f"broker {STOPPED}" in verdicts["brokers"]["evidence"]
    assert verdicts["partitions"]["verdict"] == "error"
    assert f"{replicated}:0" in verdicts["partitions"]["evidence"] and "under-replicated" in verdicts["partitions"]["evidence"]

    up = run_kctl("local", "up", "-i", INSTANCE, "--heap", HEAP, "--wait", 180, "-o", "json")
    assert up.code == 0 and up.json["started"] == [STOPPED], up
    healthy = wait_until(lambda: (r := _health()).code == 0 and r, 120, "the cluster healthy again", interval=0.2)
    assert healthy.json["findings"] == [] and healthy.json["brokers"] == [1, 2, 3]
    assert run_kctl("-i", INSTANCE, "topics", "list", "--under-replicated", "--offline", "-o", "json").json == []

    # The restarted broker leads nothing until a preferred election moves its partitions back.
    def leaders():
        parts = run_kctl("-i", INSTANCE, "topics", "describe", replicated, "--no-size", "-o", "json").json[0]["partitions"]
        return {p["partition"]: (p["leader"], p["replicas"][0]) for p in parts}

    assert any(leader != preferred for leader, preferred in leaders().values()), leaders()
    elected = run_kctl("-i", INSTANCE, "cluster", "elect-leaders", "--preferred", "--topic", replicated)
    assert elected.code == 0, elected
    wait_until(lambda: all(leader == preferred for leader, preferred in leaders().values()), 120,
               "the preferred leaders elected", interval=0.2)


def _offsets_asked_by_describe(topic: str) -> list:
    """The partitions a describe of the topic asks the admin client's ListOffsets for (in-process)."""
    from kctl.client.admin import AdminClient
    from kctl.config.registry import load_registry
    from kctl.services import topics as service

    asked: list = []
    original = AdminClient.list_offsets

    def recording(self, partitions, *args, **kwargs):
        asked.extend(partitions)
        return original(self, partitions, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(AdminClient, "list_offsets", recording)
        service.describe_topics({"bootstrap.servers": load_registry().bootstrap_of(INSTANCE)}, 60, [topic], sizes=False)
    return asked


def test_health_expect_brokers_overrides_the_local_count(cluster):
    result = run_kctl("-i", INSTANCE, "cluster", "health", "--expect-brokers", 4, "-o", "json")
    assert result.code == 8, result
    assert result.json["expected_brokers"] == 4 and result.json["expected_source"] == "--expect-brokers"
    [finding] = [f for f in result.json["findings"] if f["check"] == "missing-broker"]
    assert finding["severity"] == "error" and "3 of 4 expected brokers" in finding["message"]


def test_health_quorum_is_reported(cluster):
    result = wait_until(lambda: (r := _health()).code == 0 and r, 120, "the cluster healthy", interval=0.2)
    quorum = result.json["quorum"]
    assert quorum["leader_id"] in (1, 2, 3)
    assert sorted(v["id"] for v in quorum["voters"]) == [1, 2, 3]
