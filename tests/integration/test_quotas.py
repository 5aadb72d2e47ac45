"""`kctl quotas` against the real broker: set, describe, list, resolve by Kafka's precedence, delete,
and the safety model of every change."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def user(k):
    name = f"quota-user-{uuid.uuid4().hex[:8]}"
    yield name
    for entity in (("--user", name), ("--user", name, "--client-id", "app"), ("--user", name, "--default-client-id")):
        k("quotas", "delete", *entity, "--yes")


def test_set_describe_list_delete_round_trip(k, user):
    plan = k("-o", "json", "quotas", "set", "--user", user, "--set", "producer_byte_rate=1048576,consumer_byte_rate=2097152",
             "--dry-run")
    assert plan.code == 0 and {i["detail"] for i in plan.json["items"]} == {"would set 1.04858e+06 (was not set)",
                                                                           "would set 2.09715e+06 (was not set)"}, plan
    assert k("-o", "json", "quotas", "describe", "--user", user).json["values"] == {}  # the dry run changed nothing
    done = k("quotas", "set", "--user", user, "--set", "producer_byte_rate=1048576", "--set", "consumer_byte_rate=2097152",
             "--yes")
    assert done.code == 0, done
    # describe right after reads what was written (the broker applies it when it replays the metadata log)
    described = k("-o", "json", "quotas", "describe", "--user", user)
    assert described.json == {"entity": {"user": user},
                              "values": {"consumer_byte_rate": 2097152.0, "producer_byte_rate": 1048576.0}}, described
    listed = k("-o", "json", "quotas", "list", "--user", user)
    assert [e["entity"] for e in listed.json] == [{"user": user}], listed
    again = k("-o", "json", "quotas", "set", "--user", user, "--set", "producer_byte_rate=1048576", "--yes")
    assert again.json["items"][0]["detail"] == "already 1.04858e+06", again
    removed = k("-o", "json", "quotas", "delete", "--user", user, "--key", "producer_byte_rate", "--yes")
    assert removed.code == 0, removed
    assert k("-o", "json", "quotas", "describe", "--user", user).json["values"] == {"consumer_byte_rate": 2097152.0}


def test_resolve_follows_kafkas_precedence(k, user):
    assert k("quotas", "set", "--user", user, "--set", "producer_byte_rate=100", "--yes").code == 0
    assert k("quotas", "set", "--user", user, "--default-client-id", "--set", "producer_byte_rate=200,request_percentage=20",
             "--yes").code == 0
    assert k("quotas", "set", "--user", user, "--client-id", "app", "--set", "consumer_byte_rate=300", "--yes").code == 0
    resolved = k("-o", "json", "quotas", "resolve", "--user", user, "--client-id", "app")
    applied = {a["key"]: (a["value"], a["entity"]) for a in resolved.json["applied"]}
    # user+client beats user+default client beats user, per kind of quota
    assert applied["consumer_byte_rate"] == (300.0, {"user": user, "client-id": "app"})
    assert applied["producer_byte_rate"] == (200.0, {"user": user, "client-id": None})
    assert applied["request_percentage"] == (20.0, {"user": user, "client-id": None})
    assert applied["controller_mutation_rate"] == (None, None)
    other = k("-o", "json", "quotas", "resolve", "--user", f"{user}-nobody", "--client-id", "app")
    assert all(a["entity"] is None or a["entity"].get("user") is None for a in other.json["applied"]), other


def test_a_change_without_yes_from_a_script_is_refused_and_changes_nothing(k, user):
    refused = k("quotas", "set", "--user", user, "--set", "producer_byte_rate=10")
    assert refused.code == 2 and "refusing without --yes" in refused.stderr, refused
    assert refused.stderr.count("kctl: error:") == 1
    assert k("-o", "json", "quotas", "describe", "--user", user).json["values"] == {}
