"""`kctl topics restore DIR`: verify every file of the dump against the manifest first (nothing
is written from a dump with a missing or altered file), create the topics with the manifest's
partitions and configs, write each record to its partition with its timestamp, key, value and
headers through an idempotent producer, and count what the cluster acknowledged."""

from __future__ import annotations

import os
import stat
import time
from typing import Annotated, Callable, Literal

import msgspec

from kctl import serde
from kctl.client import AdminClient, ProducerClient
from kctl.decode import NonEmptyStr, NonNegativeInt, PositiveInt, Strict, decode, inside, parse_json, read_regular_file
from kctl.errors import InvalidRequest, NotFoundError, PartialFailure, UsageError
from kctl.models.moving import RestorePartition, RestoreSummary
from kctl.services.dump.files import COMPRESSIONS, FORMAT, MANIFEST, count_records, open_lines, sha256_of
from kctl.services.failure_sink import FailureSink

Sha256 = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
Compression = Literal[tuple(COMPRESSIONS)]  # the names dump writes, defined once in files.py


class FileEntry(Strict):
    """One partition's file, as `kctl topics dump` writes it."""

    partition: NonNegativeInt
    file: NonEmptyStr
    records: NonNegativeInt
    bytes: NonNegativeInt
    sha256: Sha256
    first_offset: NonNegativeInt | None = None
    last_offset: NonNegativeInt | None = None
    first_timestamp_ms: int | None = None
    last_timestamp_ms: int | None = None


class TopicEntry(Strict):
    name: NonEmptyStr
    partitions: PositiveInt
    replication_factor: NonNegativeInt
    files: list[FileEntry]
    configs: dict[str, str] = {}


class Manifest(Strict):
    format: Literal[FORMAT]
    compression: Compression
    topics: Annotated[list[TopicEntry], msgspec.Meta(min_length=1)]
    created: str | None = None
    cluster_id: str | None = None


def read_manifest(directory: str) -> Manifest:
    """The dump's manifest, decoded strictly and checked against itself: every file's partition
    exists in its topic (once), and every file is a path inside the dump directory. Nothing is
    read from outside it, whatever the manifest says."""
    path = os.path.join(directory, MANIFEST)
    if not os.path.lexists(path):
        raise NotFoundError(f"{path} does not exist", hint="a dump directory holds manifest.json")
    manifest = decode(parse_json(read_regular_file(path), path), Manifest, path)
    names: set[str] = set()
    for t, topic in enumerate(manifest.topics):
        if topic.name in names:
            raise UsageError(f"{path}: topics[{t}].name: topic {topic.name} appears twice")
        names.add(topic.name)
        seen: set[int] = set()
        for f, entry in enumerate(topic.files):
            where = f"{path}: topics[{t}].files[{f}]"
            if entry.partition >= topic.partitions:
                raise UsageError(f"{where}.partition: {entry.partition} is not a partition of {topic.name} "
                                 f"(it has {topic.partitions})")
            if entry.partition in seen:
                raise UsageError(f"{where}.partition: partition {entry.partition} appears twice")
            seen.add(entry.partition)
            inside(directory, entry.file, f"{where}.file")
    return manifest


def _file(directory: str, manifest_path: str, t: int, f: int, entry: FileEntry) -> str:
    """The resolved path of a file entry (read_manifest checked it stays inside the dump)."""
    return inside(directory, entry.file, f"{manifest_path}: topics[{t}].files[{f}].file")


def verify(directory: str, manifest: Manifest) -> None:
    """PartialFailure (exit 5) naming the first file that is missing or whose SHA-256 differs;
    UsageError (exit 2) for one that is not a regular file (a FIFO or device would block or
    never end)."""
    manifest_path = os.path.join(directory, MANIFEST)
    for t, topic in enumerate(manifest.topics):
        for f, entry in enumerate(topic.files):
            path = _file(directory, manifest_path, t, f, entry)
            try:
                mode = os.stat(path).st_mode
            except FileNotFoundError:
                raise PartialFailure(f"{os.path.join(directory, entry.file)} is missing from the dump; "
                                     "nothing was written") from None
            except OSError as exc:
                raise PartialFailure(f"{path}: {exc.strerror}; nothing was written") from None
            if not stat.S_ISREG(mode):
                raise UsageError(f"{manifest_path}: topics[{t}].files[{f}].file: {entry.file} is not a regular file; "
                                 "nothing was written")
            digest, _ = sha256_of(path)
            if digest != entry.sha256:
                raise PartialFailure(f"{os.path.join(directory, entry.file)} does not match its SHA-256 in the "
                                     "manifest (corrupted or altered); nothing was written")
            # The count is what restore reports against: a manifest that says otherwise would create
            # the topic and then end in a partial failure.
            held = count_records(path, manifest.compression)
            if held != entry.records:
                raise UsageError(f"{manifest_path}: topics[{t}].files[{f}].records: {entry.records}, but "
                                 f"{entry.file} holds {held} records; nothing was written")


def record_of(line: bytes):
    """(key, value, headers, timestamp_ms) of one envelope line."""
    obj = serde.parse_json(line)
    key = serde.decode_field(obj.get("key"), obj.get("key_encoding"))
    value = serde.decode_field(obj.get("value"), obj.get("value_encoding"))
    headers = [(h["key"], serde.decode_field(h.get("value"), h.get("encoding"))) for h in obj.get("headers") or ()]
    return key, value, headers, obj.get("timestamp_ms")


def _prepare(admin, topic: TopicEntry, name: str, if_not_exists: bool, timeout: float) -> bool:
    """Create `name` like the dumped topic; True when created."""
    existing = admin.topic(name, timeout)
    if existing is not None:
        if not if_not_exists:
            raise InvalidRequest(f"topic {name} already exists", hint="--if-not-exists appends to it, --to renames")
        if len(existing.partitions) < topic.partitions:
            raise InvalidRequest(f"topic {name} has {len(existing.partitions)} partitions, the dump "
                                 f"{topic.partitions}")
        return False
    brokers = len(admin.describe_cluster(timeout).brokers)
    outcome = admin.create_topics([name], topic.partitions, min(topic.replication_factor, brokers) or None,
                                  dict(topic.configs), timeout=timeout)[name]
    if outcome.error is not None:
        raise outcome.error
    return True


def restore(conf: dict, directory: str, to: str | None = None, if_not_exists: bool = False, timeout: float = 10.0,
            progress: Callable[[int, int], None] | None = None) -> RestoreSummary:
    started = time.monotonic()
    manifest = read_manifest(directory)
    if to is not None and len(manifest.topics) != 1:
        raise UsageError(f"--to renames one topic, the dump holds {len(manifest.topics)}")
    verify(directory, manifest)
    manifest_path = os.path.join(directory, MANIFEST)
    names = {t.name: to or t.name for t in manifest.topics}
    created = []
    with AdminClient(conf, timeout=timeout) as admin:
        for topic in manifest.topics:
            if _prepare(admin, topic, names[topic.name], if_not_exists, timeout):
                created.append(names[topic.name])
    expected_total = sum(e.records for t in manifest.topics for e in t.files)
    failures = FailureSink()
    rows = []
    with ProducerClient(conf, idempotence=True, acks="all", linger_ms=10, delivery_reports="errors",
                        on_delivery_error=failures) as producer:
        sent = 0
        for t, topic in enumerate(manifest.topics):
            name = names[topic.name]
            for f, entry in enumerate(topic.files):
                before, count = failures.count, 0
                with open_lines(_file(directory, manifest_path, t, f, entry), manifest.compression) as lines:
                    for number, line in enumerate(lines, 1):
                        try:
                            key, value, headers, timestamp = record_of(line)
                        except (ValueError, KeyError, TypeError, AttributeError) as exc:
                            raise PartialFailure(f"{entry.file} line {number}: not a record envelope ({exc})",
                                                 hint=f"{sent} records were written before it") from None
                        producer.produce(name, value, key, partition=entry.partition, headers=headers or None,
                                         timestamp_ms=timestamp if timestamp and timestamp > 0 else None)
                        count += 1
                        sent += 1
                        if sent % 10000 == 0:
                            producer.poll(0)
                            if progress:
                                progress(sent, expected_total)
                pending = producer.flush()  # per file: its failures are its own
                rows.append(RestorePartition(name, entry.partition, entry.records,
                                             count - pending - (failures.count - before)))
    written = sum(r.written for r in rows)
    return RestoreSummary(str(directory), tuple(names.values()), tuple(created), expected_total, written,
                          failures.count, round(time.monotonic() - started, 3), tuple(rows))
