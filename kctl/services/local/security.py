"""`kctl local up --security scram`: SASL/SCRAM over TLS on an instance's broker listeners.

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

from kctl.errors import ConfigError
from kctl.config.state import MECHANISM, SUPER_USER, password_file, super_user_properties, tls_dir  # noqa: F401 - re-exported

SECURITY_MODES = ("none", "scram")
_STORE_PASSWORD_FILE = "store.password"


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
              "-dname", "CN=localhost", "-ext", san, "-keystore", str(paths["keystore"]), *common], "broker key")
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


def secure_properties(text: str, instance: int, tls: dict[str, str], host: str, port: int) -> str:
    """server.properties of the plain template, turned into SASL_SSL (SCRAM) with the authorizer."""
    password = admin_password(instance)
    replaced = []
    for line in text.splitlines():
        if line.startswith("listeners="):
            line = line.replace(f"PLAINTEXT://{host}:{port}", f"SASL_SSL://{host}:{port}")
        elif line.startswith("advertised.listeners="):
            line = f"advertised.listeners=SASL_SSL://{host}:{port}"
        elif line.startswith("inter.broker.listener.name="):
            line = "inter.broker.listener.name=SASL_SSL"
        elif line.startswith("listener.security.protocol.map="):
            line = "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT"
        replaced.append(line)
    jaas = (f'org.apache.kafka.common.security.scram.ScramLoginModule required username="{SUPER_USER}" '
            f'password="{password}";')
    replaced += [
        "",
        "# kctl local up --security scram: SASL/SCRAM over TLS, KRaft's standard authorizer.",
        "sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512",
        f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
        f"listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config={jaas}",
        f"listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config={jaas}",
        "ssl.keystore.type=PKCS12",
        f"ssl.keystore.location={tls['keystore']}",
        f"ssl.keystore.password={tls['password']}",
        f"ssl.key.password={tls['password']}",
        "ssl.truststore.type=PKCS12",
        f"ssl.truststore.location={tls['truststore']}",
        f"ssl.truststore.password={tls['password']}",
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found=false",
        f"super.users=User:{SUPER_USER};User:ANONYMOUS",
    ]
    return "\n".join(replaced) + "\n"


def format_arguments(instance: int) -> list[str]:
    """StorageTool format arguments that create the super user's SCRAM credential."""
    return ["--add-scram", f"{MECHANISM}=[name={SUPER_USER},password={admin_password(instance)}]"]


def client_properties(instance: int) -> dict[str, str]:
    """librdkafka properties of the super user (the password as a ${file:...} reference)."""
    return super_user_properties(instance)


def resolved_client_conf(instance: int) -> dict[str, str]:
    """The same with the password itself (for kctl's own readiness checks; never printed)."""
    from kctl.config.client_conf import remember_secrets

    props = dict(client_properties(instance))
    props["sasl.password"] = admin_password(instance)
    remember_secrets({"sasl.password": props["sasl.password"]})
    return props


def context_name(instance: int) -> str:
    return f"local-{instance}-scram"


def make_context(instance: int) -> str:
    """The kctl context of the super user (created or updated); its name. It names the instance
    (not a bootstrap), so that commands know it is a local one (`cluster health` expects its
    broker count)."""
    from kctl.config.contexts import set_context

    name = context_name(instance)
    set_context(name, instance=instance, properties=client_properties(instance))
    return name
