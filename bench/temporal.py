"""Benchmark the Temporal worker: the end-to-end workflow against `kctl e2e run`, and a producer
workflow of single-message sends against one send_batch.

    python bench/temporal.py [--runs 5] [--instance 0] [--sends 1000]

Needs the instance's brokers and Temporal dev server (`kctl local up --temporal -i N`); starts its
own `kctl worker run` on a private task queue and stops it at the end. Every run is a fresh process
(`python -m kctl workflow run ...`), as a CI job would start it; both sides use the spec's parameters
(100 messages, 3 partitions, cleanup) and one consumer. Results: bench/results/temporal-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.benchlib import environment, format_table, write_results  # noqa: E402


def kctl(*args: str, timeout: float = 300) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "kctl", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"kctl {' '.join(args[:3])} failed (exit {proc.returncode}): {proc.stderr.strip()[-800:]}")
    return wall, proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--instance", type=int, default=0)
    parser.add_argument("--sends", type=int, default=1000, help="messages of the producer workflow")
    args = parser.parse_args()

    from kctl.config.registry import load_registry

    registry = load_registry()
    address = registry.temporal_of(args.instance).address
    bootstrap = registry.bootstrap_of(args.instance)
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    log = tempfile.NamedTemporaryFile(prefix="kctl-bench-worker-", suffix=".log", delete=False)
    worker = subprocess.Popen([sys.executable, "-m", "kctl", "-i", str(args.instance), "-v", "worker", "run",
                               "--temporal", address, "--task-queue", queue], cwd=ROOT, stdout=log, stderr=log)
    common = ["--temporal", address, "--task-queue", queue, "-o", "json"]
    try:
        deadline = time.monotonic() + 60
        while b"worker_polling" not in Path(log.name).read_bytes():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker did not start: {Path(log.name).read_text()[-800:]}")
            time.sleep(0.1)
        e2e_args = ["--test-messages-count", "100", "--num-partitions", "3", "--instance-id", str(args.instance),
                    "--cleanup"]
        workflow_walls, plain_walls = [], []
        kctl("workflow", "run", "e2e", *e2e_args, *common)  # warm-up: first group join, first producer id
        for _ in range(args.runs):  # interleaved, so machine noise spreads over both
            wall, proc = kctl("workflow", "run", "e2e", *e2e_args, *common)
            assert json.loads(proc.stdout)["ok"], proc.stdout[-500:]
            workflow_walls.append(wall)
            wall, proc = kctl("e2e", "run", "-i", str(args.instance), "-n", "100", "--partitions", "3", "--consumers", "1", "-o", "json")
            plain_walls.append(wall)

        topic = f"bench-temporal-{uuid.uuid4().hex[:8]}"
        kctl("topics", "create", topic, "--partitions", "3", "-b", bootstrap)
        messages = [{"topic": topic, "value": f"m{i}", "key": f"k{i}"} for i in range(args.sends)]
        sends = {}
        for batch in (False, True):
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
                json.dump({"messages": messages, "bootstrap_servers": [bootstrap], "batch": batch}, handle)
            wall, proc = kctl("workflow", "run", "produce", "--params-file", handle.name, *common, timeout=900)
            os.unlink(handle.name)
            assert len(json.loads(proc.stdout)["records"]) == args.sends
            activities = 4 + (1 if batch else args.sends)  # queue lookup, flush, close (+ sends)
            sends["send_batch" if batch else "send_message"] = {"wall_s": wall, "activities": activities,
                                                                "activities_per_s": activities / wall,
                                                                "messages_per_s": args.sends / wall}
        kctl("topics", "delete", topic, "--yes", "-b", bootstrap)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)

    wf, plain = statistics.median(workflow_walls), statistics.median(plain_walls)
    rows = [["e2e workflow (median wall s)", f"{wf:.2f}"], ["kctl e2e run -c 1 (median wall s)", f"{plain:.2f}"],
            ["ratio workflow / e2e run", f"{wf / plain:.2f}"]]
    for name, figure in sends.items():
        rows.append([f"producer workflow, {args.sends} msgs via {name}",
                     f"{figure['wall_s']:.2f} s, {figure['activities_per_s']:.0f} activities/s, "
                     f"{figure['messages_per_s']:.0f} msgs/s"])
    print(format_table(["case", "figure"], rows))
    path = write_results("temporal", {"argv": sys.argv, "environment": environment(), "runs": args.runs,
                                      "e2e_workflow_walls_s": workflow_walls, "e2e_run_walls_s": plain_walls,
                                      "producer_workflow": sends})
    print(f"results: {path}")


if __name__ == "__main__":
    main()
