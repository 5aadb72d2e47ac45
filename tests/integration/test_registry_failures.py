"""A Schema Registry that fails: its credentials never reach any output, and a registry that never
answers is bounded by --timeout and gives way to Ctrl-C / SIGTERM (against the real broker)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests.helpers import run_kctl_process

pytestmark = pytest.mark.integration

PASSWORD = "Pw-0f-the-registry"
SCHEMA = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}


def _produce_args(kafka, topic, schema_file, url):
    return ("-i", str(kafka["instance"]), "produce", topic, "--value", '{"a": 1}', "--value-format", "avro",
            "--value-schema", str(schema_file), "--schema-registry", url)


@pytest.mark.parametrize("where", ["option", "context"])
def test_a_registry_password_in_the_url_reaches_no_stream(kafka, new_topic, tmp_path, where):
    topic = new_topic()
    schema_file = tmp_path / "r.avsc"
    schema_file.write_text(json.dumps(SCHEMA))
    log_file = tmp_path / "kctl.log"
    url = f"http://reader:{PASSWORD}@127.0.0.1:1"  # nothing listens on port 1: refused at once
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"current-context": "sr", "contexts": {"sr": {
        "instance": kafka["instance"], "schema_registry": url}}}))
    args = list(_produce_args(kafka, topic, schema_file, url))
    if where == "context":
        del args[-2:]
    result = run_kctl_process("-vv", "--debug", "--log-file", str(log_file), *args, env={"KCTL_CONFIG": str(config)})
    assert result.code == 6, result
    assert "the schema registry at http://127.0.0.1:1 is unreachable" in result.stderr, result
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr), ("log", log_file.read_text())):
        assert PASSWORD not in text, (name, text)


class SilentRegistry:
    """A TCP server that accepts every connection and never answers (a hung Schema Registry)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted = threading.Event()
        self.conns: list = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            self.accepted.set()

    def close(self):
        self.sock.close()
        for conn in self.conns:
            conn.close()


@pytest.fixture
def silent_registry():
    server = SilentRegistry()
    yield server
    server.close()


@pytest.fixture
def framed_topic(k, new_topic, tmp_path):
    """A topic holding one Confluent-framed record (schema id 7): consume looks the id up."""
    topic = new_topic()
    record = tmp_path / "framed.bin"
    record.write_bytes(b"\x00\x00\x00\x00\x07\x02")
    assert k("produce", topic, "--input", "raw", "--file", str(record)).code == 0
    return topic


def _start(*args):
    return subprocess.Popen([sys.executable, "-m", "kctl", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_consume_gives_way_to_a_signal_while_a_schema_look_up_hangs(kafka, framed_topic, silent_registry, signum, code):
    # consume defers signals while it renders records (to know what was written): the look-up must not hold them
    proc = _start("-i", str(kafka["instance"]), "--timeout", "30", "consume", framed_topic, "--value-format", "auto",
                  "--until", "end", "--schema-registry", silent_registry.url)
    try:
        assert silent_registry.accepted.wait(30), "kctl never asked the registry"  # the look-up hangs from here
        proc.send_signal(signum)
        assert proc.wait(timeout=2) == code, proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("command", ["schemas", "consume"])
def test_a_registry_that_never_answers_is_bounded_by_the_timeout(kafka, framed_topic, silent_registry, command):
    args = (["schemas", "list"] if command == "schemas"
            else ["consume", framed_topic, "--value-format", "auto", "--until", "end"])
    proc = _start("-i", str(kafka["instance"]), "--timeout", "5", *args, "--schema-registry", silent_registry.url)
    try:
        assert silent_registry.accepted.wait(30), "kctl never asked the registry"
        started = time.monotonic()  # the look-up (not Python's start-up on a loaded machine)
        proc.wait(timeout=5 + 2 - (time.monotonic() - started))
        stderr = proc.stderr.read().decode()
        assert proc.returncode == 6, stderr
        assert f"the schema registry at {silent_registry.url} did not answer within 5s" in stderr, stderr
        assert stderr.count("\n") == 1, stderr
    finally:
        proc.kill()
        proc.wait()
