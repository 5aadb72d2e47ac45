"""`kctl config test-auth`: connect to a target the way its settings say, one step at a time, and
report each step (what was found, how long it took), stopping at the first that fails.

    dns       the bootstrap host names resolve
    tcp       a bootstrap address accepts a connection
    tls       (SSL, SASL_SSL) the handshake, the broker's certificate (subject, issuer, expiry),
              the client certificate when one is configured
    token     (OAUTHBEARER) a token from the login's source (the OIDC token endpoint, a token
              command, AWS MSK IAM signing): its sub, aud and expiry, never the token itself
    login     the broker accepts the login (SASL mechanism, or the client certificate under mTLS)
    metadata  the broker answers: broker count, cluster id, the principal's cluster operations

Each failure is the KctlError of its step (kctl.errors: 6 for DNS/TCP/an issuer that is down,
3 for a TLS certificate that does not verify against the configured CA, 9 for a refused login,
token or client certificate), raised with the steps so far, so that the command prints them and
exits with that code. Everything runs within the one deadline (--timeout).
"""

from __future__ import annotations

import copy
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from kctl.config.client_conf import bootstrap_hosts
from kctl.config.token_sources import OidcSource, TokenSource, jwt_claims, refresh, token_source
from kctl.deadline import Deadline, run_bounded
from kctl.errors import AuthError, BrokerUnavailable, ConfigError, KctlError
from kctl.kafka.login_probe import login
from kctl.models import AuthStep, AuthTest
from kctl.models.choices import PASSWORD_MECHANISMS
from kctl.redact import redact_text

SASL_PROTOCOLS = ("SASL_SSL", "SASL_PLAINTEXT")
TLS_PROTOCOLS = ("SSL", "SASL_SSL")


class AuthTestFailed(Exception):
    """A step failed: the result so far and the step's KctlError (what decides the exit code)."""

    def __init__(self, result: AuthTest, error: KctlError):
        super().__init__(str(error))
        self.result, self.error = result, error


def step_error(failed: AuthTestFailed) -> KctlError:
    """The step's error, its message naming the step (same class, so the same exit code)."""
    error = copy.copy(failed.error)
    error.message = f"test-auth: the {failed.result.failed_step} step failed: {failed.error.message}"
    error.args = (error.message,)
    return error


@dataclass
class _Run:
    conf: dict
    context: str | None
    deadline: Deadline
    steps: list = field(default_factory=list)
    principal: str | None = None
    principal_source: str | None = None
    token_expires: str | None = None
    operations: tuple = ()

    @property
    def protocol(self) -> str:
        return str(self.conf.get("security.protocol") or "PLAINTEXT").upper()

    @property
    def mechanism(self) -> str | None:
        if self.protocol not in SASL_PROTOCOLS:
            return None
        return str(self.conf.get("sasl.mechanism") or self.conf.get("sasl.mechanisms") or "GSSAPI").upper()

    def result(self, failed: str | None = None) -> AuthTest:
        return AuthTest(context=self.context, bootstrap=str(self.conf.get("bootstrap.servers", "")),
                        security_protocol=self.protocol, mechanism=self.mechanism, principal=self.principal,
                        principal_source=self.principal_source, token_expires=self.token_expires,
                        cluster_operations=self.operations, steps=tuple(self.steps), ok=failed is None,
                        failed_step=failed)

    def step(self, name: str, fn):
        """fn() -> detail; its KctlError ends the test (with this step marked failed)."""
        started = time.perf_counter()
        try:
            if self.deadline.expired:
                raise BrokerUnavailable(f"--timeout reached before the {name} step")
            detail = fn()
        except KctlError as error:
            self.steps.append(AuthStep(name, False, redact_text(error.message), _ms(started)))
            raise AuthTestFailed(self.result(name), error) from None
        self.steps.append(AuthStep(name, True, redact_text(detail), _ms(started)))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _addresses(bootstrap: str) -> list[tuple[str, int]]:
    out = []
    for item, host in zip([s.strip() for s in bootstrap.split(",") if s.strip()], bootstrap_hosts(bootstrap)):
        port_text = item.rsplit(":", 1)[-1] if ":" in item.split("]")[-1] else ""
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"bootstrap address {item!r} has no valid port")
        out.append((host, int(port_text)))
    if not out:
        raise ConfigError("no bootstrap servers to test", hint="give --context, -b or -i")
    return out


def run(conf: dict, context: str | None, timeout: float) -> AuthTest:
    """Every step in order; AuthTestFailed at the first failing one."""
    state = _Run(conf, context, Deadline.after(timeout))
    addresses = _addresses(str(conf.get("bootstrap.servers", "")))
    resolved: list = []
    state.step("dns", lambda: _resolve(addresses, resolved, state.deadline))
    connected: list = []
    state.step("tcp", lambda: _connect(resolved, connected, state.deadline))
    sock, (host, port) = connected[0]
    try:
        if state.protocol in TLS_PROTOCOLS:
            state.step("tls", lambda: _tls(conf, sock, host, state))
    finally:
        sock.close()
    source = token_source(conf) if state.mechanism == "OAUTHBEARER" else None
    if source is not None:
        state.step("token", lambda: _token(source, state))
    elif state.mechanism in PASSWORD_MECHANISMS:
        state.principal, state.principal_source = conf.get("sasl.username"), "the SASL user name"
    found: dict = {}
    state.step("login", lambda: _login(conf, state, found))
    state.step("metadata", lambda: _metadata(found, state))
    return state.result()


def _resolve(addresses, resolved: list, deadline: Deadline) -> str:
    problems = []
    for host, port in addresses:
        try:
            infos = run_bounded(lambda h=host, p=port: socket.getaddrinfo(h, p, type=socket.SOCK_STREAM), deadline,
                                f"resolving {host}")
        except socket.gaierror as exc:
            problems.append(f"{host}: {exc.strerror}")
            continue
        resolved.append(((host, port), [info[4] for info in infos]))
    if not resolved:
        raise BrokerUnavailable(f"no bootstrap host name resolves ({'; '.join(problems)})",
                                hint="check the bootstrap servers of your context (`kctl config view`)")
    return "; ".join(f"{host} -> {', '.join(sorted({a[0] for a in addrs}))}" for (host, _), addrs in resolved)


def _connect(resolved, connected: list, deadline: Deadline) -> str:
    problems = []
    for (host, port), addrs in resolved:
        for addr in addrs:
            try:
                sock = socket.create_connection((addr[0], port), timeout=max(0.1, deadline.remaining(0.1)))
            except OSError as exc:
                problems.append(f"{addr[0]}:{port}: {exc.strerror or exc}")
                continue
            connected.append((sock, (host, port)))
            return f"connected to {addr[0]}:{port}"
    raise BrokerUnavailable(f"no bootstrap address accepts a connection ({'; '.join(problems)})",
                            hint="is the broker running, and is the port the right one?")


def _tls_context(conf: dict) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca = conf.get("ssl.ca.location")
    try:
        if ca:
            context = ssl.create_default_context(cafile=ca)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load the CA file {ca} (ssl.ca.location): {exc}") from None
    algorithm = str(conf.get("ssl.endpoint.identification.algorithm", "https")).lower()
    context.check_hostname = algorithm == "https"
    cert, key = conf.get("ssl.certificate.location"), conf.get("ssl.key.location")
    if cert:
        try:
            context.load_cert_chain(cert, key or None, password=conf.get("ssl.key.password") or None)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load the client certificate {cert} / key {key} "
                              f"(ssl.certificate.location, ssl.key.location): {getattr(exc, 'strerror', None) or exc}") from None
    return context


def _name(parts) -> str:
    return ",".join(f"{k}={v}" for rdn in parts or () for k, v in rdn)


def _tls(conf: dict, sock: socket.socket, host: str, state: _Run) -> str:
    context = _tls_context(conf)
    sock.settimeout(max(0.1, state.deadline.remaining(0.1)))
    try:
        tls = context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        where = conf.get("ssl.ca.location") or "the system's CA store"
        raise ConfigError(f"the broker's certificate does not verify against {where}: {exc.verify_message}",
                          hint="set ssl.ca.location (--ca-file) to the CA that signed the broker's certificate") from None
    except ssl.SSLError as exc:
        raise _tls_refusal(exc) from None
    except OSError as exc:
        raise BrokerUnavailable(f"the TLS handshake did not finish: {exc.strerror or exc or 'timed out'}",
                                hint="does this port speak TLS? (security.protocol)") from None
    try:
        peer = tls.getpeercert() or {}
        # Under TLS 1.3 a broker that wants a client certificate says so after the handshake: a short read
        # catches its alert here (a broker sends nothing unasked, so silence means the handshake stands).
        tls.settimeout(min(0.5, max(0.05, state.deadline.remaining(0.05))))
        try:
            tls.recv(1)
        except (socket.timeout, TimeoutError):
            pass
        except ssl.SSLError as exc:
            raise _tls_refusal(exc) from None
        version = tls.version()
    finally:
        tls.close()
    detail = (f"{version}; broker certificate {_name(peer.get('subject'))} issued by {_name(peer.get('issuer'))}, "
              f"valid until {peer.get('notAfter', '?')}")
    if conf.get("ssl.certificate.location"):
        subject = _certificate_subject(conf["ssl.certificate.location"])
        detail += f"; client certificate {subject or conf['ssl.certificate.location']} sent"
        if state.protocol == "SSL" and subject:
            cn = next((v for part in subject.split(",") for k, _, v in [part.partition("=")] if k == "CN"), None)
            state.principal, state.principal_source = cn or subject, "the client certificate's CN (the usual mapping)"
    return detail


def _tls_refusal(exc: ssl.SSLError) -> KctlError:
    reason = exc.reason or str(exc)
    if "CERTIFICATE" in reason.upper() or "UNKNOWN_CA" in reason.upper() or "ACCESS_DENIED" in reason.upper():
        return AuthError(f"the broker refused the TLS client certificate ({reason})",
                         hint="check ssl.certificate.location / ssl.key.location (--cert-file, --key-file)")
    return BrokerUnavailable(f"the TLS handshake failed: {reason}", hint="does this port speak TLS? (security.protocol)")


def _certificate_subject(path: str) -> str | None:
    try:
        from cryptography import x509  # heavy: cryptography

        cert = x509.load_pem_x509_certificate(open(path, "rb").read())
    except Exception:  # noqa: BLE001 - only for display: an unreadable certificate fails the TLS step itself
        return None
    return cert.subject.rfc4514_string()


def _token(source: TokenSource, state: _Run) -> str:
    """A fresh token from the login's source (kctl.config.token_sources): its sub, aud and
    expiry, never the token itself. An expired one is refused there (exit 9)."""
    token = refresh(source, max(0.1, state.deadline.remaining(0.1)))
    state.token_expires = datetime.fromtimestamp(token.expires_at, timezone.utc).isoformat(timespec="seconds")
    found = jwt_claims(token.value)
    if isinstance(found.get("sub"), str):
        state.principal, state.principal_source = found["sub"], "the token's sub claim (the broker's default)"
    audience = found.get("aud")
    audience = ",".join(audience) if isinstance(audience, list) else audience
    what = f"token from {source.describe()}"
    if isinstance(source, OidcSource):
        what += f" for client {source.client_id}"
    if not found:
        return f"{what} (not a JWT), expires {state.token_expires}"
    return f"{what}: sub {found.get('sub', '?')}, aud {audience or '-'}, expires {state.token_expires}"


def _login(conf: dict, state: _Run, found: dict) -> str:
    found.update(login(conf, state.deadline))
    if state.mechanism:
        return f"SASL {state.mechanism} accepted"
    if state.protocol == "SSL":
        return "TLS accepted" + (" with the client certificate" if conf.get("ssl.certificate.location") else "")
    return "no login (PLAINTEXT)"


def _metadata(found: dict, state: _Run) -> str:
    state.operations = found["operations"]
    ops = ", ".join(found["operations"]) or "none (the principal may not describe the cluster)"
    return (f"{found['brokers']} broker(s), cluster id {found['cluster_id']}, controller {found['controller']}; "
            f"cluster operations: {ops}")
