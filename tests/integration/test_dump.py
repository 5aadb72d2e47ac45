"""kctl topics dump / restore against the real broker: a byte-identical round trip, configs,
and a dump with a tampered or missing file refused before anything is written."""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_kctl
from tests.integration.test_copy import fill


def envelopes(bootstrap: str, topic: str) -> list:
    result = run_kctl("-b", bootstrap, "-o", "json", "consume", topic, "--until", "end")
    assert result.code == 0, result
    return sorted(result.json_lines, key=lambda e: (e["partition"], e["offset"]))


def topic_configs(bootstrap: str, topic: str) -> dict:
    from kctl.client import AdminClient

    with AdminClient(bootstrap=bootstrap) as admin:
        entries = admin.describe_configs([topic], 10)[topic].value
    return {e.name: e.value for e in entries if e.source == "topic"}


def delete(bootstrap: str, topic: str) -> None:
    result = run_kctl("-b", bootstrap, "topics", "delete", topic, "--yes")
    assert result.code == 0, result


@pytest.mark.parametrize("compression", ["zstd", "lz4", "gzip", "none"])
def test_dump_delete_restore_gives_the_same_records_and_configs(kafka, unique_name, tmp_path, compression):
    bootstrap = kafka["bootstrap"]
    topic = unique_name("dump")
    config = {"retention.ms": "987654321", "max.message.bytes": "200000"}
    created = run_kctl("-b", bootstrap, "topics", "create", topic, "--partitions", "3",
                       *[a for k, v in config.items() for a in ("-c", f"{k}={v}")])
    assert created.code == 0, created
    fill(bootstrap, topic, 3000 if compression == "zstd" else 300, 3)
    before = envelopes(bootstrap, topic)

    result = run_kctl("-b", bootstrap, "-o", "json", "topics", "dump", topic, "-d", str(tmp_path / "d"),
                      "--compression", compression)
    assert result.code == 0, result
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    (described,) = manifest["topics"]
    assert described["partitions"] == 3 and described["configs"] == config
    assert sum(f["records"] for f in described["files"]) == len(before) == result.json["records"]
    for entry in described["files"]:
        mine = [e for e in before if e["partition"] == entry["partition"]]
        assert entry["first_offset"] == mine[0]["offset"] and entry["last_offset"] == mine[-1]["offset"]
        assert entry["last_timestamp_ms"] == mine[-1]["timestamp_ms"]

    delete(bootstrap, topic)
    restored = run_kctl("-b", bootstrap, "-o", "json", "topics", "restore", str(tmp_path / "d"))
    assert restored.code == 0, restored
    assert restored.json["complete"] is True and restored.json["created"] == [topic]
    assert restored.json["written"] == restored.json["expected"] == len(before)
    assert envelopes(bootstrap, topic) == before  # partitions, offsets, timestamps, keys, values, headers
    assert topic_configs(bootstrap, topic) == config

    again = run_kctl("-b", bootstrap, "topics", "restore", str(tmp_path / "d"))
    assert again.code != 0 and "already exists" in again.stderr  # no silent append
    delete(bootstrap, topic)


def test_a_tampered_or_missing_file_is_refused_and_nothing_written(kafka, new_topic, unique_name, tmp_path):
    bootstrap = kafka["bootstrap"]
    topic = new_topic(partitions=2, prefix="dump")
    fill(bootstrap, topic, 200, 2)
    assert run_kctl("-b", bootstrap, "topics", "dump", topic, "-d", str(tmp_path / "d"),
                    "--compression", "none").code == 0
    target = unique_name("restored")
    victim = tmp_path / "d" / topic / "1.jsonl"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    result = run_kctl("-b", bootstrap, "topics", "restore", str(tmp_path / "d"), "--to", target)
    assert result.code == 5, result
    assert str(victim) in result.stderr and "SHA-256" in result.stderr
    victim.unlink()
    result = run_kctl("-b", bootstrap, "topics", "restore", str(tmp_path / "d"), "--to", target)
    assert result.code == 5 and "missing" in result.stderr and str(victim) in result.stderr, result
    listed = run_kctl("-b", bootstrap, "-o", "json", "topics", "list")
    assert target not in json.dumps(listed.json)  # nothing was created

    again = run_kctl("-b", bootstrap, "topics", "dump", topic, "-d", str(tmp_path / "d"))
    assert again.code == 2 and "already holds a dump" in again.stderr


def test_dump_from_and_until_bound_each_partition(kafka, new_topic, tmp_path):
    bootstrap = kafka["bootstrap"]
    topic = new_topic(partitions=2, prefix="dump")
    fill(bootstrap, topic, 200, 2)  # 100 per partition, offsets 0..99
    result = run_kctl("-b", bootstrap, "-o", "json", "topics", "dump", topic, "-d", str(tmp_path / "d"),
                      "--from", "-30", "--until", "90")
    assert result.code == 0, result
    for part in result.json["partitions"]:
        assert (part["first_offset"], part["last_offset"], part["records"]) == (70, 89, 20)
