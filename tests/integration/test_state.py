"""Cluster state as code against real brokers: export one cluster, apply the document to a fresh
one, diff says equal; changes show as plans with counts; a second apply is empty; drift is exit 8;
--prune deletes only what the document manages; undo restores configs; bad plans change nothing.

Two fresh single-broker clusters of their own (a registry of their own, tests/instances.py, and a state folder):
a document applied to a cluster other tests also use could not be compared whole.
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.helpers import run_kctl, wait_until
from tests.instances import bootstrap_of, private, write_registry

A_B = private(__name__).instances  # clusters a and b, of a registry of their own


@pytest.fixture(scope="module")
def clusters(tmp_path_factory):
    root = tmp_path_factory.mktemp("state")
    local = ("--registry", str(write_registry(__name__, root)))
    env = {"KCTL_STATE_DIR": str(root / "state")}
    started = []
    try:
        for instance in A_B:
            up = run_kctl(*local, "-o", "json", "local", "up", "-i", instance, "--heap", "384m", "--wait", "120", env=env)
            assert up.code == 0, up
            started.append(instance)
        yield {"a": bootstrap_of(__name__, A_B[0]), "b": bootstrap_of(__name__, A_B[1]), "env": env, "root": root}
    finally:
        for instance in started:
            run_kctl(*local, "local", "down", "-i", instance, env=env)


@pytest.fixture(scope="module")
def registries(clusters):
    """The Schema Registries of the two clusters: {"a": URL, "b": URL}, both empty at first."""
    from kctl.config.registry import load_registry
    from kctl.services import local

    registry = load_registry(str(clusters["root"] / "registry.yaml"))
    started = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KCTL_STATE_DIR", clusters["env"]["KCTL_STATE_DIR"])
        try:
            for instance in (0, 1):
                local.start_schema_registry(registry, instance, wait=180)
                started.append(instance)
            yield {"a": registry.schema_registry_of(0).url, "b": registry.schema_registry_of(1).url}
        finally:
            for instance in started:
                local.stop_schema_registry(registry, instance)


def on(cluster, *args, **kwargs):
    return run_kctl("-b", cluster, "--timeout", 20, *args, **kwargs)


def ok(cluster, *args, **kwargs):
    result = on(cluster, *args, **kwargs)
    assert result.code == 0, (args, result)
    return result


def test_export_apply_diff_round_trip_and_changes(clusters, tmp_path, monkeypatch):
    a, b = clusters["a"], clusters["b"]
    monkeypatch.setenv("KCTL_STATE_DIR", str(clusters["root"] / "snapshots"))
    monkeypatch.setenv("BOB_PW", "bob-secret-1")  # what the document's ${env:BOB_PW} refers to
    ok(a, "topics", "create", "orders", "-p", 3, "-c", "retention.ms=86400000")
    ok(a, "topics", "create", "payments", "-c", "cleanup.policy=compact")
    ok(a, "quotas", "set", "--user", "alice", "--set", "producer_byte_rate=1048576", "--yes")
    ok(a, "users", "create", "bob", "--password-env", "BOB_PW")
    ok(a, "configs", "alter", "broker", "--default", "-c", "log.cleaner.backoff.ms=16000")

    first, second = ok(a, "export").stdout, ok(a, "export").stdout
    assert first == second  # stable: the same cluster gives the same bytes
    assert "bob-secret-1" not in first
    document = yaml.safe_load(first)
    assert document["apiVersion"] == "kctl/v1" and document["kind"] == "ClusterState"
    assert [t["name"] for t in document["topics"]] == ["orders", "payments"]
    assert document["topics"][0] == {"name": "orders", "partitions": 3, "replication_factor": 1,
                                     "configs": {"retention.ms": "86400000"}}
    assert document["users"] == [{"name": "bob", "mechanisms": ["SCRAM-SHA-512"]}]
    assert document["broker_configs"]["log.cleaner.backoff.ms"] == "16000"
    document["users"][0]["password"] = "${env:BOB_PW}"
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump(document))

    plan = ok(b, "-o", "json", "plan", "-f", path).json
    assert plan["counts"] == {"create": 2, "set": 3}, plan
    assert [c["action"] for c in plan["changes"]] == ["create", "create", "set", "set", "set"]  # topics first
    refused = on(b, "apply", "-f", path)
    assert refused.code == 2 and "refusing without --yes" in refused.stderr, refused
    applied = ok(b, "-o", "json", "apply", "-f", path, "--yes")
    assert {c["status"] for c in applied.json["changes"]} == {"applied"}, applied.json
    assert "bob-secret-1" not in applied.stdout + applied.stderr

    equal = on(b, "-o", "json", "diff", "-f", path)
    assert equal.code == 0 and equal.json["equal"], equal
    clusters_equal = on(a, "-o", "json", "diff", "--to-bootstrap", b)
    assert clusters_equal.code == 0, clusters_equal
    assert ok(b, "-o", "json", "plan", "-f", path).json["empty"]  # a second apply has nothing to do

    # Drift made by hand is reported, with exit 8, field by field.
    ok(b, "topics", "alter-config", "orders", "-c", "retention.ms=1000")
    drift = on(b, "-o", "json", "diff", "-f", path)
    assert drift.code == 8, drift
    assert drift.json["differences"] == [{"kind": "topics", "name": "orders", "field": "configs.retention.ms",
                                          "change": "changed", "left": "86400000", "right": "1000"}]
    assert on(b, "diff", "-f", path, "--ignore", "topics/orders/configs.*").code == 0

    # A change in the file: a plan with counts, applied, then undone (configs back; partitions stay).
    document["topics"][0]["partitions"] = 5
    document["topics"][0]["configs"] = {"retention.ms": "172800000", "segment.ms": "3600000"}
    path.write_text(yaml.safe_dump(document))
    changed = ok(b, "-o", "json", "plan", "-f", path).json
    assert changed["counts"] == {"add-partitions": 1, "alter-configs": 1}, changed
    applied = ok(b, "-o", "json", "apply", "-f", path, "--yes")
    snapshot = applied.json["snapshot"]
    assert snapshot and any("cannot shrink" in why or "not undone" in why for why in applied.json["not_undone"])
    described = ok(b, "-o", "json", "topics", "describe", "orders").json[0]
    assert len(described["partitions"]) == 5 and described["configs"]["segment.ms"] == "3600000"
    undone = ok(b, "-o", "json", "apply", "--undo", snapshot, "--yes")
    assert {c["status"] for c in undone.json["changes"]} == {"applied"}, undone.json
    configs = ok(b, "-o", "json", "topics", "describe", "orders").json[0]["configs"]
    assert configs.get("retention.ms") == "1000" and "segment.ms" not in configs, configs  # as before that apply

    # --prune deletes only what the document manages and does not list.
    ok(b, "topics", "create", "stray")
    ok(b, "quotas", "set", "--user", "carol", "--set", "consumer_byte_rate=1000", "--yes")
    kept = {k: v for k, v in document.items() if k != "quotas"}
    path.write_text(yaml.safe_dump(kept))
    assert on(b, "plan", "-f", path, "--prune", "quotas").code == 2  # the document does not manage quotas
    pruned = ok(b, "-o", "json", "apply", "-f", path, "--prune", "topics", "--yes").json
    assert [(c["action"], c["name"]) for c in pruned["changes"] if c["action"] == "delete"] == [("delete", "stray")]
    assert "carol" in json.dumps(ok(b, "-o", "json", "quotas", "list").json)  # quotas are not managed: untouched


def test_plans_that_cannot_be_made_change_nothing(clusters, tmp_path):
    b = clusters["b"]
    ok(b, "topics", "create", "fixed", "-p", 4)
    for topic, message in (({"name": "fixed", "partitions": 2, "replication_factor": 1}, "cannot shrink"),
                           ({"name": "wide", "partitions": 1, "replication_factor": 3}, "more than the cluster's 1 broker")):
        path = tmp_path / "bad.yaml"
        path.write_text(yaml.safe_dump({"apiVersion": "kctl/v1", "kind": "ClusterState", "topics": [topic]}))
        result = on(b, "apply", "-f", path, "--yes")
        assert result.code == 2 and message in result.stderr, result
        assert result.stderr.count("kctl: error:") == 1
    assert len(ok(b, "-o", "json", "topics", "describe", "fixed").json[0]["partitions"]) == 4
    assert on(b, "topics", "describe", "wide").code == 4  # not created
    user = tmp_path / "user.yaml"
    user.write_text(yaml.safe_dump({"apiVersion": "kctl/v1", "kind": "ClusterState",
                                    "users": [{"name": "dave", "mechanisms": ["SCRAM-SHA-256"]}]}))
    no_password = on(b, "apply", "-f", user, "--yes")
    assert no_password.code == 2 and "needs a password reference" in no_password.stderr, no_password


def test_an_unreachable_cluster_is_exit_6_before_any_change(tmp_path):
    path = tmp_path / "down.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "kctl/v1", "kind": "ClusterState",
                                    "topics": [{"name": "never", "partitions": 1, "replication_factor": 1}]}))
    result = run_kctl("-b", "127.0.0.1:1", "--timeout", 2, "apply", "-f", path, "--yes")
    assert result.code == 6 and result.stderr.count("kctl: error:") == 1, result


def test_features_are_listed_and_a_level_changed(clusters):
    b = clusters["b"]
    before = {f["name"]: f for f in ok(b, "-o", "json", "cluster", "features").json}
    assert before["metadata.version"]["finalized"] >= 1 and not before["metadata.version"]["upgradable"]
    share = before["share.version"]
    assert share["finalized"] is None and share["upgradable"], share  # off on Kafka 4.1, supported
    plan = ok(b, "-o", "json", "cluster", "features", "upgrade", "share.version", "--level", 1, "--dry-run")
    assert plan.json["items"][0]["detail"] == "would upgrade 0 -> 1", plan
    refused = on(b, "cluster", "features", "upgrade", "share.version", "--level", 1)
    assert refused.code == 2 and "refusing without --yes" in refused.stderr
    assert ok(b, "-o", "json", "cluster", "features").json == list(before.values())  # nothing changed yet
    ok(b, "cluster", "features", "upgrade", "share.version", "--level", 1, "--yes")
    after = {f["name"]: f for f in ok(b, "-o", "json", "cluster", "features").json}
    assert after["share.version"]["finalized"] == 1, after
    ok(b, "cluster", "features", "downgrade", "share.version", "--level", 0, "--yes")
    assert {f["name"]: f for f in ok(b, "-o", "json", "cluster", "features").json}["share.version"]["finalized"] is None
    for args, code in ((("upgrade", "share.version", "--level", 9), 2), (("upgrade", "no.such", "--level", 1), 4),
                       (("downgrade", "group.version", "--level", 5), 2), (("sideways", "group.version", "--level", 1), 2)):
        bad = on(b, "cluster", "features", *args, "--yes")
        assert bad.code == code and bad.stderr.count("kctl: error:") == 1, (args, bad)


def test_a_broker_stopped_mid_apply_is_exit_6_and_nothing_after_that_point(clusters, tmp_path):
    """SIGSTOP the broker once the first topics of a long document exist: apply stops at the change
    the cluster no longer answers (exit 6), later changes are not run, and the rows say which were made."""
    import os
    import signal
    import subprocess
    import sys

    from confluent_kafka.admin import AdminClient

    b = clusters["b"]
    names = [f"fault-{i:02d}" for i in range(40)]
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "kctl/v1", "kind": "ClusterState", "topics": [
        {"name": n, "partitions": 1, "replication_factor": 1} for n in names]}))
    local = ("--registry", str(clusters["root"] / "registry.yaml"))
    status = run_kctl(*local, "-o", "json", "local", "status", "-i", A_B[1], env=clusters["env"])
    pid = status.json[0]["brokers"][0]["pid"]
    env = {**os.environ, "KCTL_STATE_DIR": str(tmp_path / "snapshots")}
    proc = subprocess.Popen([sys.executable, "-m", "kctl", "-b", b, "--timeout", "4", "-o", "json", "apply", "-f", str(path),
                             "--yes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    admin = AdminClient({"bootstrap.servers": b})
    try:
        wait_until(lambda: any(n in admin.list_topics(timeout=5).topics for n in names), 60, "apply made a topic",
                   interval=0.02, process=proc)
        del admin  # no client of this process is left mid-request with the broker stopped
        os.kill(pid, signal.SIGSTOP)
        out, err = proc.communicate(timeout=60)
    finally:
        os.kill(pid, signal.SIGCONT)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 6, (out[-2000:], err)
    assert err.count("kctl: error:") == 1 and "apply stopped at step" in err, err
    rows = json.loads(out)["changes"]
    statuses = [r["status"] for r in rows]
    failed = statuses.index("failed")
    assert statuses[:failed] == ["applied"] * failed and set(statuses[failed + 1:]) <= {"not run"}, statuses
    assert 0 < failed < len(names) - 1, statuses
    admin = AdminClient({"bootstrap.servers": b})

    def listed():
        try:
            return admin.list_topics(timeout=5).topics
        except Exception:  # noqa: BLE001 - not back yet
            return None

    # The resumed broker is fenced until its next heartbeat.
    topics = wait_until(listed, 90, "the broker came back", interval=0.2)
    assert {r["name"] for r in rows if r["status"] == "applied"} <= set(topics)
    assert not {r["name"] for r in rows if r["status"] == "not run"} & set(topics)


def test_a_config_the_broker_refuses_is_in_the_plan_and_nothing_is_applied(clusters, tmp_path):
    b = clusters["b"]
    path = tmp_path / "refused.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "kctl/v1", "kind": "ClusterState", "topics": [
        {"name": "refused-a", "partitions": 1, "replication_factor": 1},
        {"name": "refused-b", "partitions": 1, "replication_factor": 1, "configs": {"retention.ms": "soon"}},
        {"name": "refused-c", "partitions": 1, "replication_factor": 1, "configs": {"no.such.config": "1"}}]}))
    plan = on(b, "-o", "json", "plan", "-f", path)
    assert plan.code == 2, plan
    errors = {c["name"]: c["error"] for c in plan.json["changes"]}
    assert errors["refused-a"] is None and "the broker refuses it" in errors["refused-b"], errors
    assert "the broker refuses it" in errors["refused-c"], errors
    applied = on(b, "apply", "-f", path, "--yes")
    assert applied.code == 2 and "nothing was changed" in applied.stderr, applied
    assert on(b, "topics", "describe", "refused-a").code == 4  # not even the valid one: every check comes first


USER = {"type": "record", "name": "User", "namespace": "kctl.state",
        "fields": [{"name": "id", "type": "int"}, {"name": "name", "type": "string"}]}
USER_V2 = {**USER, "fields": USER["fields"] + [{"name": "email", "type": "string", "default": ""}]}
USER_BAD = {**USER, "fields": USER["fields"] + [{"name": "age", "type": "int"}]}  # no default: not BACKWARD
ORDER = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}


def test_subjects_export_apply_diff_drift_and_prune(clusters, registries, tmp_path, monkeypatch):
    a, b = clusters["a"], clusters["b"]
    ra, rb = ("--schema-registry", registries["a"]), ("--schema-registry", registries["b"])
    monkeypatch.setenv("KCTL_STATE_DIR", str(clusters["root"] / "snapshots"))
    for name, schema in (("user.avsc", USER), ("user2.avsc", USER_V2), ("order.json", ORDER)):
        (tmp_path / name).write_text(json.dumps(schema))
    ok(a, "schemas", "register", "users-value", tmp_path / "user.avsc", *ra)
    ok(a, "schemas", "register", "users-value", tmp_path / "user2.avsc", *ra)
    ok(a, "schemas", "register", "orders-value", tmp_path / "order.json", *ra)
    ok(a, "schemas", "config", "users-value", "--set-compatibility", "FULL", *ra)
    ok(a, "schemas", "config", "orders-value", "--set-compatibility", "NONE", *ra)

    first = ok(a, "export", "--only", "subjects", "--include-schemas", *ra).stdout
    assert ok(a, "export", "--only", "subjects", "--include-schemas", *ra).stdout == first  # the same bytes
    document = yaml.safe_load(first)
    assert [(s["name"], s["compatibility"], [v["type"] for v in s["schemas"]]) for s in document["subjects"]] == [
        ("orders-value", "NONE", ["JSON"]), ("users-value", "FULL", ["AVRO", "AVRO"])]
    assert json.loads(document["subjects"][1]["schemas"][1]["schema"]) == USER_V2
    assert "subjects" in ok(a, "export", *ra).stdout and "subjects" not in ok(a, "export").stdout  # no registry: left out
    path = tmp_path / "subjects.yaml"
    path.write_text(first)

    # Onto the empty registry of the other cluster: the levels, then every version in order.
    plan = ok(b, "-o", "json", "plan", "-f", path, *rb).json
    assert plan["counts"] == {"set-compatibility": 2, "create": 2}, plan
    applied = ok(b, "-o", "json", "apply", "-f", path, "--yes", *rb).json
    assert {c["status"] for c in applied["changes"]} == {"applied"}, applied
    assert on(b, "diff", "-f", path, *rb).code == 0
    assert ok(b, "export", "--only", "subjects", "--include-schemas", *rb).stdout == first
    assert ok(b, "-o", "json", "plan", "-f", path, *rb).json["empty"]  # a second apply has nothing to do
    assert ok(b, "-o", "json", "schemas", "list", *rb).json[1]["versions"] == [1, 2]

    # A level changed by hand is drift (exit 8), and apply puts it back.
    ok(b, "schemas", "config", "users-value", "--set-compatibility", "NONE", *rb)
    drift = on(b, "-o", "json", "diff", "-f", path, *rb)
    assert drift.code == 8, drift
    assert drift.json["differences"] == [{"kind": "subjects", "name": "users-value", "field": "compatibility",
                                          "change": "changed", "left": "FULL", "right": "NONE"}]
    ok(b, "apply", "-f", path, "--yes", *rb)
    assert on(b, "diff", "-f", path, *rb).code == 0

    # A new latest version in the file is registered; one the registry refuses blocks the whole plan.
    document["subjects"][1]["schemas"].append({"type": "AVRO", "schema": json.dumps(USER_BAD)})
    document["subjects"][0]["compatibility"] = "BACKWARD"
    path.write_text(yaml.safe_dump(document))
    refused = on(b, "-o", "json", "apply", "-f", path, "--yes", *rb)
    assert refused.code == 2 and "nothing was changed" in refused.stderr, refused
    errors = {(c["name"], c["action"]): c["error"] for c in refused.json["changes"]}
    assert "the registry refuses it" in errors[("users-value", "register")], errors
    assert ok(b, "-o", "json", "schemas", "config", "orders-value", *rb).json["compatibility"] == "NONE"  # untouched
    document["subjects"][1]["schemas"][-1]["schema"] = json.dumps(
        {**USER_V2, "fields": USER_V2["fields"] + [{"name": "age", "type": "int", "default": 0}]})
    path.write_text(yaml.safe_dump(document))
    changed = ok(b, "-o", "json", "apply", "-f", path, "--yes", *rb).json
    assert [(c["action"], c["name"]) for c in changed["changes"]] == [
        ("set-compatibility", "orders-value"), ("register", "users-value")], changed
    assert ok(b, "-o", "json", "schemas", "list", *rb).json[1]["versions"] == [1, 2, 3]
    assert ok(b, "-o", "json", "plan", "-f", path, *rb).json["empty"]

    # --prune subjects soft-deletes a subject the file does not list; without it, it stays.
    ok(b, "schemas", "register", "stray-value", tmp_path / "order.json", *rb)
    assert ok(b, "-o", "json", "plan", "-f", path, *rb).json["empty"]
    pruned = ok(b, "-o", "json", "apply", "-f", path, "--prune", "subjects", "--yes", *rb).json
    assert [(c["action"], c["name"]) for c in pruned["changes"]] == [("delete", "stray-value")], pruned
    listed = {s["subject"]: s["deleted"] for s in ok(b, "-o", "json", "schemas", "list", "--deleted", *rb).json}
    assert listed == {"orders-value": False, "users-value": False, "stray-value": True}, listed

    # A document with subjects and no registry known: one line, exit 3, nothing read.
    lost = on(b, "plan", "-f", path)
    assert lost.code == 3 and lost.stderr.count("kctl: error:") == 1 and "no schema registry" in lost.stderr, lost
