"""Views of kctl.models.common: operation results, versions, the cluster's brokers."""

from __future__ import annotations

from kctl.render.view import Column, Section, View, item


def ids(values) -> str:
    """Broker or partition ids as one cell: 1,2,3."""
    return ",".join(str(v) for v in values)


def status_style(ok: bool) -> str:
    return "green" if ok else "red"


def status_text(ok: bool) -> str:
    return "ok" if ok else "failed"


OperationResult = View((
    Section("items", (
        Column("NAME", "name"),
        Column("STATUS", lambda i: status_text(i.ok), style=lambda i: status_style(i.ok)),
        Column("DETAIL", lambda i: i.detail if i.ok else (i.error or "")),
    ), rows=lambda r: r.items, title=lambda r: f"{r.operation} (dry run)" if r.dry_run else None),
))

VersionInfo = View((
    Section("versions", (Column("COMPONENT", item(0)), Column("VERSION", item(1))), rows=lambda info: [
        (f"kctl ({info.distribution})", info.kctl),
        ("python", info.python),
        (info.client, info.client_version),
        ("librdkafka", info.librdkafka),
        ("kafka (kctl local up default)", info.local_kafka_default),
    ]),
))

ClusterInfo = View((
    Section("brokers", (
        Column("BROKER", "id"),
        Column("HOST", "host"),
        Column("PORT", "port"),
        Column("CONTROLLER", lambda b: "yes" if b.is_controller else ""),
    ), rows=lambda info: info.brokers, title=lambda info: f"cluster {info.cluster_id or '?'}"),
))
