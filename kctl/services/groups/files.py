"""Offset files: read the targets of `reset-offsets --from-file` (kctl.render.groups.export_plan writes them).

CSV is what kafka-consumer-groups.sh --export writes: `topic,partition,offset` per line (with
--all-groups a leading group column: `group,topic,partition,offset`). kctl JSON is the plan
`reset-offsets -o json` prints (its partitions' new_offset), or a list of {topic, partition, offset}.
Both are decoded strictly (kctl.decode): unknown keys, wrong types and negative numbers are refused,
naming the file and the entry or line.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated

import msgspec

from kctl.decode import NonEmptyStr, Strict, decode, parse_json, read_regular_file
from kctl.errors import UsageError
from kctl.parsing import INT32_MAX, INT64_MAX, is_int

TopicPartitionKey = tuple[str, int]
# Kafka's partition ids are int32 and offsets int64: a larger number cannot reach the broker.
Partition = Annotated[int, msgspec.Meta(ge=0, le=INT32_MAX)]
Offset = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]


class FileOffset(Strict):
    """One target: a CSV line, or an entry of a JSON list."""

    topic: NonEmptyStr
    partition: Partition
    offset: Offset


class PlanRow(Strict):
    """A partition of a reset plan (kctl.models.OffsetReset as -o json / --export F.json write it)."""

    topic: NonEmptyStr
    partition: Partition
    new_offset: Offset | None  # null: a partition the plan left out
    current_offset: Offset | None = None
    ok: bool = True
    detail: str = ""
    error: str | None = None
    exit_code: int = 0
    reread: int | None = None
    skipped: int | None = None
    from_timestamp_ms: int | None = None
    to_timestamp_ms: int | None = None
    delete: bool = False


class Plan(Strict):
    """A reset plan (kctl.models.OffsetResetResult as JSON); only its partitions' new offsets are used."""

    partitions: list[PlanRow]
    group_id: str | None = None
    strategy: str | None = None
    executed: bool = False
    active_members: int = 0
    snapshot_id: str | None = None
    records_reread: int | None = None
    records_skipped: int | None = None
    from_timestamp_ms: int | None = None
    to_timestamp_ms: int | None = None


def read_offsets_file(path: str, group: str) -> dict[TopicPartitionKey, int]:
    """{(topic, partition): offset} from a CSV or kctl JSON file (rows of other groups left out)."""
    source = f"--from-file {path}"
    data = read_regular_file(path, source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if text.lstrip().startswith(("{", "[")):
        return _from_json(text, source)
    return _from_csv(text, source, group)


def _from_json(text: str, source: str) -> dict:
    data = parse_json(text, source)
    if isinstance(data, list):
        return {(e.topic, e.partition): e.offset for e in decode(data, list[FileOffset], source)}
    plan = decode(data, Plan, source)
    return {(r.topic, r.partition): r.new_offset for r in plan.partitions if r.new_offset is not None}


def _from_csv(text: str, source: str, group: str) -> dict:
    out = {}
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise UsageError(f"{source}: not CSV ({exc})") from None
    for n, fields in enumerate(lines, 1):
        fields = [f.strip() for f in fields]
        if not fields or not any(fields):
            continue
        if len(fields) == 4:
            if fields[0] != group:
                continue
            fields = fields[1:]
        if len(fields) != 3 or not is_int(fields[1]) or not is_int(fields[2]):
            if n == 1 and fields and fields[0].lower() in ("topic", "group"):
                continue  # a header line
            raise UsageError(f"{source} line {n}: expected topic,partition,offset (whole numbers >= 0), "
                             f"got {','.join(fields)[:200]!r}")
        entry = decode({"topic": fields[0], "partition": int(fields[1]), "offset": int(fields[2])}, FileOffset,
                       f"{source} line {n}")
        out[(entry.topic, entry.partition)] = entry.offset
    return out
