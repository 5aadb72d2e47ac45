"""`kctl topics dump`: each partition of each topic to a compressed JSON Lines file of the
envelope (kctl/serde.py), then manifest.json. Streams: a bounded consumer queue and one open
file per partition, so memory stays flat however large the topics are."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from kctl import serde
from kctl.client import AdminClient, ConsumerClient
from kctl.errors import NotFoundError, UsageError
from kctl.models.moving import DumpPartition, DumpSummary
from kctl.parsing import check_writable_dir
from kctl.services.consume.options import Position
from kctl.services.copy.positions import start_offsets, stop_offsets
from kctl.services.copy.reader import BoundedReader
from kctl.services.copy.run import consumer_conf
from kctl.services.dump.files import FORMAT, MANIFEST, open_writer, sha256_of, suffix


class PartitionFile:
    """One partition's file being written, and what the manifest says about it."""

    def __init__(self, directory: Path, topic: str, partition: int, compression: str):
        self.topic, self.partition = topic, partition
        self.relative = f"{topic}/{partition}{suffix(compression)}"
        self.path = directory / self.relative
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.stream = open_writer(self.path, compression)
        self.records = 0
        self.pending: list[bytes] = []  # lines joined into one compressor call per 1000
        self.first_offset = self.last_offset = self.first_ts = self.last_ts = None

    def write(self, record) -> None:
        line = serde.envelope(record.topic, record.partition, record.offset, record.timestamp_ms, record.key,
                              record.value, list(record.headers))
        self.pending.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        if len(self.pending) >= 1000:
            self.stream.write(b"".join(self.pending))
            self.pending.clear()
        if self.first_offset is None:
            self.first_offset, self.first_ts = record.offset, record.timestamp_ms
        self.last_offset, self.last_ts = record.offset, record.timestamp_ms
        self.records += 1

    def close(self) -> DumpPartition:
        if self.pending:
            self.stream.write(b"".join(self.pending))
            self.pending.clear()
        self.stream.close()
        digest, size = sha256_of(self.path)
        return DumpPartition(self.topic, self.partition, self.relative, self.records, self.first_offset,
                             self.last_offset, self.first_ts, self.last_ts, size, digest)


def _describe(admin, topics: list[str], timeout: float) -> dict:
    out = {}
    configs = admin.describe_configs(topics, timeout)
    for topic in topics:
        info = admin.topic(topic, timeout)
        if info is None:
            raise NotFoundError(f"topic {topic} does not exist")
        outcome = configs[topic]
        if outcome.error is not None:
            raise outcome.error
        out[topic] = {"name": topic, "partitions": len(info.partitions),
                      "replication_factor": info.replication_factor,
                      "configs": {e.name: e.value for e in outcome.value if e.source == "topic" and e.value is not None}}
    return out


def dump(conf: dict, topics: list[str], directory: str, compression: str = "zstd", start: Position | None = None,
         until: Position | None = None, timeout: float = 10.0,
         progress: Callable[[int, "int | None"], None] | None = None, where=None) -> DumpSummary:
    """where: a kctl.services.where.Where; only the records it holds for are written."""
    suffix(compression)
    topics = list(dict.fromkeys(topics))
    check_writable_dir(directory, "--dir")
    root = Path(directory)
    if (root / MANIFEST).exists():
        raise UsageError(f"{root / MANIFEST} exists: {directory} already holds a dump", hint="choose another -d")
    started = time.monotonic()
    with AdminClient(conf, timeout=timeout) as admin:
        cluster_id = admin.describe_cluster().cluster_id
        described = _describe(admin, topics, timeout)
    root.mkdir(parents=True, exist_ok=True)
    consumer = ConsumerClient(consumer_conf(conf, f"kctl-dump-{os.getpid()}-{int(time.time() * 1000)}"))
    files: dict = {}
    try:
        keys = [(t, p) for t in topics for p in range(described[t]["partitions"])]
        marks = {k: consumer.watermarks(k[0], k[1], timeout) for k in keys}
        reader = BoundedReader(consumer, keys, start_offsets(consumer, keys, start, {}, marks, timeout),
                               stop_offsets(consumer, keys, until, False, marks, timeout))
        files = {k: PartitionFile(root, k[0], k[1], compression) for k in keys}
        reader.assign()
        written = 0
        while not reader.all_done():
            reader.check_progress(max(timeout, 30.0))
            for record in reader.poll(10000, 0.5):
                if where is not None and not where(record):
                    continue
                files[(record.topic, record.partition)].write(record)
                written += 1
            if progress:
                progress(written, reader.left())
    finally:
        consumer.close(5.0)
        closed = {k: f.close() for k, f in files.items()}
    for topic in topics:
        described[topic]["files"] = [_file_entry(closed[(topic, p)]) for p in range(described[topic]["partitions"])]
    manifest = {"format": FORMAT, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "cluster_id": cluster_id, "compression": compression,
                "topics": [described[t] for t in topics]}
    tmp = root / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(root / MANIFEST)  # the manifest last: a dump without one is incomplete
    parts = tuple(closed[k] for k in keys)
    return DumpSummary(str(root), cluster_id, compression, sum(p.records for p in parts),
                       sum(p.bytes for p in parts), round(time.monotonic() - started, 3), parts)


def _file_entry(p: DumpPartition) -> dict:
    return {"partition": p.partition, "file": p.file, "records": p.records, "first_offset": p.first_offset,
            "last_offset": p.last_offset, "first_timestamp_ms": p.first_timestamp_ms,
            "last_timestamp_ms": p.last_timestamp_ms, "bytes": p.bytes, "sha256": p.sha256}
