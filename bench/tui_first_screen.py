#!/usr/bin/env python3
"""Time from a fresh interpreter to `kctl ui`'s first screen drawn, with 1,000 topics.

    KCTL_REGISTRY=bench/tui_registry.yaml python3 -m kctl local up -i 11    # a private broker: 127.0.0.1:10192
    python bench/tui_first_screen.py -b 127.0.0.1:10192 [--topics 1000] [--runs 5] [--keep]

Each run is a new process (the interpreter's own start-up is not counted: the clock starts at the
first line of the script): it imports kctl's UI, starts the app headless with Textual's pilot and
stops the clock when the topics screen has painted its first rows (Textual's after-refresh
callback), then again when all 1,000 rows are in the table (they follow in chunks, input is served in
between). Sizes and health markers arrive later in the background and are not waited for.
Creates the topics with a unique prefix and deletes them afterwards (--keep: leaves them, and a
later run with --prefix reuses them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import time
t0 = time.perf_counter()
import asyncio, sys
from kctl.tui.app import KctlApp
from kctl.tui.data import DataSource
imported = time.perf_counter() - t0

async def main():
    app = KctlApp(DataSource({"bootstrap.servers": sys.argv[1]}, 10.0, "bench"))
    marks = {}
    async with app.run_test(size=(120, 40)):
        screen = app.screen
        while not getattr(screen, "populated", False):
            await asyncio.sleep(0.002)
        # The clock stops in the callback Textual runs once the screen has been painted with the rows.
        screen.call_after_refresh(lambda: marks.setdefault("first", time.perf_counter() - t0))
        while "first" not in marks or not screen.filled():
            await asyncio.sleep(0.002)
        full = time.perf_counter() - t0
        print(imported, marks["first"], full, screen.main_table.row_count)

asyncio.run(main())
"""


def create(bootstrap: str, names: list[str]) -> None:
    from kctl.services import topics

    for i in range(0, len(names), 200):
        result = topics.create_topics({"bootstrap.servers": bootstrap}, 120, names[i:i + 200], 1, 1)
        failed = [item for item in result.items if not item.ok and "exists" not in str(item)]
        if failed:
            raise SystemExit(f"create failed: {failed[0]}")


def delete(bootstrap: str, prefix: str) -> int:
    from kctl.services import topics

    conf = {"bootstrap.servers": bootstrap}
    names = [t.name for t in topics.list_topics(conf, 60) if t.name.startswith(prefix)]
    for i in range(0, len(names), 200):
        topics.delete_topics(conf, 120, names[i:i + 200], if_exists=True)
    return len(names)


def one_run(bootstrap: str) -> tuple[float, float, float, int]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHILD, bootstrap], capture_output=True, text=True, check=True,
                         cwd=ROOT, env=env, timeout=120).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]), int(out[3])


def bare_interpreter() -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-b", "--bootstrap", default="127.0.0.1:10192")
    parser.add_argument("--topics", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--prefix", help="reuse the topics of an earlier --keep run")
    parser.add_argument("--keep", action="store_true", help="leave the topics for the next run")
    args = parser.parse_args()
    prefix = args.prefix or f"bench-tui-{uuid.uuid4().hex[:8]}-"
    names = [f"{prefix}{i:05d}" for i in range(args.topics)]
    ms = lambda seconds: f"{seconds * 1000:.0f}"  # noqa: E731
    try:
        t = time.perf_counter()
        create(args.bootstrap, names)
        print(f"{len(names)} topics ready in {time.perf_counter() - t:.1f}s (prefix {prefix})")
        runs = []
        for _ in range(args.runs):
            runs.append(one_run(args.bootstrap))
            imported, first, full, rows = runs[-1]
            print(f"import {ms(imported)} ms, first screen drawn {ms(first)} ms, all {rows} rows {ms(full)} ms")
        bare = statistics.median(bare_interpreter() for _ in range(3))
        med = [statistics.median(r[i] for r in runs) for i in range(3)]
        print(f"median of {len(runs)} runs after the interpreter: first screen drawn {ms(med[1])} ms "
              f"(min {ms(min(r[1] for r in runs))}, max {ms(max(r[1] for r in runs))}; of which imports {ms(med[0])} ms), "
              f"all rows {ms(med[2])} ms; `python -c pass` {ms(bare)} ms")
    finally:
        if not args.keep:
            print(f"deleted {delete(args.bootstrap, prefix)} topics")
    return 0


if __name__ == "__main__":
    sys.exit(main())
