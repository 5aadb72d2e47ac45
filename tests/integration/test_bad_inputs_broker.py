"""Issue 12, the bad-input corpus: the cases that reach a broker (instance 0). Each is one
`kctl: error:` line with its exit code, no traceback; for produce, the summary says which lines
were delivered and the topic holds exactly those records."""

from __future__ import annotations

import gzip
import lz4.frame
import zstandard

import pytest

from tests.helpers import run_kctl

LINES = b"".join(b"line-%03d\n" % i for i in range(300))


def _truncated(codec: str) -> bytes:
    data = {"gz": gzip.compress, "lz4": lz4.frame.compress,
            "zst": lambda d: zstandard.ZstdCompressor(write_checksum=True).compress(d)}[codec](LINES)
    return data[: len(data) - 12]


def _one_error_line(result, code: int) -> str:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result
    assert result.code == code, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("kctl: error: ")]
    assert len(errors) == 1, result.stderr
    # besides the error, at most produce's one summary line ("kctl: N sent to ...")
    assert all(line in errors or line.startswith("kctl: ") for line in lines) and len(lines) <= 2, result.stderr
    return errors[0]


def _stored(kafka, topic: str) -> list[bytes | None]:
    from kctl.client import ConsumerClient

    out = []
    with ConsumerClient(bootstrap=kafka["bootstrap"], auto_offset_reset="earliest") as consumer:
        low, high = consumer.watermarks(topic, 0, timeout=20)
        if high > low:
            consumer.assign([(topic, 0, low)])
            while len(out) < high - low:
                out.extend(r.value for r in consumer.poll(max_records=1000, timeout=5))
    return out


ENVELOPES_THEN_BAD = [
    ("value_encoding of the wrong type", b'{"value": 5, "value_encoding": 7}'),
    ("unknown encoding", b'{"value": "x", "value_encoding": "rot13"}'),
    ("headers not a list", b'{"value": "x", "headers": 5}'),
    ("header without key", b'{"value": "x", "headers": [{"value": "v"}]}'),
    ("header key not a string", b'{"value": "x", "headers": [{"key": 1, "value": "v"}]}'),
    ("partition a string", b'{"value": "x", "partition": "zero"}'),
    ("partition beyond the topic", b'{"value": "x", "partition": 7}'),
    ("negative partition", b'{"value": "x", "partition": -1}'),
    ("timestamp_ms out of range", b'{"value": "x", "timestamp_ms": 99999999999999999999}'),
    ("timestamp_ms a string", b'{"value": "x", "timestamp_ms": "soon"}'),
    ("timestamp_ms 0", b'{"value": "x", "timestamp_ms": 0}'),
    ("bad ISO timestamp", b'{"value": "x", "timestamp": "yesterday"}'),
    ("plain object, no envelope fields", b'{"id": 1, "name": "x"}'),
    ("JSON array", b'[1, 2]'),
    ("JSON scalar", b'42'),
    ("broken JSON", b'{"value": "x"'),
    ("base64 that is not", b'{"value": "***", "value_encoding": "base64"}'),
    ("hex that is not", b'{"value": "zz", "value_encoding": "hex"}'),
    ("int32 of a string", b'{"value": "x", "value_encoding": "int32"}'),
    ("invalid UTF-8 in the line", b'{"value": "\xff\xfe"}'),
    ("nested too deeply", b'{"value": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    ("nested too deeply in a header", b'{"value": "x", "headers": [{"key": "h", "value": '
     + b"{\"a\":" * 3000 + b"1" + b"}" * 3000 + b', "encoding": "json"}]}'),
]


@pytest.mark.parametrize("what, bad", ENVELOPES_THEN_BAD, ids=[c[0] for c in ENVELOPES_THEN_BAD])
def test_a_bad_envelope_after_three_good_ones(kafka, new_topic, what, bad):
    topic = new_topic(partitions=1)
    good = b"".join(b'{"key": "k%d", "value": "v%d"}\n' % (i, i) for i in range(3))
    result = run_kctl("produce", topic, "--input", "envelope", "-b", kafka["bootstrap"], input=good + bad + b"\n")
    line = _one_error_line(result, 5)
    assert line.startswith("kctl: error: line 4: "), line
    assert "through line 3" in line, line
    assert _stored(kafka, topic) == [b"v0", b"v1", b"v2"]


@pytest.mark.parametrize("codec", ["gz", "lz4", "zst"])
def test_a_truncated_compressed_file_is_exit_5_and_says_what_was_sent(kafka, new_topic, tmp_path, codec):
    topic = new_topic(partitions=1)
    path = tmp_path / f"in.{codec}"
    path.write_bytes(_truncated(codec))
    result = run_kctl("produce", topic, "--file", str(path), "-b", kafka["bootstrap"])
    line = _one_error_line(result, 5)
    assert "truncated" in line, line
    stored = _stored(kafka, topic)
    # whatever was sent is a prefix of the complete lines; never a cut-off last record
    assert stored == [b"line-%03d" % i for i in range(len(stored))]


def test_json_nested_too_deeply_after_5000_records_stops_there_and_keeps_them(kafka, new_topic, tmp_path):
    topic = new_topic(partitions=1)
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"".join(b'{"value": "v%d"}\n' % i for i in range(4999)) + b'{"value": '
                     + b"[" * 2000 + b"]" * 2000 + b"}\n")
    result = run_kctl("produce", topic, "--input", "envelope", "--file", str(path), "-b", kafka["bootstrap"])
    line = _one_error_line(result, 5)
    assert line.startswith(f"kctl: error: {path}:5000: ") and "nested too deeply" in line, line
    assert len(_stored(kafka, topic)) == 4999


def test_a_key_field_nested_too_deeply_is_a_bad_record(kafka, new_topic):
    topic = new_topic(partitions=1)
    deep = b'{"k": ' + b"[" * 3000 + b"]" * 3000 + b"}"
    result = run_kctl("produce", topic, "--key-field", "k", "-b", kafka["bootstrap"], input=b'{"k": 1}\n' + deep + b"\n")
    line = _one_error_line(result, 5)
    assert line.startswith("kctl: error: line 2: ") and "nested too deeply" in line, line
    assert _stored(kafka, topic) == [b'{"k": 1}']


def _decodable_lines(codec: str, data: bytes) -> list[bytes]:
    """The complete lines a streaming decompressor gets out of a truncated input."""
    import zlib

    decompressor = {"gz": lambda: zlib.decompressobj(wbits=31), "lz4": lz4.frame.LZ4FrameDecompressor,
                    "zst": lambda: zstandard.ZstdDecompressor().decompressobj()}[codec]()
    return decompressor.decompress(data).split(b"\n")[:-1]


@pytest.mark.parametrize("codec", ["gz", "lz4", "zst"])
def test_a_truncated_file_sends_every_complete_record_stdin_sends(kafka, new_topic, tmp_path, codec):
    import random

    rng = random.Random(7)  # incompressible enough that the cut lands megabytes into the text
    lines = b"".join(b"%06d-%s\n" % (i, rng.randbytes(60).hex().encode()) for i in range(40000))
    compress = {"gz": gzip.compress, "lz4": lz4.frame.compress,
                "zst": lambda d: zstandard.ZstdCompressor(write_checksum=True).compress(d)}[codec]
    data = compress(lines)
    data = data[: len(data) * 3 // 4]
    expected = _decodable_lines(codec, data)
    assert 20000 < len(expected) < 40000
    path = tmp_path / f"in.{codec}"
    path.write_bytes(data)
    for how in ("--file", "stdin"):
        topic = new_topic(partitions=1)
        args = ("--file", str(path)) if how == "--file" else ()
        result = run_kctl("produce", topic, *args, "-b", kafka["bootstrap"], input=data if how == "stdin" else None)
        line = _one_error_line(result, 5)
        assert "truncated" in line, (how, line)
        assert _stored(kafka, topic) == expected, how


@pytest.mark.parametrize("serializer, data, where", [
    ("string", b"ok\n\xff\xfe\nlater\n", "line 2"),
    ("json", b'{"a": 1}\n{nope\n', "line 2"),
    ("json", b'{"a": 1}\n' + b"[" * 5000 + b"]" * 5000 + b"\n", "line 2"),
    ("int32", b"1\n2\nthree\n", "line 3"),
    ("int64", b"1\n99999999999999999999\n", "line 2"),
    ("double", b"1.5\nx\n", "line 2"),
    ("hex", b"00ff\n0g\n", "line 2"),
    ("base64", b"AA==\n***\n", "line 2"),
])
def test_input_a_serializer_cannot_encode_stops_with_its_line(kafka, new_topic, serializer, data, where):
    topic = new_topic(partitions=1)
    result = run_kctl("produce", topic, "--value-serializer", serializer, "-b", kafka["bootstrap"], input=data)
    line = _one_error_line(result, 5)
    assert line.startswith(f"kctl: error: {where}: "), line
    expected = int(where.split()[1]) - 1
    assert len(_stored(kafka, topic)) == expected
    assert f"through line {expected}" in line if expected else "nothing was sent" in line


@pytest.mark.parametrize("how", ["value", "key"])
def test_a_record_over_message_max_bytes_is_refused_with_its_line(kafka, new_topic, how):
    topic = new_topic(partitions=1)
    big = b"x" * 1_100_000
    data = b"a:1\n" + (big + b":v\n" if how == "key" else b"k:" + big + b"\n") + b"c:3\n"
    result = run_kctl("produce", topic, "-K", ":", "-b", kafka["bootstrap"], input=data)
    line = _one_error_line(result, 5)
    assert line.startswith("kctl: error: line 2: ") and "larger than the limit" in line, line
    assert _stored(kafka, topic) == [b"1"]


def test_empty_input_sends_nothing_and_says_so(kafka, new_topic):
    topic = new_topic(partitions=1)
    result = run_kctl("produce", topic, "-b", kafka["bootstrap"], input=b"")
    assert result.code == 0 and "0 sent" in result.stderr, result
    assert _stored(kafka, topic) == []


@pytest.mark.parametrize("name", ["a b", "a/b", "..", ".", "ä", "x" * 250, "a\tb", "a*", "a:b"],
                         ids=lambda n: repr(n[:12]))
@pytest.mark.parametrize("command", ["create", "produce", "consume"])
def test_names_kafka_refuses_are_usage_errors(kafka, name, command):
    argv = {"create": ["topics", "create", name], "produce": ["produce", name, "--value", "x"],
            "consume": ["consume", name, "-n", "1"]}[command]
    if command == "consume":  # such a topic cannot exist: not found, like any missing topic
        assert "not found" in _one_error_line(run_kctl(*argv, "-b", kafka["bootstrap"], "--timeout", "5"), 4)
        return
    line = _one_error_line(run_kctl(*argv, "-b", kafka["bootstrap"], "--timeout", "5"), 2)
    assert "nvalid topic" in line or "Topic name is invalid" in line, line


def test_raw_binary_input_is_sent_as_is(kafka, new_topic, tmp_path):
    topic = new_topic(partitions=1)
    blob = bytes(range(256)) * 4
    (tmp_path / "blob.bin").write_bytes(blob)
    result = run_kctl("produce", topic, "--input", "raw", "--file", str(tmp_path / "blob.bin"), "-b", kafka["bootstrap"])
    assert result.code == 0, result
    assert _stored(kafka, topic) == [blob]


def _flip(data: bytes, at: float) -> bytes:
    out = bytearray(data)
    out[int(len(out) * at)] ^= 0xFF
    return bytes(out)


_COMPRESS = {"gz": gzip.compress, "lz4": lz4.frame.compress, "zst": lambda d: zstandard.ZstdCompressor(write_checksum=True).compress(d)}
# A flipped byte is only found where the format checks: gzip's CRC comes at the end of the stream (the lines
# before it were sent, damaged or not); a zstd frame without a checksum (zstandard's default) would hide it,
# so kctl refuses such a frame (the last case).
BAD_COMPRESSED_FILES = [
    (codec, what, make)
    for codec in ("gz", "lz4", "zst")
    for what, make in [
        ("empty file", lambda c: b""),
        ("header only", lambda c: _COMPRESS[c](LINES)[:6]),
        ("cut in the middle", lambda c: _COMPRESS[c](LINES)[: len(_COMPRESS[c](LINES)) // 2]),
        ("a byte flipped in the middle", lambda c: _flip(_COMPRESS[c](LINES), 0.5)),
        ("garbage after a complete stream", lambda c: _COMPRESS[c](LINES) + b"garbage!"),
        ("not compressed at all", lambda c: LINES),
    ]
] + [("zst", "a frame without a checksum, a byte flipped", lambda c: _flip(zstandard.ZstdCompressor().compress(LINES), 0.5)),
     ("zst", "a second frame without a checksum", lambda c: _COMPRESS[c](LINES) + zstandard.ZstdCompressor().compress(LINES))]


@pytest.mark.parametrize("codec, what, make", BAD_COMPRESSED_FILES, ids=[f"{c[0]}: {c[1]}" for c in BAD_COMPRESSED_FILES])
def test_a_damaged_compressed_file_is_one_error_and_a_prefix_of_its_lines(kafka, new_topic, tmp_path, codec, what, make):
    topic = new_topic(partitions=1)
    path = tmp_path / f"in.{codec}"
    path.write_bytes(make(codec))
    result = run_kctl("produce", topic, "--file", str(path), "-b", kafka["bootstrap"])
    stored = _stored(kafka, topic)
    if what == "empty file":  # no records; lz4 (alone) calls an empty file a truncated frame
        assert stored == [] and (result.code == 0 or _one_error_line(result, 5)), result
        return
    line = _one_error_line(result, 5)
    assert str(path) in line, line
    if not (codec == "gz" and "flipped" in what):
        assert stored == [b"line-%03d" % i for i in range(len(stored))]  # what came before the damage, in order
    sent = int(result.stderr.split(" sent")[0].rsplit(" ", 1)[-1]) if " sent" in result.stderr else 0
    assert sent == len(stored), result


@pytest.mark.parametrize("how", ["--file", "stdin"])
def test_a_zstd_frame_without_a_checksum_is_refused_after_the_checked_ones(kafka, new_topic, tmp_path, how):
    """Issue 22: a corrupt zstd frame without a content checksum decompresses to wrong bytes with no error
    (it was sent, exit 0): such a frame is refused before any of it is sent, saying what came before."""
    topic = new_topic(partitions=1)
    checked = zstandard.ZstdCompressor(write_checksum=True).compress(LINES)
    unchecked = _flip(zstandard.ZstdCompressor().compress(b"".join(b"more-%03d\n" % i for i in range(300))), 0.5)
    path = tmp_path / "in.zst"
    path.write_bytes(checked + unchecked)
    args = ("--file", str(path)) if how == "--file" else ()
    result = run_kctl("produce", topic, *args, "-b", kafka["bootstrap"], input=None if args else checked + unchecked)
    line = _one_error_line(result, 5)
    assert "zstd frame 2 has no content checksum" in line, line
    assert "300 messages before it were delivered" in result.stderr, result.stderr
    assert _stored(kafka, topic) == LINES.split(b"\n")[:-1]


@pytest.mark.parametrize("options", [("--pretty",), ("--value-deserializer", "json", "-o", "json")],
                         ids=["pretty", "json deserializer"])
def test_consuming_json_nested_too_deeply_shows_the_record_as_it_is(kafka, new_topic, options):
    topic = new_topic(partitions=1)
    deep = b"[" * 3000 + b"]" * 3000
    assert run_kctl("produce", topic, "-b", kafka["bootstrap"], input=deep + b"\n").code == 0
    result = run_kctl("consume", topic, "--until", "end", *options, "-b", kafka["bootstrap"])
    assert result.code == 0, result
    assert deep.decode() in result.stdout and "Traceback" not in result.stderr
