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


def _name_that_signals(signum) -> str:
    """A property name whose conversion to a string sends `signum`: the client constructor turns
    each name into a string (PyObject_Str, which also runs pending handlers) and replaces any
    exception raised there with "TypeError: expected configuration property name as type unicode
    string" (seen as exit 3 from a SIGINT'd `kctl e2e run` under load)."""

    class Name(str):
        def __str__(self):
            os.kill(os.getpid(), signum)
            for _ in range(1000):  # the handler runs here, inside the constructor
                pass
            return "client.id"

    return Name("client.id")


def _make(kind: str, conf: dict):
    from kctl.kafka.clients import ClientErrors, new_admin

    if kind == "producer":
        return LibProducer(conf)
    if kind == "consumer":
        return KafkaConsumer({**conf, "group.id": "kctl-unit-interrupts"})
    return new_admin(conf, ClientErrors())


@pytest.mark.parametrize("kind", ["producer", "consumer", "admin"])
def test_ctrl_c_while_a_client_is_made_is_keyboard_interrupt(handlers, kind):
    with pytest.raises(KeyboardInterrupt) as caught:
        _make(kind, {**NO_BROKER, _name_that_signals(signal.SIGINT): "x"})
    assert not isinstance(caught.value, Terminated)


@pytest.mark.parametrize("kind", ["producer", "consumer", "admin"])
def test_sigterm_while_a_client_is_made_is_terminated(kind):
    previous = install_signal_handlers([])
    try:
        with pytest.raises(Terminated):
            _make(kind, {**NO_BROKER, _name_that_signals(signal.SIGTERM): "x"})
    finally:
        _restore_signal_handlers(previous)


@pytest.mark.parametrize("kind", ["producer", "consumer", "admin"])
def test_a_refused_property_is_still_a_configuration_error(handlers, kind):
    from kctl.errors import ConfigError

    with pytest.raises(ConfigError, match="no.such.property"):
        _make(kind, {**NO_BROKER, "no.such.property": "x"})


def _header_keys_that_signal(producer: LibProducer, signum) -> None:
    producer.produce_values("t", [b"x"], headers=[(_name_that_signals(signum), b"v")])


def _one_record_with_that_header(producer: LibProducer, signum) -> None:
    producer.produce("t", b"x", headers=[(_name_that_signals(signum), b"v")])


@pytest.mark.parametrize("signum, raised", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)])
@pytest.mark.parametrize("call", [_header_keys_that_signal, _one_record_with_that_header])
def test_a_signal_while_header_keys_become_strings_is_that_interrupt(call, signum, raised):
    previous = install_signal_handlers([])
    try:
        producer = LibProducer(NO_BROKER)
        with pytest.raises(raised):
            call(producer, signum)
        producer.purge()
    finally:
        _restore_signal_handlers(previous)


def test_a_signal_while_topic_names_become_strings_is_that_interrupt():
    previous = install_signal_handlers([])
    consumer = KafkaConsumer({**NO_BROKER, "group.id": "kctl-unit-interrupts"})
    try:
        with pytest.raises(KeyboardInterrupt):
            consumer.subscribe([_name_that_signals(signal.SIGINT)], listener=_Listener())
    finally:
        _restore_signal_handlers(previous)
        consumer.close()


def test_a_signal_inside_an_admin_call_that_became_a_value_error_is_that_interrupt():
    from kctl.kafka.clients import ClientErrors, new_admin
    from kctl.kafka.lib import confluent_admin

    previous = install_signal_handlers([])
    try:
        admin = new_admin(NO_BROKER, ClientErrors())
        topic = confluent_admin().NewTopic("t", 1, config={_name_that_signals(signal.SIGTERM): "1"})
        with pytest.raises(Terminated):
            admin.create_topics([topic])
        with pytest.raises(ValueError, match="non-empty list"):  # a genuine one stays what it is
            admin.create_topics([])
    finally:
        _restore_signal_handlers(previous)


_SIGNAL_AS_KCTL_EXITS = """
import os, signal, sys
import kctl.__main__

real_exit = sys.exit

def exit_with_a_signal(code):
    os.kill(os.getpid(), signal.{name})  # the command is done: the signal lands as the process ends
    for _ in range(1000):
        pass
    real_exit(code)

sys.exit = exit_with_a_signal
sys.argv = ["kctl", "--version"]
kctl.__main__.run()
"""


@pytest.mark.parametrize("name, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_after_the_command_ended_is_its_exit_code_not_a_death(name, code):
    # main() has put the handlers back by then; CPython ends a process whose main module lets a
    # KeyboardInterrupt escape by killing itself with SIGINT (returncode -2, no kctl exit code)
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _SIGNAL_AS_KCTL_EXITS.replace("{name}", name)],
                          capture_output=True, timeout=60)
    assert done.returncode == code, done
    assert b"Traceback" not in done.stderr, done
