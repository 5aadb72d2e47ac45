"""Time lag, `groups lag` (rates, trend, ETA, --watch) and `topics lag` against the real broker.

Records are produced with known timestamps (record i of a partition at BASE_TS + i s), so a time
lag can be checked to the millisecond against the measured_at_ms kctl reports.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

from tests.helpers import BASE_TS, KEEP_OLD_RECORDS, produce_counts
from tests.integration.groups_helpers import active_member, make_group


def _rows(detail: dict) -> dict[int, dict]:
    return {o["partition"]: o for o in detail["offsets"]}


def test_time_lag_is_exact_to_the_millisecond(k, kafka, new_topic, group_name):
    topic = new_topic(partitions=3, config=KEEP_OLD_RECORDS)
    produce_counts(kafka["bootstrap"], topic, {0: 10, 1: 4, 2: 2}, BASE_TS)
    group = group_name()
    make_group(kafka["bootstrap"], group, topic, {0: 4, 1: 4})  # 0: behind; 1: at the end; 2: nothing committed

    result = k("groups", "describe", group, "-o", "json")
    assert result.code == 0, result
    (detail,) = result.json
    rows, now = _rows(detail), detail["measured_at_ms"]
    assert rows[0]["lag"] == 6 and rows[0]["next_timestamp_ms"] == BASE_TS + 4000
    assert rows[0]["time_lag_ms"] == now - (BASE_TS + 4000)
    assert rows[1]["lag"] == 0 and rows[1]["time_lag_ms"] == 0
    assert 2 not in rows or rows[2]["time_lag_ms"] is None
    assert detail["max_time_lag_ms"] == rows[0]["time_lag_ms"]
    assert detail["topics"] == [{"topic": topic, "partitions": len(rows), "lag": 6,
                                 "max_time_lag_ms": rows[0]["time_lag_ms"]}]

    table = k("groups", "describe", group)
    assert "TIME-LAG" in table.stdout and "max time lag" in table.stdout


def test_time_lag_zero_after_consuming_to_the_end(k, kafka, new_topic, group_name):
    topic = new_topic(partitions=2, config=KEEP_OLD_RECORDS)
    produce_counts(kafka["bootstrap"], topic, {0: 5, 1: 3}, BASE_TS)
    group = group_name()
    make_group(kafka["bootstrap"], group, topic, {0: 1, 1: 0})
    before = k("groups", "describe", group, "-o", "json").json[0]
    assert _rows(before)[1]["time_lag_ms"] == before["measured_at_ms"] - BASE_TS

    consumed = k("consume", topic, "--group", group, "--until", "end")
    assert consumed.code == 0, consumed
    after = k("groups", "describe", group, "-o", "json").json[0]
    assert [(r["lag"], r["time_lag_ms"]) for r in after["offsets"]] == [(0, 0), (0, 0)]
    assert after["total_lag"] == 0 and after["max_time_lag_ms"] == 0


def test_time_lag_of_many_groups_on_one_partition(k, kafka, new_topic, group_name):
    """Groups at different offsets of the same partition (read in rounds by one consumer)."""
    topic = new_topic(partitions=1, config=KEEP_OLD_RECORDS)
    produce_counts(kafka["bootstrap"], topic, {0: 6}, BASE_TS)
    groups = [group_name() for _ in range(3)]
    for i, group in enumerate(groups):
        make_group(kafka["bootstrap"], group, topic, {0: i + 1})
    result = k("groups", "describe", *groups, "-o", "json")
    assert result.code == 0, result
    for i, detail in enumerate(result.json):
        row = _rows(detail)[0]
        assert row["next_timestamp_ms"] == BASE_TS + (i + 1) * 1000
        assert row["time_lag_ms"] == detail["measured_at_ms"] - row["next_timestamp_ms"]


def test_list_shows_members_total_lag_and_max_time_lag(k, kafka, new_topic, group_name):
    topic = new_topic(partitions=2, config=KEEP_OLD_RECORDS)
    produce_counts(kafka["bootstrap"], topic, {0: 5, 1: 3}, BASE_TS)
    idle, busy = group_name(), group_name()
    make_group(kafka["bootstrap"], idle, topic, {0: 2, 1: 3})
    with active_member(kafka["bootstrap"], busy, topic, {0: 5, 1: 3}):
        listed = k("groups", "list", "-o", "json")
        assert listed.code == 0, listed
        rows = {g["group_id"]: g for g in listed.json}
        assert rows[busy]["members"] == 1 and rows[busy]["total_lag"] == 0 and rows[busy]["max_time_lag_ms"] == 0
        assert rows[idle]["members"] == 0 and rows[idle]["total_lag"] == 3
        assert rows[idle]["max_time_lag_ms"] >= int(time.time() * 1000) - BASE_TS - 2000 - 60_000  # BASE_TS+2s, read just now
        table = k("groups", "list")
        assert "TIME-LAG" in table.stdout and "MEMBERS" in table.stdout
    plain = k("groups", "list", "--no-lag", "-o", "json")
    assert {"group_id": idle, "state": "Empty", "type": "Classic", "simple": False, "members": None,
            "total_lag": None, "max_time_lag_ms": None, "lag_error": None} in plain.json


# ------------------------------------------------------------------------------------------- groups lag


def _bulk(bootstrap: str, topic: str, count: int) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for _ in range(count):
        while True:
            try:
                producer.produce(topic, value=b"x", partition=0)
                break
            except BufferError:  # the local queue (100,000 records) is full: let deliveries make room
                producer.poll(0.1)
        producer.poll(0)
    assert producer.flush(30) == 0


@contextmanager
def traffic(bootstrap: str, topic: str, group: str, produce_per_tick: int = 0, consume_per_tick: int = 0,
            start_offset: int = 0):
    """Every 50 ms: produce `produce_per_tick` records to partition 0 and move the group's committed
    offset forward by `consume_per_tick` (an application consuming at a steady rate, in assign
    mode so that the group stays Empty); until the block ends."""
    from confluent_kafka import Consumer, Producer, TopicPartition

    stop = threading.Event()
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 1})
    committer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})

    def run():
        offset = start_offset
        while not stop.wait(0.05):
            for _ in range(produce_per_tick):
                producer.produce(topic, value=b"y", partition=0)
            producer.poll(0)
            if consume_per_tick:
                offset += consume_per_tick
                committer.commit(offsets=[TopicPartition(topic, 0, offset)], asynchronous=False)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)
        producer.flush(10)
        committer.close()


def test_lag_report_has_rates_trend_and_eta(k, kafka, new_topic, group_name):
    topic = new_topic(partitions=1, config=KEEP_OLD_RECORDS)
    _bulk(kafka["bootstrap"], topic, 200_000)
    catching, behind = group_name(), group_name()
    make_group(kafka["bootstrap"], catching, topic, {0: 1000})
    make_group(kafka["bootstrap"], behind, topic, {0: 1000})
    with traffic(kafka["bootstrap"], topic, catching, produce_per_tick=5, consume_per_tick=100, start_offset=1000):
        result = k("groups", "lag", catching, behind, "--interval", "1s", "-o", "json")
    assert result.code == 0, result
    report = result.json
    assert report["window_s"] >= 1 and report["refresh"] == 2
    groups = {g["group_id"]: g for g in report["groups"]}
    fast, idle = groups[catching], groups[behind]
    (p,) = fast["partitions"]
    assert p["consume_rate"] > 0 and p["produce_rate"] > 0 and p["trend"] == "catching-up"
    assert p["eta_s"] == round(p["lag"] / (p["consume_rate"] - p["produce_rate"]), 1)
    assert fast["consume_rate"] == p["consume_rate"] and fast["trend"] == "catching-up" and fast["eta_s"] > 0
    (q,) = idle["partitions"]
    assert q["consume_rate"] == 0 and q["produce_rate"] > 0
    assert q["trend"] == "falling-behind" and q["eta_s"] is None and idle["trend"] == "falling-behind"
    assert idle["topics"] == [{"topic": topic, "partitions": 1, "lag": q["lag"], "max_time_lag_ms": q["time_lag_ms"]}]


def test_lag_of_an_unknown_group_is_exit_4_and_interval_is_checked(k, group_name):
    missing = k("groups", "lag", group_name(), "--interval", "100ms", "-o", "json")
    assert missing.code == 4, missing
    bad = k("groups", "lag", "g", "--interval", "soon")
    assert bad.code == 2 and "--interval" in bad.stderr


def _kctl_argv(kafka, *args) -> list[str]:
    return [sys.executable, "-m", "kctl", "-i", str(kafka["instance"]), *args]


def test_watch_without_a_terminal_prints_json_lines_with_positive_rates(kafka, new_topic, group_name):
    topic = new_topic(partitions=1, config=KEEP_OLD_RECORDS)
    _bulk(kafka["bootstrap"], topic, 100_000)
    group = group_name()
    make_group(kafka["bootstrap"], group, topic, {0: 10})
    with traffic(kafka["bootstrap"], topic, group, produce_per_tick=5, consume_per_tick=50, start_offset=10):
        proc = subprocess.Popen(_kctl_argv(kafka, "groups", "lag", group, "--watch", "--interval", "500ms"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            lines = [json.loads(proc.stdout.readline()) for _ in range(4)]
        finally:
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert [line["refresh"] for line in lines] == [1, 2, 3, 4]
    assert lines[0]["window_s"] is None
    for line in lines[1:]:
        (g,) = line["groups"]
        assert g["consume_rate"] > 0 and g["produce_rate"] > 0, line


def _read_until(fd: int, want, timeout: float = 60) -> str:
    """The pseudo-terminal's output until want(text) holds."""
    text, deadline = "", time.monotonic() + timeout
    while not want(text):
        assert time.monotonic() < deadline, f"the screen never showed it: {text[-3000:]!r}"
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                text += os.read(fd, 65536).decode("utf-8", "replace")
            except OSError:  # the child closed the terminal
                break
    return text


def test_watch_in_a_terminal_shows_rates_and_eta_and_stops_on_ctrl_c(kafka, new_topic, group_name):
    topic = new_topic(partitions=1, config=KEEP_OLD_RECORDS)
    _bulk(kafka["bootstrap"], topic, 200_000)
    group = group_name()
    make_group(kafka["bootstrap"], group, topic, {0: 10})
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "200", "LINES": "50", "TERM": "xterm"}
    with traffic(kafka["bootstrap"], topic, group, produce_per_tick=5, consume_per_tick=50, start_offset=10):
        proc = subprocess.Popen(_kctl_argv(kafka, "groups", "lag", group, "--watch", "--interval", "500ms"),
                                stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        try:
            screen = _read_until(master, lambda t: "refresh 4" in t)
            os.kill(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground process
            screen += _read_until(master, lambda t: "interrupted" in t)
            assert proc.wait(30) == 130
        finally:
            if proc.poll() is None:
                proc.kill()
            os.close(master)
    last = screen[screen.rindex("refresh 4"):]
    assert "catching-up" in last and "/s" in last, last
    assert "ETA " in last and "ETA -" not in last, last


# ------------------------------------------------------------------------------------------- topics lag


def test_topics_lag_lists_every_group_with_offsets_on_the_topic(k, kafka, new_topic, group_name):
    topic, other = new_topic(partitions=2, config=KEEP_OLD_RECORDS), new_topic(partitions=1, config=KEEP_OLD_RECORDS)
    produce_counts(kafka["bootstrap"], topic, {0: 5, 1: 3}, BASE_TS)
    produce_counts(kafka["bootstrap"], other, {0: 2}, BASE_TS)
    a, b, elsewhere = group_name(), group_name(), group_name()
    make_group(kafka["bootstrap"], a, topic, {0: 2, 1: 3})
    make_group(kafka["bootstrap"], b, topic, {0: 5})
    make_group(kafka["bootstrap"], elsewhere, other, {0: 1})

    result = k("topics", "lag", topic, "-o", "json")
    assert result.code == 0, result
    groups = {g["group_id"]: g for g in result.json["groups"]}
    assert set(groups) == {a, b}
    assert groups[a]["total_lag"] == 3 and groups[b]["total_lag"] == 0
    assert {p["topic"] for g in groups.values() for p in g["partitions"]} == {topic}
    row = {p["partition"]: p for p in groups[a]["partitions"]}[0]
    assert row["time_lag_ms"] == result.json["measured_at_ms"] - (BASE_TS + 2000)
    table = k("topics", "lag", topic)
    assert a in table.stdout and b in table.stdout and elsewhere not in table.stdout

    missing = k("topics", "lag", topic + "-nope")
    assert missing.code == 4 and "does not exist" in missing.stderr
