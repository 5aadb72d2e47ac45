"""Views of kctl.models.health: `cluster health`, `doctor`, `configs describe`."""

from __future__ import annotations

from kctl.render.blocks import Styled
from kctl.render.view import Column, Each, Lines, Section, View

SEVERITY_STYLES = {"ok": "green", "info": "cyan", "warning": "yellow", "error": "red", "critical": "bold red"}


def severity_style(value: str) -> str:
    return SEVERITY_STYLES.get(value, "")


def _head(report) -> list:
    expected = f" of {report.expected_brokers} expected ({report.expected_source})" if report.expected_brokers else ""
    if report.quorum is not None:
        voters = ",".join(str(v.get("id")) for v in report.quorum.get("voters", ()))
        quorum = f"KRaft quorum: leader {report.quorum.get('leader_id')}, voters {voters}"
    else:
        quorum = "KRaft quorum: not reported"
    return [f"cluster {report.cluster_id or '?'}: {len(report.brokers)} broker(s){expected}, "
            f"{report.topics} topics, {report.partitions} partitions", quorum]


HealthReport = View((
    Lines(_head),
    Section("findings", (
        Column("SEVERITY", "severity", style=lambda f: severity_style(f.severity)),
        Column("CHECK", "check"),
        Column("SUBJECT", "subject"),
        Column("FINDING", "message"),
    ), rows=lambda r: r.findings, when=lambda r: bool(r.findings)),
    Lines(lambda r: Styled(f"status: {r.status}", severity_style(r.status))),
))

DoctorReport = View((
    Section("checks", (
        Column("VERDICT", "verdict", style=lambda c: severity_style(c.verdict)),
        Column("CHECK", "title"),
        Column("EVIDENCE", "evidence"),
        Column("WHAT TO DO", "advice"),
    ), rows=lambda r: r.checks, title=lambda r: f"kctl doctor: {r.bootstrap or '?'} (cluster {r.cluster_id or '?'})"),
    Lines(lambda r: Styled(f"status: {r.status} ({r.duration_ms} ms)", severity_style(r.status))),
))

ConfigDescription = View((
    Each((
        Section("configs", (
            Column("NAME", "name"),
            Column("VALUE", lambda c: "******" if c.sensitive else ("" if c.value is None else c.value)),
            Column("SOURCE", "source"),
            Column("DEFAULT", lambda c: "yes" if c.is_default else ""),
            Column("READ-ONLY", lambda c: "yes" if c.read_only else ""),
        ), rows=lambda d: d.configs,
            title=lambda d: f"{d.resource_type} {d.name if d.name else '(cluster-wide default)'}"),
    ), keys=(Column("RESOURCE-TYPE", "resource_type"), Column("RESOURCE", "name"))),
))
