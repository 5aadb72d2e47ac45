"""Structured logs (kctl/log.py): logfmt/JSON lines, levels, trace ids, the librdkafka bridge."""

from __future__ import annotations

import io
import json
import logging
import re
from contextlib import redirect_stderr

import pytest

from kctl import log
from kctl.config import client_conf
from kctl.redact import REDACTED
from tests.helpers import run_kctl, wait_until

# An address where nothing listens: connection refused at once, no broker needed.
NOWHERE = "127.0.0.1:1"
LOGFMT_PAIR = re.compile(r'(\w[\w.]*)=("(?:[^"\\]|\\.)*"|\S+)')


def parse_logfmt(line: str) -> dict:
    out = {}
    for key, value in LOGFMT_PAIR.findall(line):
        out[key] = json.loads(value) if value.startswith('"') else value
    return out


def log_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("ts=") or line.startswith("{")]


@pytest.fixture
def stderr_log():
    """Set up logging at a given verbosity with stderr captured; returns (setup, read)."""
    buffer = io.StringIO()

    def setup(verbosity=0, fmt="logfmt", log_file=None):
        with redirect_stderr(buffer):
            log.setup(verbosity, fmt, log_file)

    yield setup, buffer.getvalue
    logging.getLogger(log.LOGGER_NAME).handlers[:] = []


def test_event_is_one_logfmt_line(stderr_log):
    setup, read = stderr_log
    setup(1)
    log.event("topic_create", topic="orders", partitions=6, note='a "quoted" value\nnext', empty=None, ok=True)
    (line,) = read().splitlines()
    assert re.match(r"^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info event=topic_create topic=orders "
                    r"partitions=6 ", line), line
    fields = parse_logfmt(line)
    assert fields["note"] == 'a "quoted" value\nnext' and fields["empty"] == "" and fields["ok"] == "true"
    assert fields["trace_id"] == log.trace_id() and re.fullmatch(r"[0-9a-f]{16}", fields["trace_id"])


def test_timed_adds_duration_and_ok_false_on_error(stderr_log):
    setup, read = stderr_log
    setup(1)
    with log.timed("topic_list", pattern="x"):
        pass
    with pytest.raises(ValueError):
        with log.timed("topic_delete", topic="t"):
            raise ValueError("boom")
    first, second = (parse_logfmt(line) for line in read().splitlines())
    assert first["event"] == "topic_list" and first["pattern"] == "x" and first["duration_ms"].isdigit()
    assert second["event"] == "topic_delete" and second["ok"] == "false" and second["duration_ms"].isdigit()


@pytest.mark.parametrize("verbosity,expected", [(0, ["warning"]), (1, ["warning", "info"]), (2, ["warning", "info", "debug"])])
def test_verbosity_levels(stderr_log, verbosity, expected):
    setup, read = stderr_log
    setup(verbosity)
    log.event("w", logging.WARNING)
    log.event("i", logging.INFO)
    log.event("d", logging.DEBUG)
    assert [parse_logfmt(line)["level"] for line in read().splitlines()] == expected


def test_json_format(stderr_log):
    setup, read = stderr_log
    setup(1, "json")
    log.event("producer_send", topic="t", partition=0, offset=42, duration_ms=15)
    (record,) = [json.loads(line) for line in read().splitlines()]
    assert record["event"] == "producer_send" and record["offset"] == 42 and record["duration_ms"] == 15
    assert record["trace_id"] == log.trace_id() and record["level"] == "info"


def test_log_file_gets_info_events_without_v(stderr_log, tmp_path):
    setup, read = stderr_log
    path = tmp_path / "kctl.log"
    setup(0, "logfmt", str(path))
    log.event("i", logging.INFO)
    log.event("d", logging.DEBUG)
    assert read() == ""
    assert [parse_logfmt(line)["event"] for line in path.read_text().splitlines()] == ["i"]


def test_secrets_are_scrubbed_from_log_lines(stderr_log, monkeypatch):
    setup, read = stderr_log
    monkeypatch.setenv("LOG_TEST_PW", "pw-in-a-log-line")
    client_conf.build_conf("h:1", {"sasl.password": "${env:LOG_TEST_PW}"})
    setup(1)
    log.event("oops", detail="connecting with pw-in-a-log-line")
    logging.getLogger("kctl.other").info("free text pw-in-a-log-line")
    text = read()
    assert "pw-in-a-log-line" not in text and text.count(REDACTED) == 2


def test_trace_id_is_new_per_invocation_and_can_be_given(stderr_log, monkeypatch):
    setup, _ = stderr_log
    monkeypatch.delenv("KCTL_TRACE_ID", raising=False)
    setup(0)
    first = log.trace_id()
    setup(0)
    assert log.trace_id() != first
    monkeypatch.setenv("KCTL_TRACE_ID", "ci-run-1234")
    setup(0)
    assert log.trace_id() == "ci-run-1234"


def _librdkafka_lines(path, client_conf_extra=None) -> list[dict]:
    """A real librdkafka client pointed at a closed port logs connection failures through logger=."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": NOWHERE, "logger": log.librdkafka_logger(), **(client_conf_extra or {})})

    def logged() -> list[dict]:
        producer.poll(0.2)  # confluent_kafka hands queued log lines to the logger on poll
        return [parse_logfmt(line) for line in path.read_text().splitlines() if "event=librdkafka" in line]

    return wait_until(logged, 30, "a librdkafka line reached the kctl logger", interval=0)


def test_librdkafka_logs_use_the_same_format_and_trace_id(stderr_log, tmp_path):
    setup, read = stderr_log
    path = tmp_path / "kctl.log"
    setup(2, "logfmt", str(path))
    lines = _librdkafka_lines(path)
    assert lines, "no librdkafka line reached the kctl logger"
    line = lines[0]
    assert line["fac"] and line["client"].startswith("rdkafka#producer-")
    assert "Connection refused" in line["msg"] or "127.0.0.1:1" in line["msg"]
    assert line["trace_id"] == log.trace_id() and line["level"] in ("error", "warning", "info", "debug")


def test_librdkafka_logs_are_quiet_by_default(stderr_log):
    from confluent_kafka import Producer

    setup, read = stderr_log
    setup(0)
    producer = Producer({"bootstrap.servers": NOWHERE, "logger": log.librdkafka_logger()})
    for _ in range(5):
        producer.poll(0.1)
    assert read() == ""
    assert not log.librdkafka_logger().isEnabledFor(logging.ERROR)


# ---------------------------------------------------------------- through the CLI


def test_cli_events_share_one_trace_id_and_differ_between_invocations():
    first = run_kctl("topics", "list", "-b", NOWHERE, "--timeout", "0.5", "-vv")
    second = run_kctl("topics", "list", "-b", NOWHERE, "--timeout", "0.5", "-v")
    assert first.code == 6 and second.code == 6
    lines1 = [parse_logfmt(line) for line in log_lines(first.stderr)]
    lines2 = [parse_logfmt(line) for line in log_lines(second.stderr)]
    assert lines1 and lines2
    assert len({line["trace_id"] for line in lines1}) == 1 and len({line["trace_id"] for line in lines2}) == 1
    assert lines1[0]["trace_id"] != lines2[0]["trace_id"]
    event = next(line for line in lines1 if line["event"] == "topic_list")
    assert event["ok"] == "false" and event["duration_ms"].isdigit()
    assert first.stderr.strip().splitlines()[-1].startswith("kctl: error: cannot reach the cluster")


def test_cli_quiet_by_default_json_and_log_file(tmp_path):
    quiet = run_kctl("topics", "list", "-b", NOWHERE, "--timeout", "0.5")
    assert quiet.code == 6 and len(quiet.stderr.strip().splitlines()) == 1  # just the error line
    as_json = run_kctl("topics", "list", "-b", NOWHERE, "--timeout", "0.5", "-v", "--log-format", "json")
    records = [json.loads(line) for line in log_lines(as_json.stderr)]
    assert any(r["event"] == "topic_list" and "duration_ms" in r and "trace_id" in r for r in records)
    path = tmp_path / "run.log"
    to_file = run_kctl("topics", "list", "-b", NOWHERE, "--timeout", "0.5", "--log-file", str(path))
    assert to_file.code == 6 and log_lines(to_file.stderr) == []
    assert "event=topic_list" in path.read_text()


def test_cli_bad_log_file_is_a_config_error(tmp_path):
    result = run_kctl("config", "view", "--log-file", str(tmp_path / "no" / "such" / "dir" / "x.log"))
    assert result.code == 3
    assert result.stderr.startswith("kctl: error: cannot open --log-file") and "Traceback" not in result.stderr
