"""Benchmark `kctl e2e run`: wall time of several default runs (100 messages, 3 partitions,
2 consumers, topic create and cleanup included), median reported.

    python bench/e2e.py [--runs 7] [--instance 0] [--jvm] [-- extra kctl e2e run args]

Each run is a fresh process (`python -m kctl e2e run -o json`), so interpreter start-up and imports
are included, as a user or CI job sees them. --jvm also times Apache Kafka's own
org.apache.kafka.tools.EndToEndLatency (from the local broker's jars) sending 100 records one at a
time on a 1-partition topic, the nearest peer; it checks less (no group, no cleanup), so the ratio
is indicative only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def kctl_run(instance: int, extra: list[str]) -> tuple[float, dict]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "kctl", "e2e", "run", "-i", str(instance), "-o", "json", *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"kctl e2e run failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return wall, json.loads(proc.stdout)


def jvm_run(bootstrap: str) -> float:
    from kctl.client import AdminClient
    from kctl.services.local import find_java, kafka_libs

    topic = f"bench-e2e-{uuid.uuid4().hex[:8]}"
    with AdminClient(bootstrap=bootstrap, timeout=30) as admin:
        created = admin.create_topics([topic], partitions=1, replication=1)[topic]
        if created.error is not None:
            raise SystemExit(f"cannot create {topic}: {created.error.message}")
        try:
            start = time.perf_counter()
            subprocess.run([find_java(), "-cp", f"{kafka_libs()}/*", "org.apache.kafka.tools.EndToEndLatency",
                            bootstrap, topic, "100", "all", "100"], check=True, capture_output=True, timeout=120)
            return time.perf_counter() - start
        finally:
            admin.delete_topics([topic])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--instance", type=int, default=0)
    parser.add_argument("--jvm", action="store_true", help="also time Apache Kafka's EndToEndLatency tool")
    parser.add_argument("extra", nargs="*", help="extra arguments for kctl e2e run (after --)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)

    walls, inner, p99s = [], [], []
    kctl_run(args.instance, args.extra)  # warm-up: page cache, broker's first-use paths
    for _ in range(args.runs):
        wall, doc = kctl_run(args.instance, args.extra)
        walls.append(wall)
        inner.append(doc["duration_ms"] / 1000)
        p99s.append(doc["latency"]["overall"]["p99_ms"])
    print(f"kctl e2e run -i {args.instance} {' '.join(args.extra)}".rstrip() + f": {args.runs} runs")
    print(f"  wall time   median {statistics.median(walls):.2f}s  min {min(walls):.2f}s  max {max(walls):.2f}s")
    print(f"  in-process  median {statistics.median(inner):.2f}s  (steps 1-9, without interpreter start-up)")
    print(f"  latency p99 median {statistics.median(p99s):.1f}ms  max {max(p99s):.1f}ms")
    print(f"  target: default run within 5 s -> {'met' if statistics.median(walls) <= 5 else 'NOT met'}")
    if args.jvm:
        from kctl.config.registry import load_registry

        bootstrap = load_registry().bootstrap_of(args.instance)
        jvm = [jvm_run(bootstrap) for _ in range(3)]
        print(f"EndToEndLatency (JVM, 100 records, 1 partition): median {statistics.median(jvm):.2f}s "
              f"-> kctl/JVM wall ratio {statistics.median(walls) / statistics.median(jvm):.2f}")


if __name__ == "__main__":
    main()
