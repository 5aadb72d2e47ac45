"""Issue 10 on the shared 3-broker instance 1: `topics set-replication` 1 -> 3 gives an ISR of 3 on
every partition, `topics move` changes the replicas, `cluster reassignments`, `cluster log-dirs`
(elect-leaders after a broker restart: test_health.py, on a private instance)."""

from __future__ import annotations

import time

from kctl.deadline import Deadline
from tests.helpers import run_kctl


def _partitions(kafka3, topic):
    result = run_kctl("-i", kafka3["instance"], "topics", "describe", topic, "--no-size", "-o", "json")
    assert result.code == 0, result
    return result.json[0]["partitions"]


def _until(fn, seconds=120.0):
    deadline = Deadline.after(seconds)
    while not (value := fn()):
        assert not deadline.expired, f"condition not reached within {seconds} s"
        time.sleep(0.2)
    return value


def _create(kafka3, unique_name, partitions=3, replication=1):
    name = unique_name("rep")
    result = run_kctl("-i", kafka3["instance"], "topics", "create", name, "--partitions", partitions, "-r", replication)
    assert result.code == 0, result
    return name


def test_set_replication_1_to_3(kafka3, unique_name):
    topic = _create(kafka3, unique_name)
    try:
        refused = run_kctl("-i", kafka3["instance"], "topics", "set-replication", topic, "--factor", 3)  # a script, no --yes
        assert refused.code == 2 and "reassign 3 partitions of topic" in refused.stderr, refused
        assert f"on instance {kafka3['instance']} (" in refused.stderr and "refusing without --yes" in refused.stderr
        plan = run_kctl("-i", kafka3["instance"], "topics", "set-replication", topic, "--factor", 3, "--dry-run", "-o", "json")
        assert plan.code == 0 and plan.json["executed"] is False, plan
        assert [m["status"] for m in plan.json["moves"]] == ["planned"] * 3
        assert all(len(m["target"]) == 3 and m["target"][0] == m["current"][0] for m in plan.json["moves"])
        assert all(len(p["replicas"]) == 1 for p in _partitions(kafka3, topic))  # the plan changed nothing

        run = run_kctl("-i", kafka3["instance"], "topics", "set-replication", topic, "--factor", 3, "--execute",
                       "-o", "json")
        assert run.code == 0 and [m["status"] for m in run.json["moves"]] == ["started"] * 3, run
        parts = _until(lambda: (ps := _partitions(kafka3, topic)) and all(len(p["isr"]) == 3 for p in ps) and ps)
        assert all(sorted(p["replicas"]) == [1, 2, 3] and sorted(p["isr"]) == [1, 2, 3] for p in parts)
        _until(lambda: run_kctl("-i", kafka3["instance"], "cluster", "reassignments", "--topic", topic, "-o", "json").json == [])

        again = run_kctl("-i", kafka3["instance"], "topics", "set-replication", topic, "--factor", 3, "--execute", "-o", "json")
        assert [m["status"] for m in again.json["moves"]] == ["unchanged"] * 3
        too_many = run_kctl("-i", kafka3["instance"], "topics", "set-replication", topic, "--factor", 4)
        assert too_many.code == 2 and "3 broker(s)" in too_many.stderr
    finally:
        run_kctl("-i", kafka3["instance"], "topics", "delete", topic, "--yes")


def test_move_changes_the_replicas(kafka3, unique_name):
    topic = _create(kafka3, unique_name, partitions=2, replication=1)
    try:
        before = {p["partition"]: p["replicas"] for p in _partitions(kafka3, topic)}
        # Every replica onto one broker that currently holds none of them (or broker 3).
        target = next((b for b in (1, 2, 3) if all(r != [b] for r in before.values())), 3)
        run = run_kctl("-i", kafka3["instance"], "topics", "move", topic, "--brokers", str(target), "--execute",
                       "--throttle", 50_000_000, "-o", "json")
        assert run.code == 0 and run.json["throttle_bytes"] == 50_000_000, run
        _until(lambda: all(p["replicas"] == [target] for p in _partitions(kafka3, topic)))
        configs = run_kctl("-i", kafka3["instance"], "configs", "describe", "topic", topic, "-o", "json").json
        values = {c["name"]: c["value"] for c in configs["configs"]}
        assert values["leader.replication.throttled.replicas"] == "*"

        unknown = run_kctl("-i", kafka3["instance"], "topics", "move", topic, "--brokers", "1,9")
        assert unknown.code == 2 and "9 not in the cluster" in unknown.stderr
    finally:
        run_kctl("-i", kafka3["instance"], "topics", "delete", topic, "--yes")
        for broker in (1, 2, 3):
            run_kctl("-i", kafka3["instance"], "configs", "alter", "broker", str(broker),
                     "--delete", "leader.replication.throttled.rate", "--delete", "follower.replication.throttled.rate")


def test_log_dirs_and_elect_leaders(kafka3, unique_name):
    topic = _create(kafka3, unique_name, partitions=2, replication=3)
    try:
        dirs = run_kctl("-i", kafka3["instance"], "cluster", "log-dirs", "--topic", topic, "-o", "json")
        assert dirs.code == 0, dirs
        assert sorted(d["broker"] for d in dirs.json) == [1, 2, 3]
        for d in dirs.json:
            assert sorted(r["partition"] for r in d["replicas"] if r["topic"] == topic) == [0, 1]
            assert d["error"] is None and d["total_bytes"] > 0 and d["size_bytes"] >= 0
        one = run_kctl("-i", kafka3["instance"], "cluster", "log-dirs", "--broker", 2, "-o", "json")
        assert {d["broker"] for d in one.json} == {2}
        assert run_kctl("-i", kafka3["instance"], "cluster", "log-dirs", "--broker", 9).code == 4

        elected = run_kctl("-i", kafka3["instance"], "cluster", "elect-leaders", "--preferred", "--topic", topic, "-o", "json")
        assert elected.code == 0 and [i["name"] for i in elected.json["items"]] == [f"{topic}:0", f"{topic}:1"], elected
        missing = run_kctl("-i", kafka3["instance"], "cluster", "elect-leaders", "--topic", "no-such-topic-el")
        assert missing.code == 4
    finally:
        run_kctl("-i", kafka3["instance"], "topics", "delete", topic, "--yes")


def test_a_throttled_move_is_listed_and_can_be_cancelled(kafka3, unique_name):
    topic = _create(kafka3, unique_name, partitions=1, replication=1)
    try:
        produced = run_kctl("-i", kafka3["instance"], "produce", topic, input=("y" * 100 + "\n") * 20000)
        assert produced.code == 0, produced
        [before] = [p["replicas"] for p in _partitions(kafka3, topic)]
        target = before[0] % 3 + 1
        # 1000 bytes/s: copying 2 MB takes half an hour, so the reassignment is still running below.
        run = run_kctl("-i", kafka3["instance"], "topics", "move", topic, "--brokers", str(target), "--execute",
                       "--throttle", 1000, "-o", "json")
        assert run.code == 0 and run.json["moves"][0]["status"] == "started", run
        running = run_kctl("-i", kafka3["instance"], "cluster", "reassignments", "--topic", topic, "-o", "json")
        assert running.code == 0, running
        [r] = running.json
        assert r["adding"] == [target] and r["removing"] == before and sorted(r["replicas"]) == sorted([target, *before])

        refused = run_kctl("-i", kafka3["instance"], "cluster", "reassignments", "--topic", topic, "--cancel")
        assert refused.code == 2 and "refusing without --yes (not a terminal)" in refused.stderr, refused
        dry = run_kctl("-i", kafka3["instance"], "cluster", "reassignments", "--topic", topic, "--cancel", "--dry-run",
                       "-o", "json")
        assert dry.code == 0 and [m["status"] for m in dry.json["moves"]] == ["planned"], dry
        assert len(run_kctl("-i", kafka3["instance"], "cluster", "reassignments", "--topic", topic, "-o", "json").json) == 1
        cancelled = run_kctl("-i", kafka3["instance"], "cluster", "reassignments", "--topic", topic, "--cancel", "--yes",
                             "-o", "json")
        assert cancelled.code == 0 and [m["status"] for m in cancelled.json["moves"]] == ["cancelled"], cancelled
        _until(lambda: run_kctl("-i", kafka3["instance"], "cluster", "reassignments", "--topic", topic,
                                "-o", "json").json == [])
        assert [p["replicas"] for p in _partitions(kafka3, topic)] == [before]
    finally:
        run_kctl("-i", kafka3["instance"], "topics", "delete", topic, "--yes")
        for broker in (1, 2, 3):
            run_kctl("-i", kafka3["instance"], "configs", "alter", "broker", str(broker),
                     "--delete", "leader.replication.throttled.rate", "--delete", "follower.replication.throttled.rate")
