"""Views of kctl.models.moving: copy, dump and restore summaries."""

from __future__ import annotations

from kctl.render.view import Column, Lines, Section, View


def _copied(s) -> list[str]:
    status = "complete" if s.complete else "INCOMPLETE"
    lines = [f"{s.source} -> {s.destination}: {s.copied} records copied, {s.skipped} skipped, "
             f"{s.batches} batches in {s.elapsed_s:.2f}s ({s.rate:,.0f} records/s); {s.guarantee}; {status}; "
             f"group {s.group}"]
    return lines + ([s.note] if s.note else [])


CopySummary = View((
    Section("partitions", (
        Column("PARTITION", "partition"),
        Column("START", "start"),
        Column("STOP", "stop"),
        Column("COMMITTED", "committed"),
        Column("COPIED", "copied"),
        Column("SKIPPED", "skipped"),
    ), rows=lambda s: s.partitions),
    Lines(_copied),
))

DumpSummary = View((
    Section("partitions", (
        Column("TOPIC", "topic"),
        Column("PARTITION", "partition"),
        Column("RECORDS", "records"),
        Column("OFFSETS", lambda p: "-" if p.first_offset is None else f"{p.first_offset}..{p.last_offset}"),
        Column("BYTES", "bytes"),
        Column("FILE", "file"),
    ), rows=lambda s: s.partitions),
    Lines(lambda s: f"{s.records} records, {s.bytes} bytes ({s.compression}) in {s.directory} in {s.elapsed_s:.2f}s"),
))

RestoreSummary = View((
    Section("partitions", (
        Column("TOPIC", "topic"),
        Column("PARTITION", "partition"),
        Column("EXPECTED", "expected"),
        Column("WRITTEN", "written"),
        Column("STATUS", lambda p: "ok" if p.ok else "MISSING"),
    ), rows=lambda s: s.partitions),
    Lines(lambda s: f"{s.written} of {s.expected} records restored from {s.directory} in {s.elapsed_s:.2f}s"
          + (f"; created {', '.join(s.created)}" if s.created else "")),
))
