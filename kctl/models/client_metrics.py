"""`kctl cluster client-metrics` (KIP-714): the metrics subscriptions of the cluster."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientMetricsSubscription:
    """name: the subscription; metrics: metric name prefixes ("*": all; empty: none); interval_ms:
    how often matching clients push (null: the broker's default, 300000); match: the clients it
    applies to, KEY=REGEX each (client_id, client_instance_id, client_software_name,
    client_software_version, client_source_address, client_source_port; empty: every client)."""

    name: str
    metrics: tuple[str, ...]
    interval_ms: int | None
    match: tuple[str, ...]
