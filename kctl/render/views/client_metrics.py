"""Views of kctl.models.client_metrics: client metrics subscriptions (KIP-714)."""

from __future__ import annotations

from kctl.render.view import Column, Section, View

ClientMetricsSubscription = View((
    Section("subscriptions", (
        Column("NAME", "name"),
        Column("METRICS", lambda s: ",".join(s.metrics) or "-", shorten=2),
        Column("INTERVAL", lambda s: f"{s.interval_ms} ms" if s.interval_ms is not None else "default"),
        Column("MATCH", lambda s: ",".join(s.match) or "every client", shorten=1),
    )),
))
