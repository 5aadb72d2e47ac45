"""Benchmark the batched lag of `kctl groups list` against one `kctl groups describe` per group.

    python bench/groups.py [--groups 200] [--partitions 4] [--runs 3] [--instance 0] [--describe-runs 1]

Makes a topic with a few records per partition and N groups that committed offsets on it
(behind the end, so every group has lag and a time lag to read), then times, as fresh
processes (start-up included, as a script sees them):
  - `kctl groups list -o json` (members, total lag and max time lag of every group: one
    batched round of requests), median of --runs;
  - `kctl groups describe G -o json` for each of the N groups one after the other (what a
    script without the lag columns would do), --describe-runs times;
  - one `kctl groups describe G -o json` (median of --runs), the issue's yardstick.
Every output is checked (each group listed with its lag; each describe exit 0 with time lag).
Ratios: list / N describes, and list / one describe. The groups and the topic are deleted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def kctl(instance: int, *args: str) -> tuple[float, object]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "kctl", "-i", str(instance), *args, "-o", "json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"kctl {' '.join(args)} failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return wall, json.loads(proc.stdout)


def setup(bootstrap: str, topic: str, groups: list[str], partitions: int) -> None:
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)
    time.sleep(1)  # leaders elected (a bench, not a test)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for p in range(partitions):
        for i in range(20):
            producer.produce(topic, value=b"x", partition=p, timestamp=int(time.time() * 1000) - (20 - i) * 1000)
    assert producer.flush(30) == 0
    for n, group in enumerate(groups):
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
        consumer.commit(offsets=[TopicPartition(topic, p, n % 15) for p in range(partitions)], asynchronous=False)
        consumer.close()


def cleanup(bootstrap: str, topic: str, groups: list[str]) -> None:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.delete_consumer_groups(groups, request_timeout=60).values():
        try:
            future.result(60)
        except Exception:  # noqa: BLE001 - cleanup: the group may be gone already
            pass
    admin.delete_topics([topic])[topic].result(60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--describe-runs", type=int, default=1)
    parser.add_argument("--instance", type=int, default=0)
    args = parser.parse_args()

    from kctl.config.registry import load_registry

    bootstrap = load_registry().bootstrap_of(args.instance)
    tag = uuid.uuid4().hex[:8]
    topic = f"bench-groups-{tag}"
    groups = [f"bench-groups-{tag}-{n:03d}" for n in range(args.groups)]
    print(f"setting up {args.groups} groups on {topic} ({args.partitions} partitions) ...", file=sys.stderr)
    setup(bootstrap, topic, groups, args.partitions)
    try:
        lists, singles, sweeps = [], [], []
        listed_total = 0
        for _ in range(args.runs):
            wall, rows = kctl(args.instance, "groups", "list")
            mine = {r["group_id"]: r for r in rows if r["group_id"] in set(groups)}
            assert len(mine) == len(groups) and all(r["total_lag"] is not None and r["max_time_lag_ms"] is not None
                                                    for r in mine.values()), "list lacks lag"
            lists.append(wall)
            listed_total = len(rows)
            wall, (detail,) = kctl(args.instance, "groups", "describe", groups[0])
            assert detail["max_time_lag_ms"] is not None
            singles.append(wall)
        for _ in range(args.describe_runs):
            start = time.perf_counter()
            for group in groups:
                _, (detail,) = kctl(args.instance, "groups", "describe", group)
                assert detail["total_lag"] is not None
            sweeps.append(time.perf_counter() - start)
    finally:
        cleanup(bootstrap, topic, groups)
    lst, one, sweep = statistics.median(lists), statistics.median(singles), statistics.median(sweeps)
    result = {
        "groups": args.groups, "partitions": args.partitions, "groups_listed": listed_total,
        "list_s": round(lst, 3), "describe_one_s": round(one, 3), f"describe_{args.groups}_s": round(sweep, 2),
        "ratio_list_to_all_describes": round(lst / sweep, 4), "ratio_list_to_one_describe": round(lst / one, 2),
        "runs": {"list": lists, "describe_one": singles, "describe_all": sweeps},
    }
    print(f"groups list with lag ({listed_total} groups listed, {args.groups} of them the bench's): {lst:.3f} s (median of {args.runs})")
    print(f"one groups describe: {one:.3f} s; {args.groups} groups describe: {sweep:.1f} s")
    print(f"list / {args.groups} describes = {lst / sweep:.4f} ({sweep / lst:.0f}x faster); list / one describe = {lst / one:.2f}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
