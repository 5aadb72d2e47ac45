"""`kctl txn` against the real single-broker instance.

Transactions are made the way applications make them: a confluent Producer with a
transactional.id unique to the test either commits (CompleteCommit) or begins, produces,
flushes and stays open (Ongoing) until the test ends; open ones are aborted at teardown.
What kctl reports is checked against the producer's own view and a read_committed consumer.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import run_answering_on_a_tty, run_kctl, run_kctl_process, wait_until
from tests.integration.consume_helpers import produce

UNREACHABLE = ("-b", "127.0.0.1:1", "--timeout", "2")
TXN_TIMEOUT_MS = 120_000  # longer than any test: the coordinator must not abort the open ones itself


@pytest.fixture
def transactions(kafka, unique_name):
    """Factory: transactions(topic, {partition: n records}, commit=True) -> transactional id.

    commit=False leaves the transaction open (records flushed to the partitions); it is
    aborted at teardown, whatever the test did to it.
    """
    from confluent_kafka import Producer

    open_producers = []

    def make(topic: str, records: dict[int, int], commit: bool = True) -> str:
        tid = unique_name("tx")
        producer = Producer({"bootstrap.servers": kafka["bootstrap"], "transactional.id": tid,
                             "transaction.timeout.ms": TXN_TIMEOUT_MS, "linger.ms": 1})
        producer.init_transactions(60)
        producer.begin_transaction()
        for partition, count in records.items():
            for i in range(count):
                producer.produce(topic, value=f"{tid}-{i}".encode(), partition=partition)
        assert producer.flush(60) == 0
        if commit:
            producer.commit_transaction(60)
        else:
            open_producers.append(producer)
        return tid

    yield make
    for producer in open_producers:
        try:
            producer.abort_transaction(30)
        except Exception:  # noqa: BLE001 - the test may have aborted it administratively
            pass


def _listed(k, *ids: str, extra: tuple = ()) -> dict:
    pattern = "|".join(re.escape(i) for i in ids)
    result = k("txn", "list", "--pattern", pattern, *extra, "-o", "json")
    assert result.code == 0, result
    return {t["transactional_id"]: t for t in result.json}


def _wait_listed(k, tid: str, state: str) -> dict:
    """The list row of tid once it reached state (commit markers are written after the commit returns)."""
    def reached():
        row = _listed(k, tid).get(tid)
        return row if row is not None and row["state"] == state else None

    return wait_until(reached, 30, f"{tid} reached {state}")


def _one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("kctl: error:")]
    assert len(lines) == 1, result
    return lines[0]


# ------------------------------------------------------------------------------------------- list


def test_list_shows_committed_and_open_transactions(k, new_topic, transactions):
    topic = new_topic(partitions=2)
    committed = transactions(topic, {0: 2})
    ongoing = transactions(topic, {1: 1}, commit=False)

    done = _wait_listed(k, committed, "CompleteCommit")
    rows = _listed(k, committed, ongoing)
    assert set(rows) == {committed, ongoing}
    assert rows[ongoing]["state"] == "Ongoing"
    for row in (done, rows[ongoing]):
        assert row["producer_id"] >= 0 and row["producer_epoch"] >= 0 and isinstance(row["coordinator"], int)
    assert rows[committed]["producer_id"] != rows[ongoing]["producer_id"]

    only_ongoing = _listed(k, committed, ongoing, extra=("--state", "ongoing"))
    assert set(only_ongoing) == {ongoing}
    by_pid = _listed(k, committed, ongoing, extra=("--producer-id", str(done["producer_id"])))
    assert set(by_pid) == {committed}

    table = k("txn", "list", "--pattern", re.escape(ongoing))
    assert table.code == 0
    (line,) = [line.split() for line in table.stdout.splitlines() if ongoing in line]
    assert line[0] == ongoing and line[3] == "Ongoing"


def test_list_rejects_an_unknown_state(k):
    result = k("txn", "list", "--state", "sleeping")
    assert result.code == 2
    assert "--state must be one of" in _one_error_line(result)


# ------------------------------------------------------------------------------------------- describe


def test_describe_shows_the_open_transactions_partitions(k, new_topic, transactions):
    topic = new_topic(partitions=3)
    ongoing = transactions(topic, {0: 1, 2: 3}, commit=False)
    committed = transactions(topic, {1: 1})
    _wait_listed(k, committed, "CompleteCommit")

    result = k("txn", "describe", ongoing, committed, "-o", "json")
    assert result.code == 0, result
    by_id = {t["transactional_id"]: t for t in result.json}
    open_txn, done = by_id[ongoing], by_id[committed]
    assert open_txn["state"] == "Ongoing" and open_txn["partitions"] == {topic: [0, 2]}
    assert open_txn["timeout_ms"] == TXN_TIMEOUT_MS
    assert open_txn["start_time_ms"] > 0 and open_txn["duration_ms"] >= 0
    assert open_txn["producer_id"] == _listed(k, ongoing)[ongoing]["producer_id"]
    assert done["state"] == "CompleteCommit" and done["partitions"] == {} and done["start_time_ms"] is None

    table = k("txn", "describe", ongoing)
    assert table.code == 0 and f"{topic}:0,2" in table.stdout and "Ongoing" in table.stdout


def test_describe_unknown_id_exits_4_and_partial_exits_5(k, new_topic, transactions, unique_name):
    unknown = unique_name("no-such-tx")
    result = k("txn", "describe", unknown)
    assert result.code == 4, result
    assert unknown in _one_error_line(result)

    known = transactions(new_topic(), {0: 1})
    partial = k("txn", "describe", known, unknown, "-o", "json")
    assert partial.code == 5, partial
    assert [t["transactional_id"] for t in partial.json] == [known]


# ------------------------------------------------------------------------------------------- describe-producers


def test_describe_producers_shows_the_open_transaction(k, kafka, new_topic, transactions):
    topic = new_topic(partitions=2)
    produce(kafka["bootstrap"], topic, [{"value": b"before", "partition": 1}])  # the transaction starts at offset 1
    ongoing = transactions(topic, {1: 2}, commit=False)
    pid = _listed(k, ongoing)[ongoing]["producer_id"]

    result = k("txn", "describe-producers", topic, "-o", "json")
    assert result.code == 0, result
    p0, p1 = result.json
    assert (p0["partition"], p0["producers"]) == (0, [])
    (txn_producer,) = [p for p in p1["producers"] if p["producer_id"] == pid]
    assert txn_producer["current_txn_start_offset"] == 1
    assert txn_producer["last_sequence"] == 1 and txn_producer["last_timestamp_ms"] > 0

    only = k("txn", "describe-producers", topic, "--partition", "1", "--broker", str(p1["broker"]), "-o", "json")
    assert only.code == 0, only
    assert [r["partition"] for r in only.json] == [1] and only.json[0]["producers"] == p1["producers"]


def test_describe_producers_of_unknown_topic_partition_or_broker_exits_4(k, new_topic, unique_name):
    topic = new_topic(partitions=1)
    assert k("txn", "describe-producers", unique_name("missing")).code == 4
    assert k("txn", "describe-producers", topic, "--partition", "5").code == 4
    assert k("txn", "describe-producers", topic, "--broker", "999").code == 4


# ------------------------------------------------------------------------------------------- find-hanging


def test_find_hanging_does_not_flag_a_live_open_transaction(k, new_topic, transactions):
    topic = new_topic(partitions=2)
    transactions(topic, {0: 1}, commit=False)

    # Idle for more than 0 ms: a candidate, but its coordinator has it open with this partition.
    strict = k("txn", "find-hanging", "--topic", topic, "--max-age-ms", "0", "-o", "json")
    assert strict.code == 0, strict
    report = strict.json
    assert report["partitions_checked"] == 2 and report["open_transactions"] == 1 and report["candidates"] == 1
    assert report["hanging"] == [] and report["errors"] == []

    default = k("txn", "find-hanging", "--topic", topic, "-o", "json")
    assert default.code == 0 and default.json["candidates"] == 0 and default.json["max_age_ms"] == 900_000

    table = k("txn", "find-hanging", "--topic", topic, "--partition", "0", "--max-age-ms", "0")
    assert table.code == 0 and "0 hanging transaction(s): 1 partition(s) read, 1 open transaction(s)" in table.stdout


def test_find_hanging_across_a_broker(k, new_topic, transactions):
    topic = new_topic(partitions=1)
    transactions(topic, {0: 1}, commit=False)
    broker = k("txn", "describe-producers", topic, "-o", "json").json[0]["broker"]

    result = k("txn", "find-hanging", "--broker", str(broker), "--max-age-ms", "0", "-o", "json")
    assert result.code == 0, result
    assert result.json["open_transactions"] >= 1 and result.json["candidates"] >= 1
    assert [h for h in result.json["hanging"] if h["topic"] == topic] == []
    assert k("txn", "find-hanging", "--broker", "999").code == 4


# ------------------------------------------------------------------------------------------- abort


def _read_committed(bootstrap: str, topic: str, partition: int, group: str):
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "isolation.level": "read_committed",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    consumer.assign([TopicPartition(topic, partition, 0)])
    return consumer


def _stable_end(consumer, topic: str, partition: int) -> int:
    """The partition's last stable offset, as a read_committed consumer sees the log end."""
    from confluent_kafka import TopicPartition

    return consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=30, cached=False)[1]


def test_abort_by_start_offset_unblocks_read_committed_consumers(k, kafka, new_topic, transactions, unique_name):
    topic = new_topic(partitions=1)
    ongoing = transactions(topic, {0: 2}, commit=False)  # offsets 0 and 1
    produce(kafka["bootstrap"], topic, [{"value": b"after", "partition": 0}])  # offset 2, behind the open transaction
    consumer = _read_committed(kafka["bootstrap"], topic, 0, unique_name("g"))
    try:
        assert _stable_end(consumer, topic, 0) == 0  # held back by the open transaction

        refused = k("txn", "abort", "--topic", topic, "--partition", "0", "--start-offset", "0")
        assert refused.code == 2 and "refusing without --yes (not a terminal)" in refused.stderr, refused
        assert "open (not aborted)" in refused.stderr  # the plan, before the refusal
        dry = k("txn", "abort", "--topic", topic, "--partition", "0", "--start-offset", "0", "--dry-run", "-o", "json")
        assert dry.code == 0 and dry.json["aborted"] is False and dry.json["start_offset"] == 0, dry
        missing = k("txn", "abort", "--topic", topic, "--partition", "0", "--start-offset", "1", "--yes")
        assert missing.code == 4 and "no open transaction starts at offset 1" in _one_error_line(missing)
        assert _stable_end(consumer, topic, 0) == 0

        result = k("txn", "abort", "--topic", topic, "--partition", "0", "--start-offset", "0", "--yes", "-o", "json")
        assert result.code == 0, result
        assert result.json["aborted"] is True and result.json["start_offset"] == 0
        assert result.json["producer_id"] == _listed(k, ongoing)[ongoing]["producer_id"]

        def first_value():
            msg = consumer.poll(0.5)
            return [(msg.offset(), msg.value())] if msg is not None and msg.error() is None else None

        values = wait_until(first_value, 30, "the read_committed consumer got past the aborted transaction",
                            interval=0)
        assert values == [(2, b"after")]  # the aborted records are skipped
    finally:
        consumer.close()
    after = k("txn", "describe-producers", topic, "-o", "json").json[0]["producers"]
    assert all(p["current_txn_start_offset"] is None for p in after)


def test_abort_by_producer_id_and_epoch(k, kafka, new_topic, transactions, unique_name):
    topic = new_topic(partitions=2)
    ongoing = transactions(topic, {0: 1, 1: 1}, commit=False)
    (p1,) = k("txn", "describe-producers", topic, "--partition", "1", "-o", "json").json[0]["producers"]

    wrong = k("txn", "abort", "--topic", topic, "--partition", "1", "--producer-id", str(p1["producer_id"]),
              "--producer-epoch", str(p1["producer_epoch"] + 5), "--yes")
    assert wrong.code == 4, wrong

    result = k("txn", "abort", "--topic", topic, "--partition", "1", "--producer-id", str(p1["producer_id"]),
               "--producer-epoch", str(p1["producer_epoch"]), "--yes")
    assert result.code == 0, result
    assert "aborted" in result.stdout
    rows = {r["partition"]: r["producers"] for r in k("txn", "describe-producers", topic, "-o", "json").json}
    assert rows[1][0]["current_txn_start_offset"] is None
    assert rows[0][0]["current_txn_start_offset"] == 0  # only the named partition was aborted
    # The coordinator still has the transaction open: it is not hanging, only cut short on partition 1.
    assert k("txn", "describe", ongoing, "-o", "json").json[0]["state"] == "Ongoing"


def _abort_on_a_tty(kafka, topic: str, answer: bytes):
    return run_answering_on_a_tty("txn", "abort", "--topic", topic, "--partition", "0", "--start-offset", "0",
                                  "-i", str(kafka["instance"]), answer=answer)


def test_abort_on_a_tty_asks_and_no_keeps_the_transaction(k, kafka, new_topic, transactions):
    topic = new_topic(partitions=1)
    transactions(topic, {0: 1}, commit=False)
    code, out, err = _abort_on_a_tty(kafka, topic, b"n\n")
    assert code == 130 and "Abort the transaction of producer" in err and out == ""
    assert f"on instance {kafka['instance']} (" in err
    (producer,) = k("txn", "describe-producers", topic, "-o", "json").json[0]["producers"]
    assert producer["current_txn_start_offset"] == 0


def test_abort_usage_errors_exit_2(k, new_topic):
    topic = new_topic()
    both = k("txn", "abort", "--topic", topic, "--partition", "0", "--start-offset", "0", "--producer-id", "1", "--yes")
    assert both.code == 2 and "not both" in _one_error_line(both)
    neither = k("txn", "abort", "--topic", topic, "--partition", "0", "--yes")
    assert neither.code == 2
    half = k("txn", "abort", "--topic", topic, "--partition", "0", "--producer-id", "1", "--yes")
    assert half.code == 2 and "go together" in _one_error_line(half)
    assert k("txn", "find-hanging", "--partition", "0").code == 2


# ------------------------------------------------------------------------------------------- unreachable


@pytest.mark.parametrize("args", [("txn", "list"), ("txn", "describe", "x"), ("txn", "describe-producers", "t"),
                                  ("txn", "find-hanging"), ("txn", "abort", "-t", "t", "-p", "0", "--start-offset", "0", "--yes")])
def test_unreachable_broker_exits_6(args):
    result = run_kctl(*args, *UNREACHABLE)
    assert result.code == 6, result
    assert "kctl: error:" in result.stderr and "Traceback" not in result.stderr


# ------------------------------------------------------------------------------------------- odd input


@pytest.mark.parametrize("args", [
    ["txn", "list", "--producer-id", "99999999999999999999"],
    ["txn", "describe-producers", "t", "--broker", str(2**31)],
    ["txn", "abort", "-t", "t", "-p", "0", "--producer-id", "1", "--producer-epoch", str(2**15), "--yes"],
], ids=["producer-id", "broker", "producer-epoch"])
def test_numbers_beyond_their_wire_type_are_usage_errors_at_once(kafka, args):
    """kafka-python cannot encode them and never answered (not even within --timeout): exit 2 before any request."""
    result = run_kctl_process(*args, "-i", str(kafka["instance"]), "--timeout", "2", timeout=30)
    assert result.code == 2, result
    assert len(result.stderr.strip().splitlines()) == 1 and "is not in the range" in result.stderr


NOT_UTF8 = b"bad-\xff\xfe-name"


@pytest.mark.parametrize("args, what", [
    (["txn", "describe", NOT_UTF8], "transactional id"),
    (["txn", "describe", "ok-id", NOT_UTF8], "transactional id"),
    (["txn", "describe-producers", NOT_UTF8], "topic name"),
    (["txn", "find-hanging", "--topic", NOT_UTF8], "topic name"),
    (["txn", "abort", "-t", NOT_UTF8, "-p", "0", "--start-offset", "0", "--yes"], "topic name"),
], ids=["describe", "describe-second", "describe-producers", "find-hanging", "abort"])
def test_names_that_are_not_utf8_are_usage_errors(kafka, args, what):
    """kafka-python hung on a surrogate-escaped transactional id: exit 2 before any request."""
    result = run_kctl_process(*args, "-i", str(kafka["instance"]), "--timeout", "2", timeout=30)
    assert result.code == 2, result
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"kctl: error: {what} is not valid UTF-8"), result


def test_client_only_properties_do_not_break_txn_commands(k, new_topic, transactions):
    """-X compression.type (a producer setting) has no kafka-python admin equivalent and no bearing on it."""
    topic = new_topic()
    tid = transactions(topic, {0: 1})
    result = k("-X", "compression.type=lz4", "-X", "linger.ms=5", "txn", "describe", tid, "-o", "json")
    assert result.code == 0, result
    assert result.json[0]["transactional_id"] == tid
    listed = k("-X", "compression.type=lz4", "txn", "list", "-o", "json")
    assert listed.code == 0 and tid in {t["transactional_id"] for t in listed.json}, listed
