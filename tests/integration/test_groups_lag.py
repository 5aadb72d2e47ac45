"""Time lag, `groups lag` (rates, trend, ETA, --watch) and `topics lag` against the real broker.

Records are produced with known timestamps (record i of a partition at T0 + i s), so a time
lag can be checked to the millisecond against the measured_at_ms kctl reports.
"""

from __future__ import annotations

import time

from tests.integration import test_groups as tg
from tests.integration.test_groups import T0, _produce, active_member, make_group

k, group_name = tg.k, tg.group_name  # the fixtures of test_groups.py


def _rows(detail: dict) -> dict[int, dict]:
    return {o["partition"]: o for o in detail["offsets"]}


def test_time_lag_is_exact_to_the_millisecond(k, kafka, new_topic, group_name):
    topic = new_topic(partitions=3)
    _produce(kafka["bootstrap"], topic, {0: 10, 1: 4, 2: 2})
    group = group_name()
    make_group(kafka["bootstrap"], group, topic, {0: 4, 1: 4})  # 0: behind; 1: at the end; 2: nothing committed

    result = k("groups", "describe", group, "-o", "json")
    assert result.code == 0, result
    (detail,) = result.json
    rows, now = _rows(detail), detail["measured_at_ms"]
    assert rows[0]["lag"] == 6 and rows[0]["next_timestamp_ms"] == T0 + 4000
    assert rows[0]["time_lag_ms"] == now - (T0 + 4000)
    assert rows[1]["lag"] == 0 and rows[1]["time_lag_ms"] == 0
    assert 2 not in rows or rows[2]["time_lag_ms"] is None
    assert detail["max_time_lag_ms"] == rows[0]["time_lag_ms"]
    assert detail["topics"] == [{"topic": topic, "partitions": len(rows), "lag": 6,
                                 "max_time_lag_ms": rows[0]["time_lag_ms"]}]

    table = k("groups", "describe", group)
    assert "TIME-LAG" in table.stdout and "max time lag" in table.stdout


def test_time_lag_zero_after_consuming_to_the_end(k, kafka, new_topic, group_name):
    topic = new_topic(partitions=2)
    _produce(kafka["bootstrap"], topic, {0: 5, 1: 3})
    group = group_name()
    make_group(kafka["bootstrap"], group, topic, {0: 1, 1: 0})
    before = k("groups", "describe", group, "-o", "json").json[0]
    assert _rows(before)[1]["time_lag_ms"] == before["measured_at_ms"] - T0

    consumed = k("consume", topic, "--group", group, "--until", "end")
    assert consumed.code == 0, consumed
    after = k("groups", "describe", group, "-o", "json").json[0]
    assert [(r["lag"], r["time_lag_ms"]) for r in after["offsets"]] == [(0, 0), (0, 0)]
    assert after["total_lag"] == 0 and after["max_time_lag_ms"] == 0


def test_time_lag_of_many_groups_on_one_partition(k, kafka, new_topic, group_name):
    """Groups at different offsets of the same partition (read in rounds by one consumer)."""
    topic = new_topic(partitions=1)
    _produce(kafka["bootstrap"], topic, {0: 6})
    groups = [group_name() for _ in range(3)]
    for i, group in enumerate(groups):
        make_group(kafka["bootstrap"], group, topic, {0: i + 1})
    result = k("groups", "describe", *groups, "-o", "json")
    assert result.code == 0, result
    for i, detail in enumerate(result.json):
        row = _rows(detail)[0]
        assert row["next_timestamp_ms"] == T0 + (i + 1) * 1000
        assert row["time_lag_ms"] == detail["measured_at_ms"] - row["next_timestamp_ms"]


def test_list_shows_members_total_lag_and_max_time_lag(k, kafka, new_topic, group_name):
    topic = new_topic(partitions=2)
    _produce(kafka["bootstrap"], topic, {0: 5, 1: 3})
    idle, busy = group_name(), group_name()
    make_group(kafka["bootstrap"], idle, topic, {0: 2, 1: 3})
    with active_member(kafka["bootstrap"], busy, topic, {0: 5, 1: 3}):
        listed = k("groups", "list", "-o", "json")
        assert listed.code == 0, listed
        rows = {g["group_id"]: g for g in listed.json}
        assert rows[busy]["members"] == 1 and rows[busy]["total_lag"] == 0 and rows[busy]["max_time_lag_ms"] == 0
        assert rows[idle]["members"] == 0 and rows[idle]["total_lag"] == 3
        assert rows[idle]["max_time_lag_ms"] >= int(time.time() * 1000) - T0 - 2000 - 60_000  # T0+2s, read just now
        table = k("groups", "list")
        assert "TIME-LAG" in table.stdout and "MEMBERS" in table.stdout
    plain = k("groups", "list", "--no-lag", "-o", "json")
    assert {"group_id": idle, "state": "Empty", "type": "Classic", "simple": False, "members": None,
            "total_lag": None, "max_time_lag_ms": None} in plain.json
