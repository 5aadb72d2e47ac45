"""kctl.kafka.clients.metadata: an answer that lists no broker (a KRaft broker fenced for a moment
after a stall or a restart) is asked again within the deadline, then returned as it is."""

import time
from types import SimpleNamespace

import pytest

from kctl.deadline import Deadline
from kctl.kafka.clients import metadata


class _Client:
    def __init__(self, empty: int):
        self.empty, self.calls = empty, 0

    def list_topics(self, topic=None, timeout=None):
        self.calls += 1
        return SimpleNamespace(brokers={} if self.calls <= self.empty else {1: "broker 1"}, topics={})


@pytest.mark.parametrize("empty", [0, 2])
def test_no_broker_listed_is_asked_again_until_one_is(empty):
    client = _Client(empty)
    assert metadata(client, {}, Deadline.after(5)).brokers == {1: "broker 1"}
    assert client.calls == empty + 1


def test_an_answer_without_brokers_is_returned_at_the_deadline():
    client = _Client(10**9)
    start = time.monotonic()
    assert metadata(client, {}, Deadline.after(0.6)).brokers == {}
    assert client.calls > 1 and time.monotonic() - start < 0.6 + 0.3
