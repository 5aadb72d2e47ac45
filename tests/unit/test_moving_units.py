"""Pure parts of txn run scripts, dump files and perf histograms."""

import hashlib

import pytest

from kctl.errors import UsageError
from kctl.services.dump.files import COMPRESSIONS, open_lines, open_writer, sha256_of
from kctl.services.dump.restorer import record_of
from kctl.services.perf.histogram import Recorder
from kctl.services.txn_script import parse_script


def test_a_plan_parses_every_step_kind():
    txn_id, steps = parse_script("""
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


BAD_SCRIPTS = [
    ("unknown field", "steps: [{send: {topic: a, colour: red}}]", "script: steps[0]: object contains unknown field `colour`"),
    ("no group", "steps: [{send-offsets: {topic: a, partition: 0, offset: 1}}]", "steps[0]: object missing required field `group`"),
    ("negative partition", "steps: [{send-offsets: {group: g, topic: a, partition: -1, offset: 1}}]",
     "steps[0].partition: expected `int` >= 0"),
    ("send partition a string", "steps: [begin, begin, begin, {send: {topic: a, partition: '0'}}]",
     "steps[3].partition: expected `int | null`, got `str`"),
    ("send partition -1", "steps: [begin, begin, begin, {send: {topic: a, partition: -1}}]", "steps[3].partition"),
    ("two keys", "steps: [{begin: 1, commit: 2}]", "steps[0]: a step is a name or a mapping with one key"),
    ("unknown top key", "steps: [begin]\nextra: 1", "script: object contains unknown field `extra`"),
    ("empty transactional_id", "transactional_id: ''\nsteps: [begin]", "transactional_id"),
    ("transactional_id a number", "transactional_id: 5\nsteps: [begin]", "transactional_id: expected `str | null`"),
    ("boolean value", "steps: [{send: {topic: a, value: true}}]", "steps[0].value: expected"),
    ("unknown bare step", "steps: [begin, flush]", "steps[1]: unknown step 'flush'"),
    ("unknown step kind", "steps: [{produce: {topic: a}}]", "steps[0]: unknown step 'produce'"),
    ("step a number", "steps: [5]", "steps[0]: expected `str | object`, got `int`"),
    ("steps empty", "steps: []", "steps: expected `array` of length >= 1"),
    ("steps missing", "transactional_id: x", "object missing required field `steps`"),
    ("steps a string", "steps: begin", "steps: expected `array`, got `str`"),
    ("plan a list", "- begin", "script: expected `object`, got `array`"),
    ("plan empty", "", "script: expected `object`, got `null`"),
    ("topic empty", "steps: [{send: {topic: ''}}]", "steps[0].topic: expected `str` of length >= 1"),
    ("no topic", "steps: [{send: {value: x}}]", "steps[0]: object missing required field `topic`"),
    ("send not a mapping", "steps: [{send: x}]", "steps[0]: expected `object`, got `str`"),
    ("headers a string", "steps: [{send: {topic: a, headers: x}}]", "steps[0].headers: expected `object | array`"),
    ("header without key", "steps: [{send: {topic: a, headers: [{value: v}]}}]",
     "steps[0].headers[0]: object missing required field `key`"),
    ("header unknown field", "steps: [{send: {topic: a, headers: [{key: k, colour: red}]}}]",
     "steps[0].headers[0]: object contains unknown field `colour`"),
    ("timestamp 0", "steps: [{send: {topic: a, timestamp_ms: 0}}]", "steps[0].timestamp_ms: expected `int` >= 1"),
    ("timestamp beyond int64", "steps: [{send: {topic: a, timestamp_ms: 9223372036854775808}}]",
     "steps[0].timestamp_ms: expected `int` <= 9223372036854775807"),
    ("offset a float", "steps: [{send-offsets: {group: g, topic: a, partition: 0, offset: 1.5}}]",
     "steps[0].offset: expected `int`, got `float`"),
    ("sleep negative", "steps: [{sleep: -1}]", "steps[0].sleep: expected `float` >= 0.0"),
    ("sleep too long", "steps: [{sleep: 3601}]", "steps[0].sleep: expected `float` <= 3600.0"),
    ("sleep a string", "steps: [{sleep: soon}]", "steps[0].sleep: expected `float`, got `str`"),
    ("sleep a boolean", "steps: [{sleep: true}]", "steps[0].sleep: expected `float`, got `bool`"),
    ("not YAML", "steps: [", "script: not valid YAML"),
    ("a date inside a value", "steps: [{send: {topic: a, value: {day: 2024-01-01}}}]",
     "script: steps[0].value: cannot encode as JSON"),
    ("nested too deeply", "steps: " + "[" * 5000 + "]" * 5000, "script: nested too deeply"),
]


@pytest.mark.parametrize("what, text, message", BAD_SCRIPTS, ids=[c[0] for c in BAD_SCRIPTS])
def test_bad_scripts_name_the_problem(what, text, message):
    with pytest.raises(UsageError) as info:
        parse_script(text)
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


@pytest.mark.parametrize("what, text, where", [
    ("partition a string", "steps: [begin, begin, begin, {send: {topic: a, partition: x}}]", "steps[3].partition"),
    ("unknown key", "steps: [begin, {send: {topic: a, colour: red}}]", "unknown field `colour`"),
])
def test_txn_run_of_a_bad_plan_is_one_line_and_exit_2_before_connecting(tmp_path, what, text, where):
    from tests.helpers import run_kctl

    plan = tmp_path / "plan.yaml"
    plan.write_text(text)
    result = run_kctl("-b", "127.0.0.1:1", "txn", "run", str(plan))  # no broker: nothing may be tried
    assert result.code == 2, result
    assert result.stderr.startswith(f"kctl: error: {plan}: ") and where in result.stderr, result
    assert result.stderr.count("kctl: error:") == 1 and "Traceback" not in result.stderr


def test_txn_run_of_a_fifo_is_refused_without_blocking(tmp_path):
    import os

    from tests.helpers import run_kctl

    os.mkfifo(tmp_path / "plan.yaml")
    result = run_kctl("-b", "127.0.0.1:1", "txn", "run", str(tmp_path / "plan.yaml"))
    assert result.code == 2 and "not a regular file" in result.stderr, result
