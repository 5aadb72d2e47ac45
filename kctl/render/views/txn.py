"""Views of kctl.models.txn: transactions, producers, hanging transactions, abort."""

from __future__ import annotations

from kctl.render.blocks import duration_ms, time_ms
from kctl.render.view import Column, Lines, Section, View, as_list
from kctl.render.views.common import ids

TransactionSummary = View((
    Section("transactions", (
        Column("TRANSACTIONAL-ID", "transactional_id"),
        Column("PRODUCER-ID", "producer_id"),
        Column("EPOCH", "producer_epoch"),
        Column("STATE", "state"),
        Column("COORDINATOR", "coordinator"),
    )),
))

TransactionDetail = View((
    Section("transactions", (
        Column("TRANSACTIONAL-ID", "transactional_id"),
        Column("STATE", "state"),
        Column("PRODUCER-ID", "producer_id"),
        Column("EPOCH", "producer_epoch"),
        Column("TIMEOUT-MS", "timeout_ms"),
        Column("STARTED", lambda t: time_ms(t.start_time_ms)),
        Column("DURATION", lambda t: duration_ms(t.duration_ms)),
        Column("COORDINATOR", "coordinator"),
        Column("PARTITIONS", lambda t: " ".join(f"{topic}:{ids(ps)}" for topic, ps in t.partitions.items()) or "-"),
    )),
))


def _producer_rows(partitions):
    """(partition, producer): a row per active producer; a partition that failed or has none: one row without."""
    return [row for r in as_list(partitions)
            for row in ([(r, None)] if not r.ok or not r.producers else []) + [(r, p) for p in r.producers]]


def _producer(name: str, show=str):
    """A producer's field; '-' for a partition without producers, '' beside an error."""
    return lambda row: show(getattr(row[1], name)) if row[1] is not None else ("-" if row[0].ok else "")


def _producer_id(row) -> str:
    if row[1] is not None:
        return str(row[1].producer_id)
    return "-" if row[0].ok else (row[0].error or "failed")


PartitionProducers = View((
    Section("producers", (
        Column("TOPIC", lambda r: r[0].topic),
        Column("PARTITION", lambda r: r[0].partition),
        Column("BROKER", lambda r: r[0].broker),
        Column("PRODUCER-ID", _producer_id, style=lambda r: "red" if r[1] is None and not r[0].ok else None),
        Column("EPOCH", _producer("producer_epoch")),
        Column("LAST-SEQUENCE", _producer("last_sequence")),
        Column("LAST-TIMESTAMP", _producer("last_timestamp_ms", time_ms)),
        Column("COORDINATOR-EPOCH", _producer("coordinator_epoch")),
        Column("TXN-START-OFFSET", _producer("current_txn_start_offset", lambda v: "-" if v is None else str(v))),
    ), rows=_producer_rows),
))


def _hanging_heading(report) -> str:
    return (f"{len(report.hanging)} hanging transaction(s): {report.partitions_checked} partition(s) read, "
            f"{report.open_transactions} open transaction(s), {report.candidates} idle for more than "
            f"{duration_ms(report.max_age_ms)}"
            + (f", {len(report.errors)} partition(s) unreadable" if report.errors else ""))


HangingReport = View((
    Lines(_hanging_heading),
    Section("hanging", (
        Column("TOPIC", "topic"),
        Column("PARTITION", "partition"),
        Column("PRODUCER-ID", "producer_id"),
        Column("EPOCH", "producer_epoch"),
        Column("COORDINATOR-EPOCH", "coordinator_epoch"),
        Column("START-OFFSET", "start_offset"),
        Column("LAST-TIMESTAMP", lambda h: time_ms(h.last_timestamp_ms)),
        Column("IDLE", lambda h: duration_ms(h.duration_ms)),
        Column("TRANSACTIONAL-ID", "transactional_id"),
        Column("REASON", "reason"),
    ), rows=lambda r: r.hanging, when=lambda r: bool(r.hanging)),
    Section("errors", (Column("PARTITION", "name"), Column("ERROR", lambda e: e.error or "", style="red")),
            rows=lambda r: r.errors, when=lambda r: bool(r.errors)),
))

TransactionAbort = View((
    Section("abort", (
        Column("TOPIC", "topic"),
        Column("PARTITION", "partition"),
        Column("PRODUCER-ID", "producer_id"),
        Column("EPOCH", "producer_epoch"),
        Column("COORDINATOR-EPOCH", "coordinator_epoch"),
        Column("START-OFFSET", "start_offset"),
        Column("STATUS", lambda r: "aborted" if r.aborted else "open (not aborted)",
               style=lambda r: "green" if r.aborted else None),
    )),
))
