"""Bearer tokens for SASL/OAUTHBEARER: the one place that makes a login's token and its expiry,
whichever library then sends it (ARCHITECTURE.md, "Where each kind of code goes": a login step).

Sources, chosen by the client properties:

  oidc         OIDC client credentials: librdkafka's own sasl.oauthbearer.method=oidc settings
               (token endpoint, client id and secret, scope), through kctl.config.oidc_token.
  command      kctl.oauthbearer.method=command, kctl.oauthbearer.token.command (a context's
               `token_command`): a program, like kubectl's exec credential plugins, that prints
               {"token" (or "access_token"): ..., "expires_in": seconds} or a bare JWT (its exp claim).
  aws_msk_iam  kctl.oauthbearer.method=aws_msk_iam: Amazon MSK IAM, whose SASL login is OAUTHBEARER
               with a token made by aws-msk-iam-sasl-signer-python (a signed URL, valid 15 minutes):
               region, profile and role from kctl.oauthbearer.aws.*, else the AWS environment.

`kctl.*` properties are kctl's own: `librdkafka_conf` removes them before librdkafka sees a conf.
librdkafka fetches OIDC tokens itself; the other sources reach it through oauth_cb, whose
confluent-kafka constructor sleeps a second before it looks for the first token (and waits up to
10 s, past --timeout): so the first token is fetched here, within kctl's bound, before the client
is made, and a failure is a KctlError at once. kafka-python asks kctl.kafka.oauth's provider.

A token is kept in the process (every client of a command shares it) until 80% of its life has
passed, as librdkafka does. Tokens are remembered as secrets (kctl.redact); an error names the
source (the token command by its program name only: its arguments may hold secrets) and never
shows a token or what a command printed.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import shlex
import threading
import time
from dataclasses import dataclass, field

from kctl import log
from kctl.deadline import Deadline, run_bounded
from kctl.errors import AuthError, BrokerUnavailable, ConfigError, KctlError
from kctl.redact import redact_text, remember_secret

PREFIX = "kctl."
METHOD = "kctl.oauthbearer.method"
COMMAND = "kctl.oauthbearer.token.command"
TIMEOUT_MS = "kctl.oauthbearer.timeout.ms"
AWS_REGION = "kctl.oauthbearer.aws.region"
AWS_PROFILE = "kctl.oauthbearer.aws.profile"
AWS_ROLE_ARN = "kctl.oauthbearer.aws.role.arn"
METHODS = ("command", "aws_msk_iam")
DEFAULT_TIMEOUT = 10.0
REFRESH_MARGIN = 0.8
# MSK's bootstrap names carry the region: b-1.name.abc123.c2.kafka.eu-west-1.amazonaws.com
_MSK_HOST = re.compile(r"\.kafka(?:-serverless)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?::\d+)?$")


@dataclass(frozen=True)
class Token:
    value: str = field(repr=False)
    expires_at: float  # seconds since the epoch
    principal: str = "kctl"


class TokenSource:
    """What makes a token: fetch(timeout) -> Token, or a KctlError naming the source."""

    kind = ""

    def key(self) -> tuple:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def fetch(self, timeout: float) -> Token:
        raise NotImplementedError


def fetch_timeout(conf: dict, default: float = DEFAULT_TIMEOUT) -> float:
    """How long a token fetch may take: kctl.oauthbearer.timeout.ms (the CLI sets --timeout), else default."""
    raw = conf.get(TIMEOUT_MS)
    if raw is None:
        return default
    try:
        value = float(raw) / 1000
    except (TypeError, ValueError):
        raise ConfigError(f"{TIMEOUT_MS} must be a number of milliseconds, got {raw!r}") from None
    if not 0 < value < 86400 * 365:
        raise ConfigError(f"{TIMEOUT_MS} must be above 0, got {raw!r}")
    return value


def token_source(conf: dict) -> TokenSource | None:
    """The token source conf names, None without OAUTHBEARER (or with librdkafka's unsecured
    default method). ConfigError for settings that contradict each other."""
    mechanism = str(conf.get("sasl.mechanism") or conf.get("sasl.mechanisms") or "").upper()
    oidc = str(conf.get("sasl.oauthbearer.method", "default")).lower() == "oidc"
    method = conf.get(METHOD)
    if method is None:
        stray = sorted(k for k in conf if str(k).startswith("kctl.oauthbearer.") and k != TIMEOUT_MS)
        if stray:
            raise ConfigError(f"{stray[0]} needs {METHOD}=command or aws_msk_iam")
        return OidcSource(conf) if mechanism == "OAUTHBEARER" and oidc else None
    method = str(method).lower()
    if method not in METHODS:
        raise ConfigError(f"{METHOD} must be one of {', '.join(METHODS)}, got {conf.get(METHOD)!r}")
    if mechanism != "OAUTHBEARER":
        raise ConfigError(f"{METHOD}={method} needs sasl.mechanism=OAUTHBEARER, not {mechanism or 'none'}")
    if oidc:
        raise ConfigError(f"{METHOD}={method} and sasl.oauthbearer.method=oidc name two token sources: keep one")
    protocol = str(conf.get("security.protocol") or "PLAINTEXT").upper()
    if not protocol.startswith("SASL_"):
        raise ConfigError(f"an OAUTHBEARER login needs security.protocol SASL_SSL (or SASL_PLAINTEXT), not {protocol}",
                          hint="-X security.protocol=SASL_SSL, or --ca-file in the context")
    return CommandSource(conf) if method == "command" else AwsMskIamSource(conf)


def librdkafka_conf(conf: dict) -> dict:
    """conf as librdkafka takes it: kctl's own properties removed and, for a token source
    librdkafka cannot use itself, an oauth_cb (whose first token is fetched now)."""
    out = {k: v for k, v in conf.items() if not str(k).startswith(PREFIX)}
    if len(out) == len(conf):
        return out  # librdkafka's own logins (OIDC too): librdkafka checks their settings itself
    source = token_source(conf)
    if source is None or isinstance(source, OidcSource):
        return out
    timeout = fetch_timeout(conf)
    out["oauth_cb"] = OAuthCallback(source, cached_token(source, timeout), timeout)
    return out


class OAuthCallback:
    """confluent-kafka's oauth_cb: the prefetched token first, then a fresh one at each refresh
    (librdkafka asks at 80% of the token's life). It runs on librdkafka's background thread: a
    failure is logged (redacted) and raised, which librdkafka turns into a retry in 10 s."""

    def __init__(self, source: TokenSource, first: Token, timeout: float):
        self.source, self.timeout = source, timeout
        self._first: Token | None = first

    def __call__(self, _config: str):
        token, self._first = self._first, None
        if token is None:
            try:
                token = refresh(self.source, self.timeout)
            except KctlError as exc:
                log.event("oauth_token_refresh_failed", logging.WARNING, source=self.source.describe(), error=redact_text(str(exc)))
                raise
        return token.value, token.expires_at, token.principal


_cache: dict[tuple, tuple[Token, float]] = {}
_lock = threading.Lock()


def cached_token(source: TokenSource, timeout: float) -> Token:
    """The process's token of this source while under 80% of its life, else a fresh one."""
    with _lock:
        entry = _cache.get(source.key())
    if entry is not None and time.time() < entry[1]:
        return entry[0]
    return refresh(source, timeout)


def refresh(source: TokenSource, timeout: float) -> Token:
    fetched = time.time()
    token = source.fetch(timeout)
    remember_secret(token.value)
    if token.expires_at <= time.time():
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(token.expires_at))
        raise AuthError(f"{source.describe()} gave a token that expired at {when}",
                        hint="check the clock and the token lifetime of the issuer")
    with _lock:
        _cache[source.key()] = (token, fetched + (token.expires_at - fetched) * REFRESH_MARGIN)
    return token


def jwt_claims(token: str) -> dict:
    """The (unverified) claims of a JWT, {} when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _principal(token: str) -> str:
    sub = jwt_claims(token).get("sub")
    return sub if isinstance(sub, str) and sub else "kctl"


class OidcSource(TokenSource):
    kind = "oidc"

    def __init__(self, conf: dict):
        self.url = str(conf.get("sasl.oauthbearer.token.endpoint.url") or "")
        self.client_id = str(conf.get("sasl.oauthbearer.client.id") or "")
        self._secret = str(conf.get("sasl.oauthbearer.client.secret") or "")
        self.scope = conf.get("sasl.oauthbearer.scope")
        if not self.url or not self.client_id:
            raise ConfigError("OAUTHBEARER needs sasl.oauthbearer.token.endpoint.url and sasl.oauthbearer.client.id",
                              hint="`kctl config set-context NAME --sasl-mechanism OAUTHBEARER --oauth-token-url URL "
                                   "--username CLIENT_ID --password-env VAR`")

    def key(self) -> tuple:
        return (self.kind, self.url, self.client_id, self._secret, self.scope)

    def describe(self) -> str:
        return f"the OAuth token endpoint {self.url}"

    def fetch(self, timeout: float) -> Token:
        from kctl.config.oidc_token import fetch_token  # heavy: urllib.request (via kctl.config.oidc_token)

        value, lifetime = fetch_token(self.url, self.client_id, self._secret, self.scope, timeout)
        return Token(value, time.time() + lifetime, _principal(value))


def command_argv(value) -> list[str]:
    """A token command as argv: a list as it is, a string split as a shell would (no shell runs)."""
    if isinstance(value, (list, tuple)):
        argv = [str(a) for a in value]
    else:
        try:
            argv = shlex.split(str(value))
        except ValueError as exc:
            raise ConfigError(f"{COMMAND}: cannot split the command: {exc}") from None
    if not argv or not argv[0]:
        raise ConfigError(f"{COMMAND} is empty", hint="a program and its arguments, e.g. `fetch-token --audience kafka`")
    return argv


class CommandSource(TokenSource):
    kind = "command"

    def __init__(self, conf: dict):
        raw = conf.get(COMMAND)
        if raw is None:
            raise ConfigError(f"{METHOD}=command needs {COMMAND}",
                              hint="`kctl config set-context NAME --token-command 'PROGRAM ARGS'`")
        self.argv = command_argv(raw)

    def key(self) -> tuple:
        return (self.kind, *self.argv)

    def describe(self) -> str:
        return f"the token command {os.path.basename(self.argv[0])}"

    def fetch(self, timeout: float) -> Token:
        from kctl.config.token_command import run_token_command  # not on topics list's path

        return parse_token_output(run_token_command(self.argv, timeout, self.describe()), self.describe())


def parse_token_output(raw: bytes, what: str) -> Token:
    """A token command's output: JSON {"token"|"access_token": str, "expires_in": seconds} (the
    JWT's exp when it has no expires_in) or one bare JWT. ConfigError naming what was wrong,
    never the output itself."""
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigError(f"{what} printed something that is not UTF-8 text") from None
    if not text:
        raise ConfigError(f"{what} printed nothing", hint="it should print a token on standard output")
    expires_in = None
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise ConfigError(f"{what} printed malformed JSON") from None
        token = data.get("token", data.get("access_token")) if isinstance(data, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise ConfigError(f"{what} printed JSON without a \"token\" string")
        token = token.strip()
        remember_secret(token)
        if data.get("expires_in") is not None:
            expires_in = data["expires_in"]
            if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)) or expires_in != expires_in:
                raise ConfigError(f"{what} printed an \"expires_in\" that is not a number of seconds")
    else:
        token = text
        remember_secret(token)
        if any(c.isspace() for c in token) or not jwt_claims(token):
            raise ConfigError(f"{what} printed neither JSON nor a JWT",
                              hint='print {"token": "...", "expires_in": SECONDS} or one JWT')
    if not token.isascii() or any(ord(c) < 33 for c in token):
        raise ConfigError(f"{what} printed a token with spaces or control characters")
    if expires_in is not None:
        return Token(token, time.time() + float(expires_in), _principal(token))
    exp = jwt_claims(token).get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        raise ConfigError(f"{what} printed a token without an expiry",
                          hint='add "expires_in": SECONDS to its JSON, or print a JWT with an exp claim')
    return Token(token, float(exp), _principal(token))


class AwsMskIamSource(TokenSource):
    kind = "aws_msk_iam"

    def __init__(self, conf: dict):
        self.profile = conf.get(AWS_PROFILE) or None
        self.role_arn = conf.get(AWS_ROLE_ARN) or None
        self.region = (conf.get(AWS_REGION) or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
                       or msk_region(str(conf.get("bootstrap.servers") or "")))
        if not self.region:
            raise ConfigError("AWS MSK IAM needs a region: none in kctl.oauthbearer.aws.region, AWS_REGION or the "
                              "bootstrap host", hint="`kctl config set-context NAME --aws-region REGION ...`")

    def key(self) -> tuple:
        return (self.kind, self.region, self.profile, self.role_arn)

    def describe(self) -> str:
        return f"AWS MSK IAM signing ({self.region})"

    def fetch(self, timeout: float) -> Token:

        try:
            from aws_msk_iam_sasl_signer import MSKAuthTokenProvider as signer  # heavy: boto3 (only when signing)
        except ImportError:
            raise ConfigError("AWS MSK IAM needs the aws-msk-iam-sasl-signer-python package",
                              hint="pip install 'kctl[aws]'") from None
        for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            if os.environ.get(name):
                remember_secret(os.environ[name])

        def sign():
            if self.role_arn:
                return signer.generate_auth_token_from_role_arn(self.region, self.role_arn)
            if self.profile:
                return signer.generate_auth_token_from_profile(self.region, self.profile)
            return signer.generate_auth_token(self.region)

        def late() -> Exception:
            return BrokerUnavailable(f"{self.describe()} did not finish within {timeout:g}s",
                                     hint="AWS credentials (STS, instance metadata) did not answer")

        try:
            value, expiry_ms = run_bounded(sign, Deadline.after(timeout), self.describe(), timeout_error=late)
        except KctlError:
            raise
        except Exception as exc:  # noqa: BLE001 - botocore's tree, the signer's ValueError: one KctlError
            raise self._error(exc) from None
        return Token(value, float(expiry_ms) / 1000, "aws-msk-iam")

    def _error(self, exc: Exception) -> KctlError:
        kind = type(exc).__name__
        text = redact_text(str(exc))
        if kind == "ProfileNotFound":
            return ConfigError(f"{self.describe()}: no AWS profile {self.profile!r}", hint="see `aws configure list-profiles`")
        if kind in ("NoCredentialsError", "PartialCredentialsError", "AttributeError") or \
                (kind == "ValueError" and "Credentials" in text):
            return ConfigError(f"{self.describe()}: no AWS credentials found",
                               hint="set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or --aws-profile")
        if kind == "ClientError":
            return AuthError(f"{self.describe()}: AWS refused: {text}", hint="check the role ARN and its trust policy")
        if kind in ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError"):
            return BrokerUnavailable(f"{self.describe()}: cannot reach AWS: {text}", hint="check the network")
        return ConfigError(f"{self.describe()} failed: {kind}: {text}")


def msk_region(bootstrap: str) -> str | None:
    """The AWS region in an MSK bootstrap host name, or None."""
    for item in bootstrap.split(","):
        match = _MSK_HOST.search(item.strip())
        if match:
            return match.group(1)
    return None


def context_properties(context: dict) -> dict[str, str]:
    """The kctl.oauthbearer.* properties of a context's `token_command` and `aws_msk_iam` keys
    (with sasl.mechanism OAUTHBEARER and security.protocol SASL_SSL unless the context says else)."""
    props: dict[str, str] = {}
    command, aws = context.get("token_command"), context.get("aws_msk_iam")
    if command is not None and aws is not None:
        raise ConfigError(f"context {context.get('name')!r} has both token_command and aws_msk_iam: keep one")
    if command is not None:
        argv = command_argv(command)
        props = {METHOD: "command", COMMAND: shlex.join(argv)}
    elif aws is not None:
        props = {METHOD: "aws_msk_iam"}
        for key, name in (("region", AWS_REGION), ("profile", AWS_PROFILE), ("role_arn", AWS_ROLE_ARN)):
            if (aws or {}).get(key):
                props[name] = str(aws[key])
    if props:
        given = context.get("properties") or {}
        props = {**{k: v for k, v in (("security.protocol", "SASL_SSL"), ("sasl.mechanism", "OAUTHBEARER"))
                    if k not in given}, **props}
    return props
