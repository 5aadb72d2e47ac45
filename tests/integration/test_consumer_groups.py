"""Consumer groups through `kctl consume --group`: assignment strategies, rebalances, crash recovery.

Members are real kctl processes; their rebalance events (-v, logfmt on stderr) tell which
partitions each one owns, and their output (`%p %o`) which records each one read.
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading

import pytest

from tests.helpers import wait_until
from tests.integration.consume_helpers import committed, group_name, kctl_popen, produce

_PARTS = re.compile(r"(\S+?)\[([\d,]+)\]")


class Member:
    def __init__(self, bootstrap: str, topic: str, group: str, *extra: str):
        self.topic = topic
        self.proc = kctl_popen("consume", topic, "--group", group, "-f", "%p %o", "-v", "-b", bootstrap, *extra)
        self.records: list[tuple[int, int]] = []
        self.owned: set[int] = set()
        self.events: list[str] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read_out, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read_out(self):
        for line in self.proc.stdout:
            partition, offset = map(int, line.split())
            with self.lock:
                self.records.append((partition, offset))

    def _read_err(self):
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace")
            with self.lock:
                self.events.append(line)
                match = re.search(r"event=(partitions_assigned|partitions_revoked|partitions_lost) partitions=\"?([^\"]*)", line)
                if not match:
                    continue
                parts = {int(p) for t, ps in _PARTS.findall(match.group(2)) if t == self.topic for p in ps.split(",")}
                if match.group(1) == "partitions_assigned":
                    self.owned |= parts
                else:
                    self.owned -= parts

    def snapshot(self):
        with self.lock:
            return set(self.owned), list(self.records)

    def stop(self, sig=signal.SIGINT) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=60)


def stable_split(members, partitions: int) -> bool:
    owned = [m.snapshot()[0] for m in members]
    union = set().union(*owned)
    return all(owned) and union == set(range(partitions)) and sum(map(len, owned)) == partitions


@pytest.mark.parametrize("strategy", ["range", "roundrobin", "cooperative-sticky"])
def test_three_members_split_the_partitions(kafka, new_topic, strategy):
    topic = new_topic(partitions=6)
    group = group_name(strategy)
    members = [Member(kafka["bootstrap"], topic, group, "--assignment", strategy) for _ in range(3)]
    try:
        wait_until(lambda: stable_split(members, 6), 90, "three members to share six partitions", interval=0.05)
        split = [m.snapshot()[0] for m in members]
        produce(kafka["bootstrap"], topic, [{"value": b"x", "partition": i % 6} for i in range(60)])
        wait_until(lambda: sum(len(m.snapshot()[1]) for m in members) >= 60, 90, "60 records", interval=0.05)
    finally:
        codes = [m.stop() for m in members]
    assert codes == [130, 130, 130], [m.events[-3:] for m in members]
    everything = []
    for member, owned in zip(members, split):
        records = member.snapshot()[1]
        assert {p for p, _ in records} <= owned, (strategy, owned, records)
        everything += records
    assert sorted(everything) == sorted((p, o) for p in range(6) for o in range(10))  # each once, none twice
    assert committed(kafka["bootstrap"], group, topic, 6) == {p: 10 for p in range(6)}


def test_a_member_leaving_triggers_a_rebalance_that_loses_nothing(kafka, new_topic):
    topic = new_topic(partitions=4)
    group = group_name("leave")
    first = Member(kafka["bootstrap"], topic, group)
    second = Member(kafka["bootstrap"], topic, group)
    try:
        wait_until(lambda: stable_split([first, second], 4), 90, "two members to share four partitions", interval=0.05)
        produce(kafka["bootstrap"], topic, [{"value": b"a", "partition": i % 4} for i in range(40)])
        wait_until(lambda: len(first.snapshot()[1]) + len(second.snapshot()[1]) >= 40, 90, "first 40 records", interval=0.05)
        assert second.stop() == 130
        wait_until(lambda: first.snapshot()[0] == {0, 1, 2, 3}, 90, "the remaining member to take over", interval=0.05)
        produce(kafka["bootstrap"], topic, [{"value": b"b", "partition": i % 4} for i in range(40)])
        wait_until(lambda: len(set(first.snapshot()[1]) | set(second.snapshot()[1])) >= 80, 90, "all 80 records", interval=0.05)
    finally:
        first.stop()
        second.stop()
    seen = set(first.snapshot()[1]) | set(second.snapshot()[1])
    assert seen == {(p, o) for p in range(4) for o in range(20)}
    assert any("partitions_revoked" in line for line in first.events)
    assert committed(kafka["bootstrap"], group, topic, 4) == {p: 20 for p in range(4)}


def test_a_killed_member_restarted_in_the_group_misses_nothing(kafka, new_topic):
    topic = new_topic(partitions=3)
    total = 3000
    produce(kafka["bootstrap"], topic, [{"value": b"y" * 100, "partition": i % 3} for i in range(total)])
    group = group_name("kill")
    # Nobody reads its stdout for a while: the pipe fills and the member stops mid-topic.
    member = kctl_popen("consume", topic, "--group", group, "-f", "%p %o %v", "-b", kafka["bootstrap"],
                        "-X", "auto.commit.interval.ms=100", "-X", "session.timeout.ms=6000",
                        stderr=subprocess.DEVNULL)  # a dead member is evicted after 6 s, not 45
    first_lines = [member.stdout.readline() for _ in range(200)]
    wait_until(lambda: sum(o for o in committed(kafka["bootstrap"], group, topic, 3).values() if o > 0) > 0, 90,
               "a first commit", interval=0.05)
    member.kill()
    rest = member.stdout.read()  # (communicate() would skip what readline() buffered)
    member.wait(timeout=30)
    # A line cut by the kill is not a record that was written.
    first_run = {tuple(map(int, line.split()[:2])) for line in first_lines + rest.splitlines(keepends=True)
                 if line.endswith(b"\n")}
    assert 0 < len(first_run) < total
    offsets = committed(kafka["bootstrap"], group, topic, 3)

    restarted = kctl_popen("consume", topic, "--group", group, "-f", "%p %o", "--until", "end", "-b", kafka["bootstrap"])
    out, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err
    second_run = [tuple(map(int, line.split())) for line in out.splitlines()]
    # Restarted from the committed offsets, never beyond what the first run wrote.
    for partition, start in offsets.items():
        mine = [o for p, o in second_run if p == partition]
        assert mine and mine[0] == max(start, 0)
    assert first_run | set(second_run) == {(i % 3, i // 3) for i in range(total)}
    assert len(second_run) < total
