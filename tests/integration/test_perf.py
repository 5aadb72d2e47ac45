"""kctl perf against the real broker: counts match the high watermarks, percentiles are
monotonic, --throughput holds the rate (as kctl computes it) within 5%."""

from __future__ import annotations

from tests.helpers import run_kctl


def high_watermarks(bootstrap: str, topic: str) -> int:
    from kctl.client import ConsumerClient

    with ConsumerClient(bootstrap=bootstrap) as consumer:
        return sum(consumer.watermarks(topic, p, 10)[1] for p in consumer.topics(10, topic)[topic])


def assert_monotonic(latency: dict) -> None:
    assert latency["count"] > 0
    order = [latency[k] for k in ("p50_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms")]
    assert order == sorted(order) and order[0] > 0
    table = latency["percentiles"]
    assert [r["percentile"] for r in table] == sorted(r["percentile"] for r in table)
    assert [r["value_ms"] for r in table] == sorted(r["value_ms"] for r in table)
    assert table[-1]["percentile"] == 100 and table[-1]["value_ms"] == latency["max_ms"]
    assert table[-1]["count"] == latency["count"]


def test_perf_produce_then_consume_counts_match_high_watermarks(kafka, new_topic):
    bootstrap = kafka["bootstrap"]
    topic = new_topic(partitions=3, prefix="perf")
    result = run_kctl("-b", bootstrap, "-o", "json", "perf", "produce", topic, "-n", "30000", "-s", "200",
                      "--interval", "0.5", "--plot")
    assert result.code == 0, result
    out = result.json
    assert out["records"] == 30000 and out["failed"] == 0 and out["bytes"] == 30000 * 200
    assert high_watermarks(bootstrap, topic) == 30000
    assert_monotonic(out["latency"])
    assert out["latency"]["count"] == 30000
    assert "latency percentiles (send-to-ack, ms)" in result.stderr and "100% |" in result.stderr

    consumed = run_kctl("-b", bootstrap, "-o", "json", "perf", "consume", topic)
    assert consumed.code == 0, consumed
    assert consumed.json["records"] == 30000 and consumed.json["bytes"] == 30000 * 200
    assert_monotonic(consumed.json["latency"])


def test_perf_produce_holds_the_target_throughput(kafka, new_topic):
    bootstrap = kafka["bootstrap"]
    topic = new_topic(partitions=1, prefix="perf")
    result = run_kctl("-b", bootstrap, "-o", "json", "perf", "produce", topic, "-n", "12000", "-s", "100",
                      "--throughput", "3000", "--linger-ms", "1")
    assert result.code == 0, result
    out = result.json
    assert out["target_records_per_s"] == 3000 and out["records"] == 12000
    # kctl's own figure: acknowledged records / (first send .. last acknowledgement), a 4 s run
    assert abs(out["records_per_s"] - 3000) / 3000 < 0.05, out["records_per_s"]
    assert abs(out["records"] / out["elapsed_s"] - out["records_per_s"]) < 0.01 * out["records_per_s"]


def test_perf_latency_one_record_in_flight(kafka, new_topic):
    bootstrap = kafka["bootstrap"]
    topic = new_topic(partitions=1, prefix="perf")
    result = run_kctl("-b", bootstrap, "-o", "json", "perf", "latency", topic, "-n", "200", "-s", "50")
    assert result.code == 0, result
    assert result.json["records"] == 200 and result.json["latency"]["count"] == 200
    assert_monotonic(result.json["latency"])
    assert high_watermarks(bootstrap, topic) == 200
    missing = run_kctl("-b", bootstrap, "perf", "produce", topic + "-nope", "-n", "1")
    assert missing.code == 4, missing


def test_perf_consume_of_more_records_than_there_are_ends_after_the_timeout(kafka, new_topic):
    topic = new_topic(prefix="perf")
    assert run_kctl("-b", kafka["bootstrap"], "perf", "produce", topic, "-n", "5").code == 0
    result = run_kctl("-b", kafka["bootstrap"], "--timeout", "2", "perf", "consume", topic, "--records", "100")
    assert result.code == 6, result
    assert result.stderr.count("kctl: error:") == 1
    assert "kctl: error: no record for 2s after 5 of 100" in result.stderr  # --timeout, not a 10 s floor
