"""`kctl topics restore DIR`: verify every file of the dump against the manifest first (nothing
is written from a dump with a missing or altered file), create the topics with the manifest's
partitions and configs, write each record to its partition with its timestamp, key, value and
headers through an idempotent producer, and count what the cluster acknowledged."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

from kctl import serde
from kctl.errors import InvalidRequest, NotFoundError, PartialFailure, UsageError
from kctl.models.moving import RestorePartition, RestoreSummary
from kctl.services.dump.files import COMPRESSIONS, FORMAT, MANIFEST, open_lines, sha256_of


def read_manifest(directory: str) -> dict:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise NotFoundError(f"{path} does not exist", hint="a dump directory holds manifest.json")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise PartialFailure(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or \
            manifest.get("compression") not in COMPRESSIONS or not isinstance(manifest.get("topics"), list):
        raise PartialFailure(f"{path} is not a {FORMAT} manifest")
    return manifest


def verify(directory: str, manifest: dict) -> None:
    """PartialFailure (exit 5) naming the first file that is missing or whose SHA-256 differs."""
    root = Path(directory)
    for topic in manifest["topics"]:
        for entry in topic["files"]:
            path = root / entry["file"]
            if not path.is_file():
                raise PartialFailure(f"{path} is missing from the dump; nothing was written")
            digest, _ = sha256_of(path)
            if digest != entry["sha256"]:
                raise PartialFailure(f"{path} does not match its SHA-256 in the manifest (corrupted or altered); "
                                     "nothing was written")


def record_of(line: bytes):
    """(key, value, headers, timestamp_ms) of one envelope line."""
    obj = json.loads(line)
    key = serde.decode_field(obj.get("key"), obj.get("key_encoding"))
    value = serde.decode_field(obj.get("value"), obj.get("value_encoding"))
    headers = [(h["key"], serde.decode_field(h.get("value"), h.get("encoding"))) for h in obj.get("headers") or ()]
    return key, value, headers, obj.get("timestamp_ms")


class _Failures:
    def __init__(self):
        self.count = 0
        self.first = None

    def __call__(self, error, *_):
        self.count += 1
        self.first = self.first or error


def _prepare(admin, topic: dict, name: str, if_not_exists: bool, timeout: float) -> bool:
    """Create `name` like the dumped topic; True when created."""
    existing = admin.topic(name, timeout)
    if existing is not None:
        if not if_not_exists:
            raise InvalidRequest(f"topic {name} already exists", hint="--if-not-exists appends to it, --to renames")
        if len(existing.partitions) < topic["partitions"]:
            raise InvalidRequest(f"topic {name} has {len(existing.partitions)} partitions, the dump "
                                 f"{topic['partitions']}")
        return False
    brokers = len(admin.describe_cluster(timeout).brokers)
    outcome = admin.create_topics([name], topic["partitions"], min(topic["replication_factor"], brokers) or None,
                                  topic["configs"], timeout=timeout)[name]
    if outcome.error is not None:
        raise outcome.error
    return True


def restore(conf: dict, directory: str, to: str | None = None, if_not_exists: bool = False, timeout: float = 10.0,
            progress: Callable[[int, int], None] | None = None) -> RestoreSummary:
    from kctl.client import AdminClient, ProducerClient

    started = time.monotonic()
    manifest = read_manifest(directory)
    if to is not None and len(manifest["topics"]) != 1:
        raise UsageError(f"--to renames one topic, the dump holds {len(manifest['topics'])}")
    verify(directory, manifest)
    names = {t["name"]: to or t["name"] for t in manifest["topics"]}
    created = []
    with AdminClient(conf, timeout=timeout) as admin:
        for topic in manifest["topics"]:
            if _prepare(admin, topic, names[topic["name"]], if_not_exists, timeout):
                created.append(names[topic["name"]])
    expected_total = sum(e["records"] for t in manifest["topics"] for e in t["files"])
    failures = _Failures()
    rows = []
    with ProducerClient(conf, idempotence=True, acks="all", linger_ms=10, delivery_reports="errors",
                        on_delivery_error=failures) as producer:
        sent = 0
        for topic in manifest["topics"]:
            name = names[topic["name"]]
            for entry in topic["files"]:
                before, count = failures.count, 0
                with open_lines(Path(directory) / entry["file"], manifest["compression"]) as lines:
                    for number, line in enumerate(lines, 1):
                        try:
                            key, value, headers, timestamp = record_of(line)
                        except (ValueError, KeyError, TypeError, AttributeError) as exc:
                            raise PartialFailure(f"{entry['file']} line {number}: not a record envelope ({exc})",
                                                 hint=f"{sent} records were written before it") from None
                        producer.produce(name, value, key, partition=entry["partition"], headers=headers or None,
                                         timestamp_ms=timestamp if timestamp and timestamp > 0 else None)
                        count += 1
                        sent += 1
                        if sent % 10000 == 0:
                            producer.poll(0)
                            if progress:
                                progress(sent, expected_total)
                pending = producer.flush()  # per file: its failures are its own
                rows.append(RestorePartition(name, entry["partition"], entry["records"],
                                             count - pending - (failures.count - before)))
    written = sum(r.written for r in rows)
    return RestoreSummary(str(directory), tuple(names.values()), tuple(created), expected_total, written,
                          failures.count, round(time.monotonic() - started, 3), tuple(rows))
