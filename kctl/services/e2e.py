"""`kctl e2e run`: an end-to-end health check of a cluster that CI can trust by its exit code.

Nine steps, each a row of the checklist (kctl.models.E2EStep):

  1 connect       read cluster metadata (brokers, controller)
  2 create_topic  create the topic (unique name by default; an existing one only with --reuse)
  3 produce       start the K group members, then produce N records, idempotent, acks=all, record
                  i to partition i % P, each value carrying its sequence number and send time
  4 consume       every record arrives; the coordinator reports a Stable group of K members with
                  every partition assigned to exactly one member
  5 verify        none missing, none duplicated, order kept per partition, keys and values intact
  6 commit        members commit; committed offset == log end offset on every partition
  7 transactions  (--transactional) a committed transaction is visible and an aborted one is not
                  under read_committed (and is in the log under read_uncommitted)
  8 latency       send-to-receive p50/p95/p99/max, overall and per partition; fails above --max-p99-ms
  9 cleanup       consumers leave; the group and the topic this run created are deleted (unless
                  --no-cleanup); always runs, also after a failure or Ctrl-C

Steps 1-8 share one deadline of `timeout` seconds; cleanup gets at least min(timeout, 5 s) more, so a
run ends at most 5 s after the deadline even when the broker goes away in the middle. A step whose
prerequisite did not pass is skipped; after a step found the cluster unreachable, the remaining
checks are skipped.

Exit code (E2EReport.exit_code, decided by the first failed step): 0 every step passed; 6 the cluster
cannot be reached (or stopped answering); 9 authentication/authorization; 2/3 the cluster rejected
the options (say a replication factor above the broker count) or the client settings; 8 any other
check failed; 1 an internal error.

JSON document of one run (`-o json`; kctl.models.E2EReport, validated against REPORT_SCHEMA):

  {
    "ok": true, "exit_code": 0,
    "instance": 0 | null, "bootstrap": "127.0.0.1:9092",
    "topic": "kctl-e2e-<run_id>", "group": "kctl-e2e-<run_id>", "run_id": "3f2a9c1e0b7d",
    "started_at": "2025-01-01T12:00:00.000+00:00", "duration_ms": 812.4,
    "settings": {"messages": 100, "partitions": 3, "replication_factor": null, "consumers": 2,
                 "transactional": false, "cleanup": true, "reuse": false, "max_p99_ms": null,
                 "timeout_s": 10.0},
    "cluster": {"cluster_id": "...", "controller_id": 1, "topic_count": 12,
                "brokers": [{"id": 1, "host": "127.0.0.1", "port": 9092, "is_controller": true}]} | null,
    "steps": [{"name": "connect", "title": "...", "status": "passed" | "failed" | "skipped",
               "duration_ms": 3.1, "detail": "...", "error": null | "..."}, ... 9 steps in order],
    "produced": 100, "consumed": 100, "missing": 0, "duplicates": 0, "out_of_order": 0, "corrupt": 0,
    "assignment": [{"member": "kctl-e2e-<run_id>-c0", "partitions": [0, 1]}, ...],
    "offsets": [{"partition": 0, "committed": 34, "end_offset": 34}, ...],
    "latency": {"overall": {"count": 100, "p50_ms": 1.2, "p95_ms": 2.0, "p99_ms": 3.1, "max_ms": 3.3},
                "partitions": [{"partition": 0, "count": 34, "p50_ms": ..., ...}, ...]} | null,
    "transactions": {"committed_sent": 3, "committed_visible": 3, "aborted_sent": 3,
                     "aborted_visible": 0, "aborted_in_log": 3} | null
  }

Several runs (`--repeat N`, `--all-instances`; kctl.models.E2ESummary, SUMMARY_SCHEMA):

  {"mode": "repeat" | "all_instances", "ok": bool, "exit_code": int, "runs": [<run>, ...],
   "passed": int, "failed": int, "unreachable": [instance, ...],
   "duration_p50_ms": float | null, "duration_max_ms": float | null,
   "p99_p50_ms": float | null, "p99_max_ms": float | null}

Payload of record i (UTF-8 JSON, compared byte for byte with what was sent):
  {"run": "<run_id>", "seq": i, "partition": i % P, "sent_ms": <wall clock ms>, "data": sha256("<run_id>:i")}
key: "<run_id>-<i>".
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Callable, Protocol

from kctl import log
from kctl.errors import (
    AuthError, BrokerUnavailable, CheckFailed, ConfigError, ExitCode, InvalidRequest, KctlError, UsageError,
)
from kctl.models import (
    E2ELatency, E2EMemberAssignment, E2EPartitionOffsets, E2EReport, E2ESettings, E2EStep, E2ESummary,
    E2ETransactions, LatencyStats, PartitionLatency,
)

STEPS: tuple[tuple[str, str], ...] = (
    ("connect", "Connect and read cluster metadata"),
    ("create_topic", "Create the topic"),
    ("produce", "Produce (idempotent, acks=all)"),
    ("consume", "Consume with a consumer group"),
    ("verify", "Verify complete, unique, ordered, intact"),
    ("commit", "Commit offsets and read them back"),
    ("transactions", "Transactions under read_committed"),
    ("latency", "Produce-to-consume latency"),
    ("cleanup", "Clean up topic and group"),
)
TITLES = dict(STEPS)
CLEANUP_GRACE_S = 5.0
TXN_RECORDS = 3


@dataclass(frozen=True)
class E2EOptions:
    topic: str | None = None
    messages: int = 100
    partitions: int = 3
    replication_factor: int | None = None
    group: str | None = None
    consumers: int = 2
    cleanup: bool = True
    reuse: bool = False
    transactional: bool = False
    max_p99_ms: float | None = None
    timeout: float = 10.0

    def validate(self) -> None:
        for name, value in (("--messages", self.messages), ("--partitions", self.partitions),
                            ("--consumers", self.consumers)):
            if value < 1:
                raise UsageError(f"{name} must be at least 1, got {value}")
        if self.replication_factor is not None and self.replication_factor < 1:
            raise UsageError(f"--replication-factor must be at least 1, got {self.replication_factor}")
        if self.max_p99_ms is not None and self.max_p99_ms < 0:
            raise UsageError(f"--max-p99-ms must not be negative, got {self.max_p99_ms:g}")


class Progress(Protocol):
    """What the CLI hands in to follow a run (the live checklist); every method optional."""

    def run_started(self, label: str, steps: tuple[E2EStep, ...]) -> None: ...

    def step_started(self, step: E2EStep) -> None: ...

    def step_finished(self, step: E2EStep) -> None: ...


class _Stalled(CheckFailed):
    """Something did not happen in time: exit 6 when the cluster has stopped answering, else 8."""


_EXIT_BY_ERROR = {
    BrokerUnavailable: ExitCode.UNAVAILABLE,
    AuthError: ExitCode.AUTH,
    InvalidRequest: ExitCode.USAGE,
    UsageError: ExitCode.USAGE,
    ConfigError: ExitCode.CONFIG,
}


def pending_steps() -> tuple[E2EStep, ...]:
    return tuple(E2EStep(name=name, title=title, status="pending") for name, title in STEPS)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_stats(values: list[float]) -> LatencyStats:
    ordered = sorted(values)
    return LatencyStats(
        count=len(ordered),
        p50_ms=round(percentile(ordered, 50), 3),
        p95_ms=round(percentile(ordered, 95), 3),
        p99_ms=round(percentile(ordered, 99), 3),
        max_ms=round(ordered[-1], 3),
    )


def payload(run_id: str, seq: int, partition: int, sent_ms: float) -> bytes:
    data = hashlib.sha256(f"{run_id}:{seq}".encode()).hexdigest()
    return json.dumps({"run": run_id, "seq": seq, "partition": partition, "sent_ms": round(sent_ms, 3), "data": data},
                      separators=(",", ":")).encode()


def record_key(run_id: str, seq: int) -> bytes:
    return f"{run_id}-{seq}".encode()


@dataclass
class Verification:
    consumed: int = 0
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    corrupt: int = 0
    foreign: int = 0
    latencies: dict[int, list[float]] | None = None
    problems: list[str] | None = None


def verify(run_id: str, sent: dict[int, bytes], deliveries: dict, received: list, partitions: int) -> Verification:
    """Compare what arrived (in arrival order) with what was sent and acknowledged.

    received: objects with partition, offset, key, value, recv_ms. deliveries: {seq: obj with
    partition, offset, error}. Pure function: the unit tests feed it hand-made cases.
    """
    out = Verification(latencies=defaultdict(list), problems=[])
    acknowledged = {seq for seq, d in deliveries.items() if d.error is None}
    seen: Counter = Counter()
    last_seq: dict[int, int] = {}
    last_offset: dict[int, int] = {}
    for rec in received:
        try:
            doc = json.loads(rec.value)
            seq = doc["seq"]
            run = doc["run"]
        except (TypeError, ValueError, KeyError):
            out.corrupt += 1
            out.problems.append(f"partition {rec.partition} offset {rec.offset}: unreadable value")
            continue
        if run != run_id:
            out.foreign += 1
            continue
        seen[seq] += 1
        if seen[seq] > 1:
            out.duplicates += 1
            out.problems.append(f"record {seq} received again (partition {rec.partition} offset {rec.offset})")
            continue
        out.consumed += 1
        expected_partition = seq % partitions
        delivery = deliveries.get(seq)
        if seq not in sent or rec.value != sent[seq] or rec.key != record_key(run_id, seq):
            out.corrupt += 1
            out.problems.append(f"record {seq}: key or value differs from what was sent")
        elif rec.partition != expected_partition or (delivery is not None and delivery.offset != rec.offset):
            out.corrupt += 1
            out.problems.append(f"record {seq}: at partition {rec.partition} offset {rec.offset}, "
                                f"acknowledged at {expected_partition}/{getattr(delivery, 'offset', '?')}")
        else:
            out.latencies[rec.partition].append(rec.recv_ms - doc["sent_ms"])
        if rec.partition in last_seq and (seq < last_seq[rec.partition] or rec.offset < last_offset[rec.partition]):
            out.out_of_order += 1
            out.problems.append(f"partition {rec.partition}: record {seq} after record {last_seq[rec.partition]}")
        last_seq[rec.partition] = max(seq, last_seq.get(rec.partition, seq))
        last_offset[rec.partition] = max(rec.offset, last_offset.get(rec.partition, rec.offset))
    out.missing = len(acknowledged - set(seen))
    if out.missing:
        first = sorted(acknowledged - set(seen))[:5]
        out.problems.append(f"{out.missing} records never arrived (first: {', '.join(map(str, first))})")
    return out


def check_assignment(members: list[tuple[str, tuple[int, ...]]], partitions: int, consumers: int) -> list[str]:
    """Problems with a group's assignment: [] when each partition has exactly one of `consumers` members."""
    problems = []
    if len(members) != consumers:
        problems.append(f"{len(members)} members instead of {consumers}")
    owners: dict[int, list[str]] = defaultdict(list)
    for member, owned in members:
        for p in owned:
            owners[p].append(member)
    for p in range(partitions):
        if len(owners.get(p, [])) != 1:
            problems.append(f"partition {p} assigned to {len(owners.get(p, []))} members")
    for p in sorted(set(owners) - set(range(partitions))):
        problems.append(f"unknown partition {p} assigned")
    return problems


class _Run:
    def __init__(self, conf: dict, options: E2EOptions, progress, instance: int | None, bootstrap: str):
        self.conf = conf
        self.opts = options
        self.progress = progress
        self.instance = instance
        self.bootstrap = bootstrap
        self.run_id = uuid.uuid4().hex[:12]
        self.topic = options.topic or f"kctl-e2e-{self.run_id}"
        self.group = options.group or f"kctl-e2e-{self.run_id}"
        self.partitions = options.partitions
        self.steps = {step.name: step for step in pending_steps()}
        self.first_failure: int | None = None
        self.reachable: bool | None = None
        self.cluster = None
        self.admin = None
        self.producer = None
        self.consumers = None
        self.topic_created = False
        self.group_owned = options.group is None
        self.start_offsets: dict[int, int] = {}
        self.sent: dict[int, bytes] = {}
        self.deliveries: dict = {}
        self.result: Verification | None = None
        self.assignment: tuple[E2EMemberAssignment, ...] = ()
        self.offsets: tuple[E2EPartitionOffsets, ...] = ()
        self.latency: E2ELatency | None = None
        self.transactions: E2ETransactions | None = None

    # --- the frame ---

    def _notify(self, method: str, *args) -> None:
        fn = getattr(self.progress, method, None) if self.progress is not None else None
        if fn is not None:
            fn(*args)

    def execute(self) -> E2EReport:
        from kctl.kafka import e2e_clients

        self.e2e_clients = e2e_clients
        started_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        start = time.monotonic()
        self.deadline = start + self.opts.timeout
        try:
            for name, _ in STEPS[:-1]:
                reason = self._skip_reason(name)
                if reason:
                    self._finish(name, "skipped", 0.0, reason)
                else:
                    self._do(name)
        finally:
            self._do("cleanup")
        ok = all(s.status != "failed" for s in self.steps.values())
        report = E2EReport(
            ok=ok,
            exit_code=0 if ok else int(self.first_failure or ExitCode.CHECK_FAILED),
            instance=self.instance,
            bootstrap=self.bootstrap,
            topic=self.topic,
            group=self.group,
            run_id=self.run_id,
            started_at=started_at,
            duration_ms=round((time.monotonic() - start) * 1000, 1),
            settings=E2ESettings(
                messages=self.opts.messages, partitions=self.partitions, replication_factor=self.opts.replication_factor,
                consumers=self.opts.consumers, transactional=self.opts.transactional, cleanup=self.opts.cleanup,
                reuse=self.opts.reuse, max_p99_ms=self.opts.max_p99_ms, timeout_s=self.opts.timeout,
            ),
            cluster=self.cluster,
            steps=tuple(self.steps[name] for name, _ in STEPS),
            produced=sum(1 for d in self.deliveries.values() if d.error is None),
            consumed=self.result.consumed if self.result else 0,
            missing=self.result.missing if self.result else 0,
            duplicates=self.result.duplicates if self.result else 0,
            out_of_order=self.result.out_of_order if self.result else 0,
            corrupt=self.result.corrupt if self.result else 0,
            assignment=self.assignment,
            offsets=self.offsets,
            latency=self.latency,
            transactions=self.transactions,
        )
        log.event("e2e_run", ok=report.ok, exit_code=report.exit_code, topic=self.topic, bootstrap=self.bootstrap,
                  duration_ms=report.duration_ms, failed=",".join(s.name for s in report.failed_steps) or None)
        return report

    def _status(self, name: str) -> str:
        return self.steps[name].status

    def _skip_reason(self, name: str) -> str | None:
        if self.first_failure == ExitCode.UNAVAILABLE:
            return "skipped: the cluster is unreachable"
        if name == "connect":
            return None
        if self._status("connect") != "passed":
            return "skipped: not connected"
        needs = {
            "create_topic": ("connect", "passed"),
            "produce": ("create_topic", "passed"),
            "consume": ("produce", "passed"),
            "verify": ("consume", "attempted"),
            "commit": ("consume", "passed"),
            "transactions": ("create_topic", "passed"),
            "latency": ("verify", "attempted"),
        }
        if name == "transactions" and not self.opts.transactional:
            return "skipped: not requested (--transactional)"
        before, want = needs[name]
        status = self._status(before)
        if (want == "passed" and status != "passed") or (want == "attempted" and status not in ("passed", "failed")):
            return f"skipped: {before} did not pass" if status != "skipped" else f"skipped: {before} was skipped"
        return None

    def _finish(self, name: str, status: str, duration_ms: float, detail: str = "", error: str | None = None) -> None:
        step = replace(self.steps[name], status=status, duration_ms=round(duration_ms, 1), detail=detail, error=error)
        self.steps[name] = step
        self._notify("step_finished", step)

    def _do(self, name: str) -> None:
        step = replace(self.steps[name], status="running")
        self.steps[name] = step
        self._notify("step_started", step)
        t0 = time.monotonic()
        status, detail, error, code = "passed", "", None, None
        try:
            if name != "cleanup" and time.monotonic() >= self.deadline:
                raise _Stalled(f"the run's time limit (--timeout {self.opts.timeout:g}s) was reached")
            detail = getattr(self, f"_step_{name}")() or ""
            if detail.startswith("skipped: "):
                status = "skipped"
        except KctlError as exc:
            status, error, code = "failed", exc.message, self._exit_code_for(exc)
            detail = getattr(exc, "detail", "") or ""
        except Exception as exc:  # noqa: BLE001 - a bug must not skip the cleanup; exit 1
            status, error, code = "failed", f"internal error: {type(exc).__name__}: {exc}", ExitCode.INTERNAL
        duration = (time.monotonic() - t0) * 1000
        if status == "failed" and self.first_failure is None:
            self.first_failure = int(code)
        log.event("e2e_step", step=name, status=status, duration_ms=round(duration, 1), error=error)
        self._finish(name, status, duration, detail, error)

    def _exit_code_for(self, exc: KctlError) -> int:
        for cls, code in _EXIT_BY_ERROR.items():
            if isinstance(exc, cls):
                return int(code)
        if isinstance(exc, _Stalled) and not self._cluster_answers():
            return int(ExitCode.UNAVAILABLE)
        if type(exc) is KctlError:
            return int(ExitCode.INTERNAL)
        return int(ExitCode.CHECK_FAILED)

    def _cluster_answers(self) -> bool:
        """One quick metadata probe per run (its answer is kept)."""
        if self.reachable is None:
            self.reachable = self.e2e_clients.answers(self.conf, min(2.0, self.opts.timeout))
        return self.reachable

    def _left(self) -> float:
        return self.e2e_clients.remaining(self.deadline)

    # --- the steps ---

    def _step_connect(self) -> str:
        self.cluster = self.e2e_clients.probe(self.conf, round(self._left(), 1))
        self.admin = self.e2e_clients.Admin(self.conf)
        # Created now so that getting its producer id overlaps topic creation and the group join.
        self.producer = self.e2e_clients.IdempotentProducer(self.conf, self.deadline)
        controller = self.cluster.controller_id if self.cluster.controller_id is not None else "?"
        return f"{len(self.cluster.brokers)} broker(s), controller {controller}, cluster {self.cluster.cluster_id or '?'}"

    def _step_create_topic(self) -> str:
        notes = []
        if self.opts.group is not None:
            exists = self.admin.group_exists(self.group, self._left())
            if exists and not self.opts.reuse:
                raise CheckFailed(f"group {self.group} already exists (pass --reuse to use it)")
            self.group_owned = not exists
            if exists:
                notes.append(f"reusing group {self.group}")
        existing = self.admin.partitions_of(self.topic, self._left()) if self.opts.reuse else None
        if existing is not None:
            self.partitions = existing
            self.start_offsets = self.admin.end_offsets(self.topic, existing, self._left())
            return "; ".join([f"reusing {self.topic} ({existing} partitions)"] + notes)
        self.admin.create_topic(self.topic, self.partitions, self.opts.replication_factor, self.deadline)
        self.topic_created = True
        self.start_offsets = {p: 0 for p in range(self.partitions)}
        rf = self.opts.replication_factor or "default"
        return "; ".join([f"{self.topic}: {self.partitions} partitions, replication {rf}, leaders elected"] + notes)

    def _step_produce(self) -> str:
        ec = self.e2e_clients
        self.consumers = ec.GroupConsumers(self.conf, self.topic, self.group, self.opts.consumers, self.start_offsets,
                                           client_prefix=f"kctl-e2e-{self.run_id}")
        t_group = time.monotonic()
        self.consumers.start()
        producer_ready = self.producer.ready(self.topic, self.deadline)
        # Latency should measure the data path, not the group join: produce once the members own
        # the partitions (bounded by half of the time left; the consume step judges the group).
        ready = self.consumers.wait_for(lambda: self.consumers.balanced(self.partitions),
                                        time.monotonic() + self._left() / 2)
        group_ms = (time.monotonic() - t_group) * 1000
        partitions = self.partitions
        run_id = self.run_id

        def value_of(seq: int, sent_ms: float) -> bytes:
            value = payload(run_id, seq, seq % partitions, sent_ms)
            self.sent[seq] = value
            return value

        t0 = time.monotonic()
        self.deliveries = ec.produce(self.producer, self.topic, self.opts.messages, lambda s: s % partitions,
                                     lambda s: record_key(run_id, s), value_of, self.deadline)
        produce_ms = (time.monotonic() - t0) * 1000
        failed = {seq: d for seq, d in self.deliveries.items() if d.error is not None}
        unacked = self.opts.messages - len(self.deliveries)
        if failed or unacked:
            first = next(iter(failed.values()), None)
            reason = f"{first.error_code}: {first.error}" if first else "not acknowledged in time"
            error = _Stalled if (not first or first.error_code in ("_MSG_TIMED_OUT", "_TIMED_OUT", "_TRANSPORT")) else CheckFailed
            raise error(f"{len(failed) + unacked} of {self.opts.messages} records failed ({reason})")
        wrong = [seq for seq, d in self.deliveries.items() if d.partition != seq % partitions]
        if wrong:
            raise CheckFailed(f"{len(wrong)} records were written to another partition than requested")
        group_note = f"clients ready in {group_ms:.0f} ms" if ready else "group not ready yet"
        if not producer_ready:
            group_note += "; producer id not assigned yet"
        return f"{self.opts.messages} records to {partitions} partitions in {produce_ms:.0f} ms ({group_note})"

    def _step_consume(self) -> str:
        consumers = self.consumers
        ends: dict[int, int] = {}
        for d in self.deliveries.values():
            ends[d.partition] = max(ends.get(d.partition, 0), d.offset + 1)
        t0 = time.monotonic()

        def done() -> bool:
            return consumers.reached(ends) and consumers.balanced(self.partitions)

        if not consumers.wait_for(done, self.deadline):
            received, mine, errors = consumers.snapshot()
            got, errors = len(received), errors[-3:]
            unassigned = [f"c{m}" for m, a in mine.items() if a is None]
            detail = f"received {got} of {self.opts.messages}"
            if unassigned:
                detail += f"; members without assignment: {','.join(unassigned)}"
            if errors:
                detail += f"; client errors: {'; '.join(errors)}"
            raise _Stalled(f"not everything arrived in time ({detail})")
        consume_ms = (time.monotonic() - t0) * 1000
        # The coordinator's view: Stable, K members, each partition owned by exactly one of them.
        problems: list[str] = []
        while True:
            state, members = self.admin.describe_group(self.group, self.topic, self._left())
            problems = check_assignment([(client, owned) for _, client, owned in members], self.partitions, self.opts.consumers)
            if state == "STABLE" and not problems:
                break
            if time.monotonic() >= self.deadline:
                problems.insert(0, f"group state {state}")
                break
            time.sleep(0.05)
        consumers.stop_polling()
        self.assignment = tuple(sorted((E2EMemberAssignment(member=client, partitions=owned) for _, client, owned in members),
                                       key=lambda a: a.member))
        if problems:
            raise CheckFailed(f"group assignment: {'; '.join(problems)}")
        got = len(consumers.snapshot()[0])
        layout = " ".join(f"{a.member.rsplit('-', 1)[-1]}={','.join(map(str, a.partitions)) or '-'}" for a in self.assignment)
        return f"{got} records in {consume_ms:.0f} ms; {self.opts.consumers} members: {layout}"

    def _step_verify(self) -> str:
        received = self.consumers.snapshot()[0]
        self.result = result = verify(self.run_id, self.sent, self.deliveries, received, self.partitions)
        produced = sum(1 for d in self.deliveries.values() if d.error is None)
        summary = (f"{result.consumed}/{produced} received, {result.missing} missing, {result.duplicates} duplicated, "
                   f"{result.out_of_order} out of order, {result.corrupt} corrupt")
        if result.foreign:
            summary += f", {result.foreign} foreign records ignored"
        if result.missing or result.duplicates or result.out_of_order or result.corrupt:
            error = CheckFailed(f"{summary}: {'; '.join(result.problems[:3])}")
            error.detail = summary
            raise error
        return summary

    def _step_commit(self) -> str:
        self.consumers.commit(self.deadline)
        committed = self.admin.committed_offsets(self.group, self.topic, self.partitions, self._left())
        ends = self.admin.end_offsets(self.topic, self.partitions, self._left())
        self.offsets = tuple(E2EPartitionOffsets(partition=p, committed=committed.get(p), end_offset=ends.get(p))
                             for p in range(self.partitions))
        wrong = [o for o in self.offsets if o.committed != o.end_offset]
        if wrong:
            raise CheckFailed("committed offset differs from the log end offset: " + ", ".join(
                f"partition {o.partition} committed {o.committed} end {o.end_offset}" for o in wrong))
        return f"committed = log end offset on {self.partitions} partitions ({sum(ends.values())} records in the log)"

    def _step_transactions(self) -> str:
        start = self.admin.end_offsets(self.topic, [0], self._left())[0]
        sent_c, seen_c, sent_a, seen_a, in_log = self.e2e_clients.transaction_check(
            self.conf, self.topic, 0, start, f"kctl-e2e-{self.run_id}", f"{self.group}-txn",
            f"{self.run_id}:txn".encode(), self.deadline)
        self.transactions = E2ETransactions(committed_sent=sent_c, committed_visible=seen_c, aborted_sent=sent_a,
                                            aborted_visible=seen_a, aborted_in_log=in_log)
        summary = (f"committed {seen_c}/{sent_c} visible, aborted {seen_a}/{sent_a} visible under read_committed "
                   f"({in_log} in the log)")
        if seen_c != sent_c or seen_a != 0 or in_log != sent_a:
            raise CheckFailed(summary)
        return summary

    def _step_latency(self) -> str:
        per_partition = self.result.latencies if self.result else {}
        values = [v for vs in per_partition.values() for v in vs]
        if not values:
            raise CheckFailed("no intact records to measure")
        overall = latency_stats(values)
        self.latency = E2ELatency(overall=overall, partitions=tuple(
            PartitionLatency(partition=p, **vars(latency_stats(vs))) for p, vs in sorted(per_partition.items())))
        summary = (f"p50 {overall.p50_ms:.1f} ms, p95 {overall.p95_ms:.1f} ms, p99 {overall.p99_ms:.1f} ms, "
                   f"max {overall.max_ms:.1f} ms ({overall.count} records)")
        limit = self.opts.max_p99_ms
        if limit is not None and overall.p99_ms > limit:
            error = CheckFailed(f"p99 latency {overall.p99_ms:.1f} ms exceeds --max-p99-ms {limit:g}")
            error.detail = summary
            raise error
        return summary

    def _step_cleanup(self) -> str:
        deadline = max(self.deadline, time.monotonic() + min(self.opts.timeout, CLEANUP_GRACE_S))
        problems: list[str] = []
        if self.producer is not None:
            self.producer.discard()
            self.producer = None
        if self.consumers is not None:
            problems += self.consumers.close(self.e2e_clients.remaining(deadline))
        done: list[str] = []
        if self.admin is None:
            return "skipped: nothing was created"
        if not self.opts.cleanup:
            kept = [f"topic {self.topic}"] if self.topic_created else []
            kept += [f"group {self.group}"] if self.consumers is not None else []
            if problems:
                raise CheckFailed("; ".join(problems))
            return f"skipped: kept {' and '.join(kept) or 'nothing'} (--no-cleanup)"
        leftovers = ([f"group {self.group}"] if self.consumers is not None and self.group_owned else []) + (
            [f"topic {self.topic}"] if self.topic_created else [])
        if leftovers and self.first_failure == ExitCode.UNAVAILABLE and not self._cluster_answers():
            # Deleting would only wait for the deadline; say what is left behind instead.
            raise BrokerUnavailable(f"the cluster is unreachable; left {' and '.join(leftovers)} behind"
                                    + (f" ({'; '.join(problems)})" if problems else ""))
        if self.consumers is not None and self.group_owned:
            try:
                if self.admin.delete_group(self.group, deadline):
                    done.append(f"group {self.group}")
            except KctlError as exc:
                problems.append(exc.message)
        if self.topic_created:
            try:
                self.admin.delete_topic(self.topic, deadline)
                done.append(f"topic {self.topic}")
            except KctlError as exc:
                problems.append(exc.message)
        if problems:
            raise BrokerUnavailable("cleanup incomplete: " + "; ".join(problems)) if not self._cluster_answers() \
                else CheckFailed("cleanup incomplete: " + "; ".join(problems))
        kept = [] if self.topic_created or not self.opts.topic else [f"kept existing topic {self.topic}"]
        return "; ".join([f"deleted {' and '.join(done)}" if done else "nothing to delete"] + kept)


def run(conf: dict, options: E2EOptions, progress: Progress | None = None, *, instance: int | None = None,
        bootstrap: str | None = None, label: str | None = None) -> E2EReport:
    """One end-to-end run against the cluster of `conf` (see the module docstring)."""
    options.validate()
    bootstrap = bootstrap or str(conf.get("bootstrap.servers", ""))
    runner = _Run(conf, options, progress, instance, bootstrap)
    if progress is not None and hasattr(progress, "run_started"):
        progress.run_started(label or _label(instance, bootstrap), tuple(runner.steps.values()))
    return runner.execute()


def _label(instance: int | None, bootstrap: str) -> str:
    return f"instance {instance} ({bootstrap})" if instance is not None else bootstrap


@dataclass(frozen=True)
class Target:
    instance: int | None
    bootstrap: str
    conf: dict


def run_many(targets: list[Target], options: E2EOptions, progress: Progress | None = None, *, repeat: int = 1,
             interval: float = 0.0, mode: str = "repeat", unreachable: tuple[int, ...] = (),
             sleep: Callable[[float], None] = time.sleep) -> E2ESummary:
    """Canary mode: `repeat` rounds over the targets, a round starting every `interval` seconds."""
    options.validate()
    if repeat < 1:
        raise UsageError(f"--repeat must be at least 1, got {repeat}")
    if interval < 0:
        raise UsageError(f"--interval must not be negative, got {interval:g}")
    reports: list[E2EReport] = []
    first = time.monotonic()
    for round_number in range(repeat):
        if round_number:
            sleep(max(0.0, first + round_number * interval - time.monotonic()))
        for target in targets:
            label = _label(target.instance, target.bootstrap)
            if repeat > 1:
                label = f"run {round_number + 1}/{repeat}: {label}"
            reports.append(run(target.conf, options, progress, instance=target.instance, bootstrap=target.bootstrap,
                               label=label))
    return summarise(reports, mode, unreachable)


def summarise(reports: list[E2EReport], mode: str, unreachable: tuple[int, ...] = ()) -> E2ESummary:
    failed = [r for r in reports if not r.ok]
    durations = [r.duration_ms for r in reports]
    p99s = [r.latency.overall.p99_ms for r in reports if r.latency is not None]
    return E2ESummary(
        mode=mode,
        ok=not failed,
        exit_code=failed[0].exit_code if failed else 0,
        runs=tuple(reports),
        passed=len(reports) - len(failed),
        failed=len(failed),
        unreachable=tuple(unreachable),
        duration_p50_ms=round(statistics.median(durations), 1) if durations else None,
        duration_max_ms=round(max(durations), 1) if durations else None,
        p99_p50_ms=round(statistics.median(p99s), 3) if p99s else None,
        p99_max_ms=round(max(p99s), 3) if p99s else None,
    )


def answering_instances(registry, conf_of: Callable[[str], dict], timeout: float = 2.0) -> tuple[list[Target], tuple[int, ...]]:
    """Probe every registry instance at once (metadata, short timeout): (answering targets, silent numbers)."""
    from concurrent.futures import ThreadPoolExecutor

    from kctl.kafka import e2e_clients

    numbers = list(range(registry.max_instances))
    bootstraps = {n: registry.bootstrap_of(n) for n in numbers}
    with ThreadPoolExecutor(max_workers=len(numbers)) as pool:
        answers = dict(zip(numbers, pool.map(lambda n: e2e_clients.answers(conf_of(bootstraps[n]), timeout), numbers)))
    targets = [Target(n, bootstraps[n], conf_of(bootstraps[n])) for n in numbers if answers[n]]
    silent = tuple(n for n in numbers if not answers[n])
    if not targets:
        raise BrokerUnavailable(f"no instance of {registry.path} answers within {timeout:g}s",
                                hint="start one with `kctl local up`")
    return targets, silent


def failure_error(result: E2EReport | E2ESummary) -> KctlError | None:
    """The error to raise (after rendering) for a failed run or summary; None when all passed."""
    if result.ok:
        return None
    if isinstance(result, E2ESummary):
        message = f"e2e: {result.failed} of {len(result.runs)} runs failed"
        first = next(r for r in result.runs if not r.ok)
        step = first.failed_steps[0] if first.failed_steps else None
        if step is not None:
            message += f" (first: {_label(first.instance, first.bootstrap)}: {step.name}: {step.error})"
    else:
        step = result.failed_steps[0] if result.failed_steps else None
        message = f"e2e: step {step.name} failed: {step.error}" if step else "e2e: failed"
    by_code = {int(ExitCode.UNAVAILABLE): BrokerUnavailable, int(ExitCode.AUTH): AuthError,
               int(ExitCode.USAGE): InvalidRequest, int(ExitCode.CONFIG): ConfigError,
               int(ExitCode.INTERNAL): KctlError}
    cls = by_code.get(result.exit_code, CheckFailed)
    error = cls(message)
    error.exit_code = ExitCode(result.exit_code) if result.exit_code in set(map(int, ExitCode)) else ExitCode.CHECK_FAILED
    return error


# JSON Schema (draft 2020-12 subset) of the documents above; tests validate real output against it.
_NUM = {"type": "number"}
_NUM_OR_NULL = {"type": ["number", "null"]}
_INT = {"type": "integer"}
_STATS = {"type": "object", "required": ["count", "p50_ms", "p95_ms", "p99_ms", "max_ms"],
          "properties": {"count": _INT, "p50_ms": _NUM, "p95_ms": _NUM, "p99_ms": _NUM, "max_ms": _NUM}}
REPORT_SCHEMA = {
    "type": "object",
    "required": ["ok", "exit_code", "instance", "bootstrap", "topic", "group", "run_id", "started_at", "duration_ms",
                 "settings", "cluster", "steps", "produced", "consumed", "missing", "duplicates", "out_of_order",
                 "corrupt", "assignment", "offsets", "latency", "transactions"],
    "additionalProperties": False,
    "properties": {
        "ok": {"type": "boolean"},
        "exit_code": {"type": "integer", "enum": [0, 1, 2, 3, 6, 8, 9]},
        "instance": {"type": ["integer", "null"]},
        "bootstrap": {"type": "string"},
        "topic": {"type": "string"},
        "group": {"type": "string"},
        "run_id": {"type": "string"},
        "started_at": {"type": "string"},
        "duration_ms": _NUM,
        "settings": {
            "type": "object",
            "required": ["messages", "partitions", "replication_factor", "consumers", "transactional", "cleanup",
                         "reuse", "max_p99_ms", "timeout_s"],
            "properties": {"messages": _INT, "partitions": _INT, "replication_factor": {"type": ["integer", "null"]},
                           "consumers": _INT, "transactional": {"type": "boolean"}, "cleanup": {"type": "boolean"},
                           "reuse": {"type": "boolean"}, "max_p99_ms": _NUM_OR_NULL, "timeout_s": _NUM},
        },
        "cluster": {
            "type": ["object", "null"],
            "required": ["cluster_id", "controller_id", "brokers", "topic_count"],
            "properties": {
                "cluster_id": {"type": ["string", "null"]},
                "controller_id": {"type": ["integer", "null"]},
                "topic_count": _INT,
                "brokers": {"type": "array", "items": {
                    "type": "object", "required": ["id", "host", "port", "is_controller"],
                    "properties": {"id": _INT, "host": {"type": "string"}, "port": _INT,
                                   "is_controller": {"type": "boolean"}}}},
            },
        },
        "steps": {"type": "array", "minItems": len(STEPS), "maxItems": len(STEPS), "items": {
            "type": "object", "required": ["name", "title", "status", "duration_ms", "detail", "error"],
            "additionalProperties": False,
            "properties": {"name": {"type": "string", "enum": [n for n, _ in STEPS]}, "title": {"type": "string"},
                           "status": {"type": "string", "enum": ["passed", "failed", "skipped"]},
                           "duration_ms": _NUM, "detail": {"type": "string"}, "error": {"type": ["string", "null"]}}}},
        "produced": _INT, "consumed": _INT, "missing": _INT, "duplicates": _INT, "out_of_order": _INT, "corrupt": _INT,
        "assignment": {"type": "array", "items": {
            "type": "object", "required": ["member", "partitions"],
            "properties": {"member": {"type": "string"}, "partitions": {"type": "array", "items": _INT}}}},
        "offsets": {"type": "array", "items": {
            "type": "object", "required": ["partition", "committed", "end_offset"],
            "properties": {"partition": _INT, "committed": {"type": ["integer", "null"]},
                           "end_offset": {"type": ["integer", "null"]}}}},
        "latency": {
            "type": ["object", "null"], "required": ["overall", "partitions"],
            "properties": {"overall": _STATS, "partitions": {"type": "array", "items": {
                **_STATS, "required": ["partition", *_STATS["required"]],
                "properties": {"partition": _INT, **_STATS["properties"]}}}},
        },
        "transactions": {
            "type": ["object", "null"],
            "required": ["committed_sent", "committed_visible", "aborted_sent", "aborted_visible", "aborted_in_log"],
            "properties": {k: _INT for k in ("committed_sent", "committed_visible", "aborted_sent", "aborted_visible",
                                             "aborted_in_log")},
        },
    },
}
SUMMARY_SCHEMA = {
    "type": "object",
    "required": ["mode", "ok", "exit_code", "runs", "passed", "failed", "unreachable", "duration_p50_ms",
                 "duration_max_ms", "p99_p50_ms", "p99_max_ms"],
    "additionalProperties": False,
    "properties": {
        "mode": {"type": "string", "enum": ["repeat", "all_instances"]},
        "ok": {"type": "boolean"},
        "exit_code": {"type": "integer"},
        "runs": {"type": "array", "items": REPORT_SCHEMA},
        "passed": _INT, "failed": _INT,
        "unreachable": {"type": "array", "items": _INT},
        "duration_p50_ms": _NUM_OR_NULL, "duration_max_ms": _NUM_OR_NULL,
        "p99_p50_ms": _NUM_OR_NULL, "p99_max_ms": _NUM_OR_NULL,
    },
}
