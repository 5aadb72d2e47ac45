"""Files and live output of the consumer group commands: reset plans written for --from-file, the lag
report as JSON lines or a live table (--watch). The tables are views: kctl.render.views.groups."""

from __future__ import annotations

import json
import sys
from contextlib import closing
from pathlib import Path

from kctl.errors import UsageError
from kctl.render import make_console, to_jsonable
from kctl.render.blocks import to_rich


def export_plan(path: str, result) -> None:
    """Write a reset plan's new offsets to a file: kctl JSON when the name ends in .json, else the
    CSV kafka-consumer-groups.sh --export writes (topic,partition,offset); both are --from-file input."""
    target = Path(path)
    if target.suffix.lower() == ".json":
        text = json.dumps(to_jsonable(result), indent=2) + "\n"
    else:
        text = "".join(f"{p.topic},{p.partition},{p.new_offset}\n" for p in result.partitions if p.new_offset is not None)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--export: cannot write {path}: {exc.strerror or exc}") from None


def json_line(report, file) -> None:
    """One report as one compact JSON line (monitoring reads one line per refresh)."""
    file.write(json.dumps(to_jsonable(report), separators=(",", ":")) + "\n")
    file.flush()


def follow(reports, live: bool, file=None) -> None:
    """Show each report as it comes: a live table redrawn in place (live=True: a terminal), or
    one JSON line per report. Returns when the reports end; Ctrl-C ends the live view cleanly
    (the last table stays on the screen) and propagates."""
    out = file or sys.stdout
    with closing(reports):
        if not live:
            for report in reports:
                json_line(report, out)
            return
        from rich.live import Live  # heavy: rich

        from kctl.render.view import build_table  # not on groups --help's path

        console = make_console(file=out)
        with Live(console=console, auto_refresh=False, transient=False) as view:
            for report in reports:
                view.update(to_rich(build_table(report), console.width), refresh=True)
