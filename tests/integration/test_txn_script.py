"""kctl txn run SCRIPT.yaml against the real broker: read_committed sees only the committed sends."""

from __future__ import annotations

from tests.helpers import read_partitions, run_kctl, wait_until


def write_plan(tmp_path, text: str) -> str:
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    return str(path)


def test_committed_and_aborted_steps(kafka, new_topic, unique_name, tmp_path):
    bootstrap = kafka["bootstrap"]
    topic = new_topic(partitions=1, prefix="plan")
    group = unique_name("plan-g")
    plan = write_plan(tmp_path, f"""
transactional_id: {unique_name("plan-tx")}
steps:
  - begin
  - send: {{topic: {topic}, key: k1, value: committed-1, headers: {{trace: abc}}}}
  - send: {{topic: {topic}, value: committed-2, partition: 0}}
  - commit
  - begin
  - send: {{topic: {topic}, value: aborted-1}}
  - sleep: 0.1
  - abort
  - begin
  - send: {{topic: {topic}, value: committed-3}}
  - send-offsets: {{group: {group}, topic: {topic}, partition: 0, offset: 2}}
  - commit
""")
    result = run_kctl("-b", bootstrap, "-o", "json", "txn", "run", plan)
    assert result.code == 0, result
    out = result.json
    assert out["outcome"] == "ok" and out["committed"] == 2 and out["aborted"] == 1
    assert [s["step"] for s in out["steps"]] == ["begin", "send", "send", "commit", "begin", "send", "sleep",
                                                 "abort", "begin", "send", "send-offsets", "commit"]
    assert all(s["status"] == "ok" for s in out["steps"])

    committed = [r[1] for r in read_partitions(bootstrap, topic)[0]]
    assert committed == [b"committed-1", b"committed-2", b"committed-3"]
    everything = [r[1] for r in read_partitions(bootstrap, topic, committed_only=False)[0]]
    assert everything == [b"committed-1", b"committed-2", b"aborted-1", b"committed-3"]
    first = read_partitions(bootstrap, topic)[0][0]
    assert first[0] == b"k1" and first[2] == (("trace", b"abc"),)

    from kctl.client import ConsumerClient

    with ConsumerClient(bootstrap=bootstrap, group_id=group) as consumer:
        assert consumer.committed([(topic, 0)], 10) == {(topic, 0): 2}


def test_a_failing_step_aborts_the_open_transaction_and_exits_7(kafka, new_topic, tmp_path):
    bootstrap = kafka["bootstrap"]
    topic = new_topic(partitions=1, prefix="plan")
    plan = write_plan(tmp_path, f"""
steps:
  - begin
  - send: {{topic: {topic}, value: never-visible}}
  - send: {{topic: {topic}, value: bad-partition, partition: 5}}
  - commit
""")
    result = run_kctl("-b", bootstrap, "-o", "json", "--timeout", "3", "txn", "run", plan)
    assert result.code == 7, result
    steps = result.json["steps"]
    assert [s["status"] for s in steps] == ["ok", "ok", "failed", "skipped", "ok"]
    assert steps[-1]["step"] == "abort" and steps[-1]["index"] == 0
    assert result.json["outcome"] == "failed" and result.json["aborted"] == 1
    assert read_partitions(bootstrap, topic)[0] == []


def test_a_plan_that_is_not_valid_is_a_usage_error(tmp_path):
    for text, message in [("steps: [begin, fly]", "unknown step 'fly'"), ("steps: []", "steps: expected `array` of length >= 1"),
                          ("steps: [{send: {value: x}}]", "steps[0]: object missing required field `topic`"),
                          ("steps: [{sleep: -1}]", "steps[0].sleep: expected `float` >= 0.0"),
                          ("[", "not valid YAML")]:
        result = run_kctl("-b", "127.0.0.1:1", "txn", "run", write_plan(tmp_path, text))
        assert result.code == 2, result
        assert message in result.stderr and result.stderr.count("\n") == 1
    missing = run_kctl("txn", "run", str(tmp_path / "nope.yaml"))
    assert missing.code == 4, missing


def test_a_fenced_producer_is_fatal_not_aborted(kafka, new_topic, unique_name, tmp_path):
    import json
    import subprocess
    import sys

    bootstrap = kafka["bootstrap"]
    topic = new_topic(partitions=1, prefix="plan")
    txn_id = unique_name("plan-tx")
    slow = tmp_path / "slow.yaml"
    slow.write_text(f"transactional_id: {txn_id}\nsteps:\n  - begin\n  - send: {{topic: {topic}, value: old}}\n"
                    f"  - sleep: 8\n  - commit\n")
    old = subprocess.Popen([sys.executable, "-m", "kctl", "-b", bootstrap, "-o", "json", "txn", "run", str(slow)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_until(lambda: read_partitions(bootstrap, topic, committed_only=False)[0], 60,
               "the old producer's send arrived", process=old)
    new = write_plan(tmp_path, f"transactional_id: {txn_id}\nsteps:\n  - begin\n"
                               f"  - send: {{topic: {topic}, value: new}}\n  - commit\n")
    result = run_kctl("-b", bootstrap, "-o", "json", "txn", "run", new)  # fences the old one
    assert result.code == 0, result
    out, err = old.communicate(timeout=90)
    assert old.returncode == 7, err
    steps = json.loads(out)["steps"]
    assert json.loads(out)["outcome"] == "fatal" and steps[3]["status"] == "fatal", out
    assert b"fenced" in err.lower() or b"fatal" in err.lower()
    assert [r[1] for r in read_partitions(bootstrap, topic)[0]] == [b"new"]
