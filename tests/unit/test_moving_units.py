"""Pure parts of txn run plans, dump files and perf histograms."""

import hashlib

import pytest

from kctl.errors import UsageError
from kctl.services.dump.files import COMPRESSIONS, open_lines, open_writer, sha256_of
from kctl.services.dump.restorer import record_of
from kctl.services.perf.histogram import Recorder
from kctl.services.txn_plan import parse_plan


def test_a_plan_parses_every_step_kind():
    txn_id, steps = parse_plan("""
transactional_id: t1
steps:
  - begin
  - send: {topic: a, key: 1, value: {x: 1}, headers: {h: v}, partition: 0}
  - send-offsets: {group: g, topic: a, partition: 0, offset: 5}
  - sleep: 0.5
  - abort
  - commit
""")
    assert txn_id == "t1"
    assert [s.kind for s in steps] == ["begin", "send", "send-offsets", "sleep", "abort", "commit"]
    assert steps[1].args["key"] == "1" and steps[1].args["value"] == '{"x":1}'
    assert steps[1].args["headers"] == [("h", "v")] and steps[1].args["partition"] == 0
    assert steps[2].args == {"group": "g", "topic": "a", "partition": 0, "offset": 5}
    assert steps[3].args == 0.5


@pytest.mark.parametrize("text, message", [
    ("steps: [{send: {topic: a, colour: red}}]", "no field 'colour'"),
    ("steps: [{send-offsets: {topic: a, partition: 0, offset: 1}}]", "needs a group"),
    ("steps: [{send-offsets: {group: g, topic: a, partition: -1, offset: 1}}]", "partition"),
    ("steps: [{begin: 1, commit: 2}]", "one key"),
    ("steps: [begin]\nextra: 1", "unknown key 'extra'"),
    ("transactional_id: ''\nsteps: [begin]", "transactional_id"),
    ("steps: [{send: {topic: a, value: true}}]", "boolean"),
])
def test_bad_plans_name_the_problem(text, message):
    with pytest.raises(UsageError) as info:
        parse_plan(text)
    assert message in str(info.value)


@pytest.mark.parametrize("compression", sorted(COMPRESSIONS))
def test_dump_files_round_trip_and_hash(tmp_path, compression):
    path = tmp_path / f"f{COMPRESSIONS[compression]}"
    lines = [b'{"a":%d}\n' % i for i in range(5000)]
    with open_writer(path, compression) as stream:
        for line in lines:
            stream.write(line)
    with open_lines(path, compression) as f:
        assert list(f) == lines
    digest, size = sha256_of(path)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest() and size == path.stat().st_size


def test_an_envelope_line_becomes_the_record_bytes():
    line = (b'{"topic":"t","partition":0,"offset":1,"timestamp_ms":5,"key":null,"value":"/w==",'
            b'"value_encoding":"base64","headers":[{"key":"h","value":null},{"key":"i","value":"x"}]}')
    assert record_of(line) == (None, b"\xff", [("h", None), ("i", b"x")], 5)


def test_percentiles_are_monotonic_and_end_at_the_max():
    recorder = Recorder("x")
    for i in range(1, 2001):
        recorder.record(i / 1e5, 10)
    interval = recorder.take_interval(2.0)
    assert interval.records == 2000 and interval.records_per_s == 1000.0
    summary = recorder.summary()
    assert summary.count == 2000
    assert summary.p50_ms <= summary.p95_ms <= summary.p99_ms <= summary.p999_ms <= summary.max_ms
    assert abs(summary.p50_ms - 10.0) < 0.05 and abs(summary.max_ms - 20.0) < 0.05
    values = [p.value_ms for p in summary.percentiles]
    assert values == sorted(values) and summary.percentiles[-1].percentile == 100
    assert recorder.take_interval(1.0).records == 0  # the interval histogram was reset
