"""kctl.client.AdminClient without a broker: argument checks that must fail before any request,
and per-client state."""

from __future__ import annotations

import time

import pytest

from kctl.client import AdminClient
from kctl.client.admin import check_names
from kctl.deadline import Deadline
from kctl.errors import UsageError

NOWHERE = {"bootstrap.servers": "127.0.0.1:1"}


@pytest.mark.parametrize("name, message", [
    ("bad-\udcff", "is not valid UTF-8"),
    ("", "must not be empty"),
])
def test_check_names_refuses_what_librdkafka_cannot_take(name, message):
    with pytest.raises(UsageError, match=f"group id {message}"):
        check_names(["ok", name], "group id")
    assert check_names(["a", "ü"], "group id") == ["a", "ü"]


@pytest.mark.parametrize("call", [
    lambda a: a.describe_groups(["g\udcff"]),
    lambda a: a.delete_groups(["g\udcff"]),
    lambda a: a.committed_offsets(["g\udcff"]),
    lambda a: a.describe_topics(["t\udcff"]),
    lambda a: a.create_topics(["t\udcff"]),
    lambda a: a.delete_topics(["t\udcff"]),
    lambda a: a.list_offsets([("t\udcff", 0)]),
    lambda a: a.describe_transactions(["x\udcff"]),
    lambda a: a.describe_log_dirs(["t\udcff"]),
    lambda a: a.delete_group_offsets("g\udcff", [("t", 0)]),
    lambda a: a.list_transactions(producer_ids=[2**63]),
    lambda a: a.abort_transaction("t", 0, 1, 2**15, 0),
    lambda a: a.create_topics(["t"], partitions=100_001),
    lambda a: a.add_partitions("t", 100_001),
])
def test_bad_arguments_fail_at_once_without_a_broker(call):
    started = time.monotonic()
    with AdminClient(NOWHERE, timeout=30) as admin:
        with pytest.raises(UsageError):
            call(admin)
    assert time.monotonic() - started < 10  # not the 30 s timeout: nothing was sent


def test_each_client_has_its_own_error_collector():
    with AdminClient(NOWHERE) as one, AdminClient(NOWHERE) as two:
        assert one.errors is not two.errors
        one.errors([object()])
        assert two.errors.events == []


def test_deadline_or_seconds_are_both_accepted():
    from kctl.errors import BrokerUnavailable

    with AdminClient(NOWHERE) as admin:
        for timeout in (0.5, Deadline.after(0.5)):
            with pytest.raises(BrokerUnavailable, match="cannot reach the cluster at 127.0.0.1:1"):
                admin.describe_cluster(timeout=timeout)

