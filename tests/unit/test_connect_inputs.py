"""`kctl connect` bad inputs without a Connect worker: each case is one `kctl: error:` line and its
documented exit code, and nothing is sent (the URL is unreachable: a case that wrongly reaches for
the worker shows as exit 6). Also: an unreachable or silent worker is exit 6 within --timeout, and
a password in --connect-url is never printed. The cases against a real worker are in
tests/integration/test_connect.py."""

from __future__ import annotations

import json
import socket
import time

import pytest

from kctl.errors import AuthError, BrokerUnavailable, NotFoundError, UsageError
from kctl.kafka.connect_rest import error_of
from kctl.services.connect import masked, read_config
from tests.helpers import run_kctl

DEAD = ("--connect-url", "http://127.0.0.1:1")
USAGE, CONFIG, NOT_FOUND, UNAVAILABLE, AUTH = 2, 3, 4, 6, 9

FILES = {
    "not-yaml.yaml": "a: [1, 2\n",
    "list.yaml": "- connector.class: X\n",
    "scalar.json": "42",
    "null-value.yaml": "connector.class: FileStreamSource\nfile: null\n",
    "nested-value.yaml": "connector.class: FileStreamSource\nfile: {a: 1}\n",
    "list-value.json": json.dumps({"connector.class": "FileStreamSource", "topics": ["a", "b"]}),
    "unknown-key.json": json.dumps({"name": "c", "config": {"connector.class": "X"}, "tasks": []}),
    "config-not-map.json": json.dumps({"name": "c", "config": ["connector.class"]}),
    "other-name.json": json.dumps({"name": "other", "config": {"connector.class": "X"}}),
    "other-name-inside.yaml": "connector.class: X\nname: other\n",
    "no-class.yaml": "file: /tmp/x\n",
    "empty-class.yaml": "connector.class: ''\n",
    "empty.yaml": "",
    "latin1.yaml": b"connector.class: caf\xe9\n",
    "deep.json": "[" * 100000 + "]" * 100000,
}


@pytest.fixture
def files(tmp_path):
    for name, text in FILES.items():
        (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    (tmp_path / "dir.yaml").mkdir()
    return tmp_path


CASES = [(f"create -f {name}", ["create", "c", "-f", name], USAGE) for name in FILES] + [
    ("create -f a directory", ["create", "c", "-f", "dir.yaml"], USAGE),
    ("create -f a missing file", ["create", "c", "-f", "missing.yaml"], USAGE),
    ("update -f a list", ["update", "c", "-f", "list.yaml"], USAGE),
    ("validate -f no class", ["validate", "c", "-f", "no-class.yaml"], USAGE),
    ("create without -f", ["create", "c"], USAGE),
    ("create an empty name", ["create", "", "-f", "no-class.yaml"], USAGE),
    ("describe a control character", ["describe", "a\x01b"], USAGE),
    ("describe a blank name", ["describe", "   "], USAGE),
    ("delete a name too long", ["delete", "x" * 256, "--yes"], USAGE),
    ("restart an unknown option", ["restart", "c", "--failed"], USAGE),
    ("list an extra argument", ["list", "x"], USAGE),
    ("describe unreachable", ["describe", "c"], UNAVAILABLE),
    ("list unreachable", ["list"], UNAVAILABLE),
]


@pytest.mark.parametrize("argv,code", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(files, monkeypatch, argv, code):
    monkeypatch.chdir(files)
    result = run_kctl("--timeout", 2, "connect", *argv, *DEAD)
    assert result.code == code, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kctl: error: "), result.stderr
    assert "internal error" not in result.stderr and result.stdout == ""


def test_no_connect_cluster_known_is_a_config_error(tmp_path):
    result = run_kctl("-i", 0, "connect", "list", env={"KCTL_STATE_DIR": str(tmp_path), "KCTL_CONNECT_URL": ""})
    assert result.code == CONFIG and "no Connect cluster given" in result.stderr, result


def test_a_url_password_is_never_printed():
    result = run_kctl("--timeout", 2, "connect", "list", "--connect-url", "http://alice:s3cret-pw@127.0.0.1:1")
    assert result.code == UNAVAILABLE, result
    assert "s3cret-pw" not in result.stderr + result.stdout and "127.0.0.1:1" in result.stderr


def test_a_silent_worker_is_exit_6_within_the_timeout():
    """A port that accepts connections and never answers: bounded by --timeout, not the OS's TCP timeouts."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        started = time.monotonic()
        result = run_kctl("--timeout", 2, "connect", "list", "--connect-url", f"http://127.0.0.1:{server.getsockname()[1]}")
        elapsed = time.monotonic() - started
    assert result.code == UNAVAILABLE and "did not answer within 2s" in result.stderr, result
    assert elapsed < 2 + 5, elapsed


@pytest.mark.parametrize("status,kind", [(401, AuthError), (403, AuthError), (404, NotFoundError), (400, UsageError),
                                         (409, UsageError), (500, BrokerUnavailable), (503, BrokerUnavailable)])
def test_http_statuses_map_to_exit_codes(status, kind):
    assert type(error_of(status, "m", "http://h", "")) is kind


def test_a_config_file_in_both_shapes(tmp_path):
    flat = tmp_path / "flat.yaml"
    flat.write_text("connector.class: FileStreamSource\ntasks.max: 2\nerrors.tolerance: all\nenabled: true\nratio: 0.5\n")
    assert read_config(str(flat), "c") == {"connector.class": "FileStreamSource", "tasks.max": "2",
                                           "errors.tolerance": "all", "enabled": "true", "ratio": "0.5", "name": "c"}
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"name": "c", "config": {"connector.class": "X", "name": "c"}}))
    assert read_config(str(wrapped), "c") == {"connector.class": "X", "name": "c"}


def test_masked_hides_secrets_and_keeps_references():
    shown = masked({"a.password": "pw1", "b.sasl.jaas.config": "x password=y;", "c.password": "${file:/s.properties:pw}",
                    "topic": "t", "tasks.max": 1})
    assert shown == {"a.password": "********", "b.sasl.jaas.config": "********",
                     "c.password": "${file:/s.properties:pw}", "tasks.max": "1", "topic": "t"}


@pytest.mark.parametrize("url", ["http://alice:pw-in-url@h:8083", "ftp://h:8083", "h:8083", ""])
def test_a_context_refuses_a_connect_url_with_a_password_or_no_scheme(tmp_path, url):
    result = run_kctl("config", "set-context", "c", "-i", 0, "--connect-url", url,
                      env={"KCTL_CONFIG": str(tmp_path / "config.yaml")})
    assert result.code == USAGE and "--connect-url must be" in result.stderr, result
    assert "pw-in-url" not in result.stderr and not (tmp_path / "config.yaml").exists()


def test_a_context_connect_url_is_used_and_must_be_a_url(tmp_path):
    config = {"KCTL_CONFIG": str(tmp_path / "config.yaml")}
    made = run_kctl("config", "set-context", "c", "-i", 0, "--connect-url", "http://127.0.0.1:1/", env=config)
    assert made.code == 0, made
    used = run_kctl("--context", "c", "--timeout", 2, "connect", "list", env=config)
    assert used.code == UNAVAILABLE and "http://127.0.0.1:1 " in used.stderr, used
    (tmp_path / "config.yaml").write_text("contexts:\n  c:\n    instance: 0\n    connect_url: 5\n")
    bad = run_kctl("--context", "c", "connect", "list", env=config)
    assert bad.code == CONFIG and "contexts.c.connect_url: expected `str | null`, got `int`" in bad.stderr, bad
    (tmp_path / "config.yaml").write_text("contexts:\n  c:\n    instance: 0\n    connect_url: 'no url'\n")
    bad = run_kctl("--context", "c", "connect", "list", env=config)
    assert bad.code == CONFIG and "connect_url must be an http(s) URL" in bad.stderr, bad


@pytest.mark.parametrize("status,message,expected", [
    (500, "Request cannot be completed because a rebalance is expected", True),
    (409, "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)", False),
    (409, "Cannot complete request because of a conflicting operation (e.g. worker rebalance)", True),
    (409, "Connector c already exists", False),
    (500, "NullPointerException", False),
    (404, "rebalance", False),
])
def test_only_a_rebalancing_worker_is_asked_again(status, message, expected):
    from kctl.kafka.connect_rest import ConnectHTTPError, rebalancing

    assert rebalancing(ConnectHTTPError(status, message)) is expected
