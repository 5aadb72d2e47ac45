"""Issue 24: `kctl local up --security mtls` (TLS with ssl.client.auth=required, the principal the
client certificate's CN, the standard authorizer) on private instance 1 of
tests/integration/login_helpers.py: produce, consume, topics list (librdkafka), txn list and log
dirs (kafka-python) with the instance's client certificate; no certificate, a certificate of
another CA, a CA that does not sign the broker: each a documented exit code within --timeout."""

from __future__ import annotations

import datetime
import os
import stat

import pytest

from tests.integration.login_helpers import VERSIONS, Kctl, one_error_line, private_env

TIMEOUT = 5


@pytest.fixture(scope="module", params=list(VERSIONS), ids=lambda v: f"kafka-{v}")
def mtls(request, tmp_path_factory):
    version, instance = request.param, VERSIONS[request.param][1]
    root = tmp_path_factory.mktemp(f"mtls-{version}")
    kctl = Kctl(private_env(root))
    up = kctl("local", "up", "-i", instance, "--security", "mtls", "--kafka-version", version, "--heap", "256m",
              "--wait", 180, "-o", "json", timeout=300)
    assert up.code == 0, up
    state = root / "state" / "instances" / str(instance)
    try:
        yield {"kctl": kctl, "up": up.json, "state": state, "root": root, "ctx": ("--context", up.json["context"]),
               "instance": instance, "version": version}
    finally:
        kctl("local", "down", "-i", instance, "--grace", "10")
        key = (state / "tls" / "admin.key").read_text()
        body = "".join(key.strip().splitlines()[1:-1])
        assert kctl.leaks([body[:60], (state / "tls" / "store.password").read_text().strip()]) == []


def _self_signed(folder) -> tuple[str, str]:
    """A client certificate (CN=admin) that no CA of the instance signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "admin")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "other.pem", folder / "other.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_up_makes_the_client_certificate_and_the_context(mtls):
    up, state = mtls["up"], mtls["state"]
    assert up["security"] == "mtls" and up["context"] == f"local-{mtls['instance']}-mtls" and up["oidc"] is None
    assert up["kafka_version"] == mtls["version"]
    assert stat.S_IMODE(os.stat(state / "tls" / "admin.key").st_mode) == 0o600
    assert (state / "tls" / "admin.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")
    props = (state / "broker-1" / "server.properties").read_text()
    assert "ssl.client.auth=required" in props and "SSL://" in props and "SASL" not in props
    view = mtls["kctl"](*mtls["ctx"], "config", "view", "-o", "json")
    assert view.code == 0 and view.json["properties"]["ssl.key.location"].endswith("admin.key"), view


def test_produce_consume_list_and_kafka_python_paths_over_mtls(mtls):
    kctl, ctx = mtls["kctl"], mtls["ctx"]
    topic = "mtls-records"
    assert kctl(*ctx, "topics", "create", topic).code == 0
    assert kctl(*ctx, "produce", topic, input="a\nb\n").code == 0
    consumed = kctl(*ctx, "consume", topic, "--from", "beginning", "--max-messages", 2, "--timeout", 20)
    assert consumed.code == 0 and sorted(consumed.stdout.split()) == ["a", "b"], consumed
    for command in (("topics", "list"), ("txn", "list"), ("cluster", "log-dirs"), ("acls", "list")):
        result = kctl(*ctx, "--timeout", 10, *command, "-o", "json")
        assert result.code == 0, (command, result)
    by_instance = kctl("-i", mtls["instance"], "--timeout", TIMEOUT, "topics", "list", "-o", "json")
    assert by_instance.code == 0 and topic in {t["name"] for t in by_instance.json}, by_instance


def test_test_auth_reports_the_certificate_principal(mtls):
    result = mtls["kctl"]("config", "test-auth", mtls["up"]["context"], "-o", "json")
    assert result.code == 0, result
    report = result.json
    assert [s["step"] for s in report["steps"]] == ["dns", "tcp", "tls", "login", "metadata"]
    assert report["principal"] == "admin" and report["mechanism"] is None and report["security_protocol"] == "SSL"
    assert "client certificate CN=admin" in report["steps"][2]["detail"]


def _cases(mtls):
    state = mtls["state"]
    ca = str(state / "tls" / "ca.pem")
    other_cert, other_key = _self_signed(mtls["root"])
    wrong_ca = other_cert  # a CA file that did not sign the broker's certificate
    return {
        "no client certificate": (("-X", "security.protocol=SSL", "-X", f"ssl.ca.location={ca}"), 9, "tls"),
        "a certificate of another CA": (("-X", "security.protocol=SSL", "-X", f"ssl.ca.location={ca}",
                                         "-X", f"ssl.certificate.location={other_cert}",
                                         "-X", f"ssl.key.location={other_key}"), 9, "tls"),
        "a CA that did not sign the broker": (("-X", "security.protocol=SSL", "-X", f"ssl.ca.location={wrong_ca}",
                                               "-X", f"ssl.certificate.location={state / 'tls' / 'admin.pem'}",
                                               "-X", f"ssl.key.location={state / 'tls' / 'admin.key'}"), 3, "tls"),
    }


@pytest.mark.parametrize("case", ["no client certificate", "a certificate of another CA"])
@pytest.mark.parametrize("command", [("topics", "list"), ("txn", "list"), ("produce", "mtls-refused")])
def test_a_refused_client_certificate_exits_9_within_the_timeout(mtls, case, command):
    settings, _, _ = _cases(mtls)[case]
    result = mtls["kctl"]("-b", mtls["up"]["bootstrap"], *settings, "--timeout", TIMEOUT, *command, input="x\n")
    assert result.code == 9 and one_error_line(result), (case, result)
    assert result.seconds < TIMEOUT + 5, result


@pytest.mark.parametrize("case", ["no client certificate", "a certificate of another CA",
                                  "a CA that did not sign the broker"])
def test_test_auth_names_the_tls_step(mtls, case):
    settings, code, step = _cases(mtls)[case]
    result = mtls["kctl"]("-b", mtls["up"]["bootstrap"], *settings, "--timeout", TIMEOUT, "config", "test-auth",
                          "-o", "json")
    assert result.code == code and one_error_line(result), (case, result)
    assert result.json["failed_step"] == step and f"the {step} step failed" in result.stderr, result
    assert result.seconds < TIMEOUT + 5, result
