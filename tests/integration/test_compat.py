"""The compatibility suite (marker `compat`): the core of every command group against the oldest and
the newest Apache Kafka kctl supports, each a broker of its own started with
`kctl local up --kafka-version V`, as a user would.

Those brokers run on a registry of their own (tests/instances.py) and a state folder of their
own: every instance of the packaged registry belongs to another test module.
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.helpers import run_kctl
from tests.instances import private, write_registry

# The oldest supported release (the last 3.x line) and the newest Maven Central serves here whole.
OLDEST = "3.9.2"
NEWEST = "4.3.1"

pytestmark = pytest.mark.compat


@pytest.fixture(scope="module", params=[OLDEST, NEWEST], ids=lambda v: f"kafka-{v}")
def cluster(request, tmp_path_factory):
    version = request.param
    root = tmp_path_factory.mktemp(f"compat-{version}")
    instance = dict(zip((OLDEST, NEWEST), private(__name__).instances))[version]
    env = {"KCTL_STATE_DIR": str(root / "state")}
    local = ("--registry", str(write_registry(__name__, root)))
    up = run_kctl(*local, "-o", "json", "local", "up", "-i", instance, "--kafka-version", version, "--heap", "384m",
                  "--wait", "120", env=env)
    assert up.code == 0, up
    try:
        assert up.json["kafka_version"] == version
        status = run_kctl(*local, "-o", "json", "local", "status", "-i", instance, env=env)
        assert status.json[0]["kafka_version"] == version, status
        yield {"version": version, "bootstrap": up.json["bootstrap"], "local": local, "instance": instance, "env": env}
    finally:
        run_kctl(*local, "local", "down", "-i", instance, env=env)


def kctl(cluster, *args, **kwargs):
    return run_kctl("-b", cluster["bootstrap"], "--timeout", 20, *args, **kwargs)


def ok(cluster, *args, **kwargs):
    result = kctl(cluster, *args, **kwargs)
    assert result.code == 0, (cluster["version"], args, result)
    return result


def name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_an_instance_keeps_its_version(cluster):
    other = OLDEST if cluster["version"] == NEWEST else NEWEST
    result = run_kctl(*cluster["local"], "local", "up", "-i", cluster["instance"], "--kafka-version", other,
                      env=cluster["env"])
    assert result.code == 3 and f"created with Kafka {cluster['version']}" in result.stderr, result


def test_topics_and_configs(cluster):
    topic = name("compat-topics")
    ok(cluster, "topics", "create", topic, "-p", 3, "-c", "retention.ms=3600000")
    described = ok(cluster, "topics", "describe", topic, "-o", "json").json
    assert len(described[0]["partitions"]) == 3, described
    ok(cluster, "topics", "alter-config", topic, "-c", "retention.ms=7200000")
    configs = ok(cluster, "configs", "describe", "topic", topic, "-o", "json").json
    assert "7200000" in json.dumps(configs), configs
    ok(cluster, "configs", "alter", "topic", topic, "-c", "max.message.bytes=2000000")
    ok(cluster, "configs", "describe", "broker", "1", "-o", "json")
    ok(cluster, "topics", "add-partitions", topic, "--to", 4)
    ok(cluster, "produce", topic, "-p", 0, input="a\nb\nc\n")
    ok(cluster, "topics", "delete-records", topic, "--before", "0:2", "--yes")
    after = ok(cluster, "consume", topic, "-p", "0", "--from", "earliest", "--until", "end")
    assert after.stdout == "c\n", after
    ok(cluster, "topics", "delete", topic, "--yes")


def test_produce_and_consume_keys_headers_compression(cluster):
    topic = name("compat-records")
    ok(cluster, "topics", "create", topic, "-p", 2)
    lines = "".join(f"k{i}\tv{i}\n" for i in range(200))
    for codec in ("gzip", "lz4", "zstd", "snappy"):
        ok(cluster, "produce", topic, "-K", "\\t", "-H", f"codec={codec}", "--compression", codec, input=lines)
    records = ok(cluster, "-o", "json", "consume", topic, "--from", "earliest", "--until", "end").stdout.splitlines()
    assert len(records) == 800
    first = json.loads(records[0])
    assert first["key"].startswith("k") and first["headers"], first


def test_groups_lag_and_reset(cluster):
    topic, group = name("compat-groups"), name("compat-group")
    ok(cluster, "topics", "create", topic, "-p", 2)
    ok(cluster, "produce", topic, input="".join(f"{i}\n" for i in range(100)))
    ok(cluster, "consume", topic, "--group", group, "-n", 100)
    described = ok(cluster, "groups", "describe", group, "-o", "json").json
    assert described, described
    lag = ok(cluster, "groups", "lag", group, "-o", "json")
    assert "0" in lag.stdout, lag
    ok(cluster, "groups", "reset-offsets", group, topic, "--to-earliest", "--yes")
    again = ok(cluster, "consume", topic, "--group", group, "-n", 100)
    assert len(again.stdout.splitlines()) == 100


def test_transactions_admin(cluster):
    topic = name("compat-txn")
    ok(cluster, "topics", "create", topic)
    txn_id = name("compat-tx")
    ok(cluster, "produce", topic, "--transactional-id", txn_id, input="x\ny\n")
    listed = ok(cluster, "txn", "list", "-o", "json").json
    assert txn_id in json.dumps(listed), listed
    ok(cluster, "txn", "describe", txn_id, "-o", "json")
    ok(cluster, "txn", "find-hanging", "-o", "json")


def test_copy_dump_and_restore(cluster, tmp_path):
    source, copied, restored = name("compat-src"), name("compat-copy"), name("compat-restored")
    ok(cluster, "topics", "create", source, "-p", 2)
    ok(cluster, "produce", source, "-K", ":", input="".join(f"k{i}:v{i}\n" for i in range(50)))
    ok(cluster, "copy", source, copied, "--create")
    assert len(ok(cluster, "consume", copied, "--from", "earliest", "--until", "end").stdout.splitlines()) == 50
    ok(cluster, "topics", "dump", source, "-d", tmp_path / "backup")
    ok(cluster, "topics", "restore", tmp_path / "backup", "--to", restored)
    assert len(ok(cluster, "consume", restored, "--from", "earliest", "--until", "end").stdout.splitlines()) == 50


def test_health_doctor_and_e2e(cluster):
    ok(cluster, "cluster", "health", "--expect-brokers", 1, "-o", "json")
    doctor = kctl(cluster, "doctor", "--expect-brokers", 1, "-o", "json")
    assert doctor.code in (0, 8), doctor  # a warning (exit 8) is a verdict about the cluster, not a failure
    assert {c["check"] for c in doctor.json["checks"]} >= {"reachability", "brokers"}, doctor.json
    report = ok(cluster, "-o", "json", "e2e", "run", "--transactional").json
    assert all(step["status"] in ("passed", "skipped") for step in report["steps"]), report
