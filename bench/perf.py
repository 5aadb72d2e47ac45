#!/usr/bin/env python3
"""kctl perf beside Apache's ProducerPerformance and EndToEndLatency (same jars as the broker), in one run.

    python bench/perf.py                               # 200k x 100 B produce, 2000 round trips, 3 runs
    python bench/perf.py --records 1000000 --runs 5 --bootstrap 127.0.0.1:9092

Each tool writes to a fresh topic (1 partition for latency, --partitions for produce); runs are
interleaved and the table shows medians of records/s and latency percentiles (ms) as each tool
reports them. kctl/x = kctl's figure / Apache's (records/s: higher is better; latency: lower).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.benchlib import (  # noqa: E402
    Kctl, create_topic, delete_topics, environment, format_table, java_tool, median, ratio, write_results,
)

PRODUCER_PERF = "org.apache.kafka.tools.ProducerPerformance"
END_TO_END = "org.apache.kafka.tools.EndToEndLatency"
PP_FINAL = re.compile(r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
                      r"([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th")
E2E_AVG = re.compile(r"Avg latency: ([\d.]+) ms")
E2E_PCT = re.compile(r"Percentiles: 50th = ([\d.]+), 99th = ([\d.]+), 99.9th = ([\d.]+)")


def run(argv: list[str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:4]}... exited {proc.returncode}: {proc.stderr[-600:]}")
    return proc.stdout + proc.stderr


def kctl_json(kctl, *args: str) -> dict:
    proc = subprocess.run(kctl(*args), capture_output=True, text=True, cwd=kctl.cwd, env=kctl.env, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"kctl {' '.join(args[:6])} exited {proc.returncode}: {proc.stderr[-600:]}")
    return json.loads(proc.stdout)


def kctl_produce(kctl, bootstrap, topic, records, size) -> dict:
    out = kctl_json(kctl, "-b", bootstrap, "-o", "json", "perf", "produce", topic, "-n", str(records), "-s", str(size),
                    "--interval", "3600")
    lat = out["latency"]
    return {"records_per_s": out["records_per_s"], "avg": lat["mean_ms"], "p50": lat["p50_ms"], "p95": lat["p95_ms"],
            "p99": lat["p99_ms"], "p999": lat["p999_ms"], "max": lat["max_ms"]}


def apache_produce(bootstrap, topic, records, size) -> dict:
    text = run(java_tool(PRODUCER_PERF, "--topic", topic, "--num-records", str(records), "--record-size", str(size),
                         "--throughput", "-1", "--producer-props", f"bootstrap.servers={bootstrap}", "acks=all",
                         heap="512M"))
    m = PP_FINAL.findall(text)[-1]
    return {"records_per_s": float(m[1]), "avg": float(m[3]), "p50": float(m[5]), "p95": float(m[6]),
            "p99": float(m[7]), "p999": float(m[8]), "max": float(m[4])}


def kctl_latency(kctl, bootstrap, topic, records, size) -> dict:
    out = kctl_json(kctl, "-b", bootstrap, "-o", "json", "perf", "latency", topic, "-n", str(records), "-s", str(size),
                    "--interval", "3600")
    lat = out["latency"]
    return {"avg": lat["mean_ms"], "p50": lat["p50_ms"], "p99": lat["p99_ms"], "p999": lat["p999_ms"]}


def apache_latency(bootstrap, topic, records, size) -> dict:
    text = run(java_tool(END_TO_END, bootstrap, topic, str(records), "all", str(size), heap="512M"))
    avg, pct = E2E_AVG.search(text), E2E_PCT.search(text)
    return {"avg": float(avg.group(1)), "p50": float(pct.group(1)), "p99": float(pct.group(2)),
            "p999": float(pct.group(3))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--round-trips", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kctl", default=None)
    parser.add_argument("--kctl-root", default=None)
    args = parser.parse_args()
    kctl = Kctl.parse(args.kctl, args.kctl_root)
    kctl.prepare()
    results: dict = {"produce": {"kctl": [], "apache": []}, "latency": {"kctl": [], "apache": []}}
    topics = []
    try:
        for i in range(args.runs):
            for tool in ("kctl", "apache"):
                topic = f"bench-perf-{tool}-{uuid.uuid4().hex[:8]}"
                create_topic(args.bootstrap, topic, args.partitions)
                topics.append(topic)
                figures = kctl_produce(kctl, args.bootstrap, topic, args.records, args.size) if tool == "kctl" \
                    else apache_produce(args.bootstrap, topic, args.records, args.size)
                results["produce"][tool].append(figures)
                topic = f"bench-e2e-{tool}-{uuid.uuid4().hex[:8]}"
                create_topic(args.bootstrap, topic, 1)
                topics.append(topic)
                figures = kctl_latency(kctl, args.bootstrap, topic, args.round_trips, args.size) if tool == "kctl" \
                    else apache_latency(args.bootstrap, topic, args.round_trips, args.size)
                results["latency"][tool].append(figures)
                print(f"run {i + 1}/{args.runs} {tool} done", file=sys.stderr)
    finally:
        delete_topics(args.bootstrap, topics)
    rows = []
    for test, metrics in (("produce", ("records_per_s", "avg", "p50", "p95", "p99", "p999", "max")),
                          ("latency", ("avg", "p50", "p99", "p999"))):
        for metric in metrics:
            k = median([r[metric] for r in results[test]["kctl"]])
            a = median([r[metric] for r in results[test]["apache"]])
            x = ratio(k, a)
            rows.append([test, metric, f"{k:,.3f}", f"{a:,.3f}", "-" if x is None else f"{x:.2f}"])
    print(format_table(["test", "figure (ms or records/s)", "kctl", "apache", "kctl/x"], rows, right={2, 3, 4}))
    path = write_results("perf", {"settings": vars(args), "results": results, "environment": environment()})
    print(f"results: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
