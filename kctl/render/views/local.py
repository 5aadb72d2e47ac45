"""Views of kctl.models.local: `kctl local status`."""

from __future__ import annotations

from kctl.render.blocks import Styled
from kctl.render.view import Column, Section, View
from kctl.render.views.common import ids


def _state(inst) -> Styled | str:
    if inst.state == "up":
        return Styled("up", "green")
    if inst.state == "degraded":
        down = inst.down_brokers
        return Styled(f"degraded (broker{'s' if len(down) > 1 else ''} {ids(down)} down)", "yellow")
    return "down"


def _server(server, ports) -> str:
    """-: never started here; else up/down, pid, its ports."""
    if server is None:
        return "-"
    state = f"up pid {server.pid}" if server.running else "down"
    return f"{state} {ports(server)}"


LocalInstance = View((
    Section("instances", (
        Column("INSTANCE", "instance"),
        Column("STATUS", _state),
        Column("KAFKA", lambda i: i.kafka_version or "-"),
        Column("BOOTSTRAP", "bootstrap"),
        Column("BROKERS", lambda i: len(i.brokers)),
        Column("PIDS", lambda i: ids(b.pid for b in i.brokers if b.pid) or "-"),
        Column("PORTS", lambda i: ids(f"{b.port}/{b.controller_port}" for b in i.brokers)),
        Column("TEMPORAL", lambda i: _server(i.temporal, lambda t: f"{t.frontend_port}/{t.ui_port}")),
        Column("SCHEMA REGISTRY", lambda i: _server(i.schema_registry, lambda r: f"{r.port}/{r.management_port}")),
        Column("CONNECT", lambda i: _server(i.connect, lambda c: f"{c.rest_port}")),
    )),
))
