"""`kctl config ...`: named contexts in $KCTL_CONFIG and the effective configuration."""

from __future__ import annotations

import os
import stat

import pytest
import yaml

from kctl.config import contexts
from kctl.errors import ConfigError
from tests.helpers import run_kctl

KCTL_VARS = ("KCTL_BOOTSTRAP", "KCTL_INSTANCE", "KCTL_REGISTRY", "KCTL_SASL_PASSWORD", "KCTL_OUTPUT")


@pytest.fixture(autouse=True)
def config_file(tmp_path, monkeypatch):
    for var in KCTL_VARS:
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "kctl" / "config.yaml"
    monkeypatch.setenv("KCTL_CONFIG", str(path))
    monkeypatch.chdir(tmp_path)
    return path


def stored(path) -> dict:
    return yaml.safe_load(path.read_text())


def ok(*args, **kw):
    result = run_kctl(*args, **kw)
    assert result.code == 0, result
    return result


def test_config_path_defaults_to_the_user_config_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("KCTL_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "x"))
    assert contexts.config_path() == tmp_path / "x" / "kctl" / "config.yaml"


def test_no_config_file_means_no_contexts(config_file):
    assert run_kctl("config", "get-contexts", "-o", "json").json == []
    result = run_kctl("config", "current-context")
    assert result.code == 3 and result.stderr.startswith("kctl: error: no current context is set")
    assert not config_file.exists()  # reading never creates it


def test_set_context_with_bootstrap_then_instance(config_file):
    result = ok("config", "set-context", "prod", "--bootstrap", "kafka-1:9093,kafka-2:9093", "-o", "json")
    assert result.json["items"][0]["detail"] == f"created in {config_file}"
    assert stored(config_file)["contexts"]["prod"] == {"bootstrap": "kafka-1:9093,kafka-2:9093"}
    assert "current-context" not in stored(config_file)  # only use-context / --use change it
    # an instance replaces the bootstrap (one target per context)
    result = ok("config", "set-context", "prod", "-i", "2", "-o", "json")
    assert result.json["items"][0]["detail"] == f"updated in {config_file}"
    assert stored(config_file)["contexts"]["prod"] == {"instance": 2}
    assert stat.S_IMODE(os.stat(config_file).st_mode) == 0o600


def test_set_context_properties_merge_and_unset(config_file):
    ok("config", "set-context", "c", "-X", "linger.ms=5", "--property", "compression.type=lz4")
    ok("config", "set-context", "c", "-X", "linger.ms=20", "--unset", "compression.type")
    assert stored(config_file)["contexts"]["c"] == {"properties": {"linger.ms": "20"}}
    ok("config", "set-context", "c", "--unset", "linger.ms")
    assert stored(config_file)["contexts"]["c"] == {}


def test_set_context_rejects_both_targets_and_bad_names():
    result = run_kctl("config", "set-context", "c", "-b", "h:1", "-i", "1")
    assert result.code == 2 and "either a bootstrap or an instance" in result.stderr
    result = run_kctl("config", "set-context", "bad name", "-b", "h:1")
    assert result.code == 2 and "invalid context name 'bad name'" in result.stderr
    assert run_kctl("config", "set-context", "c", "-i", "-1").code == 2


def test_use_get_current_delete(config_file):
    ok("config", "set-context", "a", "-i", "1")
    ok("config", "set-context", "b", "-b", "h:9", "--use")
    assert ok("config", "current-context").stdout == "b\n"
    ok("config", "use-context", "a")
    assert ok("config", "current-context", "-o", "json").json == {"current_context": "a"}
    listed = ok("config", "get-contexts", "-o", "json").json
    assert [(c["name"], c["current"], c["bootstrap"], c["instance"]) for c in listed] == [
        ("a", True, None, 1), ("b", False, "h:9", None)
    ]
    table = ok("config", "get-contexts").stdout
    assert any(line.split()[:2] == ["*", "a"] for line in table.splitlines()), table
    result = ok("config", "delete-context", "a", "-o", "json")
    assert "it was the current context" in result.json["items"][0]["detail"]
    assert stored(config_file) == {"contexts": {"b": {"bootstrap": "h:9"}}}


@pytest.mark.parametrize("command", ["use-context", "delete-context"])
def test_unknown_context_is_exit_3(command):
    result = run_kctl("config", command, "nope")
    assert result.code == 3
    assert result.stderr.strip() == "kctl: error: no context named 'nope' (list them with `kctl config get-contexts`)"


def test_unknown_context_option_and_dangling_current_context(config_file):
    result = run_kctl("config", "view", "--context", "nope")
    assert result.code == 3 and "no context named 'nope'" in result.stderr
    config_file.parent.mkdir(parents=True)
    config_file.write_text("current-context: gone\ncontexts: {}\n")
    result = run_kctl("topics", "list")
    assert result.code == 3 and "current context 'gone' does not exist" in result.stderr


@pytest.mark.parametrize("text", ["contexts: [a, b]\n", "{{{\n", "contexts:\n  a: 5\ncurrent-context: a\n",
                                  "current-context: [a, b]\ncontexts: {}\n", "current-context: {x: 1}\n"])
def test_malformed_config_file_is_exit_3(config_file, text):
    config_file.parent.mkdir(parents=True)
    config_file.write_text(text)
    result = run_kctl("config", "view")
    assert result.code == 3, result
    assert result.stderr.startswith(f"kctl: error: malformed config file {config_file}")
    assert len(result.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------- security helpers


def test_sasl_scram_with_password_env(config_file):
    ok("config", "set-context", "prod", "-b", "k:9093", "--sasl-mechanism", "SCRAM-SHA-512",
       "--username", "alice", "--password-env", "PROD_PW")
    assert stored(config_file)["contexts"]["prod"]["properties"] == {
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "alice",
        "sasl.password": "${env:PROD_PW}",
        "security.protocol": "SASL_PLAINTEXT",  # inferred: SASL without TLS
    }


def test_tls_files_and_password_file(config_file, tmp_path):
    for name in ("ca.pem", "cert.pem", "key.pem", "pw"):
        (tmp_path / name).write_text("x")
    ok("config", "set-context", "tls", "-b", "k:9094", "--sasl-mechanism", "PLAIN", "--username", "bob",
       "--password-file", "pw", "--ca-file", "ca.pem", "--cert-file", str(tmp_path / "cert.pem"),
       "--key-file", "key.pem", "--key-password-env", "KEY_PW")
    props = stored(config_file)["contexts"]["tls"]["properties"]
    assert props == {
        "sasl.mechanism": "PLAIN",
        "sasl.username": "bob",
        "sasl.password": "${file:" + str(tmp_path / "pw") + "}",  # absolute: works from any directory
        "ssl.ca.location": str(tmp_path / "ca.pem"),
        "ssl.certificate.location": str(tmp_path / "cert.pem"),
        "ssl.key.location": str(tmp_path / "key.pem"),
        "ssl.key.password": "${env:KEY_PW}",
        "security.protocol": "SASL_SSL",
    }


def test_tls_only_infers_ssl_and_explicit_protocol_wins(config_file, tmp_path):
    (tmp_path / "ca.pem").write_text("x")
    ok("config", "set-context", "t", "--ca-file", "ca.pem")
    assert stored(config_file)["contexts"]["t"]["properties"]["security.protocol"] == "SSL"
    ok("config", "set-context", "s", "--sasl-mechanism", "PLAIN", "--security-protocol", "SASL_SSL")
    assert stored(config_file)["contexts"]["s"]["properties"]["security.protocol"] == "SASL_SSL"


def test_oauthbearer_oidc(config_file):
    ok("config", "set-context", "o", "--sasl-mechanism", "OAUTHBEARER", "--oauth-token-url", "https://idp/token",
       "--username", "client-1", "--password-env", "CLIENT_SECRET")
    assert stored(config_file)["contexts"]["o"]["properties"] == {
        "sasl.mechanism": "OAUTHBEARER",
        "sasl.oauthbearer.method": "oidc",
        "sasl.oauthbearer.token.endpoint.url": "https://idp/token",
        "sasl.oauthbearer.client.id": "client-1",
        "sasl.oauthbearer.client.secret": "${env:CLIENT_SECRET}",
        "security.protocol": "SASL_PLAINTEXT",
    }


@pytest.mark.parametrize("args,code,message", [
    (["--password", "hunter2"], 2, "--password is not accepted"),
    (["-X", "sasl.password=hunter2"], 2, "-X/--property sasl.password: secrets are not accepted"),
    (["-X", "ssl.key.password=hunter2"], 2, "-X/--property ssl.key.password: secrets are not accepted"),
    (["--password-env", "NOT A VAR"], 2, "--password-env expects an environment variable name"),
    (["--password-env", "A", "--password-file", "f"], 2, "not both"),
    (["--password-file", "/no/such/hunter2"], 3, "--password-file /no/such/hunter2: no such file"),
    (["--ca-file", "missing.pem"], 3, "--ca-file missing.pem: no such file"),
    (["--sasl-mechanism", "GSSAPI"], 2, "GSSAPI"),
    (["--oauth-token-url", "https://x"], 2, "needs --sasl-mechanism OAUTHBEARER"),
])
def test_security_option_errors(config_file, args, code, message):
    result = run_kctl("config", "set-context", "c", *args)
    assert result.code == code, result
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    if "hunter2" in " ".join(args) and "--password-file" not in args:
        assert "hunter2" not in result.stderr + result.stdout
    assert not config_file.exists()


# ---------------------------------------------------------------- config view


def test_view_default_target():
    view = ok("config", "view", "-o", "json").json
    assert view["bootstrap"] == "127.0.0.1:9092" and view["bootstrap_source"] == "default instance 0"
    assert view["instance"] == 0 and view["context"] is None and view["registry"].endswith("port_registry.yaml")
    assert view["properties"] == {"bootstrap.servers": "127.0.0.1:9092"}


def test_view_shows_sources_and_redacts(config_file, tmp_path, monkeypatch):
    monkeypatch.setenv("PROD_PW", "the-env-secret")
    ok("config", "set-context", "prod", "-b", "k:9093", "--sasl-mechanism", "PLAIN", "--username", "alice",
       "--password-env", "PROD_PW", "-X", "linger.ms=5", "--use")
    cmd = tmp_path / "client.properties"
    cmd.write_text("ssl.key.password=inline-file-secret\nlinger.ms=7\n")
    for fmt in ("json", "yaml", "table"):
        result = ok("config", "view", "-o", fmt, "--command-config", str(cmd), "-X", "client.id=me")
        assert "the-env-secret" not in result.stdout + result.stderr
        assert "inline-file-secret" not in result.stdout + result.stderr
    view = ok("config", "view", "-o", "json", "--command-config", str(cmd), "-X", "client.id=me").json
    assert view["bootstrap_source"] == "context prod" and view["context"] == "prod" and view["registry"] is None
    assert view["properties"]["sasl.password"] == "${env:PROD_PW}"
    assert view["properties"]["ssl.key.password"] == "********"
    assert view["properties"]["linger.ms"] == "7"
    assert view["property_sources"] == {
        "bootstrap.servers": "context prod", "sasl.mechanism": "context", "sasl.username": "context",
        "sasl.password": "context", "linger.ms": "--command-config", "security.protocol": "context",
        "ssl.key.password": "--command-config", "client.id": "-X",
    }
    assert view["problems"] == []


def test_view_reports_unresolvable_references(config_file, monkeypatch):
    monkeypatch.delenv("UNSET_PW", raising=False)
    ok("config", "set-context", "c", "--username", "u", "--password-env", "UNSET_PW", "--use")
    view = ok("config", "view", "-o", "json").json
    assert view["problems"] == ["sasl.password refers to environment variable UNSET_PW, which is not set"]
    assert "warning: sasl.password refers to environment variable UNSET_PW" in ok("config", "view").stdout


def test_view_password_from_environment_or_prompt_is_redacted(config_file, monkeypatch):
    ok("config", "set-context", "c", "--username", "u", "--sasl-mechanism", "PLAIN", "--use")
    monkeypatch.setenv("KCTL_SASL_PASSWORD", "pw-from-kctl-env")
    view = run_kctl("config", "view", "-o", "json")
    assert view.json["properties"]["sasl.password"] == "********"
    assert view.json["property_sources"]["sasl.password"] == "KCTL_SASL_PASSWORD"
    assert "pw-from-kctl-env" not in view.stdout
    # --ask-password: view never prompts, it says where the password would come from
    view = run_kctl("config", "view", "-o", "json", "--ask-password")
    assert view.code == 0 and view.json["property_sources"]["sasl.password"] == "--ask-password"


def test_view_resolution_follows_the_documented_order(config_file):
    ok("config", "set-context", "dev", "-i", "3", "--use")
    assert ok("config", "view", "-o", "json").json["bootstrap"] == "127.0.0.1:9392"
    assert ok("config", "view", "-o", "json", env={"KCTL_INSTANCE": "2"}).json["bootstrap_source"] == "KCTL_INSTANCE"
    assert ok("config", "view", "-o", "json", "-i", "1", env={"KCTL_INSTANCE": "2"}).json["bootstrap"] == "127.0.0.1:9192"
    assert ok("config", "view", "-o", "json", "-i", "1", env={"KCTL_BOOTSTRAP": "e:1"}).json["bootstrap"] == "e:1"
    assert ok("config", "view", "-o", "json", "-b", "b:1", env={"KCTL_BOOTSTRAP": "e:1"}).json["bootstrap"] == "b:1"


def test_get_contexts_redacts_plain_secrets_written_by_hand(config_file):
    config_file.parent.mkdir(parents=True)
    config_file.write_text("contexts:\n  hand:\n    bootstrap: h:1\n    properties:\n      sasl.password: handwritten\n")
    for fmt in ("json", "yaml", "table"):
        assert "handwritten" not in ok("config", "get-contexts", "-o", fmt).stdout
    assert ok("config", "get-contexts", "-o", "json").json[0]["properties"]["sasl.password"] == "********"


def test_contexts_module_directly(config_file):
    context, created, path = contexts.set_context("x", instance=4, properties={"a": "1"})
    assert created and path == config_file and context == {"instance": 4, "properties": {"a": "1"}}
    assert contexts.get_context("x") == {"instance": 4, "properties": {"a": "1"}, "name": "x"}
    assert contexts.get_context(None) is None
    contexts.use_context("x")
    assert contexts.get_context(None)["name"] == "x"
    with pytest.raises(ConfigError):
        contexts.get_context("y")
