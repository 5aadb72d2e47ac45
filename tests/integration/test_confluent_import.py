"""The integration paths through both ways of loading confluent_kafka (kctl/kafka/lib.py): the light
package kctl builds itself (the default) and the plain `import confluent_kafka`
(KCTL_PLAIN_CONFLUENT_IMPORT=1). Each run is a fresh kctl process, since this test process imported
confluent_kafka plainly already (conftest's admin fixture)."""

from __future__ import annotations

import json

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
