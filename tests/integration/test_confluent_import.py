"""The integration paths through both ways of loading confluent_kafka (kctl/kafka/lib.py): the light
package kctl builds itself (the default) and the plain `import confluent_kafka`
(KCTL_PLAIN_CONFLUENT_IMPORT=1). Each run is a fresh kctl process, since this test process imported
confluent_kafka plainly already (conftest's admin fixture)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import run_kctl_process

MODES = {"light": {}, "plain": {"KCTL_PLAIN_CONFLUENT_IMPORT": "1"}}


@pytest.mark.parametrize("mode", MODES)
def test_produce_consume_describe_groups_and_delete_in_both_modes(kafka, unique_name, mode):
    env = MODES[mode]
    b = ["-b", kafka["bootstrap"]]
    topic, group = unique_name("imp"), unique_name("imp-g")

    def kctl(*args, input=None):
        result = run_kctl_process(*b, *args, input=input, env=env)
        assert result.code == 0, result
        return result

    kctl("topics", "create", topic, "--partitions", "2")
    kctl("produce", topic, "-K", ":", "-H", "h=1", input="k1:v1\nk2:v2\nk3:v3\n")
    kctl("produce", topic, "--value", "v4")
    kctl("produce", topic, "-K", "\t", "--null-marker", "NULL", input="NULL\tv5\nk6\tNULL\n")
    out = kctl("-o", "json", "consume", topic, "--group", group, "--from", "beginning", "--until", "end")
    records = {(r["key"], r["value"]) for r in out.json_lines}
    assert records == {("k1", "v1"), ("k2", "v2"), ("k3", "v3"), (None, "v4"), (None, "v5"), ("k6", None)}
    headers = {r["key"]: r.get("headers") for r in out.json_lines if r["key"] in ("k1", "k2", "k3")}
    assert headers == {k: [{"key": "h", "value": "1"}] for k in ("k1", "k2", "k3")}
    detail = json.loads(kctl("-o", "json", "topics", "describe", topic).stdout)
    assert sum(p["messages"] for t in detail for p in t["partitions"]) == 6
    lag = json.loads(kctl("-o", "json", "groups", "describe", group).stdout)
    assert group in json.dumps(lag)
    kctl("groups", "delete", group, "--yes")
    kctl("topics", "delete", topic, "--yes")
    listed = json.loads(kctl("-o", "json", "topics", "list").stdout)
    assert topic not in json.dumps(listed)


@pytest.mark.parametrize("mode", MODES)
def test_a_config_error_and_an_unknown_topic_map_the_same_in_both_modes(kafka, unique_name, mode):
    env = MODES[mode]
    bad = run_kctl_process("-b", kafka["bootstrap"], "-X", "no.such.property=1", "topics", "list", env=env)
    assert bad.code == 3 and bad.stderr.startswith("kctl: error: invalid client configuration"), bad
    missing = run_kctl_process("-b", kafka["bootstrap"], "produce", unique_name("absent"), "--value", "x", env=env)
    assert missing.code == 4, missing


def test_a_program_using_kctl_client_keeps_the_real_confluent_kafka(kafka, new_topic):
    """The light load is the kctl command's business: a user's program that produces and consumes
    with kctl.client has the real package (its __init__ run) and no kctl finder on sys.meta_path."""
    topic = new_topic()
    code = (
        "import sys\n"
        "from kctl.client import ConsumerClient, ProducerClient, ProducerRecord\n"
        f"with ProducerClient(bootstrap={kafka['bootstrap']!r}) as p:\n"
        f"    p.send(ProducerRecord({topic!r}, value=b'v1')).get(10)\n"
        f"with ConsumerClient(bootstrap={kafka['bootstrap']!r}) as c:\n"
        f"    c.assign({{({topic!r}, 0): c.OFFSET_BEGINNING}})\n"
        "    records = c.poll(1, 10)\n"
        "import confluent_kafka\n"
        "finders = [type(f).__module__ for f in sys.meta_path if type(f).__module__.startswith('kctl')]\n"
        "print([r.value for r in records], finders, 'DeserializingConsumer' in vars(confluent_kafka),\n"
        "      getattr(confluent_kafka, '__kctl_light__', False))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "KCTL_PLAIN_CONFLUENT_IMPORT"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[b'v1'] [] True False"
