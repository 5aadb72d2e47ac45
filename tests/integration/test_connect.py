"""`kctl local up --connect` and `kctl connect` against a real Kafka Connect worker.

One worker for the module, on a single-broker instance of its own (a registry of its own: brokers
tests/instances.py, and a state folder of its own), started through
`kctl local up --connect` as a user would. Waits poll the worker's own status, bounded by a
deadline; nothing sleeps.
"""

from __future__ import annotations

import json
import uuid

import pytest
import yaml

from tests.helpers import run_kctl, wait_until
from tests.instances import bootstrap_of, instance_of, port_of, write_registry

INSTANCE = instance_of(__name__)  # of a registry of its own
REST_PORT = port_of(__name__, "connect", "rest_port")
BOOTSTRAP = bootstrap_of(__name__)
URL = f"http://127.0.0.1:{REST_PORT}"
STRING = "org.apache.kafka.connect.storage.StringConverter"


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    root = tmp_path_factory.mktemp("connect")
    local = ("--registry", str(write_registry(__name__, root)))
    env = {"KCTL_STATE_DIR": str(root / "state")}
    up = run_kctl(*local, "-o", "json", "local", "up", "-i", INSTANCE, "--connect", "--heap", "384m", "--wait", "180", env=env)
    try:
        assert up.code == 0, up
        assert up.json["connect"]["running"] and up.json["connect"]["url"] == URL, up.json
        yield {"local": local, "env": env, "root": root}
    finally:
        down = run_kctl(*local, "local", "down", "-i", INSTANCE, env=env)
        assert down.code == 0, down


def kc(*args, timeout=20, **kwargs):
    return run_kctl("-b", BOOTSTRAP, "--timeout", timeout, "connect", *args, "--connect-url", URL, **kwargs)


def ok(*args, **kwargs):
    result = kc(*args, **kwargs)
    assert result.code == 0, (args, result)
    return result


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def state_of(name: str) -> tuple[str, tuple[str, ...]]:
    info = run_kctl("--timeout", 20, "-o", "json", "connect", "describe", name, "--connect-url", URL).json
    return info["state"], tuple(t["state"] for t in info["tasks"])


def source_config(path, topic: str, **extra) -> dict:
    return {"connector.class": "FileStreamSource", "file": str(path), "topic": topic, "tasks.max": 1,
            "value.converter": STRING, **extra}


def write(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data))
    return str(path)


def test_local_status_and_logs_show_the_worker(worker):
    status = run_kctl(*worker["local"], "-o", "json", "local", "status", "-i", INSTANCE, env=worker["env"])
    assert status.code == 0, status
    connect = status.json[0]["connect"]
    assert connect["running"] and connect["rest_port"] == REST_PORT and connect["group_id"] == f"kctl-connect-{INSTANCE}"
    properties = open(connect["config_file"]).read()
    assert "replication.factor=1" in properties and f"listeners=http://127.0.0.1:{REST_PORT}" in properties
    logs = run_kctl(*worker["local"], "local", "logs", "-i", INSTANCE, "--connect", "-n", 5, env=worker["env"])
    assert logs.code == 0 and len(logs.stdout.splitlines()) == 5, logs
    # Without --connect-url: the target instance's worker, found through the registry and state folder
    found = run_kctl(*worker["local"], "-i", INSTANCE, "-o", "json", "connect", "list", env=worker["env"])
    assert found.code == 0 and isinstance(found.json, list), found
    again = run_kctl(*worker["local"], "-o", "json", "local", "up", "-i", INSTANCE, "--connect", env=worker["env"])
    assert again.code == 0 and again.json["already_running"] and again.json["connect"]["pid"] == connect["pid"], again
    plugins = ok("-o", "json", "plugins").json
    classes = {p["class_name"] for p in plugins}
    assert {"org.apache.kafka.connect.file.FileStreamSourceConnector",
            "org.apache.kafka.connect.mirror.MirrorSourceConnector"} <= classes, classes


def test_file_source_into_a_topic_read_back_with_consume(worker, tmp_path):
    topic, name = unique("cx-src"), unique("src")
    assert run_kctl("-b", BOOTSTRAP, "topics", "create", topic).code == 0
    lines = [f"line-{i}" for i in range(200)]
    (tmp_path / "in.txt").write_text("\n".join(lines) + "\n")
    created = ok("-o", "json", "create", name, "-f", write(tmp_path, "src.yaml", source_config(tmp_path / "in.txt", topic)))
    assert created.json["name"] == name and created.json["type"] == "source", created.json
    read = run_kctl("-b", BOOTSTRAP, "--timeout", 60, "consume", topic, "--from", "beginning", "-n", len(lines))
    assert read.code == 0, read
    assert read.stdout.splitlines() == lines
    listed = {c["name"]: c for c in ok("-o", "json", "list").json}
    assert listed[name]["state"] == "RUNNING" and listed[name]["tasks_running"] == 1 and listed[name]["tasks_failed"] == 0
    info = ok("-o", "json", "describe", name).json
    assert info["config"]["topic"] == topic and info["tasks"][0]["state"] == "RUNNING", info
    # update: the plugin validates the new config, the worker restarts the connector with it
    other = unique("cx-src2")
    updated = ok("-o", "json", "update", name, "-f",
                 write(tmp_path, "src2.json", {"name": name, "config": source_config(tmp_path / "in.txt", other)}))
    assert updated.json["config"]["topic"] == other
    again = kc("create", name, "-f", str(tmp_path / "src.yaml"))
    assert again.code == 2 and "already exists" in again.stderr, again


def test_a_failing_task_shows_failed_with_its_trace_and_restart_only_failed(worker, tmp_path):
    topic, name = unique("cx-sink"), unique("sink")
    assert run_kctl("-b", BOOTSTRAP, "topics", "create", topic).code == 0
    assert run_kctl("-b", BOOTSTRAP, "produce", topic, input="a\nb\nc\n").code == 0
    out = tmp_path / "missing-dir" / "out.txt"  # the sink's task cannot open it: it fails at start
    config = {"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "topics": topic,
              "file": str(out), "value.converter": STRING, "tasks.max": 1}
    ok("create", name, "-f", write(tmp_path, "sink.yaml", config))
    wait_until(lambda: state_of(name)[1] == ("FAILED",), 90, "the sink's task FAILED", interval=0.25)
    info = ok("-o", "json", "describe", name).json
    trace = info["tasks"][0]["trace"]
    assert "Couldn't find or create file" in trace and len(trace.splitlines()) <= 6, trace
    listed = {c["name"]: c for c in ok("-o", "json", "list").json}
    assert listed[name]["tasks_failed"] == 1 and listed[name]["tasks_running"] == 0
    table = ok("describe", name).stdout
    assert "FAILED" in table and "task 0 trace:" in table
    out.parent.mkdir()
    restarted = ok("-o", "json", "restart", name, "--only-failed").json
    details = {item["name"]: item["detail"] for item in restarted["items"]}
    assert details == {name: "left alone (RUNNING)", f"{name} task 0": "restarting"}, details
    wait_until(lambda: state_of(name)[1] == ("RUNNING",), 90, "the restarted task RUNNING", interval=0.25)
    wait_until(lambda: out.exists() and out.read_text().split() == ["a", "b", "c"], 90, "the sink wrote every record",
               interval=0.25)


def test_pause_stop_and_resume(worker, tmp_path):
    name = unique("pause")
    (tmp_path / "in.txt").write_text("x\n")
    ok("create", name, "-f", write(tmp_path, "c.yaml", source_config(tmp_path / "in.txt", unique("cx-pause"))))
    assert ok("pause", name).code == 0
    wait_until(lambda: state_of(name)[0] == "PAUSED", 90, "PAUSED", interval=0.25)
    assert ok("resume", name).code == 0
    wait_until(lambda: state_of(name)[0] == "RUNNING", 90, "RUNNING again", interval=0.25)
    stopped = ok("-o", "json", "stop", name).json
    assert stopped["operation"] == "connect stop" and stopped["items"][0]["ok"], stopped
    wait_until(lambda: state_of(name) == ("STOPPED", ()), 90, "STOPPED, without tasks", interval=0.25)
    assert ok("resume", name).code == 0
    wait_until(lambda: state_of(name)[0] == "RUNNING", 90, "RUNNING after the stop", interval=0.25)
    missing = kc("stop", unique("nothing"))
    assert missing.code == 4, missing


def test_delete_shows_the_plan_and_needs_yes(worker, tmp_path):
    name = unique("del")
    (tmp_path / "in.txt").write_text("x\n")
    ok("create", name, "-f", write(tmp_path, "c.yaml", source_config(tmp_path / "in.txt", unique("cx-del"))))
    refused = kc("delete", name)
    assert refused.code == 2 and "refusing without --yes" in refused.stderr and "would delete" in refused.stderr, refused
    plan = ok("-o", "json", "delete", name, "--dry-run").json
    assert plan["dry_run"] and plan["items"][0]["detail"].startswith("would delete the source connector"), plan
    assert name in {c["name"] for c in ok("-o", "json", "list").json}
    deleted = ok("-o", "json", "delete", name, "--yes").json
    assert deleted["items"] == [{"name": name, "ok": True, "detail": "deleted", "error": None, "exit_code": 0}]
    assert name not in {c["name"] for c in ok("-o", "json", "list").json}
    gone = kc("describe", name)
    assert gone.code == 4 and gone.stderr.startswith("kctl: error: "), gone
    missing = kc("delete", name, "--yes")
    assert missing.code == 4, missing


def test_invalid_configs_are_refused_and_nothing_is_created(worker, tmp_path):
    name = unique("bad")
    no_topics = {"connector.class": "FileStreamSink", "file": str(tmp_path / "o.txt")}
    refused = kc("create", name, "-f", write(tmp_path, "bad.yaml", no_topics))
    assert refused.code == 2, refused
    assert "invalid setting" in refused.stderr and "nothing changed" in refused.stderr, refused
    assert len(refused.stderr.strip().splitlines()) <= 2 and "Traceback" not in refused.stderr
    validated = kc("-o", "json", "validate", name, "-f", str(tmp_path / "bad.yaml"))
    assert validated.code == 2 and validated.json and all(e["errors"] for e in validated.json), validated
    unknown = kc("create", name, "-f", write(tmp_path, "unknown.yaml", {"connector.class": "com.example.NoSuchConnector"}))
    assert unknown.code == 4 and "no connector plugin" in unknown.stderr, unknown
    assert name not in {c["name"] for c in ok("-o", "json", "list").json}
    update_missing = kc("update", name, "-f", write(tmp_path, "fine.yaml", source_config(tmp_path / "i", "t")))
    assert update_missing.code == 4, update_missing


def test_secrets_in_configs_are_masked_and_references_shown(worker, tmp_path):
    name = unique("secret")
    (tmp_path / "in.txt").write_text("x\n")
    config = source_config(tmp_path / "in.txt", unique("cx-secret"), **{
        "extra.sasl.jaas.config": "org.example.Login required password=\"hunter2-top\";",
        "extra.password": "${env:KCTL_CONNECT_TEST_UNSET}"})
    created = kc("create", name, "-f", write(tmp_path, "c.yaml", config))
    assert created.code == 0, created
    for result in (created, kc("describe", name), kc("-o", "json", "describe", name), kc("-o", "yaml", "list")):
        assert result.code == 0 and "hunter2-top" not in result.stdout + result.stderr, result
    info = ok("-o", "json", "describe", name).json
    assert info["config"]["extra.sasl.jaas.config"] == "********"
    assert info["config"]["extra.password"] == "${env:KCTL_CONNECT_TEST_UNSET}"


def test_mirror_maker_2_source_connector_copies_a_topic(worker, tmp_path):
    """MirrorMaker 2's MirrorSourceConnector on the same worker, the instance as both clusters:
    the topic's records arrive in `a.<topic>` (the default replication policy), in order."""
    topic, name = unique("cx-mm2"), unique("mirror")
    assert run_kctl("-b", BOOTSTRAP, "topics", "create", topic).code == 0
    values = [f"m-{i}" for i in range(100)]
    assert run_kctl("-b", BOOTSTRAP, "produce", topic, input="\n".join(values) + "\n").code == 0
    config = {
        "connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
        "source.cluster.alias": "a", "target.cluster.alias": "b",
        "source.cluster.bootstrap.servers": BOOTSTRAP, "target.cluster.bootstrap.servers": BOOTSTRAP,
        "topics": topic, "tasks.max": 1, "replication.factor": 1, "offset-syncs.topic.replication.factor": 1,
        "sync.topic.acls.enabled": False, "refresh.topics.interval.seconds": 5,
        "key.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
        "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
    }
    ok("create", name, "-f", write(tmp_path, "mm2.yaml", config))
    mirrored = f"a.{topic}"
    wait_until(lambda: run_kctl("-b", BOOTSTRAP, "topics", "describe", mirrored).code == 0, 90,
               "MirrorMaker 2 created the remote topic", interval=0.25)
    read = run_kctl("-b", BOOTSTRAP, "--timeout", 60, "consume", mirrored, "--from", "beginning", "-n", len(values))
    assert read.code == 0, read
    assert read.stdout.splitlines() == values
    info = ok("-o", "json", "describe", name).json
    assert info["type"] == "source" and info["tasks"][0]["state"] == "RUNNING", info
    ok("delete", name, "--yes")


def state(*args, **kwargs):
    """`kctl export/diff/plan/apply` with this worker as the Connect cluster."""
    return run_kctl("-b", BOOTSTRAP, "--timeout", 30, *args, "--connect-url", URL, **kwargs)


def running(name: str) -> bool:
    """The connector and its task run, by the worker's status store (GET .../status)."""
    from urllib.error import HTTPError
    from urllib.request import urlopen

    try:
        with urlopen(f"{URL}/connectors/{name}/status", timeout=10) as answer:
            status = json.load(answer)
    except HTTPError as exc:
        if exc.code == 404:  # created, its status not written yet
            return False
        raise
    return status["connector"]["state"] == "RUNNING" and [t["state"] for t in status["tasks"]] == ["RUNNING"]


def test_connectors_as_state_export_apply_diff_and_secrets_as_references(worker, tmp_path):
    """The worker is the module's: other tests' connectors are on it too, so the document keeps
    this test's two and diff leaves the others out (--ignore)."""
    from urllib.request import urlopen

    from kctl.services.state.connectors import HIDDEN, secret_reference

    topic, plain, secret = unique("cx-state"), unique("st-plain"), unique("st-secret")
    assert run_kctl("-b", BOOTSTRAP, "topics", "create", topic).code == 0
    (tmp_path / "in.txt").write_text("x\n")
    ok("create", plain, "-f", write(tmp_path, "p.yaml", source_config(tmp_path / "in.txt", topic)))
    ok("create", secret, "-f", write(tmp_path, "s.yaml", source_config(tmp_path / "in.txt", topic,
                                                                       **{"db.password": "s3cret-st"})))
    for name in (plain, secret):  # see below: configs are read once the worker has rebalanced
        wait_until(lambda n=name: running(n), 90, f"{name} running")
    others = [c["name"] for c in ok("-o", "json", "list").json if c["name"] not in (plain, secret)]
    ignore = [a for n in others for a in ("--ignore", f"connectors/{n}/*")]

    first = state("export", "--only", "connectors")
    assert first.code == 0 and state("export", "--only", "connectors").stdout == first.stdout, first
    assert "s3cret-st" not in first.stdout + first.stderr
    document = yaml.safe_load(first.stdout)
    mine = {c["name"]: c for c in document["connectors"] if c["name"] in (plain, secret)}
    reference = secret_reference(secret, "db.password")
    assert mine[secret]["config"]["db.password"] == reference and mine[plain]["config"]["topic"] == topic, mine
    document["connectors"] = [mine[plain], mine[secret]]
    path = tmp_path / "connectors.yaml"
    path.write_text(yaml.safe_dump(document))
    variable = {reference[6:-1]: "s3cret-st"}  # ${env:NAME} -> NAME

    # Deleted, then made again from the document: the secret from the environment, never printed.
    for name in (plain, secret):
        ok("delete", name, "--yes")
    unset = state("plan", "-f", path)
    assert unset.code == 2 and "not set" in unset.stderr and unset.stderr.count("kctl: error:") == 1, unset
    plan = state("-o", "json", "plan", "-f", path, env=variable)
    assert plan.code == 0 and plan.json["counts"] == {"create": 2}, plan
    applied = state("-o", "json", "apply", "-f", path, "--yes", env=variable)
    assert applied.code == 0 and {c["status"] for c in applied.json["changes"]} == {"applied"}, applied
    assert "s3cret-st" not in applied.stdout + applied.stderr
    # The worker rebalances after a create; reading a config during that rebalance can be a 500
    # (an uncaught exception in the worker), so the reads wait for the connectors to run.
    for name in (plain, secret):
        wait_until(lambda n=name: running(n), 90, f"{name} running")
    with urlopen(f"{URL}/connectors/{secret}/config", timeout=10) as answer:
        assert json.load(answer)["db.password"] == "s3cret-st"  # resolved on the way to the worker
    equal = state("diff", "-f", path, *ignore, env=variable)
    assert equal.code == 0, equal
    assert state("-o", "json", "plan", "-f", path, env=variable).json["empty"]  # a second apply: nothing

    # Drift by hand: a changed setting, and a secret other than the reference gives (shown hidden).
    other = unique("cx-state2")
    ok("update", plain, "-f", write(tmp_path, "p2.yaml", source_config(tmp_path / "in.txt", other)))
    wait_until(lambda: running(plain), 90, f"{plain} running")
    drift = state("-o", "json", "diff", "-f", path, *ignore, env={**variable, reference[6:-1]: "changed"})
    assert drift.code == 8, drift
    assert sorted((d["name"], d["field"], d["left"], d["right"]) for d in drift.json["differences"]) == sorted([
        (plain, "config.topic", topic, other), (secret, "config.db.password", reference, HIDDEN)]), drift.json
    assert "s3cret-st" not in drift.stdout + drift.stderr
    fixed = state("-o", "json", "apply", "-f", path, "--yes", env=variable)
    assert [(c["action"], c["name"]) for c in fixed.json["changes"]] == [("update", plain)], fixed.json
    wait_until(lambda: running(plain), 90, f"{plain} running")
    assert state("diff", "-f", path, *ignore, env=variable).code == 0

    # --prune connectors would delete what the document does not list: shown in the plan.
    stray = unique("st-stray")
    ok("create", stray, "-f", write(tmp_path, "x.yaml", source_config(tmp_path / "in.txt", topic)))
    wait_until(lambda: running(stray), 90, f"{stray} running")
    pruning = state("-o", "json", "plan", "-f", path, "--prune", "connectors", env=variable)
    assert pruning.code == 0, pruning
    assert {c["name"] for c in pruning.json["changes"] if c["action"] == "delete"} == {stray, *others}
    assert stray in [c["name"] for c in ok("-o", "json", "list").json]  # a plan changes nothing
    no_worker = run_kctl("-b", BOOTSTRAP, "--timeout", 5, "plan", "-f", path)
    assert no_worker.code == 3 and "no Connect cluster" in no_worker.stderr, no_worker
