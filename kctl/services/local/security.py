"""`kctl local up --security scram|oauth|mtls`: TLS and a login on an instance's broker listeners.

    scram  SASL_SSL, SCRAM-SHA-256/512; the super user `admin`
    oauth  SASL_SSL, OAUTHBEARER tokens of the instance's OIDC issuer (kctl.services.local.oidc),
           validated against its JWKS with the expected audience; SCRAM-SHA-512 stays enabled for
           the brokers' own traffic (and the super user `admin`)
    mtls   SSL with ssl.client.auth=required: a client certificate signed by the instance CA,
           the principal its CN (CN=admin -> User:admin); brokers use their own certificate

Into the instance's state folder (tls/): a CA and one broker certificate (SAN 127.0.0.1 and
localhost; every broker of an instance runs on this host) made with the JDK's keytool (Java
is needed for the brokers anyway, so no extra dependency), PKCS12 stores, the CA as PEM for
clients. The super user `admin` (password in admin.password, mode 0600) gets its SCRAM-SHA-512
credential when storage is formatted, so brokers can authenticate to each other from the first
start. Authorization: KRaft's StandardAuthorizer, no ACL means no access. The controller
listener stays PLAINTEXT on 127.0.0.1 (controller-to-controller traffic; its ANONYMOUS
principal is a super user, as the controllers must be).
"""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

from kctl.config.contexts import set_context
from kctl.config.state import MECHANISM, SUPER_USER, mode_properties, password_file, super_user_properties, tls_dir  # noqa: F401 - re-exported
from kctl.errors import ConfigError
from kctl.models.choices import SCRAM_MECHANISMS
from kctl.redact import remember_secrets
from kctl.services.local.oidc import AUDIENCE, CLIENT_ID

SECURITY_MODES = ("none", "scram", "oauth", "mtls")
SASL_MODES = ("scram", "oauth")
_STORE_PASSWORD_FILE = "store.password"
BROKER_CN = "localhost"  # the brokers' certificate; under mtls their principal User:localhost


def _secret_file(path: Path) -> str:
    """The secret in path, made (random, mode 0600) when missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(18))
    return path.read_text().strip()


def admin_password(instance: int) -> str:
    return _secret_file(password_file(instance))


def _keytool(java: str) -> str:
    keytool = Path(java).with_name("keytool")
    return str(keytool) if keytool.exists() else "keytool"


def _run(command: list[str], what: str, stdin: str | None = None) -> str:
    try:
        proc = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"keytool ({what}) failed: {exc}") from None
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-2:])
        raise ConfigError(f"keytool ({what}) failed: {tail}")
    return proc.stdout


def ensure_tls(instance: int, java: str, host: str) -> dict[str, str]:
    """The CA and broker stores of the instance (made once): {keystore, truststore, ca_pem, password}."""
    folder = tls_dir(instance)
    folder.mkdir(parents=True, exist_ok=True)
    password = _secret_file(folder / _STORE_PASSWORD_FILE)
    paths = {"keystore": folder / "broker.p12", "truststore": folder / "truststore.p12", "ca_pem": folder / "ca.pem",
             "ca_store": folder / "ca.p12"}
    if not all(p.exists() for p in paths.values()):
        for p in paths.values():
            p.unlink(missing_ok=True)
        keytool = _keytool(java)
        common = ["-storetype", "PKCS12", "-storepass", password, "-keypass", password]
        san = f"SAN=ip:{host},ip:127.0.0.1,dns:localhost"
        _run([keytool, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
              "-dname", f"CN=kctl local CA {instance}", "-ext", "bc:c", "-keystore", str(paths["ca_store"]), *common],
             "CA key")
        ca_pem = _run([keytool, "-exportcert", "-rfc", "-alias", "ca", "-keystore", str(paths["ca_store"]),
                       "-storepass", password], "CA certificate")
        paths["ca_pem"].write_text(ca_pem)
        _run([keytool, "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
              "-dname", f"CN={BROKER_CN}", "-ext", san, "-keystore", str(paths["keystore"]), *common], "broker key")
        request = _run([keytool, "-certreq", "-alias", "broker", "-keystore", str(paths["keystore"]),
                        "-storepass", password], "certificate request")
        signed = _run([keytool, "-gencert", "-alias", "ca", "-keystore", str(paths["ca_store"]), "-storepass", password,
                       "-rfc", "-validity", "3650", "-ext", san], "sign the broker certificate", stdin=request)
        for alias, store, pem in (("ca", paths["keystore"], ca_pem), ("broker", paths["keystore"], signed),
                                  ("ca", paths["truststore"], ca_pem)):
            _run([keytool, "-importcert", "-noprompt", "-alias", alias, "-keystore", str(store), *common],
                 f"import the {alias} certificate", stdin=pem)
    return {"keystore": str(paths["keystore"]), "truststore": str(paths["truststore"]), "ca_pem": str(paths["ca_pem"]),
            "password": password}


def _listener_lines(text: str, protocol: str, host: str, port: int) -> list[str]:
    replaced = []
    for line in text.splitlines():
        if line.startswith("listeners="):
            line = line.replace(f"PLAINTEXT://{host}:{port}", f"{protocol}://{host}:{port}")
        elif line.startswith("advertised.listeners="):
            line = f"advertised.listeners={protocol}://{host}:{port}"
        elif line.startswith("inter.broker.listener.name="):
            line = f"inter.broker.listener.name={protocol}"
        elif line.startswith("listener.security.protocol.map="):
            line = f"listener.security.protocol.map={protocol}:{protocol},CONTROLLER:PLAINTEXT"
        replaced.append(line)
    return replaced


def _store_lines(tls: dict[str, str]) -> list[str]:
    return [
        "ssl.keystore.type=PKCS12",
        f"ssl.keystore.location={tls['keystore']}",
        f"ssl.keystore.password={tls['password']}",
        f"ssl.key.password={tls['password']}",
        "ssl.truststore.type=PKCS12",
        f"ssl.truststore.location={tls['truststore']}",
        f"ssl.truststore.password={tls['password']}",
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found=false",
    ]


def secure_properties(text: str, instance: int, tls: dict[str, str], host: str, port: int, mode: str = "scram",
                      oidc=None) -> str:
    """server.properties of the plain template, secured by `mode` (scram, oauth: SASL_SSL; mtls: SSL)
    with the authorizer. oidc: the instance's OidcPorts (mode oauth)."""
    if mode == "mtls":
        replaced = _listener_lines(text, "SSL", host, port)
        replaced += [
            "",
            "# kctl local up --security mtls: TLS with client certificates, KRaft's standard authorizer.",
            "ssl.client.auth=required",
            # The principal is the certificate's CN (CN=admin -> User:admin), not the whole DN.
            "ssl.principal.mapping.rules=RULE:^CN=([^,]+).*$/$1/,DEFAULT",
            *_store_lines(tls),
            f"super.users=User:{SUPER_USER};User:{BROKER_CN};User:ANONYMOUS",
        ]
        return "\n".join(replaced) + "\n"
    password = admin_password(instance)
    replaced = _listener_lines(text, "SASL_SSL", host, port)
    jaas = (f'org.apache.kafka.common.security.scram.ScramLoginModule required username="{SUPER_USER}" '
            f'password="{password}";')
    mechanisms = ",".join(SCRAM_MECHANISMS) + (",OAUTHBEARER" if mode == "oauth" else "")
    replaced += [
        "",
        f"# kctl local up --security {mode}: SASL over TLS, KRaft's standard authorizer.",
        f"sasl.enabled.mechanisms={mechanisms}",
        f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
        f"listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config={jaas}",
        f"listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config={jaas}",
        *_store_lines(tls),
    ]
    users = f"User:{SUPER_USER};User:ANONYMOUS"
    if mode == "oauth":
        replaced += [
            "listener.name.sasl_ssl.oauthbearer.sasl.jaas.config="
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ;",
            "listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class="
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler",
            f"sasl.oauthbearer.jwks.endpoint.url={oidc.jwks_url}",
            f"sasl.oauthbearer.expected.audience={AUDIENCE}",
            f"sasl.oauthbearer.expected.issuer={oidc.issuer}",
            # Kafka 4.1's public OAuthBearerValidatorCallbackHandler.configure makes the default
            # DefaultJwtValidator without a key resolver, which then checks only the claims and
            # not the signature (a forged token was accepted here): name the broker validator.
            # Kafka 3.x has no such setting and verifies by itself (it warns of an unknown config).
            "sasl.oauthbearer.jwt.validator.class=org.apache.kafka.common.security.oauthbearer.BrokerJwtValidator",
        ]
        users += f";User:{CLIENT_ID}"
    replaced.append(f"super.users={users}")
    return "\n".join(replaced) + "\n"


def jvm_options(mode: str, oidc=None) -> list[str]:
    """The brokers' extra JVM options: Kafka 4 fetches only the OAuth URLs it is allowed to."""
    if mode != "oauth":
        return []
    return [f"-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls={oidc.jwks_url},{oidc.token_url}"]


def ensure_client_certificate(instance: int, java: str, host: str) -> dict[str, str]:
    """The super user's client certificate (CN=admin, signed by the instance CA) and its key, as PEM
    files for librdkafka and kafka-python (made once; the key mode 0600): {cert, key}."""
    tls = ensure_tls(instance, java, host)
    folder = tls_dir(instance)
    cert, key = folder / "admin.pem", folder / "admin.key"
    if cert.exists() and key.exists():
        return {"cert": str(cert), "key": str(key)}
    password, keytool = tls["password"], _keytool(java)
    store = folder / "admin.p12"
    store.unlink(missing_ok=True)
    common = ["-storetype", "PKCS12", "-storepass", password, "-keypass", password]
    _run([keytool, "-genkeypair", "-alias", "admin", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
          "-dname", f"CN={SUPER_USER}", "-keystore", str(store), *common], "client key")
    request = _run([keytool, "-certreq", "-alias", "admin", "-keystore", str(store), "-storepass", password],
                   "client certificate request")
    signed = _run([keytool, "-gencert", "-alias", "ca", "-keystore", str(folder / "ca.p12"), "-storepass", password,
                   "-rfc", "-validity", "3650", "-ext", "eku=clientAuth"], "sign the client certificate", stdin=request)
    from cryptography.hazmat.primitives import serialization  # heavy: cryptography
    from cryptography.hazmat.primitives.serialization import pkcs12  # heavy: cryptography

    private, _, _ = pkcs12.load_key_and_certificates(store.read_bytes(), password.encode())
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    cert.write_text(signed)
    store.unlink()
    return {"cert": str(cert), "key": str(key)}


def format_arguments(instance: int) -> list[str]:
    """StorageTool format arguments that create the super user's SCRAM credential."""
    return ["--add-scram", f"{MECHANISM}=[name={SUPER_USER},password={admin_password(instance)}]"]


def client_properties(instance: int, mode: str = "scram") -> dict[str, str]:
    """librdkafka properties of the instance's super user in `mode` (secrets as ${file:...} references)."""
    return mode_properties(instance, mode)


def resolved_client_conf(instance: int, mode: str = "scram") -> dict[str, str]:
    """kctl's own readiness checks log in as the SCRAM super user under scram and oauth (the issuer
    starts before the brokers, but SCRAM needs nothing beside them), with the client certificate
    under mtls. The password itself: never printed."""
    if mode == "mtls":
        return client_properties(instance, "mtls")
    props = dict(client_properties(instance, "scram"))
    props["sasl.password"] = admin_password(instance)
    remember_secrets({"sasl.password": props["sasl.password"]})
    return props


def context_name(instance: int, mode: str = "scram") -> str:
    return f"local-{instance}-{mode}"


def make_context(instance: int, mode: str = "scram") -> str:
    """The kctl context of the super user (created or updated); its name. It names the instance
    (not a bootstrap), so that commands know it is a local one (`cluster health` expects its
    broker count). Under oauth a second context, local-N-scram, keeps the SCRAM login."""
    if mode == "oauth":
        set_context(context_name(instance, "scram"), instance=instance, properties=client_properties(instance, "scram"))
    name = context_name(instance, mode)
    set_context(name, instance=instance, properties=client_properties(instance, mode))
    return name
