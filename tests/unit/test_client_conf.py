"""Client configuration layers, secret references (kctl/config/client_conf.py) and redaction (kctl/redact.py)."""

from __future__ import annotations

import pytest

from kctl import redact as rd
from kctl.config import client_conf as cc
from kctl.errors import ConfigError, UsageError


@pytest.fixture(autouse=True)
def no_kctl_password(monkeypatch):
    monkeypatch.delenv("KCTL_SASL_PASSWORD", raising=False)


@pytest.mark.parametrize("key", [
    "sasl.password", "ssl.key.password", "ssl.keystore.password", "ssl.truststore.password", "ssl.key.pem",
    "sasl.oauthbearer.client.secret", "sasl.oauthbearer.config", "sasl.jaas.config",
    "sasl.oauthbearer.assertion.private.key.passphrase", "sasl.oauthbearer.assertion.private.key.pem",
    "SASL.PASSWORD",
])
def test_secret_keys(key):
    assert rd.is_secret_key(key)


@pytest.mark.parametrize("key", [
    "bootstrap.servers", "sasl.username", "sasl.mechanism", "ssl.key.location", "ssl.ca.location",
    "ssl.certificate.location", "ssl.certificate.pem", "sasl.oauthbearer.token.endpoint.url", "security.protocol",
])
def test_not_secret_keys(key):
    assert not rd.is_secret_key(key)


def test_redact_hides_values_keeps_references_and_drops_callables():
    conf = {
        "bootstrap.servers": "h:1",
        "sasl.password": "hunter2",
        "ssl.key.password": "${env:KEY_PW}",
        "sasl.oauthbearer.client.secret": "${file:/run/secret}",
        "logger": object(),
        "error_cb": print,
        "linger.ms": 5,
    }
    assert rd.redact(conf) == {
        "bootstrap.servers": "h:1",
        "sasl.password": rd.REDACTED,
        "ssl.key.password": "${env:KEY_PW}",
        "sasl.oauthbearer.client.secret": "${file:/run/secret}",
        "linger.ms": 5,
    }
    assert conf["sasl.password"] == "hunter2"  # a copy, not in place


def test_layers_later_wins_and_sources(tmp_path):
    props = tmp_path / "client.properties"
    props.write_text("# comment\n! also a comment\nlinger.ms=10\nacks : all\n\nclient.id=file\n")
    conf, sources = cc.merge_layers(
        "h:1",
        context_properties={"linger.ms": 1, "acks": "1", "enable.idempotence": True},
        command_config=str(props),
        overrides={"client.id": "x"},
    )
    assert conf == {"bootstrap.servers": "h:1", "linger.ms": "10", "acks": "all", "enable.idempotence": "true",
                    "client.id": "x"}
    assert sources == {"bootstrap.servers": "target", "linger.ms": "--command-config", "acks": "--command-config",
                       "enable.idempotence": "context", "client.id": "-X"}


def test_yaml_command_config(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("linger.ms: 5\nenable.idempotence: false\n")
    assert cc.read_command_config(str(path)) == {"linger.ms": "5", "enable.idempotence": "false"}


@pytest.mark.parametrize("name,text,pattern", [
    ("bad.properties", "just words\n", r"line 1: expected key=value"),
    ("bad.yaml", "- a list\n", r"malformed --command-config .*: expected `object`, got `array`"),
    ("broken.yml", "a: [\n", r"malformed --command-config"),
])
def test_bad_command_config(tmp_path, name, text, pattern):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError, match=pattern):
        cc.read_command_config(str(path))


def test_missing_command_config(tmp_path):
    with pytest.raises(ConfigError, match=r"cannot read --command-config .*nope: No such file"):
        cc.read_command_config(str(tmp_path / "nope"))


def test_secret_references_resolve_at_build_time(tmp_path, monkeypatch):
    secret_file = tmp_path / "pw"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv("MY_PW", "from-the-env")
    conf = cc.build_conf("h:1", {"sasl.username": "u", "sasl.password": "${env:MY_PW}",
                                 "ssl.key.password": f"${{file:{secret_file}}}"})
    assert conf["sasl.password"] == "from-the-env"
    assert conf["ssl.key.password"] == "from-a-file"  # trailing newline dropped


def test_unresolvable_references_are_config_errors_without_values(tmp_path, monkeypatch):
    monkeypatch.delenv("NOT_SET_PW", raising=False)
    with pytest.raises(ConfigError, match="sasl.password refers to environment variable NOT_SET_PW, which is not set"):
        cc.build_conf("h:1", {"sasl.password": "${env:NOT_SET_PW}"})
    with pytest.raises(ConfigError, match=r"refers to file .*/missing: No such file"):
        cc.build_conf("h:1", {"sasl.password": f"${{file:{tmp_path}/missing}}"})


def test_prompted_or_env_password(monkeypatch):
    assert "sasl.password" not in cc.build_conf("h:1", {"sasl.username": "u"})
    monkeypatch.setenv("KCTL_SASL_PASSWORD", "env-pw")
    assert cc.build_conf("h:1", {"sasl.username": "u"})["sasl.password"] == "env-pw"
    # the prompt wins over the environment and over a stored reference
    assert cc.build_conf("h:1", {"sasl.username": "u"}, password="typed")["sasl.password"] == "typed"
    assert cc.build_conf("h:1", {"sasl.username": "u", "sasl.password": "${env:KCTL_SASL_PASSWORD}"},
                         password="typed")["sasl.password"] == "typed"


@pytest.mark.parametrize("key", ["sasl.password", "ssl.key.password", "sasl.oauthbearer.client.secret"])
def test_plain_secrets_on_the_command_line_are_refused(key):
    with pytest.raises(UsageError) as info:
        cc.build_conf("h:1", overrides={key: "topsecret"})
    assert "topsecret" not in info.value.message and "topsecret" not in (info.value.hint or "")
    assert f"-X {key}: secrets are not accepted as command-line values" == info.value.message


def test_references_on_the_command_line_are_fine(monkeypatch):
    monkeypatch.setenv("PW", "ok")
    assert cc.build_conf("h:1", overrides={"sasl.password": "${env:PW}"})["sasl.password"] == "ok"


def test_redact_text_scrubs_every_resolved_secret(monkeypatch):
    monkeypatch.setenv("LEAKY", "correct-horse-battery")
    cc.build_conf("h:1", {"sasl.password": "${env:LEAKY}"})
    assert rd.redact_text("auth failed for correct-horse-battery!") == f"auth failed for {rd.REDACTED}!"


@pytest.mark.parametrize("pairs,expected", [
    (["a=b"], {"a": "b"}),
    (["a=b=c"], {"a": "b=c"}),
    (["a="], {"a": ""}),
    ([" a =1"], {"a": "1"}),
])
def test_parse_key_values(pairs, expected):
    assert cc.parse_key_values(pairs, "-X") == expected


@pytest.mark.parametrize("pair", ["novalue", "=x", " =x"])
def test_parse_key_values_rejects(pair):
    with pytest.raises(UsageError, match=r"-X expects key=value"):
        cc.parse_key_values([pair], "-X")


def test_prompted_password_replaces_an_unresolvable_reference(monkeypatch):
    monkeypatch.delenv("NOT_SET_PW", raising=False)
    conf = cc.build_conf("h:1", {"sasl.username": "u", "sasl.password": "${env:NOT_SET_PW}"}, password="typed")
    assert conf["sasl.password"] == "typed"


def _kctl_without_terminal(*args, stdin: str):
    """kctl in a new session: no controlling terminal, so --ask-password must read stdin."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KCTL_")}
    env["KCTL_CONFIG"] = os.devnull + ".none"
    return subprocess.run([sys.executable, "-m", "kctl", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=root, start_new_session=True, timeout=60)


def test_ask_password_without_a_terminal_reads_stdin_and_never_echoes_it():
    args = ("topics", "list", "-b", "127.0.0.1:1", "--timeout", "0.5", "--ask-password", "-vv",
            "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=PLAIN", "-X", "sasl.username=u")
    proc = _kctl_without_terminal(*args, stdin="typed-secret-4711\n")
    assert proc.returncode == 6, proc  # the password was accepted; nothing listens there
    assert "typed-secret-4711" not in proc.stdout + proc.stderr
    assert "GetPassWarning" not in proc.stderr and "may be echoed" not in proc.stderr
    empty = _kctl_without_terminal(*args, stdin="")
    assert empty.returncode == 3 and empty.stderr.strip() == "kctl: error: --ask-password: no password given"
