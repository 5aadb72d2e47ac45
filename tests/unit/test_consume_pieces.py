"""Pieces of `kctl consume` without a broker: deferred signals, the stdout writer, odd inputs,
timestamps no datetime can hold, the bulk batch, kctl's SIGTERM handling in main, and the rule
that ends a consume whose cluster stopped answering."""

from __future__ import annotations

import errno
import os
import signal

import pytest

from kctl import outputs
from kctl.errors import Terminated, UsageError
from kctl.services.consume import parse_from, parse_matches, parse_until
from kctl.services.consume.options import ConsumeOptions
from kctl.services.consume.signals import DeferredInterrupts
from kctl.services.consume.writer import ChunkWriter, OutputClosed, OutputFailed
from tests.unit.messages import Msg


def test_deferred_interrupts_note_sigterm_and_raise_it_as_terminated():
    before = signal.getsignal(signal.SIGTERM)
    with DeferredInterrupts() as interrupts:
        assert not interrupts.pending
        os.kill(os.getpid(), signal.SIGTERM)
        assert interrupts.pending and interrupts.received == signal.SIGTERM
        with pytest.raises(Terminated):
            interrupts.raise_pending()
    assert signal.getsignal(signal.SIGTERM) == before


def test_deferred_interrupts_take_sigint_even_when_it_was_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with DeferredInterrupts() as interrupts:
            os.kill(os.getpid(), signal.SIGINT)
            with pytest.raises(KeyboardInterrupt) as raised:
                interrupts.raise_pending()
            assert not isinstance(raised.value, Terminated)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_main_installs_sigterm_as_terminated_and_restores():
    from kctl.__main__ import _restore_signal_handlers, install_signal_handlers

    received: list = []
    before = signal.getsignal(signal.SIGTERM)
    previous = install_signal_handlers(received)
    try:
        with pytest.raises(Terminated):
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs before the next statement
        assert received == [signal.SIGTERM]
    finally:
        _restore_signal_handlers(previous)
    assert signal.getsignal(signal.SIGTERM) == before


def test_writer_reports_a_full_or_closed_stdout_and_a_gone_reader():
    with open("/dev/full", "wb") as full:
        with pytest.raises(OutputFailed) as failed:
            ChunkWriter(full).write(b"x\n")
    assert failed.value.error.errno == errno.ENOSPC and failed.value.accepted == 0

    class Closed:
        def write(self, data):
            raise OSError(errno.EBADF, "Bad file descriptor")

        def flush(self):
            pass

    with pytest.raises(OutputFailed) as failed:
        ChunkWriter(Closed()).write(b"x\n")
    assert failed.value.error.errno == errno.EBADF

    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "wb") as stream:
        previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        try:
            with pytest.raises(OutputClosed):
                ChunkWriter(stream).write(b"x\n")
        finally:
            signal.signal(signal.SIGPIPE, previous)


@pytest.mark.parametrize("parse, text", [
    (parse_from, "\u00b2"), (parse_from, "-\u00b2"), (parse_from, "@\u00b2"), (parse_until, "\u00b2"),
    (parse_from, "99999999999999999999"), (parse_from, "@99999999999999999999999"),
    (parse_from, "@-99999999999999999999d"), (parse_until, "@+1h"), (parse_from, "x\udcff"),
])
def test_odd_positions_are_usage_errors(parse, text):
    with pytest.raises(UsageError):
        parse(text)


def test_arguments_that_are_not_utf8_are_usage_errors():
    with pytest.raises(UsageError, match="not valid UTF-8"):
        parse_matches(["value=\udcff"])
    with pytest.raises(UsageError, match="not valid UTF-8"):
        ConsumeOptions(topics=("t\udcff",)).validated()
    with pytest.raises(UsageError, match="not valid UTF-8"):
        outputs.make_output("table", "%v\udcff", None, None, False)


@pytest.mark.parametrize("name", ["json", "yaml", "table", " JSON "])
def test_format_given_an_output_name_suggests_o_json(name):
    with pytest.raises(UsageError) as raised:
        outputs.make_output("table", name, None, None, False)
    assert raised.value.hint == "did you mean -o json?"


def test_timestamps_after_year_9999_render_as_epoch_ms():
    import json

    far = 253402300800000
    assert outputs.make_output("table", "%d|%T", None, None, False).render(Msg(timestamp=(1, far))) == \
        f"{far}|{far}\n".encode()
    record = json.loads(outputs.make_output("json", None, None, None, False).render(Msg(timestamp=(1, 2**63 - 1))))
    assert (record["timestamp"], record["timestamp_ms"]) == (str(2**63 - 1), 2**63 - 1)
    assert outputs.make_output("table", "%d", None, None, False).render(Msg(timestamp=(1, far - 1))) == \
        b"9999-12-31T23:59:59.999Z\n"


class _FakeMessage:
    def __init__(self, topic, partition, offset, value, error=None):
        self._t, self._p, self._o, self._v, self._e = topic, partition, offset, value, error

    def topic(self):
        return self._t

    def partition(self):
        return self._p

    def offset(self):
        return self._o

    def value(self):
        return self._v

    def error(self):
        return self._e


def test_batch_values_and_next_offsets():
    from kctl.kafka.consumer import Batch

    batch = Batch([_FakeMessage("t", 0, 5, b"a"), _FakeMessage("t", 1, 9, None), _FakeMessage("t", 0, 6, b"c")])
    assert len(batch) == 3
    assert batch.values() == [b"a", None, b"c"]
    assert batch.next_offsets() == {("t", 0): 7, ("t", 1): 10}
    assert batch.next_offsets(1) == {("t", 0): 6}
    assert Batch([_FakeMessage("t", 0, 5, b"a"), _FakeMessage("t", 0, 6, None, error=object())]).values() is None


def test_client_errors_keep_the_last_events_only():
    from kctl.kafka.clients import ClientErrors

    class Event:
        def __init__(self, name):
            self._name = name

        def name(self):
            return self._name

        def str(self):
            return "Authentication failed" if self._name == "_AUTHENTICATION" else "Connection refused"

    errors = ClientErrors()
    for _ in range(10 * ClientErrors.KEEP):
        errors(Event("_TRANSPORT"))
    assert len(errors.events) <= 2 * ClientErrors.KEEP
    assert errors.auth_failure() is None
    errors(Event("_AUTHENTICATION"))
    assert errors.auth_failure() is not None and errors.auth_failure().exit_code == 9


class _FakeClient:
    """What Commits calls on a ConsumerClient, recorded."""

    def __init__(self):
        self.calls: list = []

    def store_offsets(self, offsets):
        self.calls.append(("store", dict(offsets)))

    def commit(self, offsets=None, asynchronous=False, timeout=None):
        self.calls.append(("commit", None if offsets is None else dict(offsets), asynchronous))


@pytest.mark.parametrize("mode, expected", [
    ("after-write", [("store", {("t", 0): 5})]),
    ("sync", [("commit", {("t", 0): 5}, False)]),
    ("async", [("commit", {("t", 0): 5}, True)]),
    ("auto", []),
    ("none", []),
])
def test_commits_after_writing_by_mode(mode, expected):
    from kctl.services.consume.commits import Commits

    client = _FakeClient()
    Commits(client, mode).written({("t", 0): 5})
    assert client.calls == expected


def test_final_commit_only_when_something_was_written_and_revoke_forgets_the_partition():
    from kctl.models.records import TopicPartitionOffset
    from kctl.deadline import Deadline
    from kctl.services.consume.commits import Commits

    client = _FakeClient()
    commits = Commits(client, "sync")
    commits.final(Deadline.after(1))
    assert client.calls == []  # nothing written: nothing to wait for at exit
    commits.written({("t", 0): 5, ("t", 1): 7})
    commits.on_revoke([TopicPartitionOffset("t", 0, -1001)])
    assert client.calls[-1] == ("commit", {("t", 0): 5, ("t", 1): 7}, False)
    commits.final(Deadline.after(1))
    assert client.calls[-1] == ("commit", {("t", 1): 7}, False)
    auto = _FakeClient()
    Commits(auto, "auto").final(Deadline.after(1))
    assert auto.calls == [("commit", None, False)]  # librdkafka stored what it handed out


class _Cluster:
    """ConsumerClient.topics as a cluster that answers or not, on a clock the test moves."""

    def __init__(self):
        self.answers = True
        self.now = 1000.0

    def topics(self, timeout, topic=None):
        if not self.answers:
            self.now += timeout
            from kctl.errors import BrokerUnavailable

            raise BrokerUnavailable("cannot reach the cluster")
        return {"t": [0]}


def _watch(monkeypatch, timeout=3.0):
    from kctl.services.consume import partitions

    cluster = _Cluster()
    monkeypatch.setattr(partitions.time, "monotonic", lambda: cluster.now)
    return cluster, partitions.TopicWatch(cluster, ["t"], timeout, "127.0.0.1:9606")


def _run(cluster, watch, seconds, step=0.1, records=False):
    end = cluster.now + seconds
    while cluster.now < end:
        if records:
            watch.progress()
        watch.check()
        cluster.now += step


def test_a_cluster_that_stops_answering_ends_the_consume_after_timeout(monkeypatch):
    from kctl.errors import ExitCode
    from kctl.services.consume.partitions import ClusterSilent

    cluster, watch = _watch(monkeypatch)
    _run(cluster, watch, 60)  # idle on a cluster that answers: waits on (tail mode)
    cluster.answers = False
    stopped = cluster.now
    with pytest.raises(ClusterSilent) as caught:
        _run(cluster, watch, 60)
    assert cluster.now - watch.heard_at >= 3.0  # no word from the cluster for --timeout
    assert cluster.now - stopped <= 3.0 + 1.0  # and not much later than that
    assert caught.value.exit_code == ExitCode.UNAVAILABLE and "127.0.0.1:9606" in caught.value.message


def test_records_or_an_answer_reset_the_silence(monkeypatch):
    cluster, watch = _watch(monkeypatch)
    cluster.answers = False
    _run(cluster, watch, 60, records=True)  # look-ups time out but records flow: the cluster is there
    cluster.answers = True
    _run(cluster, watch, 2.5)  # a look-up answered
    cluster.answers = False
    _run(cluster, watch, 2.4)  # silent for less than --timeout since that answer: still waiting


def test_one_slow_answer_is_not_an_outage(monkeypatch):
    cluster, watch = _watch(monkeypatch, timeout=0.5)
    cluster.answers = False
    cluster.now += 5
    watch.next_at = 0
    watch.check()  # unanswered once, silent for 5 s: not yet (two in a row are needed)
    cluster.answers = True
    _run(cluster, watch, 30)


def test_without_a_timeout_the_consume_waits_for_good(monkeypatch):
    from kctl.services.consume.partitions import TopicWatch

    cluster, _ = _watch(monkeypatch)
    watch = TopicWatch(cluster, ["t"])
    cluster.answers = False
    _run(cluster, watch, 120)
