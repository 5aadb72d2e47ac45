"""`kctl config test-auth` without a broker (its bad-input table, the DNS/TCP/TLS steps against
local sockets), the OIDC token request against a local HTTP server, and the secured properties."""

from __future__ import annotations

import http.server
import socket
import threading

import pytest

from kctl.errors import AuthError, BrokerUnavailable, ConfigError
from tests.helpers import run_kctl


@pytest.fixture
def silent_port():
    """A port that accepts connections and never says anything (no TLS either)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def closed_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def _cases(silent: int, closed: int):
    tls = ("-X", "security.protocol=SSL")
    return [
        (("config", "test-auth", "no-such-context"), 3, "no context named 'no-such-context'"),
        (("-b", "127.0.0.1:9092", "config", "test-auth", "ctx"), 2, "give a CONTEXT or -b/-i, not both"),
        (("-b", "nosuchhost.invalid:9092", "config", "test-auth"), 6, "the dns step failed"),
        (("-b", f"127.0.0.1:{closed}", "config", "test-auth"), 6, "the tcp step failed"),
        (("-b", f"127.0.0.1:{silent}", *tls, "config", "test-auth"), 6, "the tls step failed"),
        (("-b", f"127.0.0.1:{silent}", *tls, "-X", "ssl.ca.location=/nonexistent/ca.pem", "config", "test-auth"),
         3, "cannot load the CA file /nonexistent/ca.pem"),
        (("-b", f"127.0.0.1:{silent}", *tls, "-X", "ssl.certificate.location=/nonexistent/c.pem",
          "-X", "ssl.key.location=/nonexistent/c.key", "config", "test-auth"), 3, "cannot load the client certificate"),
    ]


@pytest.mark.parametrize("index", range(7))
def test_bad_inputs_of_test_auth(index, silent_port, closed_port, tmp_path):
    args, code, message = _cases(silent_port, closed_port)[index]
    result = run_kctl("--timeout", 1, *args, env={"KCTL_CONFIG": str(tmp_path / "config.yaml")})
    assert result.code == code, result
    assert result.stderr.count("kctl: error:") == 1 and message in result.stderr, result


class _Issuer(http.server.BaseHTTPRequestHandler):
    status = 401

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error": "invalid_client"}' if self.status != 200 else b'{"expires_in": 60}')

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("status, error", [(401, AuthError), (200, AuthError)])
def test_a_refusing_issuer_is_exit_9_without_the_secret(status, error):
    from kctl.config.oidc_token import fetch_token

    handler = type("Handler", (_Issuer,), {"status": status})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(error) as caught:
            fetch_token(f"http://127.0.0.1:{server.server_port}/token", "client", "s3cret-value", "kafka", 5)
    finally:
        server.shutdown()
    assert "s3cret-value" not in caught.value.message and str(server.server_port) in caught.value.message


def test_an_issuer_that_is_down_is_exit_6(closed_port):
    from kctl.config.oidc_token import fetch_token

    with pytest.raises(BrokerUnavailable, match=f"127.0.0.1:{closed_port}"):
        fetch_token(f"http://127.0.0.1:{closed_port}/token", "client", "secret", None, 2)


def test_kafka_python_takes_oidc_client_credentials_and_refuses_unsecured_tokens():
    from kctl.kafka.kafka_python import kafka_python_kwargs
    from kctl.config.token_sources import OidcSource
    from kctl.kafka.oauth import TokenProvider

    conf = {"bootstrap.servers": "h:1", "security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER",
            "sasl.oauthbearer.method": "oidc", "sasl.oauthbearer.token.endpoint.url": "http://i/token",
            "sasl.oauthbearer.client.id": "c", "sasl.oauthbearer.client.secret": "s", "sasl.oauthbearer.scope": "k"}
    kwargs = kafka_python_kwargs(conf, 5)
    provider = kwargs["sasl_oauth_token_provider"]
    assert isinstance(provider, TokenProvider) and isinstance(provider.source, OidcSource)
    assert kwargs["sasl_mechanism"] == "OAUTHBEARER"
    with pytest.raises(ConfigError, match="unsecured"):
        kafka_python_kwargs({**conf, "sasl.oauthbearer.method": "default"}, 5)


def test_secured_broker_properties():
    from kctl.config.registry import OidcPorts
    from kctl.services.local import security

    template = ("listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:19093\n"
                "advertised.listeners=PLAINTEXT://127.0.0.1:9092\ninter.broker.listener.name=PLAINTEXT\n"
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n")
    tls = {"keystore": "k.p12", "truststore": "t.p12", "password": "pw"}
    mtls = security.secure_properties(template, 0, tls, "127.0.0.1", 9092, "mtls")
    assert "listeners=SSL://127.0.0.1:9092" in mtls and "ssl.client.auth=required" in mtls and "sasl." not in mtls
    assert security.jvm_options("mtls") == []
    oidc = OidcPorts("127.0.0.1", 8090)
    assert security.jvm_options("oauth", oidc) == [
        "-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=http://127.0.0.1:8090/kctl/jwks,http://127.0.0.1:8090/kctl/token"]
