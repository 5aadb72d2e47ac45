"""kctl.__main__: the one place where exceptions become exit codes."""

import pytest
import typer.main

from kctl.__main__ import hoist_global_options
from kctl.cli.app import app
from kctl.errors import BrokerUnavailable, ExitCode, KctlError, NotFoundError, error_class_for, from_kafka_error
from kctl.services import topics
from tests.helpers import run_kctl

ROOT = typer.main.get_command(app)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["topics", "list", "-i", "1", "-o", "json"], ["-i", "1", "-o", "json", "topics", "list"]),
        (["topics", "list", "--output=yaml", "-vv"], ["--output=yaml", "-vv", "topics", "list"]),
        (["-b", "h:1", "topics", "list"], ["-b", "h:1", "topics", "list"]),
        (["local", "up", "-i", "2"], ["local", "up", "-i", "2"]),  # local up has its own -i
        (["topics", "list", "--", "-i"], ["topics", "list", "--", "-i"]),
        (["topics", "list", "-X", "a=b", "--debug"], ["-X", "a=b", "--debug", "topics", "list"]),
    ],
)
def test_global_options_are_hoisted_before_the_subcommand(argv, expected):
    assert hoist_global_options(argv, ROOT) == expected


def test_kafka_error_codes_map_to_exit_codes():
    assert error_class_for("_TRANSPORT") is BrokerUnavailable
    assert error_class_for("UNKNOWN_TOPIC_OR_PART") is NotFoundError
    assert error_class_for("SOMETHING_NEW") is KctlError

    class FakeKafkaError:  # the two methods kctl reads of confluent_kafka.KafkaError
        def name(self):
            return "TOPIC_AUTHORIZATION_FAILED"

        def str(self):
            return "not authorized"

    error = from_kafka_error(FakeKafkaError(), "describe orders")
    assert error.exit_code == ExitCode.AUTH
    assert error.message == "describe orders: not authorized"


def _raise(exc):
    def fail(*args, **kwargs):
        raise exc

    return fail


def test_kctl_errors_print_one_line_and_their_exit_code(monkeypatch):
    monkeypatch.setattr(topics, "list_topics", _raise(NotFoundError("topic x not found", hint="check the name")))
    result = run_kctl("topics", "list")
    assert result.code == 4
    assert result.stderr == "kctl: error: topic x not found (check the name)\n"


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setattr(topics, "list_topics", _raise(NotFoundError("gone")))
    result = run_kctl("--debug", "topics", "list")
    assert result.code == 4
    assert "Traceback" in result.stderr and result.stderr.rstrip().endswith("kctl: error: gone")


def test_unexpected_exceptions_are_internal_errors_without_traceback(monkeypatch):
    monkeypatch.setattr(topics, "list_topics", _raise(ZeroDivisionError("boom")))
    result = run_kctl("topics", "list")
    assert result.code == 1
    assert result.stderr == "kctl: error: internal error: ZeroDivisionError: boom (run with --debug for the traceback)\n"


def test_ctrl_c_exits_130(monkeypatch):
    monkeypatch.setattr(topics, "list_topics", _raise(KeyboardInterrupt()))
    result = run_kctl("topics", "list")
    assert result.code == 130
    assert "Traceback" not in result.stderr


def test_broken_pipe_is_a_quiet_success(monkeypatch):
    monkeypatch.setattr(topics, "list_topics", _raise(BrokenPipeError()))
    result = run_kctl("topics", "list")
    assert result.code == 0
    assert result.stderr == ""


@pytest.mark.parametrize("errno_, text", [(28, "No space left on device"), (9, "Bad file descriptor")])
def test_output_that_cannot_be_written_is_exit_5_in_one_line(monkeypatch, errno_, text):
    monkeypatch.setattr(topics, "list_topics", _raise(OSError(errno_, text)))
    result = run_kctl("topics", "list")
    assert result.code == 5
    assert result.stderr == f"kctl: error: cannot write output: {text}\n"


def test_a_closed_stdout_fails_writes_instead_of_crashing(monkeypatch):
    import sys

    from kctl.__main__ import main

    monkeypatch.setattr(sys, "stdout", None)  # what Python sets when started with `>&-`
    monkeypatch.setattr(topics, "list_topics", lambda *a, **k: [])
    assert main(["topics", "list", "-b", "127.0.0.1:1", "-o", "json"]) == 5
    with pytest.raises(OSError, match="stdout is closed"):
        sys.stdout.buffer.write(b"x")


def test_secrets_are_scrubbed_from_error_messages(monkeypatch):
    monkeypatch.setenv("KCTL_TEST_SECRET", "hunter2-very-secret")

    def fail(conf, *args, **kwargs):
        raise BrokerUnavailable(f"auth failed with {conf['sasl.password']}")

    monkeypatch.setattr(topics, "list_topics", fail)
    result = run_kctl("topics", "list", "-X", "sasl.username=u", "-X", "sasl.password=${env:KCTL_TEST_SECRET}")
    assert result.code == 6
    assert "hunter2" not in result.stderr and "********" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["-b", "", "topics", "list"],
        ["produce", "t", "--value", "x", "--rate", "nan"],
        ["produce", "t", "--value", "x", "--rate", "0"],
        ["produce", "t", "--value", "x", "--linger-ms", "nan"],
        ["produce", "t", "--value", "x", "--delivery-timeout", "0"],
    ],
)
def test_odd_values_are_usage_errors_before_connecting(args):
    result = run_kctl(*args)
    assert result.code == 2, result
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("kctl: error: ")


@pytest.mark.parametrize("bridge_loaded, kctl_daemon_alive, hard",
                         [(True, False, True), (False, True, True), (False, False, False)])
def test_the_interpreter_shutdown_is_skipped_once_the_temporal_bridge_is_loaded(monkeypatch, bridge_loaded,
                                                                                 kctl_daemon_alive, hard):
    """The Temporal SDK's Rust threads outlive the event loop and the interpreter's shutdown then
    aborts now and then (`kctl worker run` ended by SIGTERM died by SIGABRT or SIGSEGV): os._exit.
    So does a bounded call still running in a kctl daemon thread. The thread list is the test's own:
    an in-process test before this one may have left such a thread (CI once saw it)."""
    import sys
    import threading

    from kctl import __main__ as entry

    class Thread:
        daemon = True
        name = "kctl-commit"

        def is_alive(self):
            return True

    monkeypatch.setattr(threading, "enumerate", lambda: [Thread()] if kctl_daemon_alive else [])

    name = "temporalio.bridge.temporal_sdk_bridge"
    if bridge_loaded:
        monkeypatch.setitem(sys.modules, name, object())
    else:
        monkeypatch.delitem(sys.modules, name, raising=False)
    ended = []
    monkeypatch.setattr(entry.os, "_exit", lambda code: ended.append(("os._exit", code)))
    monkeypatch.setattr(entry.sys, "exit", lambda code: ended.append(("sys.exit", code)))
    entry._exit(0)
    assert ended[0] == ("os._exit" if hard else "sys.exit", 0)  # (the fake os._exit returns)
