#!/usr/bin/env python3
"""Time from starting `kctl ui` (the app object) to a populated topics table, with 1,000 topics.

    python bench/tui_first_screen.py [-b 127.0.0.1:9092] [--topics 1000] [--runs 5]

Creates the topics with a unique prefix and deletes them afterwards, also when a run fails.
Measured with Textual's headless pilot (no terminal); interpreter start-up and imports are timed
apart (`import kctl.tui.app` in a fresh process).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def create(bootstrap: str, names: list[str]) -> None:
    from kctl.services import topics

    for i in range(0, len(names), 200):
        result = topics.create_topics({"bootstrap.servers": bootstrap}, 120, names[i:i + 200], 1, 1)
        failed = [item for item in result.items if not item.ok]
        if failed:
            raise SystemExit(f"create failed: {failed[0]}")


def delete(bootstrap: str, prefix: str) -> int:
    from kctl.services import topics

    conf = {"bootstrap.servers": bootstrap}
    names = [t.name for t in topics.list_topics(conf, 60) if t.name.startswith(prefix)]
    for i in range(0, len(names), 200):
        topics.delete_topics(conf, 120, names[i:i + 200], if_exists=True)
    return len(names)


async def first_screen(bootstrap: str, expected: int) -> tuple[float, int]:
    from kctl.tui.app import KctlApp
    from kctl.tui.data import DataSource

    start = time.perf_counter()
    app = KctlApp(DataSource({"bootstrap.servers": bootstrap}, 10.0, "bench"))
    async with app.run_test(size=(120, 40)) as pilot:
        while not getattr(app.screen, "populated", False):
            await pilot.pause(0.005)
        elapsed = time.perf_counter() - start
        rows = app.screen.main_table.row_count
    return elapsed, rows


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import kctl.tui.app; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                cwd=Path(__file__).resolve().parents[1]).stdout)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-b", "--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--topics", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    prefix = f"bench-tui-{uuid.uuid4().hex[:8]}-"
    names = [f"{prefix}{i:05d}" for i in range(args.topics)]
    try:
        t = time.perf_counter()
        create(args.bootstrap, names)
        print(f"created {len(names)} topics in {time.perf_counter() - t:.1f}s (prefix {prefix})")
        times = []
        for _ in range(args.runs):
            elapsed, rows = asyncio.run(first_screen(args.bootstrap, len(names)))
            times.append(elapsed)
            print(f"first screen: {elapsed * 1000:.0f} ms, {rows} rows")
        imports = [import_time() for _ in range(3)]
        from kctl.tui.data import DataSource

        lists = []
        for _ in range(3):
            t = time.perf_counter()
            DataSource({"bootstrap.servers": args.bootstrap}, 10.0).topics()
            lists.append(time.perf_counter() - t)
        print(f"of which the topic list service (metadata, new client): median {statistics.median(lists) * 1000:.0f} ms")
        print(f"median first screen {statistics.median(times) * 1000:.0f} ms over {len(times)} runs "
              f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); "
              f"import kctl.tui.app median {statistics.median(imports) * 1000:.0f} ms")
    finally:
        print(f"deleted {delete(args.bootstrap, prefix)} topics")
    return 0


if __name__ == "__main__":
    sys.exit(main())
