"""Table builders of the data-moving commands (copy; dump, restore), registered on import."""

from __future__ import annotations

from kctl.render.tables import new_table, table_for

register = True


@table_for("CopySummary")
def _copy_summary(s):
    table = new_table("PARTITION", "START", "STOP", "COMMITTED", "COPIED", "SKIPPED")
    for p in s.partitions:
        table.add_row(str(p.partition), str(p.start), "-" if p.stop is None else str(p.stop), str(p.committed),
                      str(p.copied), str(p.skipped))
    status = "complete" if s.complete else "INCOMPLETE"
    lines = [table, f"{s.source} -> {s.destination}: {s.copied} records copied, {s.skipped} skipped, "
                    f"{s.batches} batches in {s.elapsed_s:.2f}s ({s.rate:,.0f} records/s); {s.guarantee}; {status}; "
                    f"group {s.group}"]
    if s.note:
        lines.append(s.note)
    return lines


@table_for("DumpSummary")
def _dump_summary(s):
    table = new_table("TOPIC", "PARTITION", "RECORDS", "OFFSETS", "BYTES", "FILE")
    for p in s.partitions:
        offsets = "-" if p.first_offset is None else f"{p.first_offset}..{p.last_offset}"
        table.add_row(p.topic, str(p.partition), str(p.records), offsets, str(p.bytes), p.file)
    return [table, f"{s.records} records, {s.bytes} bytes ({s.compression}) in {s.directory} in {s.elapsed_s:.2f}s"]


@table_for("RestoreSummary")
def _restore_summary(s):
    table = new_table("TOPIC", "PARTITION", "EXPECTED", "WRITTEN", "STATUS")
    for p in s.partitions:
        table.add_row(p.topic, str(p.partition), str(p.expected), str(p.written), "ok" if p.ok else "MISSING")
    created = f"; created {', '.join(s.created)}" if s.created else ""
    return [table, f"{s.written} of {s.expected} records restored from {s.directory} in {s.elapsed_s:.2f}s{created}"]


@table_for("PlanResult")
def _plan_result(r):
    table = new_table("STEP", "ACTION", "DETAIL", "STATUS", "MS", "ERROR")
    for s in r.steps:
        table.add_row("-" if s.index == 0 else str(s.index), s.step, s.detail, s.status,
                      "" if s.elapsed_ms is None else f"{s.elapsed_ms:.1f}", s.error or "")
    return [table, f"transactional id {r.transactional_id}: {r.outcome}; {r.committed} committed, "
                   f"{r.aborted} aborted"]
