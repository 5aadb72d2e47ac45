"""Views of kctl.models.admin: `cluster log-dirs`."""

from __future__ import annotations

from kctl.render.view import Column, Each, Lines, Section, View


def _head(d) -> str:
    free = f", {d.usable_bytes} of {d.total_bytes} bytes free" if d.total_bytes else ""
    return f"broker {d.broker} {d.log_dir}: {d.size_bytes} bytes{free}" + (f" (offline: {d.error})" if d.error else "")


LogDirInfo = View((
    Each((
        Section("replicas", (
            Column("PARTITION", lambda r: f"{r.topic}:{r.partition}"),
            Column("SIZE", "size_bytes"),
            Column("FUTURE", lambda r: "yes" if r.is_future else ""),
        ), rows=lambda d: sorted(d.replicas, key=lambda r: (r.topic, r.partition)), title=_head),
    ), keys=(Column("BROKER", "broker"), Column("LOG-DIR", "log_dir"))),
    Lines(lambda dirs: None if dirs else "no log dirs"),
))
