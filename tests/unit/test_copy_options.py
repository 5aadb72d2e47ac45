"""kctl copy's pure parts: options, the default group, start and stop offsets."""

import pytest

from kctl.errors import UsageError
from kctl.services.consume.options import Position
from kctl.services.copy.options import CopyOptions, default_group
from kctl.services.copy.positions import start_offsets, stop_offsets


class FakeConsumer:
    def __init__(self, times):
        self.times = times

    def offsets_for_times(self, topic, partitions, ts, timeout):
        return {p: self.times.get(p, -1) for p in partitions}


MARKS = {("t", 0): (10, 100), ("t", 1): (0, 0), ("t", 2): (5, 50)}
KEYS = sorted(MARKS)


def test_default_group_is_stable_and_a_valid_name():
    assert default_group("a", "b") == default_group("a", "b") == "kctl-copy-a--b"
    assert default_group("a b", "c/d") == "kctl-copy-a_b--c_d"
    assert CopyOptions.parse("a", "b").group == "kctl-copy-a--b"
    assert CopyOptions.parse("a", "b", group="mine").group == "mine"


@pytest.mark.parametrize("kwargs, message", [
    ({"from_": "stored"}, "--from stored"),
    ({"follow": True, "until": "end"}, "--follow and --until"),
    ({"batch": 0}, "--batch"),
    ({"batch_ms": 0}, "--batch-ms"),
    ({"rate": 0}, "--rate"),
    ({"rate": float("nan")}, "--rate"),
    ({"match": ["nope"]}, "--match"),
    ({"until": "soon"}, "--until"),
    ({"group": ""}, "--group"),
])
def test_bad_options_are_usage_errors(kwargs, message):
    with pytest.raises(UsageError) as info:
        CopyOptions.parse("a", "b", **kwargs)
    assert message in str(info.value)


def test_committed_offsets_win_over_from():
    committed = {("t", 0): 42, ("t", 1): -1001, ("t", 2): 1}
    out = start_offsets(FakeConsumer({}), KEYS, Position("end"), committed, MARKS, 1)
    assert out == {("t", 0): 42, ("t", 1): 0, ("t", 2): 5}  # committed below the low watermark: clamped


def test_start_positions():
    none = {}
    assert start_offsets(FakeConsumer({}), KEYS, None, none, MARKS, 1) == {("t", 0): 10, ("t", 1): 0, ("t", 2): 5}
    assert start_offsets(FakeConsumer({}), KEYS, Position("tail", 20), none, MARKS, 1)[("t", 0)] == 80
    assert start_offsets(FakeConsumer({}), KEYS, Position("offset", 7), none, MARKS, 1)[("t", 0)] == 10
    by_time = start_offsets(FakeConsumer({0: 60}), KEYS, Position("time", 123), none, MARKS, 1)
    assert by_time == {("t", 0): 60, ("t", 1): 0, ("t", 2): 50}  # no record after the time: the end


def test_stop_positions():
    assert stop_offsets(FakeConsumer({}), KEYS, None, False, MARKS, 1) == {("t", 0): 100, ("t", 1): 0, ("t", 2): 50}
    assert stop_offsets(FakeConsumer({}), KEYS, None, True, MARKS, 1) == {k: None for k in KEYS}
    assert stop_offsets(FakeConsumer({}), KEYS, Position("offset", 60), False, MARKS, 1) == \
        {("t", 0): 60, ("t", 1): 0, ("t", 2): 50}
    assert stop_offsets(FakeConsumer({2: 7}), KEYS, Position("time", 1), False, MARKS, 1)[("t", 2)] == 7


class PausingConsumer:
    def __init__(self, items):
        self.items = items
        self.paused = []

    def poll_items(self, n, timeout):
        out, self.items = self.items, []
        return out

    def pause(self, keys):
        self.paused.extend(keys)


def test_reader_stops_at_the_stop_offset_and_past_markers():
    from kctl.models.records import ConsumerEvent, ConsumerRecord
    from kctl.services.copy.reader import BoundedReader

    def rec(p, o):
        return ConsumerRecord("t", p, o, 1, None, b"v")

    consumer = PausingConsumer([rec(0, 5), rec(0, 6), rec(0, 9), rec(0, 10), rec(1, 3),
                                ConsumerEvent("eof", "t", 1, 8)])
    reader = BoundedReader(consumer, [("t", 0), ("t", 1)], {("t", 0): 5, ("t", 1): 3}, {("t", 0): 8, ("t", 1): 8})
    got = reader.poll(100, 0.1)
    assert [(r.partition, r.offset) for r in got] == [(0, 5), (0, 6), (1, 3)]  # 9, 10 lie past the stop
    assert reader.position == {("t", 0): 8, ("t", 1): 8}  # 7 was a transaction marker; eof at 8
    assert reader.all_done() and consumer.paused == [("t", 0), ("t", 1)]  # each paused once


def test_reader_reports_no_progress_as_unavailable():
    from kctl.errors import BrokerUnavailable
    from kctl.services.copy.reader import BoundedReader

    reader = BoundedReader(PausingConsumer([]), [("t", 0)], {("t", 0): 0}, {("t", 0): 5})
    reader.check_progress(60)  # not yet
    reader.moved_at -= 120
    with pytest.raises(BrokerUnavailable) as info:
        reader.check_progress(60)
    assert "t/0 at 0 of 5" in str(info.value) and "open transaction" in info.value.hint
