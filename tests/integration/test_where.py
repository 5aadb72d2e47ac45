"""`kctl consume --where` and `kctl search --where` (CEL) against the real broker: the matches are
computed here from the records the test produced."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers import KEEP_OLD_RECORDS
from tests.integration.consume_helpers import ROOT, produce

COMPOUND = 'value.status == "failed" && value.amount > 490.0'


def _orders(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    return [{"id": i, "status": rnd.choice(["ok", "failed", "pending"]), "amount": round(rnd.uniform(400, 500), 2),
             "customer": {"country": rnd.choice(["DE", "AT", "FR"])}, "note": "n"} for i in range(n)]


@pytest.fixture
def orders(kafka, new_topic):
    """A 3-partition topic of 600 JSON orders plus one record that is not JSON; (topic, orders)."""
    topic = new_topic(partitions=3)
    rows = _orders(600)
    records = [{"value": json.dumps(row).encode(), "partition": row["id"] % 3} for row in rows]
    records.append({"value": b"not json at all", "partition": 1})
    produce(kafka["bootstrap"], topic, records)
    return topic, rows


def _ids(result) -> list[int]:
    return sorted(json.loads(line)["id"] for line in result.stdout.splitlines())


def test_consume_where_compound_numeric_filter_and_a_record_that_is_not_json(k, orders):
    topic, rows = orders
    expected = sorted(r["id"] for r in rows if r["status"] == "failed" and r["amount"] > 490.0)
    assert expected  # the data has matches (and non-matches: 600 rows)
    result = k("consume", topic, "--until", "end", "--where", COMPOUND)
    assert result.code == 0, result
    assert _ids(result) == expected
    # The text record cannot be evaluated (value.status on a string): no match, counted, reported.
    assert "1 record could not be evaluated by --where" in result.stderr
    assert f"{topic}/1@" in result.stderr and "Traceback" not in result.stderr


def test_consume_where_with_match_and_max_messages(k, orders):
    topic, rows = orders
    where = 'has(value.customer) && value.customer.country in ["DE","AT"] && value.amount >= 450'
    both = [r for r in rows if r["customer"]["country"] in ("DE", "AT") and r["amount"] >= 450 and r["status"] == "ok"]
    result = k("consume", topic, "--until", "end", "--where", where, "--match", 'value="status": "ok"')
    assert result.code == 0, result
    assert _ids(result) == sorted(r["id"] for r in both)
    limited = k("consume", topic, "--until", "end", "--where", where, "--match", 'value="status": "ok"', "-n", "3")
    assert limited.code == 0, limited
    assert len(limited.stdout.splitlines()) == 3 and set(_ids(limited)) <= {r["id"] for r in both}


def test_where_headers_key_and_record_fields(kafka, k, new_topic):
    topic = new_topic(partitions=2)
    records = [{"key": f"k{i}".encode(), "value": f"v{i}".encode(), "partition": i % 2,
                "headers": [("trace-id", f"{'abc' if i % 3 == 0 else 'xyz'}-{i}".encode())]} for i in range(30)]
    produce(kafka["bootstrap"], topic, records)
    result = k("consume", topic, "--until", "end", "-f", "%k", "--where", 'headers["trace-id"].startsWith("abc")')
    assert result.code == 0, result
    assert sorted(result.stdout.split()) == sorted(f"k{i}" for i in range(30) if i % 3 == 0)
    # key and value are strings when they are not JSON; partition, topic and size are there too.
    fields = k("consume", topic, "--until", "end", "-f", "%k", "--where",
               f'partition == 1 && topic == "{topic}" && key.endsWith("1") && size == value.size() && value.startsWith("v") && value.endsWith("1")')
    assert fields.code == 0, fields
    assert sorted(fields.stdout.split()) == ["k1", "k11", "k21"]


def test_where_timestamp_window(kafka, k, new_topic):
    topic = new_topic(partitions=1, config=KEEP_OLD_RECORDS)
    now = int(time.time() * 1000)
    old = [{"value": json.dumps({"id": i}).encode(), "timestamp": now - 3 * 3600_000 + i} for i in range(5)]
    new = [{"value": json.dumps({"id": 100 + i}).encode(), "timestamp": now - 60_000 + i} for i in range(4)]
    produce(kafka["bootstrap"], topic, old + new)
    result = k("consume", topic, "--until", "end", "--where", 'timestamp > now - duration("1h")')
    assert result.code == 0, result
    assert _ids(result) == [100, 101, 102, 103]
    # search: the window by time (offsets looked up by timestamp) and the expression together
    found = k("search", topic, "--from", "-2h", "--until", "now", "--where", "value.id % 2 == 1")
    assert found.code == 0, found
    assert _ids(found) == [101, 103]


def test_search_same_matches_with_one_or_two_workers_and_counts(k, orders):
    topic, rows = orders
    expected = sorted(r["id"] for r in rows if r["status"] == "failed" and r["amount"] > 490.0)
    one = k("search", topic, "--where", COMPOUND, "--workers", "1")
    two = k("search", topic, "--where", COMPOUND, "--workers", "2")
    assert one.code == 0 and two.code == 0, (one, two)
    assert _ids(one) == _ids(two) == expected
    assert "1 record could not be evaluated by --where" in two.stderr
    counts = k("-o", "json", "search", topic, "--where", COMPOUND, "--count")
    assert counts.code == 0, counts
    by_partition = {row["partition"]: row for row in counts.json}
    for p in range(3):
        assert by_partition[p]["matched"] == sum(1 for i in expected if i % 3 == p)
        assert by_partition[p]["scanned"] == sum(1 for r in rows if r["id"] % 3 == p) + (p == 1)
    assert counts.stdout.count('"matched"') == 3  # counts only, no records


def test_search_first_stops_at_n_matches(k, orders):
    topic, rows = orders
    failed = {r["id"] for r in rows if r["status"] == "failed"}
    result = k("search", topic, "--where", 'value.status == "failed"', "--first", "4", "-o", "json")
    assert result.code == 0, result
    lines = result.json_lines
    assert len(lines) == 4
    assert {json.loads(line["value"])["id"] for line in lines} <= failed


@pytest.mark.parametrize("args, code, says", [
    (["--where", "value.status =="], 2, "syntax error at column 16"),
    (["--where", "foo > 1"], 2, "unknown variable 'foo' at column 1"),
    (["--where", 'value.amount > "x"'], 2, "could not be evaluated on any of the"),
    (["--where", "true", "--workers", "0"], 2, "--workers must be between 1 and 64"),
    (["--where", "true", "--workers", "10000"], 2, "--workers must be between 1 and 64"),
    (["--where", "true", "--from", "-1m", "--until", "-2m"], 2, "--from is after --until"),
])
def test_search_bad_inputs(k, orders, args, code, says):
    topic, _ = orders
    result = k("search", topic, *args)
    assert result.code == code, result
    assert says in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("kctl: error:") == 1 and result.stdout == ""


def test_bad_where_on_consume_and_missing_topic_and_empty_window(k, orders):
    topic, _ = orders
    bad = k("consume", topic, "--until", "end", "--where", "(value.id > 1")
    assert bad.code == 2 and "--where: syntax error" in bad.stderr, bad
    missing = k("search", "no-such-topic-where", "--where", "true")
    assert missing.code == 4 and "topic no-such-topic-where not found" in missing.stderr, missing
    empty = k("-o", "json", "search", topic, "--from", "end", "--where", "true", "--count")
    assert empty.code == 0, empty
    assert [row["scanned"] for row in empty.json] == [0, 0, 0]


def _session_pids(sid: int) -> list[str]:
    """Processes of a session that are multiprocessing workers (spawned)."""
    ps = subprocess.run(["ps", "-ww", "-e", "-o", "pid=,sid=,args="], capture_output=True, text=True, check=True).stdout
    return [line for line in ps.splitlines() if line.split()[1] == str(sid) and "multiprocessing" in line
            and "spawn_main" in line]


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_sigterm_on_a_long_search_ends_every_worker(kafka, new_topic, signum, code):
    topic = new_topic(partitions=2)
    produce(kafka["bootstrap"], topic, [{"value": json.dumps({"id": i}).encode(), "partition": i % 2}
                                        for i in range(20000)])
    # An expensive expression (a 3000-element comprehension per record) that matches every record:
    # output starts at once, the whole search would take minutes.
    slow = "[" + ",".join(map(str, range(3000))) + "].filter(x, x == value.id).size() >= 0"
    env = {**os.environ, "PYTHONPATH": ROOT}
    proc = subprocess.Popen([sys.executable, "-m", "kctl", "search", topic, "--where", slow, "--workers", "2",
                             "-b", kafka["bootstrap"]], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    first = proc.stdout.readline()  # workers are running and matching
    assert json.loads(first)["id"] >= 0
    assert len(_session_pids(proc.pid)) == 2
    os.killpg(proc.pid, signum)  # as Ctrl-C (or systemd's stop): the whole process group
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert err == b""  # no traceback, no resource tracker complaining about leaked semaphores
    assert len(rest.splitlines()) < 19999  # stopped early; what was found so far was written
    assert _session_pids(proc.pid) == []


def test_copy_where_copies_only_matching_records(k, orders, new_topic):
    topic, rows = orders
    dst = new_topic(partitions=3)
    copied = k("copy", topic, dst, "--where", COMPOUND)
    assert copied.code == 0, copied
    assert "1 record could not be evaluated by --where" in copied.stderr
    back = k("consume", dst, "--until", "end")
    assert _ids(back) == sorted(r["id"] for r in rows if r["status"] == "failed" and r["amount"] > 490.0)


def test_dump_where_writes_only_matching_records_and_restores_them(kafka, k, orders, tmp_path, unique_name):
    topic, rows = orders
    expected = sorted(r["id"] for r in rows if r["status"] == "failed" and r["amount"] > 490.0)
    dumped = k("-o", "json", "topics", "dump", topic, "-d", str(tmp_path / "d"), "--where", COMPOUND)
    assert dumped.code == 0, dumped
    assert dumped.json["records"] == len(expected)
    assert "1 record could not be evaluated by --where" in dumped.stderr
    restored_name = unique_name("restored")
    restored = k("topics", "restore", str(tmp_path / "d"), "--to", restored_name)
    try:
        assert restored.code == 0, restored
        assert _ids(k("consume", restored_name, "--until", "end")) == expected
    finally:
        k("topics", "delete", restored_name, "--yes")
