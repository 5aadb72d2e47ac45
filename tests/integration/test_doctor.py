"""Issue 10 on the shared 1-broker instance 0: `doctor` lists RF-1 topics as information only,
and `topics list --sizes` (the 3-broker cases are in test_health.py)."""

from __future__ import annotations

from tests.helpers import run_kctl


def test_doctor_on_one_broker_lists_rf1_topics_as_information(kafka, new_topic):
    topic = new_topic(partitions=2)
    result = run_kctl("-i", kafka["instance"], "doctor", "-o", "json")
    checks = {c["check"]: c for c in result.json["checks"]}
    assert set(checks) >= {"brokers", "partitions", "reachability", "clock-skew", "rf-min-isr", "rf-1", "unclean-election",
                           "balance", "internal-topics", "log-dirs", "groups", "hanging-transactions", "features"}
    assert checks["rf-1"]["verdict"] == "info" and "1-broker cluster" in checks["rf-1"]["evidence"]
    assert checks["rf-min-isr"]["verdict"] == "info"
    assert checks["reachability"]["verdict"] == "ok" and "Kafka " in checks["reachability"]["evidence"]
    assert checks["clock-skew"]["verdict"] == "ok"
    # the features supported above their finalized level (share.version on Kafka 4.1.1, unless a
    # test raised it): information naming each, as `cluster features` lists them
    levels = run_kctl("-i", kafka["instance"], "cluster", "features", "-o", "json").json
    behind = [f["name"] for f in levels if f["upgradable"]]
    assert checks["features"]["verdict"] == ("info" if behind else "ok"), checks["features"]
    assert all(f"{name} " in checks["features"]["evidence"] for name in behind), (behind, checks["features"])
    failing = [c for c in checks.values() if c["verdict"] in ("warning", "error")]
    assert result.code == (8 if failing else 0), result  # other sessions share instance 0: judge by the verdicts
    assert result.json["healthy"] is (not failing)
    assert topic  # created before the doctor ran, so RF-1 topics exist


def test_topics_list_sizes(kafka, new_topic):
    from confluent_kafka import Producer

    topic = new_topic(partitions=2)
    producer = Producer({"bootstrap.servers": kafka["bootstrap"]})
    for i in range(50):
        producer.produce(topic, value=b"x" * 100, partition=i % 2)
    assert producer.flush(30) == 0
    rows = run_kctl("-i", kafka["instance"], "topics", "list", topic, "--sizes", "-o", "json")
    assert rows.code == 0, rows
    [row] = rows.json
    assert row["name"] == topic and row["partitions"] == 2 and row["size_bytes"] > 5000 and row["size_note"] is None
    table = run_kctl("-i", kafka["instance"], "topics", "list", topic, "--sizes")
    assert "SIZE" in table.stdout and str(row["size_bytes"]) in table.stdout
