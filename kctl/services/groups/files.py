"""Offset files: read the targets of `reset-offsets --from-file` (kctl.render.groups.export_plan writes them).

CSV is what kafka-consumer-groups.sh --export writes: `topic,partition,offset` per line (with
--all-groups a leading group column: `group,topic,partition,offset`). kctl JSON is the plan
`reset-offsets -o json` prints (its partitions' new_offset), or a list of {topic, partition, offset}.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from kctl.errors import NotFoundError, UsageError
from kctl.parsing import is_int

TopicPartitionKey = tuple[str, int]


def read_offsets_file(path: str, group: str) -> dict[TopicPartitionKey, int]:
    """{(topic, partition): offset} from a CSV or kctl JSON file (rows of other groups left out)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"--from-file: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--from-file: cannot read {path}: {exc}") from None
    if text.lstrip().startswith(("{", "[")):
        return _from_json(text, path)
    return _from_csv(text, path, group)


def _from_json(text: str, path: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--from-file: {path} is not valid JSON: {exc}") from None
    rows = data.get("partitions") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise UsageError(f"--from-file: {path}: expected a reset plan or a list of {{topic, partition, offset}}")
    out = {}
    for n, row in enumerate(rows, 1):
        offset = row.get("new_offset", row.get("offset")) if isinstance(row, dict) else None
        if not isinstance(row, dict) or not isinstance(row.get("topic"), str) or not isinstance(row.get("partition"), int):
            raise UsageError(f"--from-file: {path}: entry {n} needs topic and partition")
        if offset is None:
            continue  # a partition the plan left out
        if not isinstance(offset, int) or offset < 0:
            raise UsageError(f"--from-file: {path}: entry {n}: offset must be a whole number >= 0, got {offset!r}")
        out[(row["topic"], row["partition"])] = offset
    return out


def _from_csv(text: str, path: str, group: str) -> dict:
    out = {}
    for n, fields in enumerate(csv.reader(io.StringIO(text)), 1):
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
            raise UsageError(f"--from-file: {path} line {n}: expected topic,partition,offset, got {','.join(fields)!r}")
        out[(fields[0], int(fields[1]))] = int(fields[2])
    return out
