"""The pure parts of kctl.client.producer: futures, timestamps, headers, option checks."""

from __future__ import annotations

import pytest

from kctl.client.producer import ProducerClient, SendFuture, _headers, check_timestamp
from kctl.client.records import RecordMetadata
from kctl.errors import BrokerUnavailable, InvalidRequest, UsageError


def test_future_completes_from_poll_and_runs_callbacks_once():
    polls = []
    future = SendFuture(polls.append)
    seen = []
    future.add_done_callback(lambda f: seen.append(f.done()))
    metadata = RecordMetadata("t", 1, 5, 1000)
    poll = lambda timeout: (polls.append(timeout), future._complete(None, metadata))  # noqa: E731
    future._poll = poll
    assert not future.done()
    assert future.get(timeout=5) == metadata and future.done()
    assert seen == [True] and polls  # served by polling, not by sleeping
    late = []
    future.add_done_callback(late.append)
    assert late == [future]


def test_future_raises_the_delivery_error_or_a_timeout():
    failed = SendFuture(lambda timeout: None)
    failed._complete(InvalidRequest("Broker: Message size too large"), RecordMetadata("t", 0, -1))
    with pytest.raises(InvalidRequest, match="too large"):
        failed.get(timeout=0)
    assert isinstance(failed.exception(0), InvalidRequest)
    pending = SendFuture(lambda timeout: None)
    with pytest.raises(BrokerUnavailable, match="no delivery report"):
        pending.get(timeout=0.05)


@pytest.mark.parametrize("timestamp", [0, -1, 2**63, "1", True, 1.5])
def test_timestamps_librdkafka_cannot_send_are_refused(timestamp):
    with pytest.raises(UsageError, match="timestamp_ms"):
        check_timestamp(timestamp)


def test_headers_as_dict_or_pairs():
    assert _headers({"a": "1", "b": None}) == [("a", b"1"), ("b", None)]
    assert _headers([("a", b"\x00"), ("a", "x")]) == [("a", b"\x00"), ("a", b"x")]
    assert _headers(()) is None


def test_unknown_options_and_serializers_are_usage_errors():
    with pytest.raises(UsageError, match="unknown producer option 'lingerms'"):
        ProducerClient({"bootstrap.servers": "127.0.0.1:1"}, lingerms=5)
    with pytest.raises(UsageError, match="unknown serializer"):
        ProducerClient({"bootstrap.servers": "127.0.0.1:1"}, value_serializer="avro")
    with pytest.raises(UsageError, match="unknown partitioner"):
        ProducerClient({"bootstrap.servers": "127.0.0.1:1"}, partitioner="nope")
