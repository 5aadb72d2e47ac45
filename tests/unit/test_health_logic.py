"""Pure logic of `cluster health`, `doctor` and their tables (no broker)."""

from __future__ import annotations

import io

from kctl.models import BrokerInfo, ClusterInfo
from kctl.models.admin import ConfigEntry, PartitionInfo, TopicInfo
from kctl.models.health import DoctorCheck, DoctorReport, Finding, HealthReport, worst
from kctl.render import render
from kctl.services import doctor_checks, health
from kctl.services.doctor import Evidence


def _topic(name, *parts):
    return TopicInfo(name, tuple(PartitionInfo(i, leader, tuple(replicas), tuple(isr))
                                 for i, (leader, replicas, isr) in enumerate(parts)))


def test_partition_states():
    live = {1, 2, 3}
    full = PartitionInfo(0, 1, (1, 2, 3), (1, 2, 3))
    assert health.partition_states(full, 2, live) == set()
    shrunk = PartitionInfo(0, 1, (1, 2, 3), (1, 3))
    assert health.partition_states(shrunk, 2, live) == {"under-replicated", "at-min-isr"}
    alone = PartitionInfo(0, 1, (1, 2, 3), (1,))
    assert health.partition_states(alone, 2, live) == {"under-replicated", "under-min-isr", "unavailable"}
    offline = PartitionInfo(0, None, (2,), ())
    assert health.partition_states(offline, 1, live) == {"offline", "under-replicated", "under-min-isr", "unavailable"}
    rf1 = PartitionInfo(0, 1, (1,), (1,))
    assert health.partition_states(rf1, 1, live) == set()  # at min ISR only counts when RF is above it


def test_findings_and_severity():
    topics = [_topic("a", (1, (1, 2, 3), (1, 3))), _topic("b", (None, (2,), ()))]
    found = health.partition_findings(topics, {"a": 2}, {1, 3}) + health.broker_findings({1, 3}, 3, "x", topics)
    checks = {(f.check, f.subject): f.severity for f in found}
    assert checks[("under-replicated", "a:0")] == "warning" and checks[("at-min-isr", "a:0")] == "warning"
    assert checks[("offline", "b:0")] == "critical" and checks[("missing-broker", "broker 2")] == "error"
    # broker 2 is named, so no second "fewer than expected" finding for the same broker
    assert [f for f in found if f.subject == "brokers"] == []
    assert health.broker_findings({1, 2}, 3, "--expect-brokers", [])[0].message.startswith("2 of 3 expected")
    assert worst([]) == "ok" and worst(["info", "critical", "warning"]) == "critical"
    report = HealthReport("c", (1,), None, None, 0, 0, (Finding("x", "info", "s", "m"),))
    assert report.status == "info" and report.healthy


def test_quorum_findings():
    assert health.quorum_findings({"leader_id": -1, "voters": []}, 0)[0].severity == "critical"
    quorum = {"leader_id": 1, "voters": [{"id": 1, "lag": 0, "last_caught_up_ms": 0},
                                         {"id": 2, "lag": 5, "last_caught_up_ms": 1_000}]}
    assert [f.subject for f in health.quorum_findings(quorum, 100_000)] == ["controller 2"]
    assert health.quorum_findings(quorum, 2_000) == []  # behind only briefly


def _evidence(brokers, topics, **kw):
    info = ClusterInfo("c", 1, tuple(BrokerInfo(b, "h", 1, b == 1) for b in brokers), len(topics))
    return Evidence(conf={}, info=info, topics=topics, **kw)


def test_rf1_is_information_on_one_broker_and_a_warning_on_three():
    topics = [_topic("a", (1, (1,), (1,)))]
    one = _evidence([1], topics)
    assert doctor_checks.single_replica(one).verdict == "info"
    assert doctor_checks.rf_vs_min_isr(one).verdict == "info"
    three = _evidence([1, 2, 3], topics)
    assert doctor_checks.single_replica(three).verdict == "warning"
    assert doctor_checks.rf_vs_min_isr(three).verdict == "ok"  # RF 1 is the rf-1 check's business


def test_rf_at_min_isr_and_unclean_election_warn():
    topics = [_topic("a", (1, (1, 2), (1, 2)))]
    ev = _evidence([1, 2, 3], topics, topic_configs={"a": {
        "min.insync.replicas": ConfigEntry("min.insync.replicas", "2", "topic"),
        "unclean.leader.election.enable": ConfigEntry("unclean.leader.election.enable", "true", "topic")}})
    assert doctor_checks.rf_vs_min_isr(ev).verdict == "warning"
    check = doctor_checks.unclean_election(ev)
    assert check.verdict == "warning" and "topics a" in check.evidence


def test_balance_and_clock():
    skewed = [_topic("a", *[(1, (1, 2, 3), (1, 2, 3))] * 9)]
    assert doctor_checks.balance(_evidence([1, 2, 3], skewed)).verdict == "warning"
    even = [_topic("a", (1, (1, 2, 3), (1, 2, 3)), (2, (2, 3, 1), (1, 2, 3)), (3, (3, 1, 2), (1, 2, 3)))]
    assert doctor_checks.balance(_evidence([1, 2, 3], even)).verdict == "ok"
    assert doctor_checks.clock_skew(_evidence([1], [], clock=(10_000, 7_000, 10))).verdict == "warning"
    assert doctor_checks.clock_skew(_evidence([1], [], clock=(10_000, 9_990, 10))).verdict == "ok"
    assert doctor_checks.clock_skew(_evidence([1], [], quorum_error="nope")).verdict == "info"


def test_tables_render():
    out = io.StringIO()
    render(HealthReport("c", (1, 3), 3, "--expect-brokers", 1, 1,
                        (Finding("offline", "critical", "t:0", "no leader"),)), "table", file=out)
    text = out.getvalue()
    assert "critical" in text and "t:0" in text and "of 3 expected" in text
    out = io.StringIO()
    render(DoctorReport("b:1", "c", (DoctorCheck("rf-1", "Topics with a single replica", "info", "2 topics", "fine"),)),
           "table", file=out)
    assert "Topics with a single replica" in out.getvalue() and "status: info" in out.getvalue()


def test_replication_targets_keep_the_preferred_leader_and_spread_new_replicas():
    import pytest

    from kctl.errors import UsageError
    from kctl.services import replicas

    topic = _topic("a", (1, (1,), (1,)), (2, (2,), (2,)), (3, (3,), (3,)))
    targets = replicas.replication_targets(topic, 3, [1, 2, 3])
    assert all(targets[p][0] == p + 1 and sorted(targets[p]) == [1, 2, 3] for p in range(3))
    two = replicas.replication_targets(topic, 2, [1, 2, 3])
    load = [r for t in two.values() for r in t]
    assert sorted(load.count(b) for b in (1, 2, 3)) == [2, 2, 2]  # the new replicas are spread evenly
    down = replicas.replication_targets(_topic("b", (1, (1, 2, 3), (1, 2, 3))), 1, [1, 2, 3])
    assert down == {0: (1,)}
    with pytest.raises(UsageError):
        replicas.replication_targets(topic, 4, [1, 2, 3])


def test_move_targets_round_robin():
    import pytest

    from kctl.errors import UsageError
    from kctl.services import replicas

    topic = _topic("a", (1, (1, 2), (1, 2)), (2, (2, 3), (2, 3)))
    assert replicas.move_targets(topic, [2, 3], [1, 2, 3]) == {0: (2, 3), 1: (3, 2)}
    with pytest.raises(UsageError):
        replicas.move_targets(topic, [2], [1, 2, 3])  # RF 2 needs two brokers
    with pytest.raises(UsageError):
        replicas.move_targets(topic, [2, 7], [1, 2, 3])


def test_acl_checks():
    import pytest

    from kctl.client.admin.security import check_acl
    from kctl.errors import UsageError
    from kctl.models.security import AclEntry

    good = AclEntry("User:alice", "*", "read", "allow", "topic", "orders", "literal")
    check_acl(good)
    for bad in (good.__class__("alice", "*", "read", "allow", "topic", "orders", "literal"),
                good.__class__("User:a", "*", "reed", "allow", "topic", "orders", "literal"),
                good.__class__("User:a", "*", "read", "allow", "topic", "orders", "any")):
        with pytest.raises(UsageError):
            check_acl(bad)
    check_acl(AclEntry("", "", "any", "any", "any", "", "any"), filter_=True)


def test_password_sources(tmp_path, monkeypatch):
    import pytest

    from kctl.errors import ConfigError, UsageError
    from kctl.services.security import read_password

    monkeypatch.setenv("PW_X", "s3cret")
    assert read_password("PW_X", None, False) == "s3cret"
    path = tmp_path / "pw"
    path.write_text("from-file\nsecond line\n")
    assert read_password(None, str(path), False) == "from-file"
    with pytest.raises(UsageError):
        read_password("PW_X", str(path), False)
    with pytest.raises(UsageError):
        read_password(None, None, False)
    with pytest.raises(ConfigError):
        read_password("PW_UNSET_X", None, False)


def test_reachability_verdicts():
    from kctl.errors import BrokerUnavailable, ConfigError

    ev = _evidence([1, 2], [], tcp={1: None, 2: None}, versions={1: "4.1", 2: BrokerUnavailable("no answer")})
    check = doctor_checks.reachability(ev)
    assert check.verdict == "error" and "broker 2: no answer" in check.evidence
    ev = _evidence([1], [], tcp={1: "Connection refused"}, versions={})
    assert doctor_checks.reachability(ev).verdict == "error"
    ev = _evidence([1], [], tcp={1: None}, versions={1: ConfigError("sasl.mechanism=OAUTHBEARER has no kafka-python equivalent")})
    assert doctor_checks.reachability(ev).verdict == "ok"


def test_doctor_reports_features_supported_but_not_enabled():
    from types import SimpleNamespace

    from kctl.models import FeatureLevel
    from kctl.services.doctor_checks import features

    behind = SimpleNamespace(features=[FeatureLevel("group.version", 1, 0, 1), FeatureLevel("share.version", None, 0, 1),
                                       FeatureLevel("kraft.version", None, 0, 1)], features_error=None)
    check = features(behind)
    assert check.verdict == "info" and check.check == "features"
    assert "share.version 0 (brokers support up to 1)" in check.evidence and "group.version" not in check.evidence
    assert "kctl cluster features upgrade share.version --level 1" in check.advice and "KIP-853" in check.advice
    done = features(SimpleNamespace(features=[FeatureLevel("group.version", 1, 0, 1)], features_error=None))
    assert done.verdict == "ok" and "group.version 1" in done.evidence and not done.advice
    unread = features(SimpleNamespace(features=None, features_error="no answer within 5s"))
    assert unread.verdict == "info" and "not checked: no answer within 5s" in unread.evidence
