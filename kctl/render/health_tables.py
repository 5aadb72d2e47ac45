"""Table builders of `cluster health`, `doctor`, `configs describe`, `topics list --sizes`, `quotas`,
`export/diff/plan/apply`, `cluster features` and `workflow run --dry-run` (a workflow's parameters)
(registered with kctl.render.tables.table_for; imported by kctl.render before building a table)."""

from __future__ import annotations

from kctl import models
from kctl.render.blocks import Styled, new_table
from kctl.render.tables import _opt
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
    table = new_table("TOPIC", "PARTITIONS", "REPLICATION", "SIZE", give_way=("TOPIC",))
    for t in topics:
        name = f"{t.name} (internal)" if t.internal else t.name
        table.add_row(name, str(t.partitions), str(t.replication_factor),
                      str(t.size_bytes) if t.size_bytes is not None else (t.size_note or "?"))
    return table


def _ids(values) -> str:
    return ",".join(str(v) for v in values)


@table_for("ReplicaReassignment")
def reassignment_table(plan: models.ReplicaReassignment):
    if plan.executed:
        title = f"{plan.operation} {plan.topic or ''}".strip()
    else:
        title = f"{plan.operation} {plan.topic or ''}".strip() + ": plan (nothing changed; --yes/--execute does it)"
    table = new_table("PARTITION", "CURRENT", "TARGET", "STATUS", "DETAIL", title=title)
    styles = {"failed": "red", "started": "green", "cancelled": "yellow", "planned": "cyan"}
    for m in plan.moves:
        table.add_row(f"{m.topic}:{m.partition}", _ids(m.current), _ids(m.target), Styled(m.status, styles.get(m.status, "")),
                      m.error or "")
    blocks = [table]
    if plan.throttle_bytes is not None:
        blocks.append(f"throttle: {plan.throttle_bytes} bytes/s on the brokers involved (remove it when done)")
    return blocks


@table_for("Reassignment")
def reassignments_table(rows):
    table = new_table("PARTITION", "REPLICAS", "ADDING", "REMOVING")
    for r in rows:
        table.add_row(f"{r.topic}:{r.partition}", _ids(r.replicas), _ids(r.adding), _ids(r.removing))
    return [table] if rows else [table, "no reassignment in progress"]


@table_for("LogDirInfo")
def log_dirs_table(dirs):
    blocks = []
    for d in dirs:
        free = f", {d.usable_bytes} of {d.total_bytes} bytes free" if d.total_bytes else ""
        head = f"broker {d.broker} {d.log_dir}: {d.size_bytes} bytes{free}" + (f" (offline: {d.error})" if d.error else "")
        table = new_table("PARTITION", "SIZE", "FUTURE", title=head)
        for r in sorted(d.replicas, key=lambda r: (r.topic, r.partition)):
            table.add_row(f"{r.topic}:{r.partition}", str(r.size_bytes), "yes" if r.is_future else "")
        blocks.append(table)
    return blocks or ["no log dirs"]


def _acl_table(acls, title=None):
    table = new_table("PRINCIPAL", "HOST", "OPERATION", "PERMISSION", "RESOURCE", "NAME", "PATTERN", title=title)
    for a in acls:
        table.add_row(a.principal, a.host, a.operation, Styled(a.permission, "green" if a.permission == "allow" else "red"),
                      a.resource_type, a.resource_name, a.pattern_type)
    return table


@table_for("AclEntry")
def acl_list_table(acls):
    return [_acl_table(acls), f"{len(acls)} ACL(s)"]


@table_for("AclChange")
def acl_change_table(change: models.AclChange):
    verb = {"create": "created", "delete": "deleted"}[change.operation]
    if change.dry_run:
        verb = f"would be {verb} (dry run)"
    blocks = [_acl_table(change.acls, title=f"ACLs {verb}: {len(change.acls)}")]
    if change.error:
        blocks.append(Styled(f"failed: {change.error}", "red"))
    return blocks


@table_for("ScramUser")
def users_table(users):
    table = new_table("USER", "MECHANISMS")
    for u in users:
        table.add_row(u.user, ", ".join(f"{c.mechanism} ({c.iterations} iterations)" for c in u.credentials))
    return table


@table_for("QuotaEntry")
def quota_table(entries):
    from kctl.models.quotas import entity_text

    table = new_table("ENTITY", "QUOTA", "VALUE")
    for entry in entries if isinstance(entries, list) else [entries]:
        if not entry.values:
            table.add_row(entity_text(entry.entity), "-", "-")
        for key, value in entry.values.items():
            table.add_row(entity_text(entry.entity), key, f"{value:g}")
    return table


@table_for("QuotaResolution")
def quota_resolution_table(resolution: models.QuotaResolution):
    from kctl.models.quotas import entity_text

    table = new_table("QUOTA", "VALUE", "FROM")
    for applied in resolution.applied:
        table.add_row(applied.key, "-" if applied.value is None else f"{applied.value:g}",
                      "no quota applies" if applied.entity is None else entity_text(applied.entity))
    return table


@table_for("StateDiff")
def state_diff_table(result: models.StateDiff):
    if result.equal:
        return [Styled(f"no differences between {result.left} and {result.right}", "green")]
    table = new_table("KIND", "NAME", "FIELD", "CHANGE", "LEFT", "RIGHT", title=f"{result.left}  vs  {result.right}")
    for d in result.differences:
        table.add_row(d.kind, d.name, d.field or "-", d.change, _opt(d.left), _opt(d.right))
    return table


@table_for("StatePlan")
def state_plan_table(plan: models.StatePlan):
    if plan.empty:
        return [Styled(f"no changes: {plan.target} matches the document", "green")]
    counts = ", ".join(f"{n} {action}" for action, n in plan.counts.items())
    columns = ("STEP", "KIND", "NAME", "ACTION", "DETAIL") + (("STATUS",) if plan.applied else ()) + ("ERROR",)
    table = new_table(*columns, title=f"{plan.target}: {counts}")
    for c in plan.changes:
        row = [str(c.step), c.kind, c.name, c.action, c.detail] + ([c.status] if plan.applied else []) + [c.error or ""]
        table.add_row(*row)
    return table


@table_for("FeatureLevel")
def feature_table(features):
    table = new_table("FEATURE", "FINALIZED", "SUPPORTED", "NOTE")
    for f in features:
        note = f"can go up to {f.max_supported}" if f.upgradable else ""
        table.add_row(f.name, "-" if f.finalized is None else str(f.finalized), f"{f.min_supported}-{f.max_supported}", note)
    return table


def _parameters_table(params):
    # A workflow's parameters as `workflow run --dry-run` shows them: one row a field, lists and
    # messages as the JSON the workflow receives (the same values -o json prints).
    import json

    from kctl.render import to_jsonable

    table = new_table("PARAMETER", "VALUE", title=f"{type(params).__name__} (nothing started: --dry-run)")
    for name, value in to_jsonable(params).items():
        table.add_row(name, value if isinstance(value, str) else json.dumps(value))
    return table


for _name in ("ProducerParams", "ConsumerParams", "TopicParams", "E2EParams"):
    table_for(_name)(_parameters_table)


@table_for("ClientMetricsSubscription")
def client_metrics_table(subscriptions):
    table = new_table("NAME", "METRICS", "INTERVAL", "MATCH", give_way=("MATCH", "METRICS"))
    for s in subscriptions:
        interval = f"{s.interval_ms} ms" if s.interval_ms is not None else "default"
        table.add_row(s.name, ",".join(s.metrics) or "-", interval, ",".join(s.match) or "every client")
    return table
