"""`kctl cluster client-metrics` (KIP-714 subscriptions) against the shared instance 0 (Kafka
4.1.1): a round trip (set, list, describe, change, delete), the safety model of set and delete,
and the bad inputs (each refused before anything changed)."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def sub(k):
    """A unique subscription name; deleted at teardown whatever happened."""
    name = f"kctl-test-{uuid.uuid4().hex[:10]}"
    yield name
    k("cluster", "client-metrics", "delete", name, "--yes")


def _listed(k) -> dict:
    result = k("cluster", "client-metrics", "list", "-o", "json")
    assert result.code == 0, result
    return {s["name"]: s for s in result.json}


def _error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("kctl: error: "), result
    return lines[-1]


def test_a_subscription_round_trips(k, sub):
    made = k("cluster", "client-metrics", "set", sub, "--metrics", "org.apache.kafka.producer.",
             "--metrics", "org.apache.kafka.consumer.fetch.manager.", "--interval", "1m",
             "--match", "client_id=billing-.*", "--match", "client_software_name=apache-kafka-java", "--yes",
             "-o", "json")
    assert made.code == 0 and made.json["operation"] == f"create client metrics {sub}", made
    expected = {"name": sub, "metrics": ["org.apache.kafka.producer.", "org.apache.kafka.consumer.fetch.manager."],
                "interval_ms": 60000, "match": ["client_id=billing-.*", "client_software_name=apache-kafka-java"]}
    assert _listed(k)[sub] == expected
    described = k("cluster", "client-metrics", "describe", sub, "-o", "json")
    assert described.code == 0 and described.json == [expected], described

    changed = k("cluster", "client-metrics", "set", sub, "--interval", "30s", "--yes", "-o", "json")
    assert changed.code == 0 and changed.json["operation"] == f"change client metrics {sub}", changed
    assert "60000 -> 30000" in changed.json["items"][0]["detail"]
    assert _listed(k)[sub] == {**expected, "interval_ms": 30000}  # the other configs stay

    table = k("cluster", "client-metrics", "list")
    assert sub in table.stdout and "30000 ms" in table.stdout, table

    deleted = k("cluster", "client-metrics", "delete", sub, "--yes", "-o", "json")
    assert deleted.code == 0 and deleted.json["items"][0]["ok"], deleted
    assert sub not in _listed(k)
    gone = k("cluster", "client-metrics", "describe", sub)
    assert gone.code == 4 and "does not exist" in _error_line(gone)
    again = k("cluster", "client-metrics", "delete", sub, "--yes")
    assert again.code == 4, again


def test_set_and_delete_change_nothing_without_yes(k, sub):
    dry = k("cluster", "client-metrics", "set", sub, "--metrics", "*", "--dry-run", "-o", "json")
    assert dry.code == 0 and dry.json["dry_run"] is True, dry
    assert "(unset) -> *" in dry.json["items"][0]["detail"]
    refused = k("cluster", "client-metrics", "set", sub, "--metrics", "*")  # stdin is not a terminal
    assert refused.code == 2 and "refusing without --yes" in _error_line(refused), refused
    assert sub not in _listed(k)

    assert k("cluster", "client-metrics", "set", sub, "--metrics", "*", "--yes").code == 0
    kept = k("cluster", "client-metrics", "delete", sub)
    assert kept.code == 2 and "refusing without --yes" in _error_line(kept), kept
    plan = k("cluster", "client-metrics", "delete", sub, "--dry-run", "-o", "json")
    assert plan.code == 0 and plan.json["dry_run"] and "metrics=*" in plan.json["items"][0]["detail"], plan
    assert sub in _listed(k)


BAD = [
    (("set", "{sub}"), 2, "give --metrics, --interval and/or --match"),
    (("set", "{sub}", "--interval", "5ms"), 2, "out of range"),
    (("set", "{sub}", "--interval", "2h"), 2, "out of range"),
    (("set", "{sub}", "--interval", "soon"), 2, "--interval"),
    (("set", "{sub}", "--match", "bogus=x"), 2, "KEY=REGEX with KEY one of client_id"),
    (("set", "{sub}", "--match", "client_id"), 2, "KEY=REGEX"),
    (("set", "{sub}", "--match", "client_id=("), 2, "invalid regular expression"),
    (("set", "{sub}", "--metrics", "a b"), 2, "metric name prefixes"),
    (("set", "{sub}", "--metrics", "a,,b"), 2, "metric name prefixes"),
    (("set", "bad name!", "--metrics", "*"), 2, "subscription name"),
    (("set", "x" * 300, "--metrics", "*"), 2, "subscription name"),
    (("describe", "{sub}"), 4, "does not exist"),
    (("delete", "{sub}", "--yes"), 4, "does not exist"),
    (("describe", ""), 2, "subscription name"),
]


@pytest.mark.parametrize("args,code,message", BAD, ids=[" ".join(a)[:40] for a, _, _ in BAD])
def test_bad_inputs_change_nothing(k, sub, args, code, message):
    before = _listed(k)
    result = k("cluster", "client-metrics", *[a.format(sub=sub) for a in args])
    assert result.code == code, result
    assert message in _error_line(result)
    assert result.stderr.count("\n") == 1, result.stderr
    assert _listed(k) == before
