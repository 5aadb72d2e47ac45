"""A Ctrl-C (or SIGTERM) that lands inside a librdkafka callback during a blocking call is an
interrupt, never "SystemError: <method 'flush' of 'cimpl.Producer' objects> returned NULL without
setting an exception" (exit 1; seen in tests/integration/test_faults.py under load).

Deterministic: no broker (127.0.0.1:1 refuses), a message that times out at once, and the signal
sent from inside the delivery report (or error_cb) that flush()/consume() serves. confluent-kafka
2.16.1 on Python 3.11 loses an exception that has no value, which is how Python's own SIGINT
handler raises KeyboardInterrupt.
"""

from __future__ import annotations

import os
import signal

import pytest

from kctl.__main__ import _restore_signal_handlers, install_signal_handlers
from kctl.errors import Terminated
from kctl.kafka.consumer import KafkaConsumer
from kctl.kafka.producer import LibProducer

NO_BROKER = {"bootstrap.servers": "127.0.0.1:1", "log_level": 0}


def _signal_self(signum):
    def callback(*_args):
        os.kill(os.getpid(), signum)
        for _ in range(1000):  # the handler runs on the next bytecode check, inside this callback
            pass

    return callback


@pytest.fixture(params=["kctl's handlers", "Python's default handler"])
def handlers(request):
    """kctl's own handlers (what the CLI runs with) or Python's (a program using kctl.client)."""
    if request.param == "kctl's handlers":
        received: list = []
        previous = install_signal_handlers(received)
        yield received
        _restore_signal_handlers(previous)
    else:
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        yield None
        signal.signal(signal.SIGINT, previous)


def _failing_producer(signum) -> LibProducer:
    producer = LibProducer({**NO_BROKER, "message.timeout.ms": 200}, on_failure=_signal_self(signum))
    producer.produce("t", b"x")
    return producer


def test_ctrl_c_inside_a_delivery_report_during_flush_is_keyboard_interrupt(handlers):
    producer = _failing_producer(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt) as caught:
        producer.flush(10)
    assert not isinstance(caught.value, Terminated)


def test_ctrl_c_inside_a_delivery_report_during_poll_is_keyboard_interrupt(handlers):
    producer = _failing_producer(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        for _ in range(100):  # the report comes after message.timeout.ms
            producer.poll(0.1)


def test_sigterm_inside_a_delivery_report_during_flush_is_terminated():
    received: list = []
    previous = install_signal_handlers(received)
    try:
        producer = _failing_producer(signal.SIGTERM)
        with pytest.raises(Terminated):
            producer.flush(10)
    finally:
        _restore_signal_handlers(previous)
    assert received == [signal.SIGTERM]


def test_ctrl_c_inside_error_cb_during_consume_is_keyboard_interrupt(handlers):
    consumer = KafkaConsumer({**NO_BROKER, "group.id": "kctl-unit-interrupts", "error_cb": _signal_self(signal.SIGINT)})
    try:
        consumer.subscribe(["t"], listener=_Listener())
        with pytest.raises(KeyboardInterrupt):
            for _ in range(100):  # error_cb runs once librdkafka gives up on the connection
                consumer.poll_batch(1, 0.1)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the close may serve error_cb once more
        try:
            consumer.close()
        except KeyboardInterrupt:
            pass


class _Listener:
    def on_assign(self, consumer, partitions):
        consumer.assign(partitions)

    def on_revoke(self, consumer, partitions):
        pass

    def on_lost(self, consumer, partitions):
        pass


class _SignalsWhenFreed:
    def __init__(self, signum):
        self.signum = signum

    def __del__(self):
        os.kill(os.getpid(), self.signum)
        for _ in range(1000):  # the handler runs here, where an exception is printed and dropped
            pass


@pytest.mark.parametrize("signum, raised", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)])
def test_a_signal_landing_where_exceptions_are_dropped_is_delivered_again(signum, raised, capsys):
    """A __del__ (or importlib's module-lock weakref callback, seen with SIGTERM during an import in
    bench/faults: `kctl produce` then read its pipe for good): the exception would be "ignored"."""
    import time

    received: list = []
    previous = install_signal_handlers(received)
    try:
        with pytest.raises(raised):
            _SignalsWhenFreed(signum)  # freed at once
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        _restore_signal_handlers(previous)
    assert "Exception ignored" not in capsys.readouterr().err


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt(), Terminated()])
def test_an_interrupt_inside_an_admin_call_is_that_interrupt(interrupt):
    """AdminClient.create_topics ran Python code (its futures) when the handler raised, went on, and
    CPython reported "returned a result with an exception set" (bench/faults, SIGINT/SIGTERM to e2e)."""
    from kctl.kafka.clients import InterruptSafe

    class Library:
        answer = 42

        def create_topics(self, topics):
            try:
                raise interrupt
            except KeyboardInterrupt as exc:
                raise SystemError("<built-in method create_topics> returned a result with an exception set") from exc

    client = InterruptSafe(Library())
    client.kctl_errors = "mine"
    assert (client.answer, client.kctl_errors) == (42, "mine")
    with pytest.raises(type(interrupt)):
        client.create_topics(["t"])


def test_other_system_errors_stay_what_they_are():
    from kctl.kafka.clients import lost_interrupt

    error = SystemError("something else")
    assert lost_interrupt(error) is error
