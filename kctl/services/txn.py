"""Transactions, as kafka-transactions.sh sees them: list and describe transactional ids, the
active producers of partitions, hanging transactions, and administrative aborts.

A transaction lives in two places: its coordinator (a broker owning a slice of
__transaction_state) knows the transactional id, its producer id/epoch, state and partitions;
each partition leader knows which producers have an open transaction there and at which
offset it starts. A transaction is *hanging* when a partition still has it open but the
coordinator no longer does (a lost marker, a coordinator bug, a producer that was fenced
half-way): nothing will ever close it, and the partition's last stable offset, so every
read_committed consumer of it, stays behind its start offset until an admin aborts it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

from kctl import log
from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable, KctlError, NotFoundError, PartialFailure, UsageError, failure_of
from kctl.models import (
    ActiveProducer,
    HangingReport,
    HangingTransaction,
    ItemResult,
    PartitionProducers,
    TransactionAbort,
    TransactionDescribeResult,
    TransactionDetail,
    TransactionSummary,
)
from kctl.models.admin import TopicInfo, TransactionDescription
from kctl.models.choices import TXN_STATES as STATES
from kctl.parsing import parse_choice, parse_regex

# Coordinator states in which the transaction is still open at the partitions it touched.
_OPEN = ("Ongoing", "PrepareCommit", "PrepareAbort", "PrepareEpochFence")
# kafka-transactions.sh's default: transaction.max.timeout.ms. A transaction older than the
# longest timeout a producer may ask for should have been aborted by its coordinator long ago.
DEFAULT_MAX_AGE_MS = 15 * 60 * 1000
_LIST_HINT = "`kctl txn list` shows the transactional ids"


# ---------------------------------------------------------------------------------------- list


def list_transactions(conf: dict, timeout: float, states: list[str] | None = None, producer_ids: list[int] | None = None,
                      pattern: str | None = None, min_duration_ms: int | None = None) -> list[TransactionSummary]:
    """Every transactional id the coordinators know (sorted), with producer id, epoch, state and
    coordinator; the filters are applied by the brokers (pattern needs Kafka 4.1, min_duration_ms 3.8)."""
    wanted = [parse_state(s) for s in states or ()]
    if pattern is not None:
        parse_regex(pattern, "--pattern")
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        listed = admin.list_transactions(wanted, list(producer_ids or ()), pattern, min_duration_ms, timeout=deadline)
        # ListTransactions has no epoch: one DescribeTransactions per coordinator adds it.
        described = admin.describe_transactions([t.transactional_id for t in listed], deadline)
    out = []
    for t in listed:
        desc = described[t.transactional_id].value if t.transactional_id in described else None
        out.append(TransactionSummary(
            transactional_id=t.transactional_id, producer_id=t.producer_id,
            producer_epoch=desc.producer_epoch if desc else None, state=t.state, coordinator=t.coordinator,
        ))
    out.sort(key=lambda t: t.transactional_id)
    log.event("txn_list", transactions=len(out), states=",".join(wanted) or None, pattern=pattern, duration_ms=_ms(start))
    return out


def parse_state(value: str) -> str:
    """'ongoing', 'complete-commit', 'COMPLETE_COMMIT' -> the broker's name (CompleteCommit)."""
    return parse_choice(value, STATES, "--state")


# ---------------------------------------------------------------------------------------- describe


def describe_transactions(conf: dict, timeout: float, transactional_ids: list[str],
                          now_ms: int | None = None) -> TransactionDescribeResult:
    """State, producer id/epoch, timeout, start time and partitions of each transactional id;
    ids the coordinators do not know are reported in `missing` (exit 4)."""
    ids = list(dict.fromkeys(transactional_ids))
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        described = admin.describe_transactions(ids)
    now = now_ms if now_ms is not None else _now_ms()
    found, missing = [], []
    for tid in ids:
        outcome = described.get(tid)
        if outcome is None:
            missing.append(_failed(tid, NotFoundError(f"transactional id {tid!r}: no such transactional id")))
        elif not outcome.ok:
            missing.append(_failed(tid, outcome.error))
        else:
            found.append(transaction_detail(outcome.value, now))
    log.event("txn_describe", transactions=len(ids), missing=len(missing), duration_ms=_ms(start))
    return TransactionDescribeResult(transactions=tuple(found), missing=tuple(missing))


def transaction_detail(desc: TransactionDescription, now_ms: int) -> TransactionDetail:
    partitions: dict[str, list[int]] = {}
    for topic, partition in desc.partitions:
        partitions.setdefault(topic, []).append(partition)
    # The coordinator keeps the start time of the last transaction after it completed.
    started = desc.start_time_ms if desc.state in _OPEN else None
    return TransactionDetail(
        transactional_id=desc.transactional_id, state=desc.state, producer_id=desc.producer_id,
        producer_epoch=desc.producer_epoch, timeout_ms=desc.timeout_ms, start_time_ms=started,
        duration_ms=max(0, now_ms - started) if started is not None else None, coordinator=desc.coordinator,
        partitions={t: tuple(sorted(ps)) for t, ps in sorted(partitions.items())},
    )


def describe_failure(result: TransactionDescribeResult) -> KctlError | None:
    rows = [ItemResult(t.transactional_id, True) for t in result.transactions] + list(result.missing)
    return failure_of(rows, "txn describe", hint=_LIST_HINT)


# ---------------------------------------------------------------------------------------- describe-producers


def describe_producers(conf: dict, timeout: float, topic: str, partitions: tuple[int, ...] | None = None,
                       broker: int | None = None) -> list[PartitionProducers]:
    """The active producers of each partition of the topic (or of the given partitions), as their
    leader (or the given replica) knows them."""
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        known = _partitions(admin, deadline, topic)
        targets = _select(known, topic, partitions)
        if broker is not None:
            _check_broker(admin, deadline, broker)
        rows = _producers(admin, deadline, {key: known[key] for key in targets}, broker)
    log.event("txn_describe_producers", topic=topic, partitions=len(rows), broker=broker,
              producers=sum(len(r.producers) for r in rows), failed=sum(not r.ok for r in rows), duration_ms=_ms(start))
    return rows


def _partitions(admin: AdminClient, deadline: Deadline, topic: str | None = None) -> dict[tuple[str, int], object]:
    """{(topic, partition): PartitionInfo} of one topic or of every topic, from metadata."""
    topics: list[TopicInfo] = [t for t in (admin.list_topics(deadline) if topic is None else [admin.topic(topic, deadline)])
                               if t is not None]
    return {(t.name, p.partition): p for t in topics for p in t.partitions}


def _select(known: dict, topic: str, partitions: tuple[int, ...] | None) -> list[tuple[str, int]]:
    have = sorted(p for t, p in known if t == topic)
    if not have:
        raise NotFoundError(f"topic {topic!r} does not exist", hint="`kctl topics list` shows the topics")
    if partitions is None:
        return [(topic, p) for p in have]
    unknown = [p for p in partitions if p not in have]
    if unknown:
        raise NotFoundError(f"topic {topic!r} has no partition {_ids(unknown)} (it has {len(have)})")
    return [(topic, p) for p in partitions]


def _check_broker(admin: AdminClient, deadline: Deadline, broker: int) -> None:
    brokers = [b.id for b in admin.describe_cluster(deadline).brokers]
    if broker not in brokers:
        raise NotFoundError(f"there is no broker {broker} (brokers: {_ids(brokers)})")


def _producers(admin: AdminClient, deadline: Deadline, targets: dict, broker: int | None) -> list[PartitionProducers]:
    """One DescribeProducers per broker: the given replica, or each partition's leader."""
    by_broker: dict[int, list[tuple[str, int]]] = {}
    rows = {}
    for key, md in targets.items():
        at = broker if broker is not None else md.leader
        if at is None or at < 0:
            rows[key] = PartitionProducers(key[0], key[1], None, error="the partition has no leader",
                                           exit_code=int(BrokerUnavailable.exit_code))
            continue
        by_broker.setdefault(at, []).append(key)
    answered = admin.describe_producers(by_broker, deadline)
    for at, keys in by_broker.items():
        for key in keys:
            outcome = answered.get(key)
            error = NotFoundError("the broker did not answer for this partition") if outcome is None else outcome.error
            if error is not None:
                rows[key] = PartitionProducers(key[0], key[1], at, error=error.message, exit_code=int(error.exit_code))
            else:
                rows[key] = PartitionProducers(key[0], key[1], at, tuple(outcome.value))
    return [rows[key] for key in sorted(rows)]


def producers_failure(rows: list[PartitionProducers]) -> KctlError | None:
    return failure_of(rows, "txn describe-producers")


# ---------------------------------------------------------------------------------------- find-hanging


@dataclass(frozen=True)
class OpenTransaction:
    """A producer's open transaction on one partition, as the partition leader sees it."""

    topic: str
    partition: int
    producer: ActiveProducer


def find_hanging(conf: dict, timeout: float, broker: int | None = None, topic: str | None = None,
                 partitions: tuple[int, ...] | None = None, max_age_ms: int = DEFAULT_MAX_AGE_MS,
                 now_ms: int | None = None) -> HangingReport:
    """Open transactions older than max_age_ms whose coordinator does not have them open (as
    kafka-transactions.sh find-hanging): every partition of the cluster, of one topic, or
    those the broker hosts (asked of that broker); the rest go to each partition's leader."""
    if max_age_ms < 0:
        raise UsageError(f"--max-age-ms must be 0 or more, got {max_age_ms}")
    if partitions is not None and topic is None:
        raise UsageError("--partition needs --topic")
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        known = _partitions(admin, deadline, topic)
        targets = _select(known, topic, partitions) if topic else sorted(known)
        if broker is not None:
            _check_broker(admin, deadline, broker)
            targets = [key for key in targets if broker in known[key].replicas]
        rows = _producers(admin, deadline, {key: known[key] for key in targets}, broker)
        if topic is None:
            # A scan of the whole cluster races with topic deletion: a partition gone since the
            # metadata was read has nothing left to hang.
            rows = [r for r in rows if r.exit_code != NotFoundError.exit_code]
        now = now_ms if now_ms is not None else _now_ms()
        open_txns = [OpenTransaction(r.topic, r.partition, p) for r in rows if r.ok
                     for p in r.producers if p.current_txn_start_offset is not None]
        candidates = [o for o in open_txns if _age(o.producer.last_timestamp_ms, now) > max_age_ms]
        owners: dict[int, list[tuple[str, TransactionDescription]]] = {}
        if candidates:
            # Which transactional ids hold these producer ids now, and what their coordinators say.
            pids = sorted({o.producer.producer_id for o in candidates})
            listed = admin.list_transactions(producer_ids=pids, timeout=deadline)
            described = admin.describe_transactions([t.transactional_id for t in listed], deadline)
            for t in listed:
                outcome = described.get(t.transactional_id)
                if outcome is not None and outcome.ok:
                    owners.setdefault(outcome.value.producer_id, []).append((t.transactional_id, outcome.value))
    hanging = hanging_transactions(candidates, owners, now)
    errors = tuple(ItemResult(r.name, False, error=r.error, exit_code=r.exit_code) for r in rows if not r.ok)
    report = HangingReport(max_age_ms=max_age_ms, partitions_checked=len(rows), open_transactions=len(open_txns),
                           candidates=len(candidates), hanging=tuple(hanging), errors=errors)
    log.event("txn_find_hanging", partitions=len(rows), open=len(open_txns), candidates=len(candidates),
              hanging=len(hanging), unreadable=len(errors), broker=broker, topic=topic, max_age_ms=max_age_ms,
              duration_ms=_ms(start))
    return report


def hanging_transactions(candidates: list[OpenTransaction], owners: dict[int, list[tuple[str, TransactionDescription]]],
                         now_ms: int) -> list[HangingTransaction]:
    """The candidates their coordinator does not have open. owners: producer id -> [(transactional
    id, description)] of the ids that hold that producer id now.

    Not hanging: the coordinator has the transaction open (Ongoing or Prepare*) with this
    partition in it, at the same producer epoch; in PrepareCommit/PrepareAbort the epoch may be
    one higher (transaction version 2 bumps it when the transaction ends, and the markers still
    being written carry the new epoch).
    """
    out = []
    for o in candidates:
        p = o.producer
        tid, desc, reason = None, None, f"no transactional id has producer id {p.producer_id} now"
        for tid, desc in owners.get(p.producer_id, ()):  # noqa: B007 - the last one is used below
            epochs = (p.producer_epoch,) if desc.state == "Ongoing" else (p.producer_epoch, p.producer_epoch + 1)
            if desc.state not in _OPEN:
                reason = f"its coordinator has no open transaction ({desc.state})"
            elif (o.topic, o.partition) not in desc.partitions:
                reason = "the coordinator's open transaction does not include this partition"
            elif desc.producer_epoch not in epochs:
                reason = f"the coordinator is at producer epoch {desc.producer_epoch}"
            else:
                reason = None
                break
        if reason is None:
            continue
        out.append(HangingTransaction(
            topic=o.topic, partition=o.partition, producer_id=p.producer_id, producer_epoch=p.producer_epoch,
            coordinator_epoch=p.coordinator_epoch, start_offset=p.current_txn_start_offset,
            last_timestamp_ms=p.last_timestamp_ms,
            duration_ms=max(0, now_ms - p.last_timestamp_ms) if p.last_timestamp_ms is not None else None,
            transactional_id=tid, coordinator_state=desc.state if desc else None, reason=reason,
        ))
    return sorted(out, key=lambda h: (h.topic, h.partition, h.start_offset))


def _age(timestamp_ms: int | None, now_ms: int) -> float:
    return float("inf") if timestamp_ms is None else now_ms - timestamp_ms


def hanging_failure(report: HangingReport) -> KctlError | None:
    """Partitions that could not be read: the search is incomplete (exit 5, or their common code)."""
    if not report.errors:
        return None
    error = failure_of(report.errors, "txn find-hanging", hint="those partitions were not searched")
    if report.partitions_checked > len(report.errors):
        return PartialFailure(error.message, hint=error.hint)
    return error


# ---------------------------------------------------------------------------------------- abort


def abort_transaction(conf: dict, timeout: float, topic: str, partition: int, start_offset: int | None = None,
                      producer_id: int | None = None, producer_epoch: int | None = None,
                      coordinator_epoch: int | None = None,
                      confirm: Callable[[TransactionAbort], bool] | None = None) -> TransactionAbort:
    """Abort an open transaction on one partition by writing an abort marker there.

    Name it by its start offset (the producer is looked up on the partition), or by producer id
    and epoch (the coordinator epoch is looked up unless given, as brokers before 3.0 need).
    confirm(plan) is asked before anything is written; False: nothing written (aborted=false).
    """
    by_offset = start_offset is not None
    by_producer = producer_id is not None or producer_epoch is not None or coordinator_epoch is not None
    if by_offset == by_producer:
        raise UsageError("name the transaction with --start-offset N, or with --producer-id and --producer-epoch "
                         "(and optionally --coordinator-epoch), not both")
    if by_producer and (producer_id is None or producer_epoch is None):
        raise UsageError("--producer-id and --producer-epoch go together")
    if partition < 0 or (start_offset is not None and start_offset < 0):
        raise UsageError("--partition and --start-offset must be 0 or more")
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        if by_offset or coordinator_epoch is None:
            known = _partitions(admin, deadline, topic)
            ((row),) = _producers(admin, deadline, {key: known[key] for key in _select(known, topic, (partition,))}, None)
            if not row.ok:
                raise failure_of([row], "describe producers")
            plan = _plan(row, start_offset, producer_id, producer_epoch)
        else:
            plan = TransactionAbort(topic, partition, producer_id, producer_epoch, coordinator_epoch, None)
        if confirm is not None and not confirm(plan):
            log.event("txn_abort_declined", topic=topic, partition=partition, producer_id=plan.producer_id)
            return plan
        admin.abort_transaction(topic, partition, plan.producer_id, plan.producer_epoch, plan.coordinator_epoch, deadline)
    result = replace(plan, aborted=True)
    log.event("txn_abort", topic=topic, partition=partition, producer_id=plan.producer_id,
              producer_epoch=plan.producer_epoch, coordinator_epoch=plan.coordinator_epoch,
              start_offset=plan.start_offset, duration_ms=_ms(start))
    return result


def _plan(row: PartitionProducers, start_offset, producer_id, producer_epoch) -> TransactionAbort:
    where = f"{row.topic}:{row.partition}"
    hint = f"`kctl txn describe-producers {row.topic} --partition {row.partition}` shows its open transactions"
    for p in row.producers:
        if p.current_txn_start_offset is None:
            continue
        if (start_offset is not None and p.current_txn_start_offset == start_offset) or \
                (producer_id is not None and p.producer_id == producer_id and p.producer_epoch == producer_epoch):
            return TransactionAbort(row.topic, row.partition, p.producer_id, p.producer_epoch, p.coordinator_epoch,
                                    p.current_txn_start_offset)
    if start_offset is not None:
        raise NotFoundError(f"no open transaction starts at offset {start_offset} on {where}", hint=hint)
    raise NotFoundError(f"producer {producer_id} (epoch {producer_epoch}) has no open transaction on {where}",
                        hint=hint + "; or give --coordinator-epoch to write the marker anyway")


# ---------------------------------------------------------------------------------------- helpers


def _failed(name: str, error: KctlError) -> ItemResult:
    return ItemResult(name, False, error=error.message, exit_code=int(error.exit_code))


def _ids(values) -> str:
    return ",".join(str(v) for v in values)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _ms(start: float) -> int:
    return round((time.perf_counter() - start) * 1000)
