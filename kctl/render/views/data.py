"""Views of kctl.models.data: `topics partition-of`, `search --count`."""

from __future__ import annotations

from kctl.render.view import Column, Section, View

KeyPartition = View((Section("partitions", (Column("KEY", "key"), Column("PARTITION", "partition"))),))

SearchCount = View((
    Section("counts", (
        Column("TOPIC", "topic"),
        Column("PARTITION", "partition"),
        Column("START", "start_offset"),
        Column("END", "end_offset"),
        Column("READ", lambda r: f"{r.scanned:,}"),
        Column("MATCHED", lambda r: f"{r.matched:,}"),
    )),
))
