"""Table builders of `cluster health`, `doctor`, `configs describe` and `topics list --sizes`
(registered with kctl.render.tables.table_for; imported by kctl.render before building a table)."""

from __future__ import annotations

from kctl import models
from kctl.render.blocks import Styled, new_table
from kctl.render.tables import table_for

SEVERITY_STYLES = {"ok": "green", "info": "cyan", "warning": "yellow", "error": "red", "critical": "bold red"}


def _severity(value: str) -> Styled:
    return Styled(value, SEVERITY_STYLES.get(value, ""))


@table_for("HealthReport")
def health_table(report: models.HealthReport):
    expected = f" of {report.expected_brokers} expected ({report.expected_source})" if report.expected_brokers else ""
    head = (f"cluster {report.cluster_id or '?'}: {len(report.brokers)} broker(s){expected}, "
            f"{report.topics} topics, {report.partitions} partitions")
    status = Styled(f"status: {report.status}", SEVERITY_STYLES.get(report.status, ""))
    if report.quorum is not None:
        voters = ",".join(str(v.get("id")) for v in report.quorum.get("voters", ()))
        quorum = f"KRaft quorum: leader {report.quorum.get('leader_id')}, voters {voters}"
    else:
        quorum = "KRaft quorum: not reported"
    if not report.findings:
        return [head, quorum, status]
    table = new_table("SEVERITY", "CHECK", "SUBJECT", "FINDING")
    for f in report.findings:
        table.add_row(_severity(f.severity), f.check, f.subject, f.message)
    return [head, quorum, table, status]


@table_for("DoctorReport")
def doctor_table(report: models.DoctorReport):
    table = new_table("VERDICT", "CHECK", "EVIDENCE", "WHAT TO DO",
                      title=f"kctl doctor: {report.bootstrap or '?'} (cluster {report.cluster_id or '?'})")
    for c in report.checks:
        table.add_row(_severity(c.verdict), c.title, c.evidence, c.advice)
    status = Styled(f"status: {report.status} ({report.duration_ms} ms)", SEVERITY_STYLES.get(report.status, ""))
    return [table, status]


@table_for("ConfigDescription")
def config_description_table(items):
    blocks = []
    for d in items if isinstance(items, list) else [items]:
        name = d.name if d.name else "(cluster-wide default)"
        table = new_table("NAME", "VALUE", "SOURCE", "DEFAULT", "READ-ONLY", title=f"{d.resource_type} {name}")
        for c in d.configs:
            value = "******" if c.sensitive else ("" if c.value is None else c.value)
            table.add_row(c.name, value, c.source, "yes" if c.is_default else "", "yes" if c.read_only else "")
        blocks.append(table)
    return blocks


@table_for("TopicSize")
def topic_size_table(topics):
    table = new_table("TOPIC", "PARTITIONS", "REPLICATION", "SIZE")
    for t in topics:
        name = f"{t.name} (internal)" if t.internal else t.name
        table.add_row(name, str(t.partitions), str(t.replication_factor),
                      str(t.size_bytes) if t.size_bytes is not None else (t.size_note or "?"))
    return table
