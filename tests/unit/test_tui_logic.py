"""kctl ui: start-up cost, the message without Textual, and the pure pieces (formatting, filters, forms)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kctl.client.records import ConsumerRecord


def test_importing_the_cli_does_not_load_textual():
    code = "import sys, kctl.cli.app, kctl.__main__; print([m for m in sys.modules if m.split('.')[0] == 'textual'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_kctl_ui_without_textual_says_what_to_install_and_exits_3():
    code = ("import sys; sys.modules['textual'] = None; from kctl.__main__ import main; "
            "sys.exit(main(['-b', '127.0.0.1:1', 'ui']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 3, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kctl: error: ") and "pip install" in lines[0], result.stderr
    assert "kctl-kafka[ui]" in lines[0]


def test_fields_show_json_text_and_binary():
    from kctl.tui import format as fmt

    assert fmt.show(None) == "null"
    assert fmt.show(b'{"a":1,"b":[1,2]}') == '{"a": 1, "b": [1, 2]}'
    assert fmt.show(b'{"a":1}', pretty=True) == '{\n  "a": 1\n}'
    assert fmt.show(b"{not json") == "{not json"
    assert fmt.show(b"caf\xc3\xa9") == "café"
    assert fmt.show(b"\x00\x01\xff") == "hex:0001ff"
    assert fmt.show(b"\x00\x01\xff", pretty=True) == "hex:00 01 ff"
    assert fmt.preview(b"x" * 200).endswith("…") and len(fmt.preview(b"x" * 200)) == fmt.PREVIEW
    assert fmt.preview(b"a\nb") == "a⏎b"


def test_a_record_is_copied_as_the_consume_envelope():
    import json

    from kctl.tui import format as fmt

    record = ConsumerRecord("t", 1, 7, 1000, b"k", b"\xff", (("h", b"v"), ("n", None)))
    assert json.loads(fmt.envelope_json(record)) == {
        "topic": "t", "partition": 1, "offset": 7, "timestamp": "1970-01-01T00:00:01.000Z", "timestamp_ms": 1000,
        "key": "k", "value": "/w==", "value_encoding": "base64",
        "headers": [{"key": "h", "value": "v"}, {"key": "n", "value": None}],
    }


def test_the_messages_filter_takes_match_rules_or_text():
    pytest.importorskip("textual")
    from kctl.errors import UsageError
    from kctl.services.consume.options import matches
    from kctl.tui.screens.messages import parse_filter

    record = ConsumerRecord("t", 0, 0, 0, b"user-1", b"price=3 (eur)", (("src", b"web"),))
    assert parse_filter("") == ()
    assert matches(record, parse_filter("key=^user value=price"))
    assert not matches(record, parse_filter("key=^user header.src=app"))
    assert matches(record, parse_filter("(eur)"))  # plain text, not a regular expression
    assert not matches(record, parse_filter("usd"))
    with pytest.raises(UsageError):
        parse_filter("value=(")


def test_produce_form_headers():
    pytest.importorskip("textual")
    from kctl.tui.screens.produce import parse_headers

    assert parse_headers("") == []
    assert parse_headers("a=1, b=x=y ,c") == [("a", "1"), ("b", "x=y"), ("c", "")]


def test_list_filter_and_sizes():
    pytest.importorskip("textual")
    from kctl.tui.widgets import human_bytes, keep

    assert keep("", "x") and keep("ORD", "orders", 3) and not keep("pay", "orders", 3)
    assert keep("12", "g", 12)
    assert human_bytes(None) == "" and human_bytes(512) == "512 B" and human_bytes(1536) == "1.5 KiB"


def test_the_lag_and_health_plug_points():
    from kctl.tui import data

    assert data.group_lags({}, 1.0, []) == []


def test_health_findings_are_the_cluster_health_services(monkeypatch):
    from kctl.models.health import Finding, HealthReport
    from kctl.services import health
    from kctl.tui import data

    report = HealthReport("c1", (1, 2), 3, "--expect-brokers", 1, 1,
                          (Finding("missing-broker", "error", "broker 3", "broker 3 is not in the cluster"),))
    monkeypatch.setattr(health, "cluster_health", lambda conf, timeout: report)
    assert data.cluster_findings({}, 1.0) == (("error: broker 3: broker 3 is not in the cluster",), ())
    monkeypatch.setattr(health, "cluster_health", lambda conf, timeout: HealthReport("c1", (1,), None, None, 0, 0))
    assert data.cluster_findings({}, 1.0)[0] == ()


@pytest.mark.parametrize("stdin_kind", ["devnull", "pipe", "tty"])
def test_kctl_ui_without_a_terminal_exits_2_at_once(stdin_kind):
    """Without a terminal on stdin and stdout Textual waits for a terminal's answers for good."""
    pytest.importorskip("textual")
    import os
    import pty

    master = slave = None
    stdin = subprocess.DEVNULL if stdin_kind == "devnull" else subprocess.PIPE
    if stdin_kind == "tty":  # a terminal on stdin, stdout a pipe: still nothing to draw on
        master, slave = pty.openpty()
        stdin = slave
    try:
        proc = subprocess.run([sys.executable, "-m", "kctl", "ui", "-b", "127.0.0.1:1"], stdin=stdin,
                              capture_output=True, timeout=30)
    finally:
        for fd in (master, slave):
            if fd is not None:
                os.close(fd)
    stderr = proc.stderr.decode()
    assert proc.returncode == 2, stderr
    assert stderr.startswith("kctl: error: kctl ui needs a terminal") and stderr.count("\n") == 1, stderr
    assert proc.stdout == b""
