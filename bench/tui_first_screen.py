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
later run with --prefix reuses them). For scale on a loaded machine, a bare Textual app (header, empty
table, footer) is timed in turn with it, and --baseline DIR times another checkout (say, a worktree of
an earlier commit) in turn as well.
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
        # The clock stops in the callback Textual runs once the screen has been painted with the rows: the
        # screen queues it itself (painted_at), before the rest of the rows; an older checkout has no
        # painted_at (it adds every row at once) and is marked from here.
        screen.call_after_refresh(lambda: marks.setdefault("first", time.perf_counter() - t0))
        filled = getattr(screen, "filled", lambda: True)
        while "first" not in marks or not filled() or getattr(screen, "painted_at", 0) is None:
            await asyncio.sleep(0.002)
        full = time.perf_counter() - t0
        first = screen.painted_at - t0 if getattr(screen, "painted_at", None) else marks["first"]
        print(imported, first, full, screen.main_table.row_count)

asyncio.run(main())
"""


BARE = r"""
import time
t0 = time.perf_counter()
import asyncio
from textual.app import App
from textual.widgets import DataTable, Footer, Header
imported = time.perf_counter() - t0

class Bare(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

async def main():
    app = Bare()
    marks = {}
    async with app.run_test(size=(120, 40)):
        app.call_after_refresh(lambda: marks.setdefault("first", time.perf_counter() - t0))
        while "first" not in marks:
            await asyncio.sleep(0.002)
        print(imported, marks["first"], marks["first"], 0)

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


def one_run(bootstrap: str, code: Path = ROOT, child: str = CHILD) -> tuple[float, float, float, int]:
    env = dict(os.environ, PYTHONPATH=str(code))
    out = subprocess.run([sys.executable, "-c", child, bootstrap], capture_output=True, text=True, check=True,
                         cwd=code, env=env, timeout=120).stdout.split()
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
    parser.add_argument("--baseline", type=Path, help="another kctl checkout, measured in turn with this one "
                                                      "(a git worktree of an earlier commit)")
    args = parser.parse_args()
    prefix = args.prefix or f"bench-tui-{uuid.uuid4().hex[:8]}-"
    names = [f"{prefix}{i:05d}" for i in range(args.topics)]
    ms = lambda seconds: f"{seconds * 1000:.0f}"  # noqa: E731
    try:
        t = time.perf_counter()
        create(args.bootstrap, names)
        print(f"{len(names)} topics ready in {time.perf_counter() - t:.1f}s (prefix {prefix})")
        kinds = {"kctl ui": (ROOT, CHILD), "a bare Textual app (header, empty table, footer)": (ROOT, BARE)}
        if args.baseline:
            kinds[f"kctl ui of {args.baseline}"] = (args.baseline.resolve(), CHILD)
        runs: dict[str, list] = {kind: [] for kind in kinds}
        for _ in range(args.runs):
            for kind, (code, child) in kinds.items():  # in turn, so that the machine's load falls on all alike
                runs[kind].append(one_run(args.bootstrap, code, child))
                imported, first, full, rows = runs[kind][-1]
                print(f"{kind}: import {ms(imported)} ms, first screen drawn {ms(first)} ms, {rows} rows {ms(full)} ms")
        bare = statistics.median(bare_interpreter() for _ in range(3))
        print(f"medians of {args.runs} runs after the interpreter (`python -c pass` {ms(bare)} ms):")
        for kind, got in runs.items():
            med = [statistics.median(r[i] for r in got) for i in range(3)]
            print(f"  {kind}: first screen drawn {ms(med[1])} ms (min {ms(min(r[1] for r in got))}, "
                  f"max {ms(max(r[1] for r in got))}; imports {ms(med[0])} ms), all rows {ms(med[2])} ms")
    finally:
        if not args.keep:
            print(f"deleted {delete(args.bootstrap, prefix)} topics")
    return 0


if __name__ == "__main__":
    sys.exit(main())
