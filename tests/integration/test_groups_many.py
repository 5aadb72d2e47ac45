"""`kctl groups list` of a cluster holding many groups, past a short --timeout: it ends with a
documented exit code, and a group whose lag was not read is marked, never shown as if it had none
(librdkafka once aborted the process here: its own timeout ending a request still waiting for the
coordinator, librdkafka#4605). A private broker: the groups would crowd the shared instances."""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_kctl
from tests.instances import bootstrap_of, instance_of, write_registry

INSTANCE = instance_of(__name__)  # of a registry of its own

GROUPS = 1000  # enough that the lag of all of them is not read in 0.5 s
TOPIC = "many-groups-lag"


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    root = tmp_path_factory.mktemp("many")
    local = ("--registry", str(write_registry(__name__, root)))
    env = {"KCTL_STATE_DIR": str(root / "state")}
    up = run_kctl(*local, "-o", "json", "local", "up", "-i", INSTANCE, "--heap", "384m", "--wait", "120", env=env)
    try:
        assert up.code == 0, up
        bootstrap = bootstrap_of(__name__)
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics([NewTopic(TOPIC, 1, 1)])[TOPIC].result(60)
        # An offset committed for an unknown group makes an Empty group: the cheapest way to many groups.
        futures = [f for i in range(GROUPS) for f in admin.alter_consumer_group_offsets(
            [ConsumerGroupTopicPartitions(f"many-{i:05d}", [TopicPartition(TOPIC, 0, 0)])],
            request_timeout=120).values()]
        for future in futures:
            future.result(120)
        yield bootstrap
    finally:
        run_kctl(*local, "local", "down", "-i", INSTANCE, env=env)


def _check(result) -> list[dict]:
    assert result.code in (0, 5, 6), result
    if result.code:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kctl: error: reading the lag failed"), result
    groups = json.loads(result.stdout)
    assert len(groups) == GROUPS
    for group in groups:  # every group has its lag, or says why not
        assert (group["total_lag"] == 0) != bool(group["lag_error"]), group
    assert (result.code == 0) == all(g["lag_error"] is None for g in groups), result
    return groups


@pytest.mark.parametrize("args", [(), ("--state", "empty"), ("--type", "classic")])
def test_a_short_timeout_ends_cleanly_and_marks_the_groups_not_read(many, args):
    _check(run_kctl("-b", many, "--timeout", "0.5", "-o", "json", "groups", "list", "many-.*", *args))


def test_with_time_every_lag_is_read(many):
    result = run_kctl("-b", many, "--timeout", "30", "-o", "json", "groups", "list", "many-.*")
    assert result.code == 0 and all(g["lag_error"] is None for g in _check(result))
    table = run_kctl("-b", many, "--timeout", "0.5", "groups", "list", "many-.*")
    assert table.code in (0, 5, 6), table
    rows = table.stdout.splitlines()[1:]
    assert len(rows) == GROUPS and all(row.split()[-2] in ("0", "?") for row in rows), table
