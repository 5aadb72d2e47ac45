"""A password login over a listener without TLS to another machine warns once; an unreachable remote
cluster gets a hint about its address, network and credentials, not `kctl local status`. No broker needed."""

from __future__ import annotations

import pytest

from kctl.config.client_conf import bootstrap_hosts, cleartext_login, cleartext_warning, is_loopback_host
from tests.helpers import run_kctl

REMOTE = "192.0.2.10:9092"  # TEST-NET-1: never routed, so a connection attempt just times out


def _conf(bootstrap=REMOTE, protocol="SASL_PLAINTEXT", mechanism="PLAIN"):
    conf = {"bootstrap.servers": bootstrap, "security.protocol": protocol, "sasl.username": "u", "sasl.password": "p"}
    if mechanism is not None:
        conf["sasl.mechanism"] = mechanism
    return conf


@pytest.mark.parametrize("conf, found", [
    (_conf(), ("PLAIN", ["192.0.2.10"])),
    (_conf(mechanism="SCRAM-SHA-512"), ("SCRAM-SHA-512", ["192.0.2.10"])),
    (_conf(protocol="sasl_plaintext", mechanism="scram-sha-256"), ("SCRAM-SHA-256", ["192.0.2.10"])),
    (_conf(bootstrap="127.0.0.1:9092,kafka.example.com:9092"), ("PLAIN", ["kafka.example.com"])),
    (_conf(bootstrap="SASL_PLAINTEXT://10.1.2.3:9092"), ("PLAIN", ["10.1.2.3"])),
    (_conf(bootstrap="localhost:9092,[::1]:9093,127.0.0.5:9094"), None),
    (_conf(protocol="SASL_SSL"), None),
    (_conf(protocol="PLAINTEXT"), None),
    (_conf(mechanism="GSSAPI"), None),
    (_conf(mechanism="OAUTHBEARER"), None),
    (_conf(mechanism=None), None),  # librdkafka's default mechanism is GSSAPI
])
def test_which_logins_cross_the_network_in_clear(conf, found):
    assert cleartext_login(conf) == found


def test_the_warning_says_what_and_how_to_fix_it():
    text = cleartext_warning(_conf())
    assert text.startswith("password sent in clear to 192.0.2.10") and "SASL_SSL" in text
    assert "--allow-plaintext-password" in text and "\n" not in text
    assert "sent unencrypted" in cleartext_warning(_conf(mechanism="SCRAM-SHA-256"))
    assert cleartext_warning(_conf(protocol="SASL_SSL")) is None


def test_hosts_and_loopback():
    assert bootstrap_hosts("a:1, [::1]:2,SSL://b:3,,c") == ["a", "::1", "b", "c"]
    assert all(is_loopback_host(h) for h in ("localhost", "LOCALHOST", "kafka.localhost", "127.0.0.1", "127.1.2.3", "::1",
                                             "[::1]"))
    assert not any(is_loopback_host(h) for h in ("10.0.0.1", "192.168.1.2", "kafka", "example.com", "::2"))


@pytest.fixture
def remote_context(tmp_path):
    config = tmp_path / "config.yaml"
    env = {"KCTL_CONFIG": str(config), "KCTL_TEST_PW": "s3cret-pw"}
    made = run_kctl("config", "set-context", "remote", "-b", REMOTE, "--sasl-mechanism", "PLAIN", "--username", "u",
                    "--password-env", "KCTL_TEST_PW", env=env)
    assert made.code == 0, made
    return env


def test_a_plain_login_to_a_remote_host_warns_once_and_the_hint_names_the_context(remote_context):
    result = run_kctl("--context", "remote", "topics", "list", "--timeout", "0.5", env=remote_context)
    assert result.code == 6, result
    lines = result.stderr.splitlines()
    assert lines[0] == ("kctl: warning: password sent in clear to 192.0.2.10 (SASL_PLAINTEXT); use SASL_SSL "
                        "(--ca-file or -X security.protocol=SASL_SSL) or --allow-plaintext-password")
    assert len(lines) == 2 and lines[1].startswith("kctl: error: ")
    assert "kctl local status" not in lines[1]
    assert f"check the bootstrap address {REMOTE}, the network and the credentials of context remote" in lines[1]
    assert "s3cret-pw" not in result.stderr


def test_allow_plaintext_password_silences_the_warning(remote_context):
    result = run_kctl("--context", "remote", "topics", "list", "--timeout", "0.5", "--allow-plaintext-password",
                      env=remote_context)
    assert result.code == 6 and "warning" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_remote_bootstrap_gets_a_network_hint_and_a_local_one_keeps_kctl_local_status():
    remote = run_kctl("-b", REMOTE, "topics", "list", "--timeout", "0.5")
    assert remote.code == 6 and "kctl local status" not in remote.stderr
    assert f"check the bootstrap address {REMOTE} (from --bootstrap) and the network" in remote.stderr
    local = run_kctl("-b", "127.0.0.1:1", "topics", "list", "--timeout", "0.5")
    assert local.code == 6 and "kctl local status" in local.stderr


def test_url_passwords_are_redacted_in_text_and_in_shown_config():
    from kctl.redact import REDACTED, redact, redact_text

    assert redact_text("at http://user:Pa55word@h:8081/x failed") == f"at http://user:{REDACTED}@h:8081/x failed"
    assert redact_text("'https://u:p@ss@h/' and http://h:8081/a b@c") == f"'https://u:{REDACTED}@h/' and http://h:8081/a b@c"
    shown = redact({"sasl.oauthbearer.token.endpoint.url": "https://id:Cl1ent-secret@idp/token"})
    assert shown == {"sasl.oauthbearer.token.endpoint.url": f"https://id:{REDACTED}@idp/token"}


def test_config_view_hides_a_password_in_a_url_property():
    result = run_kctl("config", "view", "-b", "127.0.0.1:1", "-o", "json",
                      "-X", "sasl.oauthbearer.token.endpoint.url=https://id:Cl1ent-secret@idp/token")
    assert result.code == 0, result
    assert "Cl1ent-secret" not in result.stdout + result.stderr
    assert result.json["properties"]["sasl.oauthbearer.token.endpoint.url"] == "https://id:********@idp/token"


def test_registry_settings_send_url_credentials_as_basic_auth_and_show_none():
    from kctl.client.schema_registry import RegistrySettings

    settings = RegistrySettings("http://reader:p%40ss@h:8081")
    assert settings.url == "http://h:8081"
    assert settings.conf()["basic.auth.user.info"] == "reader:p@ss"
