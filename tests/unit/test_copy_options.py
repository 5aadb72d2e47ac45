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
