"""kctl topics dump / restore against the real broker: a byte-identical round trip, configs,
and a dump with a tampered or missing file refused before anything is written."""

from __future__ import annotations

import json

import pytest

from tests.helpers import fill, run_kctl


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


# ---- a manifest is input like any other: decoded strictly before anything is written ----------------------


@pytest.fixture(scope="module")
def a_dump(kafka, tmp_path_factory):
    """A dump of a 2-partition topic (20 records), made once; each case alters a copy of it."""
    import uuid

    bootstrap = kafka["bootstrap"]
    topic = f"dump-manifest-{uuid.uuid4().hex[:8]}"
    assert run_kctl("-b", bootstrap, "topics", "create", topic, "--partitions", "2").code == 0
    fill(bootstrap, topic, 20, 2)
    directory = tmp_path_factory.mktemp("dump") / "d"
    assert run_kctl("-b", bootstrap, "topics", "dump", topic, "-d", str(directory), "--compression", "none").code == 0
    yield directory
    delete(bootstrap, topic)


def _outside_file(d, manifest):
    """A file beside the dump, with the right checksum: only its place gives it away."""
    entry = manifest["topics"][0]["files"][0]
    (d.parent / "outside.jsonl").write_bytes((d / entry["file"]).read_bytes())
    entry["file"] = "../outside.jsonl"


def _symlink_out(d, manifest):
    entry = manifest["topics"][0]["files"][0]
    (d.parent / "elsewhere.jsonl").write_bytes((d / entry["file"]).read_bytes())
    (d / "link.jsonl").symlink_to(d.parent / "elsewhere.jsonl")
    entry["file"] = "link.jsonl"


def _absolute(d, manifest):
    entry = manifest["topics"][0]["files"][0]
    entry["file"] = str(d / entry["file"])


def _fifo(d, manifest):
    import os

    os.mkfifo(d / "fifo.jsonl")
    manifest["topics"][0]["files"][0]["file"] = "fifo.jsonl"


def _file_0(**changes):
    def alter(d, manifest):
        manifest["topics"][0]["files"][0].update(changes)
    return alter


def _top(**changes):
    def alter(d, manifest):
        manifest.update(changes)
    return alter


def _topic(**changes):
    def alter(d, manifest):
        manifest["topics"][0].update(changes)
    return alter


def _one_record_more(d, manifest):
    """A count the file does not hold (the checksum still matches): restore would end short."""
    manifest["topics"][0]["files"][0]["records"] += 1


def _duplicate_partition(d, manifest):
    files = manifest["topics"][0]["files"]
    files[1]["partition"] = files[0]["partition"]


BAD_MANIFESTS = [
    ("partition -1", _file_0(partition=-1), "topics[0].files[0].partition"),
    ("partition beyond the topic", _file_0(partition=2), "topics[0].files[0].partition"),
    ("partition a string", _file_0(partition="0"), "topics[0].files[0].partition"),
    ("partition twice", _duplicate_partition, "topics[0].files[1].partition"),
    ("file outside the dump", _outside_file, "leaves the folder"),
    ("file a symlink out of the dump", _symlink_out, "leaves the folder"),
    ("file an absolute path", _absolute, "is not a path inside"),
    ("file a FIFO", _fifo, "not a regular file"),
    ("file empty", _file_0(file=""), "topics[0].files[0].file"),
    ("unknown key in a file entry", _file_0(offset_base=3), "topics[0].files[0]"),
    ("unknown key at the top", _top(signature="x"), "signature"),
    ("records a string", _file_0(records="10"), "topics[0].files[0].records"),
    ("records more than the file holds", _one_record_more, "topics[0].files[0].records"),
    ("sha256 not a digest", _file_0(sha256="abc"), "topics[0].files[0].sha256"),
    ("no files list", _topic(files=None), "topics[0].files"),
    ("partitions 0", _topic(partitions=0), "topics[0].partitions"),
    ("configs not strings", _topic(configs={"retention.ms": 5}), "topics[0].configs"),
    ("another format", _top(format="kctl-dump/9"), "format"),
    ("unknown compression", _top(compression="brotli"), "compression"),
    ("no topics", _top(topics=[]), "topics"),
]


@pytest.mark.parametrize("what, alter, says", BAD_MANIFESTS, ids=[c[0] for c in BAD_MANIFESTS])
def test_a_bad_manifest_is_refused_before_anything_is_written(kafka, a_dump, tmp_path, unique_name, what, alter,
                                                             says):
    import shutil

    d = tmp_path / "d"
    shutil.copytree(a_dump, d)
    manifest = json.loads((d / "manifest.json").read_text())
    alter(d, manifest)
    (d / "manifest.json").write_text(json.dumps(manifest))
    target = unique_name("restored")
    result = run_kctl("-b", kafka["bootstrap"], "topics", "restore", str(d), "--to", target)
    assert result.code == 2, result
    errors = [line for line in result.stderr.splitlines() if line.startswith("kctl: error: ")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result
    assert f"{d / 'manifest.json'}: " in errors[0] and says in errors[0], result
    listed = run_kctl("-b", kafka["bootstrap"], "-o", "json", "topics", "list")
    assert target not in json.dumps(listed.json)  # nothing was created


@pytest.mark.parametrize("what, text", [("not JSON", b"{"), ("nested too deeply", b"[" * 5000 + b"]" * 5000),
                                        ("not UTF-8", b'{"format": "\xff"}')], ids=["not JSON", "deep", "not UTF-8"])
def test_a_manifest_that_is_not_json_is_refused(kafka, a_dump, tmp_path, what, text):
    import shutil

    d = tmp_path / "d"
    shutil.copytree(a_dump, d)
    (d / "manifest.json").write_bytes(text)
    result = run_kctl("-b", kafka["bootstrap"], "topics", "restore", str(d), "--to", "never-made")
    assert result.code == 2 and "Traceback" not in result.stderr, result
    assert f"{d / 'manifest.json'}: " in result.stderr
