"""The pure parts of `kctl e2e run` (no I/O): the steps, the payloads, the verification of what
arrived, the group assignment check and the latency statistics. The unit tests feed them
hand-made cases; the Temporal workflow (kctl.temporal.e2e_flow) uses the same functions."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from kctl.models import E2EStep, LatencyStats

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

    @property
    def failed(self) -> bool:
        return bool(self.missing or self.duplicates or self.out_of_order or self.corrupt)


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
