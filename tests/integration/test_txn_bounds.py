"""Transactions bounded by --timeout and by signals, against the real broker (instance 0): a record the
broker rejects held librdkafka's commit_transaction until delivery.timeout.ms (2 min), deaf to --timeout,
Ctrl-C and SIGTERM. The subprocess timeouts below are generous limits far under those 2 minutes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid

import pytest

from tests.helpers import read_messages, run_kctl, run_kctl_process

BIG = b"x" * 2_000_000  # over the broker's message.max.bytes (1 MB); the client is allowed 3 MB


def _input(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(b"a\n" + BIG + b"\nb\n")
    return path


def _txn_produce(bootstrap, topic, path, txn_id, timeout):
    return ["-b", bootstrap, "--timeout", str(timeout), "produce", topic, "--transactional-id", txn_id,
            "-X", "message.max.bytes=3000000", "--file", str(path)]


def test_a_record_the_broker_rejects_aborts_the_transaction_within_the_timeout(kafka, new_topic, tmp_path):
    topic = new_topic(partitions=1)
    result = run_kctl_process(*_txn_produce(kafka["bootstrap"], topic, _input(tmp_path), f"t-{uuid.uuid4().hex}", 5),
                              timeout=40)
    assert result.code == 7, result
    errors = [line for line in result.stderr.splitlines() if line.startswith("kctl: error: ")]
    assert len(errors) == 1 and "aborted" in errors[0] and "Traceback" not in result.stderr, result
    assert read_messages(kafka["bootstrap"], topic, isolation="read_committed") == []


def _open_on_the_coordinator(bootstrap: str, txn_id: str) -> bool:
    described = run_kctl("-b", bootstrap, "-o", "json", "txn", "describe", txn_id)
    return described.code == 0 and "Ongoing" in json.dumps(described.json)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_the_commit_waits_ends_kctl(kafka, new_topic, tmp_path, signum, code):
    topic = new_topic(partitions=1)
    txn_id = f"t-{uuid.uuid4().hex}"
    proc = subprocess.Popen([sys.executable, "-m", "kctl", *_txn_produce(kafka["bootstrap"], topic, _input(tmp_path),
                                                                        txn_id, 60)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})
    try:
        # the records are handed over at once; once the coordinator holds the transaction, kctl is committing
        while proc.poll() is None and not _open_on_the_coordinator(kafka["bootstrap"], txn_id):
            pass
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # the signal, or the abortable error that may come first: never the 2 minutes of delivery.timeout.ms
    assert proc.returncode in (code, 7), err
    assert b"Traceback" not in err and err.count(b"kctl: error: ") == 1, err
    assert read_messages(kafka["bootstrap"], topic, isolation="read_committed") == []


def test_txn_run_waits_for_an_absent_broker_only_until_the_timeout(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text("steps:\n  - begin\n  - send: {topic: t, value: a}\n  - commit\n")
    # --timeout 1: the old floor of 10 s per wait made this 10.6 s
    result = run_kctl_process("-b", "127.0.0.1:1", "--timeout", "1", "txn", "run", str(plan), timeout=8)
    assert result.code == 6, result
    assert result.stderr.count("kctl: error: ") == 1 and "Traceback" not in result.stderr, result


def test_txn_run_of_a_record_the_broker_rejects_aborts(kafka, new_topic, tmp_path):
    topic = new_topic(partitions=1)
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"steps:\n  - begin\n  - send: {{topic: {topic}, value: a}}\n"
                    f"  - send: {{topic: {topic}, value: {BIG.decode()}}}\n  - commit\n")
    result = run_kctl_process("-b", kafka["bootstrap"], "--timeout", "5", "-X", "message.max.bytes=3000000",
                              "-o", "json", "txn", "run", str(plan), timeout=40)
    assert result.code == 7, result
    assert result.json["outcome"] == "failed" and result.json["committed"] == 0, result
    assert read_messages(kafka["bootstrap"], topic, isolation="read_committed") == []
