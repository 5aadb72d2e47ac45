"""kctl produce and kctl topics partition-for against a real broker.

Records are read back with a plain confluent Consumer (assign mode, up to the high watermarks).
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import struct
import subprocess
import sys
import time

import lz4.frame
import pytest
import zstandard

from kctl import serde
from kctl.services import local
from tests.helpers import KEEP_OLD_RECORDS, read_messages, run_kctl, wait_until



def values(records) -> list:
    return [m.value() for m in records]


@pytest.fixture
def produce(kafka):
    def run(*args, input=None):
        return run_kctl("produce", "-b", kafka["bootstrap"], *args, input=input)

    return run


# ---- formats and serializers --------------------------------------------------------------------


def test_lines_from_stdin_keep_order_and_content(kafka, new_topic, produce):
    topic = new_topic(1)
    result = produce(topic, input="one\ntwo\n\nthr\u00e9e\n")
    assert result.code == 0, result
    assert "3 sent" not in result.stderr and "4 sent" in result.stderr
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"one", b"two", b"", "thr\u00e9e".encode()]


def test_key_separator_and_null_marker(kafka, new_topic, produce):
    topic = new_topic(1)
    result = produce(topic, "-K", ":", "--null-marker", "NULL", input="k1:v1\nk2:NULL\nnokey\nNULL:v4\nk5:a:b\n")
    assert result.code == 0, result
    got = [(m.key(), m.value()) for m in read_messages(kafka["bootstrap"], topic)]
    assert got == [(b"k1", b"v1"), (b"k2", None), (None, b"nokey"), (None, b"v4"), (b"k5", b"a:b")]


@pytest.mark.parametrize(
    "serializer,text,expected",
    [
        ("string", "h\u00e9llo", "h\u00e9llo".encode()),
        ("bytes", "raw", b"raw"),
        ("json", '{"a":[1,2]}', b'{"a":[1,2]}'),  # compact: the json envelope re-serializes compactly
        ("int32", "-2", struct.pack(">i", -2)),
        ("int64", "1099511627776", struct.pack(">q", 2**40)),
        ("double", "3.5", struct.pack(">d", 3.5)),
        ("hex", "00ff7f", b"\x00\xff\x7f"),
        ("base64", "AP9/", b"\x00\xff\x7f"),
    ],
)
def test_every_serializer_round_trips(kafka, new_topic, produce, serializer, text, expected):
    topic = new_topic(1)
    result = produce(topic, "--key-serializer", serializer, "--value-serializer", serializer, "-K", "|",
                     input=f"{text}|{text}\n")
    assert result.code == 0, result
    (record,) = read_messages(kafka["bootstrap"], topic)
    assert record.key() == expected and record.value() == expected
    # and the envelope that consume writes with the matching deserializer reads back to the same bytes
    value, encoding = serde.encode_field(record.value(), serializer)
    assert serde.decode_field(json.loads(json.dumps(value)), encoding) == expected


def test_json_envelopes_round_trip_binary_headers_partition_timestamp(kafka, new_topic, produce):
    source = new_topic(3, config=KEEP_OLD_RECORDS)
    records = [
        serde.envelope(source, 2, 0, 1_700_000_000_123, b"k1", b"\xff\x00binary", [("trace", b"abc"), ("bin", b"\x80\x81")]),
        serde.envelope(source, 0, 0, 1_700_000_000_456, None, None, []),
        serde.envelope(source, 1, 0, None, "cl\u00e9".encode(), b'{"n":1}', [("dup", b"1"), ("dup", b"2")],
                       value_deserializer="json"),
        serde.envelope(source, 1, 1, None, struct.pack(">i", 7), struct.pack(">d", 0.5), None,
                       key_deserializer="int32", value_deserializer="double"),
    ]
    text = "\n".join(json.dumps(r) for r in records) + "\n\n"
    result = produce(source, "--input", "envelope", input=text)
    assert result.code == 0, result
    got = read_messages(kafka["bootstrap"], source)
    by_key = {m.key(): m for m in got}
    first = by_key[b"k1"]
    assert first.partition() == 2 and first.value() == b"\xff\x00binary"
    assert first.headers() == [("trace", b"abc"), ("bin", b"\x80\x81")]
    assert first.timestamp()[1] == 1_700_000_000_123
    tomb = by_key[None]
    assert tomb.partition() == 0 and tomb.value() is None and tomb.timestamp()[1] == 1_700_000_000_456
    third = by_key["cl\u00e9".encode()]
    assert third.value() == b'{"n":1}' and third.headers() == [("dup", b"1"), ("dup", b"2")]
    fourth = by_key[struct.pack(">i", 7)]
    assert fourth.value() == struct.pack(">d", 0.5)

    # consume -> envelope -> produce into a second topic gives identical records
    copy = new_topic(3, config=KEEP_OLD_RECORDS)
    envelopes = "".join(json.dumps(serde.envelope(source, m.partition(), m.offset(), m.timestamp()[1], m.key(),
                                                  m.value(), m.headers())) + "\n" for m in got)
    result = produce(copy, "--input", "envelope", input=envelopes)
    assert result.code == 0, result

    def shape(ms):
        return sorted((m.partition(), m.key() or b"", m.value() or b"", m.value() is None, m.headers() or [],
                       m.timestamp()[1]) for m in ms)

    assert shape(read_messages(kafka["bootstrap"], copy)) == shape(got)


def test_raw_format_sends_each_file_whole(kafka, new_topic, produce, tmp_path):
    topic = new_topic(1)
    blob = bytes(range(256)) * 10 + b"\n\n"
    (tmp_path / "a.bin").write_bytes(blob)
    (tmp_path / "b.bin").write_bytes(b"second\n")
    result = produce(topic, "--input", "raw", "--file", tmp_path / "a.bin", "--file", tmp_path / "b.bin", "-k", "file")
    assert result.code == 0, result
    got = read_messages(kafka["bootstrap"], topic)
    assert [(m.key(), m.value()) for m in got] == [(b"file", blob), (b"file", b"second\n")]


def test_custom_delimiter(kafka, new_topic, produce):
    topic = new_topic(1)
    result = produce(topic, "--delimiter", "\\0", input=b"a\nb\0c\0\0d")
    assert result.code == 0, result
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"a\nb", b"c", b"", b"d"]


@pytest.mark.parametrize("suffix", [".gz", ".lz4", ".zst"])
def test_compressed_input_files(kafka, new_topic, produce, tmp_path, suffix):
    topic = new_topic(3)
    lines = [f"key{i}:value {i}".encode() for i in range(3000)]
    data = b"\n".join(lines) + b"\n"
    packed = {".gz": gzip.compress, ".lz4": lz4.frame.compress, ".zst": zstandard.ZstdCompressor(write_checksum=True).compress}[suffix](data)
    path = tmp_path / f"input.txt{suffix}"
    path.write_bytes(packed)
    result = produce(topic, "--file", path, "-K", ":", "--compression", "lz4")
    assert result.code == 0, result
    got = read_messages(kafka["bootstrap"], topic)
    assert sorted(m.key() + b":" + m.value() for m in got) == sorted(lines)


def test_compressed_stdin_is_recognised_by_magic_bytes(kafka, new_topic, produce):
    topic = new_topic(1)
    result = produce(topic, input=zstandard.ZstdCompressor(write_checksum=True).compress(b"x\ny\n"))
    assert result.code == 0, result
    result = produce(topic, "--input-compression", "gzip", input=gzip.compress(b"z\n"))
    assert result.code == 0, result
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"x", b"y", b"z"]


# ---- single messages, headers, count, partitioning ---------------------------------------------


def test_value_with_headers_repeated_count_times(kafka, new_topic, produce):
    topic = new_topic(1)
    result = produce(topic, "--key", "k", "--value", "v", "-H", "a=1", "-H", "b=x=y", "-n", "5")
    assert result.code == 0, result
    got = read_messages(kafka["bootstrap"], topic)
    assert len(got) == 5
    assert all(m.key() == b"k" and m.value() == b"v" and m.headers() == [("a", b"1"), ("b", b"x=y")] for m in got)


def test_count_limits_input_messages(kafka, new_topic, produce):
    topic = new_topic(1)
    result = produce(topic, "-n", "2", input="1\n2\n3\n4\n")
    assert result.code == 0, result
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"1", b"2"]


def test_explicit_partition_and_round_robin(kafka, new_topic, produce):
    topic = new_topic(3)
    assert produce(topic, "-p", "1", input="a\nb\nc\n").code == 0
    assert {m.partition() for m in read_messages(kafka["bootstrap"], topic)} == {1}
    topic2 = new_topic(3)
    result = produce(topic2, "--partitioner", "round-robin", "-K", ":", input="".join(f"same:{i}\n" for i in range(6)))
    assert result.code == 0, result
    counts = {}
    for m in read_messages(kafka["bootstrap"], topic2):
        counts[m.partition()] = counts.get(m.partition(), 0) + 1
    assert counts == {0: 2, 1: 2, 2: 2}
    bad = produce(topic, "-p", "3", "--value", "x")
    assert bad.code == 2 and "partition 3 does not exist" in bad.stderr


def test_sticky_partitioner_fills_one_partition_per_batch(kafka, new_topic, produce):
    topic = new_topic(3)
    result = produce(topic, "--partitioner", "sticky", "--batch-size", "1000", input="".join(f"{i:09d}\n" for i in range(300)))
    assert result.code == 0, result
    got = read_messages(kafka["bootstrap"], topic)
    assert len(got) == 300
    assert len({m.partition() for m in got}) > 1  # 3000 bytes in 1000-byte batches: it moved


def test_partition_for_agrees_with_where_the_broker_stored_each_key(kafka, new_topic, produce):
    topic = new_topic(5)
    keys = [f"customer-{i}" for i in range(40)]
    result = produce(topic, "-K", ":", input="".join(f"{k}:v\n" for k in keys))
    assert result.code == 0, result
    stored = {m.key().decode(): m.partition() for m in read_messages(kafka["bootstrap"], topic)}
    predicted = run_kctl("topics", "partition-for", topic, *keys, "-b", kafka["bootstrap"], "-o", "json")
    assert predicted.code == 0, predicted
    assert {row["key"]: row["partition"] for row in predicted.json} == stored
    assert len(set(stored.values())) > 1


def test_partition_for_agrees_with_the_java_producer(kafka, new_topic):
    """Keys sent by Apache Kafka's own console producer land where partition-for says."""
    topic = new_topic(4)
    keys = [f"order-{i}" for i in range(20)]
    java = subprocess.run(
        [local.find_java(), "-cp", f"{local.kafka_libs()}/*", "org.apache.kafka.tools.ConsoleProducer", "--bootstrap-server",
         kafka["bootstrap"], "--topic", topic, "--property", "parse.key=true", "--property", "key.separator=:"],
        input="".join(f"{k}:v\n" for k in keys).encode(), capture_output=True, timeout=120,
    )
    assert java.returncode == 0, java.stderr[-2000:]
    stored = {m.key().decode(): m.partition() for m in read_messages(kafka["bootstrap"], topic)}
    assert set(stored) == set(keys)
    predicted = run_kctl("topics", "partition-for", topic, *keys, "-b", kafka["bootstrap"], "-o", "json")
    assert {row["key"]: row["partition"] for row in predicted.json} == stored


def test_partition_for_unknown_topic(kafka):
    result = run_kctl("topics", "partition-for", "no-such-topic-kctl", "k", "-b", kafka["bootstrap"])
    assert result.code == 4, result
    bad = run_kctl("topics", "partition-for", "no-such-topic-kctl", "k", "--key-serializer", "avro", "-b", kafka["bootstrap"])
    assert bad.code == 2 and "unknown serializer 'avro'" in bad.stderr, bad


# ---- errors and accounting ----------------------------------------------------------------------


def test_bad_line_stops_with_its_number_after_delivering_earlier_lines(kafka, new_topic, produce):
    topic = new_topic(1)
    result = produce(topic, "--value-serializer", "int32", input="1\n2\n3\nfour\n5\n")
    assert result.code == 5, result
    assert "line 4" in result.stderr and "not an integer" in result.stderr
    assert "the 3 messages before it were delivered, through line 3" in result.stderr
    assert values(read_messages(kafka["bootstrap"], topic)) == [struct.pack(">i", n) for n in (1, 2, 3)]


def test_bad_json_line_number_in_a_named_file(kafka, new_topic, produce, tmp_path):
    topic = new_topic(1)
    path = tmp_path / "in.jsonl"
    path.write_text('{"value": "a"}\n{"value": "b"}\n{"value": \n{"value": "d"}\n')
    result = produce(topic, "--input", "envelope", "--file", path)
    assert result.code == 5, result
    assert f"{path}:3: invalid JSON" in result.stderr
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"a", b"b"]


def test_invalid_utf8_line_found_on_the_fast_path(kafka, new_topic, produce):
    topic = new_topic(1)
    result = produce(topic, input=b"ok\nfine\n\xff\xfebad\nlater\n")
    assert result.code == 5, result
    assert "line 3" in result.stderr and "UTF-8" in result.stderr
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"ok", b"fine"]


def test_on_error_skip_counts_and_continues(kafka, new_topic, produce):
    topic = new_topic(1)
    result = produce(topic, "--value-serializer", "base64", "--on-error", "skip", input="YQ==\n!!\nYg==\n")
    assert result.code == 0, result
    assert "2 sent, 1 skipped" in result.stderr
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"a", b"b"]


def test_unknown_topic_exits_4(kafka, produce):
    result = produce("no-such-topic-kctl-produce", input="x\n")
    assert result.code == 4, result
    assert result.stderr.count("\n") == 1 and "does not exist" in result.stderr


def test_unreachable_broker_exits_6_within_timeout():
    started = time.monotonic()
    result = run_kctl("produce", "t", "-b", "127.0.0.1:1", "--timeout", "2", "--value", "x")
    assert result.code == 6, result
    assert "cannot reach" in result.stderr
    assert time.monotonic() - started < 30


def test_message_over_the_size_limit_is_a_one_line_error(kafka, new_topic, produce):
    topic = new_topic(1)
    result = produce(topic, input=b"small\n" + b"x" * 1_200_000 + b"\n")
    assert result.code == 5, result
    assert "line 2: message of 1200000 bytes is larger than the limit" in result.stderr
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"small"]


def test_failed_file_keeps_undelivered_messages_with_line_numbers(kafka, new_topic, produce, tmp_path):
    # The broker refuses batches over the topic's max.message.bytes; --sync sends one message per batch.
    topic = new_topic(1, config={"max.message.bytes": "1000"})
    lines = ["short-1", "L" * 5000, "short-3", "M" * 5000, "short-5"]
    failed = tmp_path / "failed.jsonl"
    result = produce(topic, "--sync", "--failed-file", failed, "-k", "key", input="\n".join(lines) + "\n")
    assert result.code == 5, result
    assert "2 of 5 messages were not delivered" in result.stderr
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"short-1", b"short-3", b"short-5"]
    rows = [json.loads(line) for line in failed.read_text().splitlines()]
    assert [(r["line"], r["key"], r["value"]) for r in rows] == [(2, "key", lines[1]), (4, "key", lines[3])]
    assert all("error" in r for r in rows)
    # the failed file replays with --format json
    replay = new_topic(1)
    assert produce(replay, "--input", "envelope", "--file", failed).code == 0
    assert values(read_messages(kafka["bootstrap"], replay)) == [lines[1].encode(), lines[3].encode()]


def test_fast_path_counts_broker_rejections_exactly(kafka, new_topic, produce):
    topic = new_topic(1, config={"max.message.bytes": "1000"})
    result = produce(topic, input="".join("y" * 2000 + "\n" for _ in range(4)))
    assert result.code == 5, result
    assert "4 of 4 messages were not delivered" in result.stderr
    assert "0 sent, 4 failed" in result.stderr


def test_report_has_a_line_per_message_with_partition_and_offset(kafka, new_topic, produce):
    topic = new_topic(2)
    result = produce(topic, "--report", "-K", ":", input="a:1\nb:2\nc:3\n")
    assert result.code == 0, result
    report = sorted(result.json_lines, key=lambda r: r["line"])
    assert [r["line"] for r in report] == [1, 2, 3]
    stored = {(m.partition(), m.offset()): m.value() for m in read_messages(kafka["bootstrap"], topic)}
    assert [stored[(r["partition"], r["offset"])] for r in report] == [b"1", b"2", b"3"]
    assert all(r["error"] is None and r["topic"] == topic for r in report)


def test_report_reader_going_away_does_not_stop_producing(kafka, new_topic, tmp_path):
    """`kctl produce T --report | head -1`: the report is cut short, the data is not."""
    topic = new_topic(2)
    lines = tmp_path / "lines.txt"
    lines.write_bytes(b"".join(b"m%d\n" % i for i in range(2000)))
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first report line
    proc = subprocess.Popen([sys.executable, "-m", "kctl", "produce", topic, "-b", kafka["bootstrap"], "--report",
                             "--file", str(lines)], stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert b"2000 sent" in err and b"error" not in err
    assert len(read_messages(kafka["bootstrap"], topic)) == 2000


def test_summary_as_json(kafka, new_topic, produce):
    topic = new_topic(1)
    result = produce(topic, "-o", "json", input="a\nbb\n")
    assert result.code == 0, result
    assert result.json["sent"] == 2 and result.json["failed"] == 0 and result.json["bytes"] == 3


# ---- transactions --------------------------------------------------------------------------------


def test_transactional_produce_commits(kafka, new_topic, produce, unique_name):
    topic = new_topic(3)
    result = produce(topic, "--transactional-id", unique_name("txn"), "-K", ":", input="a:1\nb:2\nc:3\n")
    assert result.code == 0, result
    assert "in one transaction" in result.stderr
    committed = read_messages(kafka["bootstrap"], topic, isolation="read_committed")
    assert sorted(values(committed)) == [b"1", b"2", b"3"]


def test_transaction_aborts_on_a_bad_line(kafka, new_topic, produce, unique_name):
    topic = new_topic(1)
    result = produce(topic, "--transactional-id", unique_name("txn"), "--input", "envelope",
                     input='{"value": "a"}\n{"value": "b"}\nnot json\n')
    assert result.code == 7, result
    assert "line 3" in result.stderr and "transaction aborted" in result.stderr
    assert read_messages(kafka["bootstrap"], topic, isolation="read_committed") == []
    # the aborted records did reach the log: read_uncommitted sees them, so the abort is what hid them
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"a", b"b"]


# ---- Ctrl-C --------------------------------------------------------------------------------------


def test_ctrl_c_flushes_reports_counts_and_exits_130(kafka, new_topic):
    from confluent_kafka import Consumer, TopicPartition

    topic = new_topic(1)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kctl", "produce", topic, "-b", kafka["bootstrap"], "--rate", "20"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        proc.stdin.write(b"".join(b"m%d\n" % i for i in range(10_000)))
        proc.stdin.flush()
    except BrokenPipeError:
        pass
    consumer = Consumer({"bootstrap.servers": kafka["bootstrap"], "group.id": "kctl-test-watermarks"})
    try:
        wait_until(lambda: consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1] >= 3, 60,
                   "three records arrived", process=proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        consumer.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    text = err.decode()
    assert "interrupted" in text
    sent = int(text.split(" sent")[0].rsplit(" ", 1)[-1])
    stored = read_messages(kafka["bootstrap"], topic)
    assert len(stored) == sent and sent >= 3
    assert values(stored) == [b"m%d" % i for i in range(sent)]


def test_missing_and_corrupt_input_files(kafka, new_topic, produce, tmp_path):
    topic = new_topic(1)
    missing = produce(topic, "--file", tmp_path / "nope.txt")
    assert missing.code == 2 and "does not exist" in missing.stderr
    good, bad = tmp_path / "good.txt", tmp_path / "bad.gz"
    good.write_text("a\nb\n")
    bad.write_bytes(b"not gzip at all\n")
    result = produce(topic, "--file", good, "--file", bad)
    assert result.code == 5, result
    assert "cannot decompress" in result.stderr and "the 2 messages before it were delivered" in result.stderr
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"a", b"b"]


# ---- issue 12: what produce used to get wrong ------------------------------------------------------


def test_count_applies_to_raw_files(kafka, new_topic, produce, tmp_path):
    topic = new_topic(1)
    (tmp_path / "a").write_bytes(b"first file")
    (tmp_path / "b").write_bytes(b"second file")
    result = produce(topic, "--input", "raw", "-n", "1", "--file", tmp_path / "a", "--file", tmp_path / "b")
    assert result.code == 0, result
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"first file"]


@pytest.mark.parametrize("option", [["-K", ":"], ["--input", "envelope"], ["-D", "\\0"], ["--input-compression", "gzip"]])
def test_value_refuses_options_it_would_ignore(kafka, new_topic, produce, option):
    topic = new_topic(1)
    result = produce(topic, "--value", "k:v", *option)
    assert result.code == 2, result
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("kctl: error: --value")
    assert "--value" in result.stderr and {"-K": "--key-separator", "--input": "--input envelope", "-D": "--delimiter",
                                           "--input-compression": "--input-compression"}[option[0]] in result.stderr
    assert read_messages(kafka["bootstrap"], topic, timeout=5) == []


def test_truncated_zstd_input_exits_5_and_sends_no_cut_off_record(kafka, new_topic, produce, tmp_path):
    topic = new_topic(1)
    cctx = zstandard.ZstdCompressor(write_checksum=True)
    lines = [b"line %d" % i for i in range(4000)]
    packed = cctx.compress(b"\n".join(lines[:2000]) + b"\n") + cctx.compress(b"\n".join(lines[2000:]) + b"\n")
    path = tmp_path / "cut.zst"
    path.write_bytes(packed[:-20])
    result = produce(topic, "--file", path)
    assert result.code == 5, result
    assert "truncated" in result.stderr and result.stderr.count("kctl: error") == 1
    got = values(read_messages(kafka["bootstrap"], topic))
    assert got == lines[: len(got)] and len(got) >= 2000  # a prefix of whole lines: the first frame at least
    assert f"the {len(got)} messages before it were delivered" in result.stderr


def test_json_timestamp_out_of_range_stops_at_its_line_after_the_good_ones(kafka, new_topic, produce):
    topic = new_topic(1)
    lines = ['{"value": "a"}', '{"value": "b"}', '{"value": "c"}', '{"value": "d", "timestamp_ms": %d}' % 10**30]
    result = produce(topic, "--input", "envelope", input="\n".join(lines) + "\n")
    assert result.code == 5, result
    assert "line 4: timestamp_ms must be an integer" in result.stderr
    assert "the 3 messages before it were delivered, through line 3" in result.stderr
    assert "kctl: 3 sent" in result.stderr and "Traceback" not in result.stderr
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"a", b"b", b"c"]


def test_json_timestamp_zero_is_refused_not_replaced_by_now(kafka, new_topic, produce):
    # librdkafka reads a timestamp of 0 as "now": kctl cannot store 0, so it says so
    topic = new_topic(1)
    result = produce(topic, "--input", "envelope", input='{"value": "a", "timestamp_ms": 1}\n{"value": "b", "timestamp_ms": 0}\n')
    assert result.code == 5, result
    assert "line 2: timestamp_ms 0 cannot be sent" in result.stderr
    got = read_messages(kafka["bootstrap"], topic)
    assert [(m.value(), m.timestamp()[1]) for m in got] == [(b"a", 1)]


def test_slow_stdin_lines_are_sent_as_they_arrive(kafka, new_topic):
    from confluent_kafka import Consumer, TopicPartition

    topic = new_topic(1)
    proc = subprocess.Popen([sys.executable, "-m", "kctl", "produce", topic, "-b", kafka["bootstrap"]],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    consumer = Consumer({"bootstrap.servers": kafka["bootstrap"], "group.id": "kctl-test-watermarks"})
    try:
        proc.stdin.write(b"ab\n")  # 3 bytes: fewer than a magic number, and nothing more comes for now
        proc.stdin.flush()
        wait_until(lambda: consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1] >= 1, 60,
                   "the first line was sent before more input came", process=proc)
        proc.stdin.write(b"cdef\n")
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
    finally:
        consumer.close()
        if proc.poll() is None:
            proc.kill()
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"ab", b"cdef"]


def test_empty_transactional_id_is_a_usage_error(kafka, new_topic, produce):
    topic = new_topic(1)
    result = produce(topic, "--transactional-id", "", input="a\n")
    assert result.code == 2, result
    assert "--transactional-id must not be empty" in result.stderr
    assert read_messages(kafka["bootstrap"], topic, timeout=5) == []


def test_plain_json_objects_are_not_sent_as_tombstones(kafka, new_topic, produce, tmp_path):
    topic = new_topic(1)
    path = tmp_path / "orders.jsonl"
    path.write_text("".join(json.dumps({"id": i, "item": "book"}) + "\n" for i in range(1000)))
    result = produce(topic, "--input", "envelope", "--file", path)
    assert result.code == 5, result
    assert f"{path}:1: an envelope needs" in result.stderr and "unknown fields: id, item" in result.stderr
    skipped = produce(topic, "--input", "envelope", "--file", path, "--on-error", "skip")
    assert skipped.code == 0 and "0 sent, 1000 skipped" in skipped.stderr, skipped
    assert read_messages(kafka["bootstrap"], topic, timeout=5) == []


def test_envelope_fields_of_the_wrong_type_are_errors_with_line_numbers(kafka, new_topic, produce):
    topic = new_topic(1)
    for _n, line in enumerate(['{"value": "a", "partition": "0"}', '{"value": "a", "headers": "h=1"}',
                              '{"value": "a", "value_encoding": 1}', '{"value": "a", "timestamp": 17}'], 1):
        result = produce(topic, "--input", "envelope", input='{"value": "ok"}\n' + line + "\n")
        assert result.code == 5 and "line 2:" in result.stderr, (line, result)
    assert values(read_messages(kafka["bootstrap"], topic)) == [b"ok"] * 4


@pytest.mark.parametrize("where", ["topic", "--value", "-k", "-K", "-H", "-X"])
def test_arguments_that_are_not_utf8_are_usage_errors(kafka, new_topic, where):
    from tests.helpers import run_kctl_process

    bad = os.fsdecode(b"x\xff")  # how Python hands over an argument that is not UTF-8
    topic = new_topic(1)
    args = {"topic": [bad, "--value", "v"], "--value": [topic, "--value", bad], "-k": [topic, "-k", bad, "--value", "v"],
            "-K": [topic, "-K", bad], "-H": [topic, "-H", f"h={bad}", "--value", "v"],
            "-X": [topic, "-X", f"client.id={bad}", "--value", "v"]}[where]
    result = run_kctl_process("produce", "-b", kafka["bootstrap"], *args, input=b"a\n")
    assert result.code == 2, result
    assert result.stderr.count("\n") == 1 and "not valid UTF-8" in result.stderr, result
    assert read_messages(kafka["bootstrap"], topic, timeout=5) == []


def test_failed_file_in_a_missing_folder_is_refused_before_sending(kafka, new_topic, produce, tmp_path):
    topic = new_topic(1)
    result = produce(topic, "--failed-file", tmp_path / "no" / "such" / "failed.jsonl", input="a\n")
    assert result.code == 2, result
    assert "cannot write --failed-file" in result.stderr and "no folder" in result.stderr
    assert read_messages(kafka["bootstrap"], topic, timeout=5) == []


@pytest.mark.parametrize("stdout", ["full", "closed"])
@pytest.mark.parametrize("option", ["--report", "-o json"])
def test_stdout_that_cannot_be_written_is_one_line_and_exit_5(kafka, new_topic, stdout, option):
    topic = new_topic(1)
    command = [sys.executable, "-m", "kctl", "produce", topic, "-b", kafka["bootstrap"], *option.split()]
    kwargs = {"stdout": open("/dev/full", "wb")} if stdout == "full" else {"preexec_fn": lambda: os.close(1)}
    lines = b"".join(b"m%d\n" % i for i in range(5000))
    proc = subprocess.run(command, input=lines, stderr=subprocess.PIPE, timeout=120, **kwargs)
    err = proc.stderr.decode()
    assert proc.returncode == 5, err
    assert "Traceback" not in err and err.count("kctl: error") == 1 and "cannot write" in err
    assert "kctl: 5000 sent" in err  # the messages were sent; only their output was lost
    assert len(read_messages(kafka["bootstrap"], topic)) == 5000
