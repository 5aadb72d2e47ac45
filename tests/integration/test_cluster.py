"""`kctl cluster describe` against the real local broker(s)."""

import pytest

from tests.helpers import run_kctl


def test_cluster_describe_single_broker(kafka):
    result = run_kctl("cluster", "describe", "-i", str(kafka["instance"]), "-o", "json")
    assert result.code == 0, result
    info = result.json
    assert info["cluster_id"]
    host, port = kafka["bootstrap"].split(":")
    assert info["brokers"] == [{"id": info["controller_id"], "host": host, "port": int(port), "is_controller": True}]


def test_cluster_describe_counts_topics(kafka, new_topic):
    new_topic()
    result = run_kctl("cluster", "describe", "-i", str(kafka["instance"]), "-o", "json")
    # Other engineers create and delete topics at the same time: only a lower bound is stable.
    assert result.json["topic_count"] >= 1


@pytest.mark.three_brokers
def test_cluster_describe_three_brokers(kafka3):
    result = run_kctl("cluster", "describe", "-i", str(kafka3["instance"]), "-o", "json")
    assert result.code == 0, result
    brokers = result.json["brokers"]
    assert [b["id"] for b in brokers] == [1, 2, 3]
    assert sorted(f"{b['host']}:{b['port']}" for b in brokers) == sorted(kafka3["bootstrap"].split(","))
    controllers = [b["id"] for b in brokers if b["is_controller"]]
    assert controllers == [result.json["controller_id"]]
    table = run_kctl("cluster", "describe", "-i", str(kafka3["instance"]))
    assert f"cluster {result.json['cluster_id']}" in table.stdout
    assert sum(1 for line in table.stdout.splitlines() if line.rstrip().endswith("yes")) == 1


def test_cluster_describe_unreachable_exits_6():
    result = run_kctl("cluster", "describe", "-b", "127.0.0.1:1", "--timeout", "2")
    assert result.code == 6, result
    assert result.stderr.startswith("kctl: error: cannot reach the cluster at 127.0.0.1:1")
