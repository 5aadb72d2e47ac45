"""Issue 12, property tests (hypothesis): the parsers, the consume -f format language, the JSON
envelope round trip (consume -o json -> produce --input envelope), the serializers and murmur2."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kctl import serde
from kctl.client.records import ConsumerRecord
from kctl.errors import UsageError
from kctl.outputs import compile_format, json_lines
from kctl.parsing import (
    INT64_MAX, parse_duration_ms, parse_int, parse_partition_offsets, parse_partitions, parse_time,
)
from kctl.partitioners import murmur2, murmur2_partition, to_positive
from kctl.services.produce.records import RecordEncoder
from tests.unit.murmur2_vectors import KAFKA_UTILS_TEST_VECTORS

MODEST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = 1_764_000_000_000
UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


# --- kctl/parsing.py ------------------------------------------------------------------------

@MODEST
@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(sorted(UNIT_MS)))
def test_a_duration_is_its_number_times_its_unit(n, unit):
    assert parse_duration_ms(f"{n}{unit}") == n * UNIT_MS[unit]


@MODEST
@given(st.integers(min_value=0, max_value=10**6))
def test_a_bare_duration_is_seconds(n):
    assert parse_duration_ms(str(n)) == n * 1000


@MODEST
@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99))
def test_iso_durations(d, h, m, s):
    assert parse_duration_ms(f"P{d}DT{h}H{m}M{s}S") == (((d * 24 + h) * 60 + m) * 60 + s) * 1000


@MODEST
@given(st.text(max_size=12))
def test_durations_are_a_number_or_a_usage_error(text):
    try:
        ms = parse_duration_ms(text)
    except UsageError:
        return
    assert isinstance(ms, int) and 0 <= ms <= INT64_MAX


@MODEST
@given(st.integers(min_value=0, max_value=INT64_MAX))
def test_epoch_ms_is_itself_with_or_without_at(ms):
    assert parse_time(str(ms), NOW) == ms == parse_time(f"@{ms}", NOW)


@MODEST
@given(st.integers(min_value=1, max_value=10**6), st.sampled_from(["s", "m", "h", "d"]))
def test_relative_times_count_back_from_now(n, unit):
    assert parse_time(f"-{n}{unit}", NOW) == NOW - n * UNIT_MS[unit]


@MODEST
@given(st.datetimes(min_value=__import__("datetime").datetime(1971, 1, 1),
                    max_value=__import__("datetime").datetime(9999, 12, 30)))
def test_iso_times_in_utc_are_their_epoch_ms(moment):
    from datetime import timezone

    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    epoch = __import__("datetime").datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert parse_time(text, NOW) == (moment - epoch) // __import__("datetime").timedelta(milliseconds=1)
    assert serde.iso_timestamp(parse_time(text, NOW)) == text


@MODEST
@given(st.text(max_size=16))
def test_times_are_a_64_bit_number_or_a_usage_error(text):
    try:
        ms = parse_time(text, NOW)
    except UsageError:
        return
    assert -INT64_MAX <= ms <= INT64_MAX


@MODEST
@given(st.lists(st.integers(0, 2**31 - 1), min_size=1, max_size=20), st.integers(1, 5))
def test_partition_lists_are_sorted_and_unique(numbers, chunks):
    text = [",".join(map(str, numbers[i::chunks])) for i in range(chunks)]
    assert parse_partitions([t for t in text if t]) == tuple(sorted(set(numbers)))


@MODEST
@given(st.text(max_size=10))
def test_partition_lists_are_numbers_or_a_usage_error(text):
    try:
        out = parse_partitions([text])
    except UsageError:
        return
    assert out and all(0 <= p <= 2**31 - 1 for p in out)


@MODEST
@given(st.dictionaries(st.integers(0, 2**31 - 1), st.integers(0, INT64_MAX), min_size=1, max_size=10),
       st.sampled_from([":", "="]))
def test_partition_offsets_round_trip(mapping, sep):
    assert parse_partition_offsets([",".join(f"{p}{sep}{o}" for p, o in mapping.items())], "--x") == mapping


@MODEST
@given(st.text(max_size=25))
def test_parse_int_takes_only_ascii_digits(text):
    try:
        n = parse_int(text, "--n")
    except UsageError:
        return
    assert text.strip().isascii() and 0 <= n <= INT64_MAX and str(n) == text.strip().lstrip("0") or n == 0


# --- the consume -f format language (kctl/outputs.py) ---------------------------------------

records = st.builds(
    ConsumerRecord,
    topic=st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True),
    partition=st.integers(0, 2**31 - 1),
    offset=st.integers(0, INT64_MAX),
    timestamp_ms=st.integers(1, 2**53),  # 0: librdkafka's 'now', refused by produce
    key=st.none() | st.binary(max_size=40),
    value=st.none() | st.binary(max_size=200),
    headers=st.none() | st.lists(st.tuples(st.text(max_size=8).filter(lambda s: "=" not in s and "," not in s),
                                           st.none() | st.binary(max_size=10)), max_size=3),
    timestamp_type=st.just(1),
)


@MODEST
@given(records, st.text(alphabet=st.characters(blacklist_characters="%\\", blacklist_categories=("Cs",)), max_size=10))
def test_format_tokens_render_the_record(msg, sep):
    out = compile_format(f"%t{sep}%p{sep}%o{sep}%T{sep}%K{sep}%S").render(msg)
    expected = sep.join([msg.topic, str(msg.partition), str(msg.offset), str(msg.timestamp_ms),
                         "-1" if msg.key is None else str(len(msg.key)),
                         "-1" if msg.value is None else str(len(msg.value))])
    assert out == (expected + ("" if "\n" in sep else "\n")).encode()


@MODEST
@given(records)
def test_format_key_value_and_length_prefix_are_the_bytes(msg):
    out = compile_format("%k\\t%R%v\\n").render(msg)
    key = msg.key or b""
    value = msg.value or b""
    prefix = struct.pack(">i", -1 if msg.value is None else len(msg.value))
    assert out == key + b"\t" + prefix + value + b"\n"


@MODEST
@given(st.text(max_size=12))
def test_any_format_compiles_or_is_a_usage_error(fmt):
    try:
        compile_format(fmt)
    except UsageError:
        pass


# --- the JSON envelope round trip ----------------------------------------------------------

@MODEST
@given(records, st.sampled_from(["string", "bytes"]))
def test_consume_json_envelopes_produce_back_to_the_same_bytes(msg, serializer):
    line = json_lines().render(msg)
    assert line.endswith(b"\n") and b"\n" not in line[:-1]
    encoder = RecordEncoder(serializer, serializer)
    encoder.partitions = msg.partition + 1  # (produce knows the topic's partition count)
    record = encoder.envelope(line[:-1])
    assert record.key == msg.key
    assert record.value == msg.value
    assert (record.headers or []) == list(msg.headers or [])
    assert record.timestamp_ms == msg.timestamp_ms


@MODEST
@given(st.none() | st.binary(max_size=64))
def test_encode_field_decode_field_round_trip(data):
    value, encoding = serde.encode_field(data)
    assert serde.decode_field(json.loads(json.dumps(value)), encoding) == data


# --- serializers ---------------------------------------------------------------------------

@MODEST
@given(st.integers(-2**31, 2**31 - 1))
def test_int32_round_trip(n):
    data = serde.serializer("int32").serialize(str(n))
    assert data == struct.pack(">i", n) and serde.deserializer("int32")(data) == n


@MODEST
@given(st.integers(-2**63, 2**63 - 1))
def test_int64_round_trip(n):
    data = serde.serializer("int64").serialize(str(n).encode())
    assert data == struct.pack(">q", n) and serde.deserializer("int64")(data) == n


@MODEST
@given(st.integers().filter(lambda n: not -2**31 <= n < 2**31))
def test_int32_out_of_range_is_an_error(n):
    with pytest.raises(serde.SerdeError):
        serde.serializer("int32").serialize(str(n))


@MODEST
@given(st.floats(allow_nan=False))
def test_double_round_trip(x):
    data = serde.serializer("double").serialize(repr(x))
    assert serde.deserializer("double")(data) == x


@MODEST
@given(st.binary(max_size=64))
def test_hex_and_base64_round_trip(data):
    import base64

    assert serde.serializer("hex").serialize(data.hex()) == data
    assert serde.serializer("base64").serialize(base64.b64encode(data)) == data


@MODEST
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=10))
def test_json_serializer_keeps_the_value(value):
    text = json.dumps(value)
    assert json.loads(serde.serializer("json").serialize(text.encode())) == value


@MODEST
@given(st.binary(max_size=64))
def test_serializers_raise_only_serde_errors(data):
    for name in serde.NAMES:
        try:
            out = serde.serializer(name).serialize(data)
        except serde.SerdeError:
            continue
        assert isinstance(out, bytes)


@MODEST
@given(st.binary(max_size=64))
def test_string_serializer_keeps_utf8_and_refuses_the_rest(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        with pytest.raises(serde.SerdeError):
            serde.serializer("string").serialize(data)
        return
    assert serde.serializer("string").serialize(text) == data


# --- murmur2 (kctl/partitioners.py) -------------------------------------------------------

def _java_murmur2(data: bytes) -> int:
    """org.apache.kafka.common.utils.Utils.murmur2, transcribed with explicit 32-bit wrapping."""
    def i32(x):
        x &= 0xFFFFFFFF
        return x - (1 << 32) if x & 0x80000000 else x

    seed, m, r = 0x9747B28C, 0x5BD1E995, 24
    length = len(data)
    h = i32(seed ^ length)
    for i in range(length // 4):
        k = int.from_bytes(data[i * 4:i * 4 + 4], "little")
        k = i32(k * m)
        k ^= (k & 0xFFFFFFFF) >> r
        k = i32(k * m)
        h = i32(h * m)
        h = i32(h ^ k)
    tail = length & ~3
    rest = length % 4
    if rest == 3:
        h = i32(h ^ (data[tail + 2] << 16))
    if rest >= 2:
        h = i32(h ^ (data[tail + 1] << 8))
    if rest >= 1:
        h = i32(h ^ data[tail])
        h = i32(h * m)
    h = i32(h ^ ((h & 0xFFFFFFFF) >> 13))
    h = i32(h * m)
    h = i32(h ^ ((h & 0xFFFFFFFF) >> 15))
    return h


def test_the_reference_matches_kafkas_published_vectors():
    for data, expected in KAFKA_UTILS_TEST_VECTORS.items():
        assert _java_murmur2(data) == expected == murmur2(data)


@MODEST
@given(st.binary(max_size=100))
def test_murmur2_is_kafkas(data):
    assert murmur2(data) == _java_murmur2(data)


@MODEST
@given(st.binary(max_size=40), st.integers(1, 10_000))
def test_murmur2_placement_is_in_range_and_javas(key, partitions):
    partition = murmur2_partition(key, partitions)
    assert 0 <= partition < partitions
    assert partition == to_positive(_java_murmur2(key)) % partitions


# --- the fault suite's own checker (bench/faultlib.py), so that "0 lost" means something ------------

@MODEST
@given(st.integers(1, 300), st.data())
def test_the_fault_checker_counts_lost_and_duplicated_exactly(total, data):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.faultlib import Result, check_sequence

    lost = data.draw(st.sets(st.integers(0, total - 1), max_size=total))
    twice = data.draw(st.sets(st.integers(0, total - 1), max_size=total)) - lost
    values = [n for n in range(total) if n not in lost] + sorted(twice)
    records = [(0, offset, b"k%d" % (n % 7), b"%d" % n) for offset, n in enumerate(values)]
    result = Result("x", code=0)
    check_sequence(result, records, total)
    assert (result.lost, result.duplicated) == (len(lost), len(twice))
    assert result.ok == (not lost and not twice)
