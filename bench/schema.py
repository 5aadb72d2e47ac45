#!/usr/bin/env python3
"""Schema Registry benchmark (issue 15, not a timed test): produce and consume N records of a
5-field schema as Avro (`--value-format avro`, local registry), as Protobuf (`--value-format protobuf`,
the same fields in a .proto) and as plain JSON lines (kctl's plain path), in the same run, on the same broker. Prints msgs/s per phase and path.

    python bench/schema.py                 # 100k records, instance 0 and its registry
    python bench/schema.py -n 20000 -i 0 --schema-registry URL

Each run uses a fresh topic and checks the count (the consume output's line count) so a broken
run shows as FAILED instead of fast.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = {"type": "record", "name": "Order", "namespace": "bench", "fields": [
    {"name": "id", "type": "long"}, {"name": "customer", "type": "string"}, {"name": "amount", "type": "double"},
    {"name": "paid", "type": "boolean"}, {"name": "note", "type": "string"}]}
PROTO = ('syntax = "proto3";\npackage bench;\n'
         "message Order { int64 id = 1; string customer = 2; double amount = 3; bool paid = 4; string note = 5; }\n")


def kctl(*args: str, stdin=None, stdout=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kctl", *args], stdin=stdin, stdout=stdout or subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env, check=False)


def timed(*args: str, stdout=None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.monotonic()
    proc = kctl(*args, stdout=stdout)
    return time.monotonic() - start, proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("-i", "--instance", default="0")
    parser.add_argument("--schema-registry", default=None)
    args = parser.parse_args()
    target = ["-i", args.instance]
    registry = ["--schema-registry", args.schema_registry] if args.schema_registry else []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "orders.jsonl"
        with open(data, "w") as f:
            for i in range(args.n):
                f.write(json.dumps({"id": i, "customer": f"customer-{i % 977}", "amount": i * 0.25,
                                    "paid": i % 2 == 0, "note": "x" * 20}) + "\n")
        schema = Path(tmp) / "order.avsc"
        schema.write_text(json.dumps(SCHEMA))
        proto = Path(tmp) / "order.proto"
        proto.write_text(PROTO)
        rows = []
        for path, extra_p, extra_c in (
                ("json", [], []),
                ("avro", ["--value-format", "avro", "--value-schema", str(schema), *registry],
                 ["--value-format", "avro", *registry]),
                ("proto", ["--value-format", "protobuf", "--value-schema", str(proto), *registry],
                 ["--value-format", "protobuf", *registry])):
            topic = f"bench-schema-{path}-{uuid.uuid4().hex[:8]}"
            kctl(*target, "topics", "create", topic, "--partitions", "1")
            seconds, proc = timed(*target, "produce", topic, "--file", str(data), *extra_p)
            ok = proc.returncode == 0
            rows.append((path, "produce", seconds, ok, proc.stderr.decode()[-300:]))
            out = Path(tmp) / f"{path}.out"
            with open(out, "wb") as f:
                seconds, proc = timed(*target, "consume", topic, "--until", "end", *extra_c, stdout=f)
            lines = sum(1 for _ in open(out, "rb"))
            rows.append((path, "consume", seconds, proc.returncode == 0 and lines == args.n, proc.stderr.decode()[-300:]))
            kctl(*target, "topics", "delete", topic, "--yes")
    print(f"{'path':6} {'phase':8} {'seconds':>8} {'msgs/s':>10}")
    for path, phase, seconds, ok, err in rows:
        rate = f"{args.n / seconds:,.0f}" if ok else "FAILED"
        print(f"{path:6} {phase:8} {seconds:8.2f} {rate:>10}" + ("" if ok else f"  {err.strip()}"))
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
