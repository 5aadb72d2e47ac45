"""`kctl produce`: read records, produce them, account for every one.

Nothing is lost silently: `sent` counts only messages the broker acknowledged (or, with a
transaction, committed). The hot path (line or delimiter input, no per-message options) hands
whole batches of lines to the client; delivery reports come back for errors only and the
acknowledged count is produced - failed after a complete flush. Options that need to know each
message's fate (--report, --failed-file, --sync) attach the input line number to every message
instead, which costs about half the throughput.

    request.py     ProduceRequest and its checks
    records.py     lines, whole files and JSON envelopes -> records
    loop.py        the produce loop
    deliveries.py  delivery accounting, reports and the failed file
"""

from __future__ import annotations

import time

from kctl import log, partitioners, serde
from kctl.client.producer import ProducerClient
from kctl.client.transaction import TransactionClient
from kctl.deadline import Deadline
from kctl.errors import ExitCode, KctlError, TransactionFatal, UsageError
from kctl.inputs import InputError
from kctl.models import KeyPartition, ProduceSummary
from kctl.services.produce.deliveries import Deliveries, describe
from kctl.services.produce.loop import ProduceLoop, Stop
from kctl.services.produce.records import BadRecord, RecordEncoder
from kctl.services.produce.request import (
    FORMATS,
    ProduceError,
    ProduceInterrupted,
    ProduceRequest,
    check_request,
    text_argument,
)

# What an abort may take after the deadline or a signal ran out (kctl is gone within 2 s of a Ctrl-C).
ABORT_GRACE_S = 1.5
NOT_ABORTED = ("nothing was committed (the abort did not finish in time: the coordinator aborts the "
               "transaction after transaction.timeout.ms)")

__all__ = ["FORMATS", "ProduceError", "ProduceInterrupted", "ProduceRequest", "partition_for", "produce"]


def produce(conf: dict, timeout: float, req: ProduceRequest, **options) -> ProduceSummary:
    """Produce the request's input to its topic; raises ProduceError (with .summary) unless
    every message was acknowledged. options: ProducerClient's (acks, idempotence, compression,
    linger_ms, batch_size, retry_backoff_ms, retry_backoff_max_ms, delivery_timeout_ms)."""
    check_request(req)
    key_ser, value_ser = _schema_serializers(req)
    try:
        encoder = RecordEncoder(key_ser or req.key_serializer, value_ser or req.value_serializer_name, key=req.key,
                                key_separator=req.key_separator, null_marker=req.null_marker,
                                headers=req.headers, partition=req.partition, key_field=req.key_field)
    except BadRecord as exc:
        raise UsageError(exc.reason) from None
    deliveries = Deliveries(req.topic, req.report, req.failed_file)
    kwargs = dict(partitioner=req.partitioner, delivery_reports="all" if req.report else "errors",
                  on_delivery_error=deliveries.on_failure, **options)
    txn = TransactionClient(req.transactional_id, conf, **kwargs) if req.transactional_id else None
    client = txn.producer if txn else ProducerClient(conf, **kwargs)
    client.stall_timeout = timeout  # a full queue that does not drain for --timeout stops the loop
    with log.timed("produce", topic=req.topic):
        partitions = encoder.partitions = client.partitions_for(req.topic, timeout)
        if req.partition is not None and not 0 <= req.partition < partitions:
            raise UsageError(f"partition {req.partition} does not exist: {req.topic} has partitions 0-{partitions - 1}")
        if txn:
            txn.init(timeout)
            txn.begin()
        loop = ProduceLoop(req, client, encoder, deliveries)
        try:
            return _run(loop, client, txn, timeout)
        except KeyboardInterrupt:
            raise _interrupted(loop, client, txn, timeout) from None


def _schema_serializers(req: ProduceRequest):
    """The key's and value's Schema Registry serializers (None: a plain serializer); the schema is
    resolved (and a new one registered) here, before anything is sent."""
    if req.key_format is None and req.value_format is None:
        return None, None
    from kctl.client.schema_registry import SchemaSerializer, connect  # not on produce's path

    client = connect(req.schema_registry)
    out = []
    for field in ("key", "value"):
        fmt = getattr(req, f"{field}_format")
        out.append(None if fmt is None else SchemaSerializer(
            fmt, req.schema_registry, req.topic, field, schema_file=getattr(req, f"{field}_schema"),
            subject=getattr(req, f"{field}_subject"), schema_id=getattr(req, f"{field}_schema_id"),
            strategy=req.subject_strategy, client=client, message=getattr(req, f"{field}_message")))
    return out[0], out[1]


def _run(loop: ProduceLoop, client, txn, timeout: float) -> ProduceSummary:
    req = loop.req
    stop: Stop | None = None
    try:
        loop.run()
    except Stop as exc:
        stop = exc
    except InputError as exc:
        stop = Stop("input", str(exc))
    if txn is not None:
        if stop is None:
            _deliver(client, loop, timeout)
        # Commit, or flush and abort, within one --timeout (+ ABORT_GRACE_S to abort after a commit
        # that ran out of time): librdkafka's commit waits for every delivery, which a record the
        # broker rejects holds up until delivery.timeout.ms.
        deadline = Deadline.after(timeout)
        if stop is None and not loop.deliveries.failures.count:
            try:
                txn.commit(deadline)
            except KctlError as exc:
                aborted = isinstance(exc, TransactionFatal) or _abort(txn, _abort_deadline(deadline))
                raise ProduceError(f"transaction aborted: {exc.message}" if aborted else
                                   f"{exc.message}; {NOT_ABORTED}", hint=exc.hint,
                                   summary=_summary(loop, committed=False),
                                   exit_code=ExitCode.TXN_ABORTED if aborted else exc.exit_code) from None
            loop.deliveries.write_failed_file()
            return _summary(loop, committed=True)
        client.flush(deadline)  # the failures of records already handed over, for the summary
        aborted = _abort(txn, _abort_deadline(deadline))
        failures = loop.deliveries.failures
        why = f"{stop.where}: {stop.reason}" if stop else f"{failures.count} messages failed ({failures.first_text})"
        loop.deliveries.write_failed_file()
        raise ProduceError(f"{why}; transaction aborted, nothing was committed" if aborted else f"{why}; {NOT_ABORTED}",
                           summary=_summary(loop, committed=False), exit_code=ExitCode.TXN_ABORTED)
    # after a stall (--timeout without an acknowledgement already passed) only a last look
    undelivered = _flush(client, loop, min(timeout, 1.0) if stop is not None and stop.stalled else timeout)
    summary = _summary(loop)
    loop.deliveries.write_failed_file()
    if undelivered:
        where = f"; written to {req.failed_file}" if req.failed_file and loop.deliveries.kept else ""
        stopped = f"{stop.where}: {stop.reason}; of the messages before it " if stop is not None else ""
        raise ProduceError(f"{stopped}{summary.failed} of {loop.produced} messages were not delivered ({undelivered} "
                           f"got no acknowledgement for {timeout:g}s, --timeout){where}",
                           hint=f"{summary.sent} were acknowledged; is the cluster answering? (kctl cluster health)",
                           summary=summary, exit_code=ExitCode.PARTIAL)
    if stop is not None:
        advice = "" if stop.where == "input" else "; fix it or use --on-error skip"
        raise ProduceError(f"{stop.where}: {stop.reason}", hint=f"stopped there: {_delivered_text(loop, summary)}{advice}",
                           summary=summary, exit_code=ExitCode.PARTIAL)
    if summary.failed:
        hint = None if loop.tracking else "use --failed-file FILE to keep them (with line numbers) for a replay"
        where = f"; written to {req.failed_file}" if req.failed_file and loop.deliveries.kept else ""
        raise ProduceError(f"{summary.failed} of {loop.produced} messages were not delivered "
                           f"(first error: {loop.deliveries.failures.first_text}){where}", hint=hint, summary=summary,
                           exit_code=ExitCode.PARTIAL)
    return summary


def _deliver(client, loop: ProduceLoop, timeout: float, until_failure: bool = True) -> int:
    """Wait for the deliveries while they make progress (a large input may take longer than
    --timeout to deliver), until --timeout passes without progress (a broker stopped or gone) or,
    until_failure (before a commit), the first failed one (the transaction must abort then; a
    record the broker rejects holds the rest of its partition back until delivery.timeout.ms).
    Returns how many are still pending."""
    pending = client.pending()
    stalled = Deadline.after(timeout)
    while pending and not (until_failure and loop.deliveries.failures.count) and not stalled.expired:
        left = client.flush(stalled.sooner(0.5))
        if left < pending:
            stalled = Deadline.after(timeout)
        pending = left
    return pending


def _flush(client, loop: ProduceLoop, timeout: float) -> int:
    """Wait for every delivery report while they make progress, bounded by --timeout without any;
    what is still pending then is purged (librdkafka reports it as failed: counted, and kept in
    --failed-file) and its count returned."""
    pending = _deliver(client, loop, timeout, until_failure=False)
    if pending:
        client.purge()
        client.flush(1.0)
    return pending


def _summary(loop: ProduceLoop, not_sent: int = 0, committed: bool | None = None) -> ProduceSummary:
    failed = loop.deliveries.failures.count
    sent = max(0, loop.produced - failed - not_sent)
    if committed is False:
        sent, not_sent = 0, loop.produced - failed
    return ProduceSummary(
        topic=loop.req.topic, sent=sent, failed=failed, skipped=loop.skipped, not_sent=not_sent,
        bytes=loop.bytes, seconds=round(time.monotonic() - loop.started, 3),
        transactional=bool(loop.req.transactional_id),
    )


def _delivered_text(loop: ProduceLoop, summary: ProduceSummary) -> str:
    if summary.failed:
        return f"of the messages before it {summary.sent} were delivered and {summary.failed} failed"
    if summary.sent:
        upto = f", through {describe(*loop.last_pos, loop.several)}" if loop.last_pos else ""
        return f"the {summary.sent} messages before it were delivered{upto}"
    return "nothing was sent before it"


def _interrupted(loop: ProduceLoop, client, txn, timeout: float) -> ProduceInterrupted:
    """Ctrl-C/SIGTERM: abort the transaction (kctl is gone within 2 s of the signal), or deliver
    what was already handed to librdkafka."""
    not_sent = 0
    try:
        if txn is not None:
            aborted = _abort(txn, Deadline.after(ABORT_GRACE_S))
            return ProduceInterrupted("interrupted: transaction aborted, nothing was committed" if aborted else
                                      f"interrupted: {NOT_ABORTED}", summary=_summary(loop, committed=False))
        client.flush(Deadline.after(ABORT_GRACE_S))  # what is in flight, within the 2 s a signal allows
        not_sent = client.pending()
    except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
        not_sent = client.pending()
    if not_sent:
        # Purged messages come back as failed deliveries: count them as not sent instead.
        failed_before = loop.deliveries.failures.count
        client.purge()
        client.flush(1.0)
        loop.deliveries.failures.count = failed_before
    summary = _summary(loop, not_sent=not_sent)
    loop.deliveries.write_failed_file()
    return ProduceInterrupted(f"interrupted after {summary.sent} acknowledged messages", summary=summary)


def _abort_deadline(deadline: Deadline) -> Deadline:
    """What is left of the command's deadline, but at least ABORT_GRACE_S."""
    return Deadline(max(deadline.at, time.monotonic() + ABORT_GRACE_S))


def _abort(txn, deadline: Deadline) -> bool:
    """Abort within the deadline; False when it did not finish (the transaction is dead either way:
    nothing was committed, and the coordinator aborts it after transaction.timeout.ms)."""
    try:
        txn.abort(deadline)
        return True
    except KctlError as exc:
        log.event("txn_abort_failed", error=exc.message)
        return False


# ---- kctl topics partition-for ------------------------------------------------------------------


def partition_for(conf: dict, timeout: float, topic: str, keys: list[str], partitioner: str = "murmur2",
                  key_serializer: str = "string") -> list[KeyPartition]:
    """Where each key lands in topic, computed as the producers compute it."""
    if partitioner not in ("murmur2", "consistent"):
        raise UsageError(f"{partitioner} does not place records by key", hint="use murmur2 (default) or consistent")
    text_argument(topic, "the topic name")
    try:
        ser = serde.serializer(key_serializer)
    except serde.SerdeError as exc:
        raise UsageError(f"--key-serializer: {exc}") from None
    encoded = []
    for key in keys:
        try:
            encoded.append(ser.serialize(text_argument(key, "a key").encode("utf-8")))
        except serde.SerdeError as exc:
            raise UsageError(f"key {key!r}: {exc}") from None
    with ProducerClient(conf) as client:
        partitions = client.partitions_for(topic, timeout)
    placement = partitioners.partitioner(partitioner)
    return [KeyPartition(topic=topic, key=key, partition=placement.partition(data, None, partitions),
                         partitions=partitions, partitioner=partitioner) for key, data in zip(keys, encoded)]
