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
