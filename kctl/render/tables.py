"""Table builders, one per model type. Each returns a list of blocks (kctl.render.blocks:
tables, headings, styled lines); none prints and none imports rich."""

from __future__ import annotations

from typing import Callable

from kctl import models
from kctl.render.blocks import Block, Styled, Table, duration_ms, new_table, time_ms  # noqa: F401 - Table for annotations

_BUILDERS: dict[str, Callable] = {}


def table_for(model_name: str):
    """Register a table builder for the model class of that name (by name, so that importing
    this module does not import every model module)."""

    def register(fn):
        _BUILDERS[model_name] = fn
        return fn

    return register


def build_table(data, kind: type | None = None) -> list[Block]:
    is_sequence = isinstance(data, (list, tuple))
    item_type = kind or (type(data[0]) if is_sequence and data else type(data))
    builder = _BUILDERS.get(item_type.__name__)
    if builder is None:
        raise TypeError(f"no table builder for {item_type.__name__}")
    built = builder(list(data) if is_sequence else data)
    return built if isinstance(built, list) else [built]


def _status(ok: bool) -> Styled:
    return Styled("ok", "green") if ok else Styled("failed", "red")


def _ids(values) -> str:
    return ",".join(str(v) for v in values)


def _opt(value) -> str:
    return "-" if value is None else str(value)


@table_for("OperationResult")
def operation_table(result: models.OperationResult):
    title = f"{result.operation} (dry run)" if result.dry_run else None
    table = new_table("NAME", "STATUS", "DETAIL", title=title)
    for item in result.items:
        table.add_row(item.name, _status(item.ok), item.detail if item.ok else (item.error or ""))
    return table


@table_for("VersionInfo")
def version_table(info: models.VersionInfo):
    table = new_table("COMPONENT", "VERSION")
    table.add_row(f"kctl ({info.distribution})", info.kctl)
    table.add_row("python", info.python)
    table.add_row(info.client, info.client_version)
    table.add_row("librdkafka", info.librdkafka)
    table.add_row("kafka (kctl local up default)", info.local_kafka_default)
    return table


@table_for("ClusterInfo")
def cluster_table(info: models.ClusterInfo):
    table = new_table("BROKER", "HOST", "PORT", "CONTROLLER", title=f"cluster {info.cluster_id or '?'}")
    for broker in info.brokers:
        table.add_row(str(broker.id), broker.host, str(broker.port), "yes" if broker.is_controller else "")
    return table


@table_for("TopicSummary")
def topic_list_table(topics: list[models.TopicSummary]):
    table = new_table("TOPIC", "PARTITIONS", "REPLICATION", give_way=("TOPIC",))
    for topic in topics:
        name = f"{topic.name} (internal)" if topic.internal else topic.name
        table.add_row(name, str(topic.partitions), str(topic.replication_factor))
    return table


@table_for("TopicDetail")
def topic_detail_table(topics):
    parts = []
    for topic in topics if isinstance(topics, list) else [topics]:
        size = f", {topic.size_bytes} bytes" if topic.size_bytes is not None else ""
        title = (
            f"{topic.name}: {len(topic.partitions)} partitions, replication {topic.replication_factor}, "
            f"{_opt(topic.messages)} messages{size}"
        )
        parts.append(title)
        table = new_table("PARTITION", "LEADER", "REPLICAS", "ISR", "LOW", "HIGH", "MESSAGES", "SIZE")
        for p in topic.partitions:
            table.add_row(
                str(p.partition), _opt(p.leader), _ids(p.replicas), _ids(p.isr),
                _opt(p.low_watermark), _opt(p.high_watermark), _opt(p.messages), _opt(p.size_bytes),
            )
        parts.append(table)
        if topic.configs:
            configs = new_table("CONFIG", "VALUE", "SOURCE")
            for key, value in sorted(topic.configs.items()):
                configs.add_row(key, value, topic.config_sources.get(key, ""))
            parts.append(configs)
        elif topic.configs_note:
            parts.append(Styled(f"configs: {topic.configs_note}", "yellow"))
    return parts


@table_for("LocalInstance")
def local_instances_table(instances):
    table = new_table("INSTANCE", "STATUS", "KAFKA", "BOOTSTRAP", "BROKERS", "PIDS", "PORTS", "TEMPORAL", "SCHEMA REGISTRY", "CONNECT")
    for inst in instances if isinstance(instances, list) else [instances]:
        table.add_row(
            str(inst.instance), _local_state(inst), inst.kafka_version or "-", inst.bootstrap, str(len(inst.brokers)),
            _ids(b.pid for b in inst.brokers if b.pid) or "-",
            _ids(f"{b.port}/{b.controller_port}" for b in inst.brokers), _local_temporal(inst.temporal),
            _local_schema_registry(inst.schema_registry), _local_connect(inst.connect),
        )
    return table


def _local_state(inst) -> Styled | str:
    if inst.state == "up":
        return Styled("up", "green")
    if inst.state == "degraded":
        down = inst.down_brokers
        return Styled(f"degraded (broker{'s' if len(down) > 1 else ''} {_ids(down)} down)", "yellow")
    return "down"


def _local_temporal(t) -> str:
    """-: never started here; else up/down, pid, frontend/UI ports."""
    if t is None:
        return "-"
    state = f"up pid {t.pid}" if t.running else "down"
    return f"{state} {t.frontend_port}/{t.ui_port}"


def _local_schema_registry(r) -> str:
    """-: never started here; else up/down, pid, HTTP/management ports."""
    if r is None:
        return "-"
    state = f"up pid {r.pid}" if r.running else "down"
    return f"{state} {r.port}/{r.management_port}"


def _local_connect(c) -> str:
    """-: never started here; else up/down, pid, REST port."""
    if c is None:
        return "-"
    state = f"up pid {c.pid}" if c.running else "down"
    return f"{state} {c.rest_port}"


@table_for("ConfigView")
def config_view_table(view: models.ConfigView):
    target = new_table("SETTING", "VALUE", title="effective target")
    target.add_row("bootstrap", view.bootstrap)
    target.add_row("from", view.bootstrap_source)
    target.add_row("instance", _opt(view.instance))
    target.add_row("registry", _opt(view.registry))
    target.add_row("context", _opt(view.context))
    target.add_row("config file", view.config_file)
    props = new_table("PROPERTY", "VALUE", "FROM", title="client properties (secrets redacted)")
    for key, value in view.properties.items():
        props.add_row(key, str(value), view.property_sources.get(key, ""))
    parts = [target, props]
    for problem in view.problems:
        parts.append(Styled(f"warning: {problem}", "yellow"))
    return parts


@table_for("ContextInfo")
def contexts_table(contexts: list[models.ContextInfo]):
    table = new_table("CURRENT", "NAME", "TARGET", "SECURITY", "USER")
    for c in contexts:
        target = c.bootstrap or (f"instance {c.instance}" if c.instance is not None else "-")
        security = " ".join(v for v in (c.properties.get("security.protocol"), c.properties.get("sasl.mechanism")) if v)
        table.add_row(
            "*" if c.current else "", c.name, target, security or "-",
            str(c.properties.get("sasl.username") or c.properties.get("sasl.oauthbearer.client.id") or "-"),
        )
    return table


@table_for("AuthTest")
def auth_test_table(result: models.AuthTest):
    table = new_table("STEP", "RESULT", "DETAIL")
    for step in result.steps:
        table.add_row(step.step, "ok" if step.ok else "FAILED", step.detail)
    if result.principal:
        table.add_row("principal", "-", f"{result.principal} ({result.principal_source})")
    return table


@table_for("E2EReport")
def e2e_report_table(report: models.E2EReport):
    from kctl.render.checklist import report_blocks

    return report_blocks(report)


@table_for("E2ESummary")
def e2e_summary_table(summary: models.E2ESummary):
    from kctl.render.checklist import summary_blocks

    return summary_blocks(summary)


@table_for("KeyPartition")
def key_partition_table(rows):
    table = new_table("KEY", "PARTITION")
    for row in rows if isinstance(rows, list) else [rows]:
        table.add_row(row.key, str(row.partition))
    return table


@table_for("SearchCount")
def search_count_table(rows):
    table = new_table("TOPIC", "PARTITION", "START", "END", "READ", "MATCHED")
    for row in rows if isinstance(rows, list) else [rows]:
        table.add_row(row.topic, str(row.partition), str(row.start_offset), str(row.end_offset), f"{row.scanned:,}",
                      f"{row.matched:,}")
    return table


# ---------------------------------------------------------------------------------------- consumer groups


@table_for("GroupSummary")
def group_list_table(groups):
    from kctl.render.groups import group_list_blocks

    return group_list_blocks(groups if isinstance(groups, list) else [groups])


@table_for("GroupDetail")
def group_detail_table(groups):
    from kctl.render.groups import group_detail_blocks

    return group_detail_blocks(groups if isinstance(groups, list) else [groups])


@table_for("OffsetResetResult")
def offset_reset_table(result: models.OffsetResetResult):
    from kctl.render.groups import offset_reset_blocks

    return offset_reset_blocks(result)


@table_for("GroupSnapshot")
def group_snapshot_table(snapshots):
    from kctl.render.groups import snapshot_blocks

    return snapshot_blocks(snapshots if isinstance(snapshots, list) else [snapshots])


@table_for("LagReport")
def lag_report_table(report):
    from kctl.render.groups import lag_report_blocks

    return lag_report_blocks(report)


# ---------------------------------------------------------------------------------------- transactions


_time_ms = time_ms
_duration_ms = duration_ms


@table_for("TransactionSummary")
def txn_list_table(rows):
    table = new_table("TRANSACTIONAL-ID", "PRODUCER-ID", "EPOCH", "STATE", "COORDINATOR")
    for t in rows if isinstance(rows, list) else [rows]:
        table.add_row(t.transactional_id, str(t.producer_id), _opt(t.producer_epoch), t.state, str(t.coordinator))
    return table


@table_for("TransactionDetail")
def txn_detail_table(rows):
    table = new_table("TRANSACTIONAL-ID", "STATE", "PRODUCER-ID", "EPOCH", "TIMEOUT-MS", "STARTED", "DURATION",
                      "COORDINATOR", "PARTITIONS")
    for t in rows if isinstance(rows, list) else [rows]:
        parts = " ".join(f"{topic}:{_ids(ps)}" for topic, ps in t.partitions.items()) or "-"
        table.add_row(t.transactional_id, t.state, str(t.producer_id), str(t.producer_epoch), str(t.timeout_ms),
                      _time_ms(t.start_time_ms), _duration_ms(t.duration_ms), str(t.coordinator), parts)
    return table


@table_for("PartitionProducers")
def partition_producers_table(rows):
    """One row per active producer; a partition without any shows as one row of dashes (or its error)."""
    table = new_table("TOPIC", "PARTITION", "BROKER", "PRODUCER-ID", "EPOCH", "LAST-SEQUENCE", "LAST-TIMESTAMP",
                      "COORDINATOR-EPOCH", "TXN-START-OFFSET")
    for r in rows if isinstance(rows, list) else [rows]:
        head = (r.topic, str(r.partition), _opt(r.broker))
        if not r.ok:
            table.add_row(*head, Styled(r.error or "failed", "red"), "", "", "", "", "")
        elif not r.producers:
            table.add_row(*head, "-", "-", "-", "-", "-", "-")
        for p in r.producers:
            table.add_row(*head, str(p.producer_id), str(p.producer_epoch), str(p.last_sequence),
                          _time_ms(p.last_timestamp_ms), str(p.coordinator_epoch), _opt(p.current_txn_start_offset))
    return table


@table_for("HangingReport")
def hanging_report_table(report: models.HangingReport):
    heading = (
        f"{len(report.hanging)} hanging transaction(s): {report.partitions_checked} partition(s) read, "
        f"{report.open_transactions} open transaction(s), {report.candidates} idle for more than "
        f"{_duration_ms(report.max_age_ms)}" + (f", {len(report.errors)} partition(s) unreadable" if report.errors else "")
    )
    parts = [heading]
    if report.hanging:
        table = new_table("TOPIC", "PARTITION", "PRODUCER-ID", "EPOCH", "COORDINATOR-EPOCH", "START-OFFSET",
                          "LAST-TIMESTAMP", "IDLE", "TRANSACTIONAL-ID", "REASON")
        for h in report.hanging:
            table.add_row(h.topic, str(h.partition), str(h.producer_id), str(h.producer_epoch),
                          str(h.coordinator_epoch), str(h.start_offset), _time_ms(h.last_timestamp_ms),
                          _duration_ms(h.duration_ms), _opt(h.transactional_id), h.reason)
        parts.append(table)
    if report.errors:
        errors = new_table("PARTITION", "ERROR")
        for e in report.errors:
            errors.add_row(e.name, Styled(e.error or "", "red"))
        parts.append(errors)
    return parts


@table_for("TransactionAbort")
def txn_abort_table(result: models.TransactionAbort):
    table = new_table("TOPIC", "PARTITION", "PRODUCER-ID", "EPOCH", "COORDINATOR-EPOCH", "START-OFFSET", "STATUS")
    table.add_row(result.topic, str(result.partition), str(result.producer_id), str(result.producer_epoch),
                  str(result.coordinator_epoch), _opt(result.start_offset),
                  Styled("aborted", "green") if result.aborted else "open (not aborted)")
    return table


@table_for("ProducerResult")
def producer_result_table(result: models.ProducerResult):
    table = new_table("TOPIC", "PARTITION", "OFFSET", "KEY")
    for r in result.records:
        table.add_row(r.topic, str(r.partition), str(r.offset), _opt(r.key))
    note = f"{len(result.records)} sent, flushed: {'yes' if result.flushed else 'no'}"
    if result.transactional_id:
        note += f", committed in transaction {result.transactional_id}"
    if result.attempts > 1:
        note += f" (on {result.attempts} workers)"
    return [table, note]


@table_for("ConsumerResult")
def consumer_result_table(result: models.ConsumerResult):
    table = new_table("TOPIC", "PARTITION", "OFFSET", "KEY", "VALUE")
    for r in result.records:
        table.add_row(r.topic, str(r.partition), str(r.offset), _opt(r.key), _opt(r.value))
    committed = new_table("TOPIC", "PARTITION", "COMMITTED", title="committed offsets")
    for o in result.committed:
        committed.add_row(o.topic, str(o.partition), str(o.offset))
    return [table, f"{len(result.records)} records", committed]


@table_for("TopicResult")
def topic_result_table(result: models.TopicResult):
    import json

    return [f"{result.operation}: {'ok' if result.ok else 'failed'}",
            *json.dumps(result.result, indent=2, sort_keys=False).splitlines()]


from kctl.render.schema_tables import BUILDERS as _SCHEMA_BUILDERS  # noqa: E402 - the `kctl schemas` tables

from kctl.render.connect_tables import BUILDERS as _CONNECT_BUILDERS  # noqa: E402 - the `kctl connect` tables

_BUILDERS.update(_SCHEMA_BUILDERS)
_BUILDERS.update(_CONNECT_BUILDERS)
