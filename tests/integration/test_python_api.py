"""kctl's client API against the real broker: the examples of docs/python-api.md, run as they are written
(with a fresh topic and transactional id), and the producer/transaction behaviour they promise."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kctl.client import ProducerClient, ProducerRecord, TransactionClient
from kctl.errors import BrokerUnavailable, KctlError, NotFoundError, TransactionAbortable, TransactionFatal
from tests.helpers import read_messages

PAGE = Path(__file__).resolve().parents[2] / "docs" / "python-api.md"


def doc_blocks(subsection: str) -> list[str]:
    """The ```python blocks of the `## subsection` of docs/python-api.md (`# Use kctl from Python`)."""
    text = PAGE.read_text()
    assert text.startswith("# Use kctl from Python\n"), "docs/python-api.md is the page of the Python API"
    part = text.split(f"\n## {subsection}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", part, re.S)
    assert blocks, f"no python block under ## {subsection}"
    return blocks


def run_example(code: str, **names: str) -> str:
    for old, new in names.items():
        code = code.replace(f'"{old}"', f'"{new}"')
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_docs_producing_example(kafka, new_topic):
    topic = new_topic(3)
    (code,) = doc_blocks("Producing")
    out = run_example(code, orders=topic).splitlines()
    assert re.fullmatch(rf"stored at {topic}\[[0-2]\] offset 0", out[0]), out
    partition = int(out[0].split("[")[1][0])
    assert out[2] == "NotFoundError (exit 4): topic 'no-such-topic' does not exist", out
    got = read_messages(kafka["bootstrap"], topic)
    first = next(m for m in got if m.key() == b"customer-1")
    assert first.partition() == partition and first.offset() == 0
    assert json.loads(first.value()) == {"id": 1, "total": 9.5} and first.headers() == [("source", b"readme")]
    batch = sorted((m.partition(), m.offset(), json.loads(m.value())["id"]) for m in got if m.key() == b"customer-2")
    assert [n for _, _, n in batch] == [2, 3]  # one key: one partition, in order
    assert out[1] == f"offsets {[offset for _, offset, _ in batch]}"


def test_docs_transactions_example(kafka, new_topic, unique_name):
    topic = new_topic(1)
    (code,) = doc_blocks("Transactions")
    out = run_example(code, orders=topic, **{"orders-loader": unique_name("readme-txn")})
    assert out.splitlines() == ["committed 3 records", "aborted 1 record"]
    committed = read_messages(kafka["bootstrap"], topic, isolation="read_committed")
    assert [(m.key(), m.value()) for m in committed] == [(b"k%d" % n, b"order %d" % n) for n in range(3)]


# ---- what the examples rely on ----------------------------------------------------------------------


def test_send_future_callbacks_and_serializers(kafka, new_topic):
    topic = new_topic(2)
    seen = []
    with ProducerClient(bootstrap=kafka["bootstrap"], key_serializer="int32", value_serializer="double") as producer:
        future = producer.send(ProducerRecord(topic, key=7, value=0.5, partition=1, timestamp_ms=1_700_000_000_000),
                               on_delivery=lambda error, metadata: seen.append((error, metadata)))
        future.add_done_callback(lambda f: seen.append("done"))
        metadata = future.get(timeout=30)
        assert future.done() and (metadata.partition, metadata.offset) == (1, 0)
        assert metadata.timestamp_ms == 1_700_000_000_000
        assert seen == [(None, metadata), "done"]
        with pytest.raises(KctlError, match=r"key .*\(int32\): not an integer"):
            producer.send(ProducerRecord(topic, key="not a number", value=1.0))
        assert producer.flush(10) == 0
    (record,) = read_messages(kafka["bootstrap"], topic)
    assert record.key() == b"\x00\x00\x00\x07" and record.value() == b"\x3f\xe0" + b"\x00" * 6


def test_a_delivery_that_cannot_happen_is_a_kctl_error_within_the_timeout():
    with ProducerClient(bootstrap="127.0.0.1:1", delivery_timeout_ms=60_000) as producer:
        future = producer.send(ProducerRecord("t", value=b"x"))
        with pytest.raises(BrokerUnavailable):
            future.get(timeout=1)
        assert not future.done()
        with pytest.raises(BrokerUnavailable):
            producer.partitions_for("t", timeout=1)
        producer.purge()


def test_partitions_for_and_bulk_values(kafka, new_topic):
    topic = new_topic(3)
    failures = []
    with ProducerClient(bootstrap=kafka["bootstrap"], delivery_reports="errors",
                        on_delivery_error=lambda *failure: failures.append(failure)) as producer:
        assert producer.partitions_for(topic, timeout=10) == 3
        with pytest.raises(NotFoundError):
            producer.partitions_for(topic + "-missing", timeout=10)
        assert producer.produce_values(topic, [b"v%d" % i for i in range(1000)], key=b"same") == 1000
        with pytest.raises(KctlError, match="delivery_reports='all'"):
            producer.send(ProducerRecord(topic, value=b"x"))  # no future without success reports
        assert producer.flush(30) == 0
    got = read_messages(kafka["bootstrap"], topic)
    assert failures == [] and len(got) == 1000 and len({m.partition() for m in got}) == 1


def test_a_failed_commit_is_abortable_and_the_next_transaction_works(kafka, new_topic, unique_name):
    topic = new_topic(1, config={"max.message.bytes": "1000"})  # the broker refuses the big record
    with TransactionClient(unique_name("txn"), bootstrap=kafka["bootstrap"]) as txn:
        txn.init(30)
        txn.begin()
        big = txn.send(ProducerRecord(topic, value=b"x" * 5000))
        with pytest.raises(TransactionAbortable) as info:
            txn.commit(30)
        assert info.value.exit_code == 7
        with pytest.raises(KctlError):
            big.get(1)
        txn.abort(30)
        # What TransactionAbortable asks for: abort, begin again. (librdkafka needs one more abort
        # here to bump the producer epoch after the refused record: "skipped sequence numbers".)
        for _attempt in range(3):
            txn.begin()
            txn.send(ProducerRecord(topic, value=b"small"))
            try:
                txn.commit(30)
                break
            except TransactionAbortable:
                txn.abort(30)
        else:
            pytest.fail("no transaction committed after the abortable failure")
    assert [m.value() for m in read_messages(kafka["bootstrap"], topic, isolation="read_committed")] == [b"small"]


def test_a_fenced_producer_gets_transaction_fatal(kafka, new_topic, unique_name):
    topic = new_topic(1)
    txn_id = unique_name("fenced")
    old = TransactionClient(txn_id, bootstrap=kafka["bootstrap"])
    old.init(30)
    old.begin()
    old.send(ProducerRecord(topic, value=b"from the old one")).get(30)
    with TransactionClient(txn_id, bootstrap=kafka["bootstrap"]) as new:
        new.init(30)  # fences the old producer (and aborts its open transaction)
        with pytest.raises(TransactionFatal) as info:
            old.commit(30)
        assert info.value.exit_code == 7 and not isinstance(info.value, TransactionAbortable)
        new.begin()
        new.send(ProducerRecord(topic, value=b"from the new one"))
        new.commit(30)
    old.close(1)
    assert [m.value() for m in read_messages(kafka["bootstrap"], topic, isolation="read_committed")] == [b"from the new one"]


def test_send_offsets_commits_a_groups_offsets_in_the_transaction(kafka, new_topic, unique_name):
    from confluent_kafka import Consumer, TopicPartition

    source, topic, group = new_topic(1), new_topic(1), unique_name("eos-group")
    consumer = Consumer({"bootstrap.servers": kafka["bootstrap"], "group.id": group, "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(source, 0, 0)])
        with TransactionClient(unique_name("eos"), bootstrap=kafka["bootstrap"]) as txn:
            txn.init(30)
            txn.begin()
            txn.send(ProducerRecord(topic, value=b"out"))
            txn.send_offsets(consumer.consumer_group_metadata(), {(source, 0): 42}, timeout=30)
            txn.commit(30)
        committed = consumer.committed([TopicPartition(source, 0)], timeout=30)
        assert committed[0].offset == 42
    finally:
        consumer.close()
