"""`kctl consume` against a real broker: start/stop positions, outputs, filters, edges."""

from __future__ import annotations

import base64
import json
import signal
import struct
import subprocess
import sys
import time

import pytest

from tests.helpers import KEEP_OLD_RECORDS, run_kctl
from tests.integration.consume_helpers import ROOT, committed, group_name, kctl_popen, produce


def _bootstrap(kafka):
    return ["-b", kafka["bootstrap"]]


def test_until_end_reads_every_partition_and_assign_mode_commits_nothing(kafka, new_topic, admin):
    topic = new_topic(partitions=3)
    produce(kafka["bootstrap"], topic, [{"value": f"m{i}".encode(), "partition": i % 3} for i in range(30)])
    groups_before = {g.group_id for g in admin.list_consumer_groups().result(timeout=30).valid}
    result = run_kctl("consume", topic, "--until", "end", *_bootstrap(kafka))
    assert result.code == 0, result
    assert sorted(result.stdout.split()) == sorted(f"m{i}" for i in range(30))
    new_groups = {g.group_id for g in admin.list_consumer_groups().result(timeout=30).valid} - groups_before
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

    for group in (g for g in new_groups if g.startswith("kctl-consume-")):
        request = [ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in range(3)])]
        offsets = admin.list_consumer_group_offsets(request)[group].result(timeout=30)
        assert all(tp.offset < 0 for tp in offsets.topic_partitions), (group, offsets)


def test_empty_topic_until_end_exits_at_once_with_nothing(kafka, new_topic):
    topic = new_topic(partitions=2)
    result = run_kctl("-v", "consume", topic, "--until", "end", *_bootstrap(kafka))
    assert (result.code, result.stdout) == (0, "")
    # answered from the watermarks: no partition assigned, so no fetch to wait for
    assert "event=partitions_assigned count=0 " in result.stderr, result.stderr
    assert result.stderr.count("event=partition_done") == 2, result.stderr


def test_until_end_assigns_only_partitions_with_records(kafka, new_topic):
    topic = new_topic(partitions=3)
    produce(kafka["bootstrap"], topic, [{"value": f"m{i}".encode(), "partition": 1} for i in range(5)])
    result = run_kctl("-v", "consume", topic, "--until", "end", *_bootstrap(kafka))
    assert result.code == 0, result
    assert result.stdout.split() == [f"m{i}" for i in range(5)]
    assert "event=partitions_assigned count=1 " in result.stderr, result.stderr
    result = run_kctl("-v", "consume", topic, "--until", "end", "--from", "end", *_bootstrap(kafka))
    assert (result.code, result.stdout) == (0, "")
    assert "event=partitions_assigned count=0 " in result.stderr, result.stderr


def test_from_variants(kafka, new_topic):
    topic = new_topic(partitions=1)
    now = int(time.time() * 1000)
    old = now - 3 * 3_600_000
    records = [{"value": f"v{i}".encode(), "timestamp": old + i * 1000} for i in range(5)]
    records += [{"value": f"v{i}".encode(), "timestamp": now - 60_000 + i} for i in range(5, 10)]
    produce(kafka["bootstrap"], topic, records)

    def read(*args):
        result = run_kctl("consume", topic, "--until", "end", "-f", "%o", *args, *_bootstrap(kafka))
        assert result.code == 0, result
        return [int(x) for x in result.stdout.split()]

    assert read() == list(range(10))
    assert read("--from", "beginning") == list(range(10))
    assert read("--from", "end") == []
    assert read("--from", "7") == [7, 8, 9]
    assert read("--from", "-3") == [7, 8, 9]
    assert read("--from", "-30") == list(range(10))
    assert read("--from", f"@{old + 2000}") == list(range(2, 10))
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((old + 3000) / 1000)) + ".000Z"
    assert read("--from", f"@{iso}") == list(range(3, 10))
    assert read("--from", "@-1h") == list(range(5, 10))
    assert read("--from", f"@{now + 3_600_000}") == []


def test_until_variants_and_max_messages(kafka, new_topic):
    topic = new_topic(partitions=2)
    now = int(time.time() * 1000)
    records = [{"value": f"{p}-{i}".encode(), "partition": p, "timestamp": now - 100_000 + i * 1000}
               for p in range(2) for i in range(10)]
    produce(kafka["bootstrap"], topic, records)

    def read(*args):
        result = run_kctl("consume", topic, "-f", "%p-%o", *args, *_bootstrap(kafka))
        assert result.code == 0, result
        return sorted(result.stdout.split())

    assert read("--until", "4") == sorted(f"{p}-{o}" for p in range(2) for o in range(4))
    assert read("--from", "2", "--until", "5", "--partition", "1") == ["1-2", "1-3", "1-4"]
    assert read("--until", f"@{now - 100_000 + 3000}") == sorted(f"{p}-{o}" for p in range(2) for o in range(3))
    assert read("--until", "@-1s") == sorted(f"{p}-{o}" for p in range(2) for o in range(10))
    assert len(read("-n", "3")) == 3
    assert len(read("-n", "15", "--until", "end")) == 15
    assert len(read("--idle-timeout", "1")) == 20


def test_max_messages_counts_only_written_records_across_chunks(kafka, new_topic):
    """-n with --match on the per-record path: filtered records do not count, and the count holds
    across the output chunks (64 KiB when piped). (This path once rescanned its pending records for
    every record: 100k records with -n took 20 s instead of 2 s; the speed belongs to bench/.)"""
    topic = new_topic(partitions=1)
    produce(kafka["bootstrap"], topic, [{"value": b"%d-%s" % (i, b"x" * 100)} for i in range(3000)])
    result = run_kctl("consume", topic, "--until", "end", "-f", "%o %v", "--match", "value=^[0-9]*[02468]-",
                      "-n", "1200", *_bootstrap(kafka))
    assert result.code == 0, result
    offsets = [int(line.split()[0]) for line in result.stdout.splitlines()]
    assert offsets == list(range(0, 2400, 2))


def test_format_tokens(kafka, new_topic):
    topic = new_topic(partitions=1, config=KEEP_OLD_RECORDS)  # the record's time is 2026-11-26
    produce(kafka["bootstrap"], topic, [{"key": b"k1", "value": b"hello", "headers": [("h", b"x"), ("e", b"")],
                                         "timestamp": 1795687200123}])
    result = run_kctl("consume", topic, "--until", "end", "-f", r"%t|%p|%o|%k|%K|%v|%S|%h|%T|%d\n", *_bootstrap(kafka))
    assert result.code == 0, result
    assert result.stdout == f"{topic}|0|0|k1|2|hello|5|h=x,e=|1795687200123|2026-11-26T10:00:00.123Z\n"


def test_json_lines_envelope_with_binary_keys_values_headers(kafka, new_topic):
    topic = new_topic(partitions=1)
    produce(kafka["bootstrap"], topic, [
        {"key": b"\xff\x00k", "value": b"\x80\x81", "headers": [("bin", b"\xfe"), ("text", b"ok"), ("none", None)]},
        {"key": None, "value": None},
        {"key": b"plain", "value": "caf\u00e9".encode()},
    ])
    result = run_kctl("consume", topic, "--until", "end", "-o", "json", *_bootstrap(kafka))
    assert result.code == 0, result
    first, tombstone, text = result.json_lines
    assert first["topic"] == topic and first["partition"] == 0 and first["offset"] == 0
    assert isinstance(first["timestamp_ms"], int) and first["timestamp"].endswith("Z")
    assert (first["key_encoding"], base64.b64decode(first["key"])) == ("base64", b"\xff\x00k")
    assert (first["value_encoding"], base64.b64decode(first["value"])) == ("base64", b"\x80\x81")
    assert first["headers"] == [{"key": "bin", "value": base64.b64encode(b"\xfe").decode(), "encoding": "base64"},
                                {"key": "text", "value": "ok"}, {"key": "none", "value": None}]
    assert (tombstone["key"], tombstone["value"]) == (None, None)
    assert (text["key"], text["value"]) == ("plain", "caf\u00e9")


def test_deserializers_and_match(kafka, new_topic):
    topic = new_topic(partitions=1)
    produce(kafka["bootstrap"], topic, [
        {"key": struct.pack(">i", n), "value": json.dumps({"n": n}).encode(), "headers": [("kind", b"odd" if n % 2 else b"even")]}
        for n in range(6)
    ])
    result = run_kctl("consume", topic, "--until", "end", "-f", "%k %v", "--key-deserializer", "int32",
                      "--value-deserializer", "json", "--match", "header.kind=^odd$", "--match", r"value=\"n\": [0-3]",
                      *_bootstrap(kafka))
    assert result.code == 0, result
    assert result.stdout.splitlines() == ['1 {"n": 1}', '3 {"n": 3}']
    result = run_kctl("consume", topic, "--until", "end", "-n", "1", "--pretty", *_bootstrap(kafka))
    assert result.stdout == '{\n  "n": 0\n}\n'


def test_pattern_reads_all_matching_topics(kafka, new_topic):
    first = new_topic(partitions=1, prefix="pat")
    second = new_topic(partitions=2, prefix="pat")
    produce(kafka["bootstrap"], first, [{"value": b"a"}])
    produce(kafka["bootstrap"], second, [{"value": b"b", "partition": 1}])
    pattern = f"^({first}|{second})$"
    result = run_kctl("consume", "--pattern", pattern, "--until", "end", "-f", "%t %v", *_bootstrap(kafka))
    assert result.code == 0, result
    assert sorted(result.stdout.splitlines()) == sorted([f"{first} a", f"{second} b"])
    result = run_kctl("consume", "--pattern", "^no-such-topic-at-all-x$", *_bootstrap(kafka))
    assert result.code == 4, result


def test_unknown_topic_and_partition_exit_4(kafka, new_topic, unique_name):
    result = run_kctl("consume", unique_name("missing"), *_bootstrap(kafka))
    assert result.code == 4, result
    assert result.stderr.startswith("kctl: error: topic ") and "not found" in result.stderr
    topic = new_topic(partitions=2)
    result = run_kctl("consume", topic, "--partition", "5", *_bootstrap(kafka))
    assert result.code == 4, result
    result = run_kctl("consume", topic, unique_name("missing"), "--group", group_name(), *_bootstrap(kafka))
    assert result.code == 4, result


def test_unreachable_broker_exits_6_within_timeout():
    result = run_kctl("consume", "anything", "-b", "127.0.0.1:1", "--timeout", "2")
    assert result.code == 6, result
    assert len(result.stderr.strip().splitlines()) == 1


def test_pipe_to_head_exits_0_and_commits_only_what_was_written(kafka, new_topic):
    topic = new_topic(partitions=1)
    total = 20000
    produce(kafka["bootstrap"], topic, [{"value": f"{i:06d}".encode() + b"x" * 90} for i in range(total)])
    group = group_name()
    command = f"{sys.executable} -m kctl consume {topic} --group {group} -b {kafka['bootstrap']} | head -5"
    proc = subprocess.run(["bash", "-c", command + "; echo rc=${PIPESTATUS[0]}"], cwd=ROOT, capture_output=True,
                          timeout=120)
    lines = proc.stdout.decode().splitlines()
    assert lines[:5] == [f"{i:06d}" + "x" * 90 for i in range(5)]
    assert lines[5] == "rc=0", proc.stderr
    assert proc.stderr == b""
    offset = committed(kafka["bootstrap"], group, topic, 1)[0]
    # At least the lines head printed, and never past what the pipe accepted (64 KiB + one write).
    assert 5 <= offset < total, offset


def test_ctrl_c_commits_what_was_written_and_exits_130(kafka, new_topic):
    topic = new_topic(partitions=2)
    produce(kafka["bootstrap"], topic, [{"value": f"r{i}".encode(), "partition": i % 2} for i in range(50)])
    group = group_name()
    proc = kctl_popen("consume", topic, "--group", group, "-f", "%p %o", "-b", kafka["bootstrap"])
    lines = [proc.stdout.readline() for _ in range(50)]
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert rest == b""
    assert b"Traceback" not in err
    offsets = committed(kafka["bootstrap"], group, topic, 2)
    written = {}
    for line in lines:
        partition, offset = map(int, line.split())
        written[partition] = max(written.get(partition, -1), offset + 1)
    assert offsets == written


def test_commit_modes_sync_async_none(kafka, new_topic):
    topic = new_topic(partitions=2)
    produce(kafka["bootstrap"], topic, [{"value": b"x", "partition": i % 2} for i in range(20)])
    for mode, expected in (("sync", {0: 10, 1: 10}), ("async", {0: 10, 1: 10}), ("none", {0: -1001, 1: -1001}),
                           ("auto", {0: 10, 1: 10})):
        group = group_name(mode)
        result = run_kctl("consume", topic, "--group", group, "--commit", mode, "--until", "end", *_bootstrap(kafka))
        assert result.code == 0, result
        assert len(result.stdout.split()) == 20
        assert committed(kafka["bootstrap"], group, topic, 2) == expected, mode


def test_group_resumes_from_committed_offsets(kafka, new_topic):
    topic = new_topic(partitions=1)
    produce(kafka["bootstrap"], topic, [{"value": f"a{i}".encode()} for i in range(5)])
    group = group_name()
    first = run_kctl("consume", topic, "--group", group, "-n", "3", *_bootstrap(kafka))
    assert first.stdout.split() == ["a0", "a1", "a2"]
    assert committed(kafka["bootstrap"], group, topic, 1) == {0: 3}
    second = run_kctl("consume", topic, "--group", group, "--until", "end", *_bootstrap(kafka))
    assert second.stdout.split() == ["a3", "a4"]
    replay = run_kctl("consume", topic, "--group", group, "--from", "beginning", "--until", "end", *_bootstrap(kafka))
    assert replay.stdout.split() == [f"a{i}" for i in range(5)]


def _delete(admin, topic: str) -> None:
    admin.delete_topics([topic], operation_timeout=30)[topic].result(timeout=30)


@pytest.mark.parametrize("mode", [(), ("--until", "1000000"), ("--group", "G")])
def test_a_topic_deleted_while_read_ends_with_exit_4(kafka, new_topic, admin, mode):
    """It used to wait forever and say nothing (librdkafka retries a deleted topic quietly)."""
    doomed = new_topic(partitions=2)
    kept = new_topic(partitions=1)
    produce(kafka["bootstrap"], doomed, [{"value": b"d", "partition": i % 2} for i in range(10)])
    produce(kafka["bootstrap"], kept, [{"value": b"k"} for _ in range(5)])
    group = group_name("del")
    args = tuple(group if a == "G" else a for a in mode)
    proc = kctl_popen("consume", doomed, kept, "-f", "%t %p %o", *args, "-b", kafka["bootstrap"])
    lines = [proc.stdout.readline() for _ in range(15)]
    assert len({line.split()[0] for line in lines}) == 2
    _delete(admin, doomed)
    out, err = proc.communicate(timeout=60)  # a hang detector: the check runs every 2 s
    assert proc.returncode == 4, err
    assert err.decode().strip().splitlines()[-1] == f"kctl: error: topic {doomed} was deleted"
    assert b"warning" not in err
    if "--group" in mode:
        # What was written of the topic that still exists was committed.
        assert committed(kafka["bootstrap"], group, kept, 1) == {0: 5}


def test_timestamps_after_year_9999_are_rendered_not_fatal(kafka, new_topic):
    """A record from year 10000+ made -o json, -f %d and group consumes exit 1 on every run, so a
    group could never get past it. Such times print as epoch ms."""
    from confluent_kafka import Producer

    topic = new_topic(partitions=1, config={"message.timestamp.after.max.ms": str(2**63 - 1)})
    far = 253402300800000  # 10000-01-01T00:00:00Z
    producer = Producer({"bootstrap.servers": kafka["bootstrap"]})
    for ts in (1795687200123, far, 2**63 - 1):
        producer.produce(topic, value=b"v", timestamp=ts)
    assert producer.flush(30) == 0
    result = run_kctl("consume", topic, "--until", "end", "-o", "json", *_bootstrap(kafka))
    assert result.code == 0, result
    assert [r["timestamp"] for r in result.json_lines] == ["2026-11-26T10:00:00.123Z", str(far), str(2**63 - 1)]
    assert [r["timestamp_ms"] for r in result.json_lines] == [1795687200123, far, 2**63 - 1]
    result = run_kctl("consume", topic, "--until", "end", "-f", "%d %T", *_bootstrap(kafka))
    assert result.stdout.splitlines() == ["2026-11-26T10:00:00.123Z 1795687200123", f"{far} {far}",
                                          f"{2**63 - 1} {2**63 - 1}"]
    group = group_name("far")
    result = run_kctl("consume", topic, "--group", group, "--until", "end", "-o", "json", *_bootstrap(kafka))
    assert result.code == 0, result
    assert committed(kafka["bootstrap"], group, topic, 1) == {0: 3}


def test_stdout_closed_or_full_is_exit_5_and_commits_only_what_was_written(kafka, new_topic):
    topic = new_topic(partitions=1)
    produce(kafka["bootstrap"], topic, [{"value": b"x"} for _ in range(10)])
    for redirect in (">&-", ">/dev/full"):
        group = group_name("out")
        command = f"{sys.executable} -m kctl consume {topic} --group {group} --until end -b {kafka['bootstrap']}"
        proc = subprocess.run(["bash", "-c", f"{command} {redirect}"], cwd=ROOT, capture_output=True, timeout=120)
        assert proc.returncode == 5, (redirect, proc.stderr)
        lines = proc.stderr.decode().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kctl: error: cannot write to stdout: "), (redirect, lines)
        assert committed(kafka["bootstrap"], group, topic, 1)[0] < 0, redirect  # nothing reached stdout


@pytest.mark.parametrize("args", [
    ("--from", "\u00b2"), ("--from", "-\u00b2"), ("--until", "\u00b2"), ("--partition", "\u00b2"),
    ("--from", "@99999999999999999999999"), ("--from", "@-99999999999999999999d"),
    ("--until", "@9999999999999999999"), ("--from", "99999999999999999999"),
    ("--format", "json"), ("--format", "yaml"), ("-f", "table"),
])
def test_odd_option_values_are_usage_errors(args):
    result = run_kctl("consume", "t", *args, "-b", "127.0.0.1:1")
    assert result.code == 2, result
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("kctl: error: ")
    if args[1] in ("json", "yaml", "table"):
        assert "did you mean -o json?" in result.stderr


@pytest.mark.parametrize("args", [
    (b"t\xff",), (b"t", b"--match", b"value=\xff"), (b"t", b"-f", b"%v\xff"), (b"t", b"--group", b"g\xff"),
])
def test_arguments_that_are_not_utf8_are_usage_errors(args):
    from tests.helpers import run_kctl_process

    result = run_kctl_process("consume", *args, "-b", "127.0.0.1:1", "--timeout", "2")
    assert result.code == 2, result
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("kctl: error: ")
