"""Secrets kept out of every line kctl prints or logs: which keys hold secrets, the secret values
resolved in this process, and the functions that hide them.

Its own module, below both kctl.log (every log line is scrubbed) and kctl.config (which resolves
the secrets and remembers them here): logging does not depend on configuration.
"""

from __future__ import annotations

import re

# Keys whose values are secrets: librdkafka's sasl.password, ssl.key.password, ssl.keystore.password,
# ssl.key.pem, sasl.oauthbearer.client.secret, sasl.oauthbearer.config (may embed a token), and the
# Java client's names (sasl.jaas.config, ssl.truststore.password) that --command-config files carry.
_SECRET_KEY = re.compile(
    r"(password|passphrase|secret|credential|token$|(^|\.)key\.pem$|jaas\.config|oauthbearer\.config)", re.I
)
# ...but not the places secrets are fetched from (sasl.oauthbearer.token.endpoint.url).
_NOT_SECRET_KEY = re.compile(r"\.(url|location|endpoint)$", re.I)
REFERENCE = re.compile(r"^\$\{(env|file):(.+)\}$")
REDACTED = "********"


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key)) and not _NOT_SECRET_KEY.search(key)


def is_reference(value) -> bool:
    """A ${env:VAR} or ${file:PATH} reference (safe to store and print: it names, not holds, the secret)."""
    return isinstance(value, str) and bool(REFERENCE.match(value))


def redact(conf: dict) -> dict:
    """A copy safe to print or log: secret values replaced, references kept as written."""
    out = {}
    for key, value in conf.items():
        if callable(value) or not isinstance(value, (str, int, float, bool)):
            continue  # loggers, callbacks
        if is_secret_key(key) and not is_reference(value):
            out[key] = REDACTED
        else:
            out[key] = redact_urls(value) if isinstance(value, str) else value
    return out


# The password of a URL's userinfo (scheme://user:PASSWORD@host): up to the last '@' before the path.
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:'\"]*):[^\s/?#'\"]*@")


def redact_urls(text: str) -> str:
    """Every URL's password hidden: http://user:********@host (the user stays, as curl shows it)."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}:{REDACTED}@", text)


# Every secret value resolved in this process, so that any text kctl prints can be scrubbed.
_KNOWN_SECRETS: set[str] = set()


def remember_secrets(conf: dict) -> None:
    for key, value in conf.items():
        if is_secret_key(key) and isinstance(value, str):
            remember_secret(value)


def remember_secret(value: str) -> None:
    if len(value) >= 3:
        _KNOWN_SECRETS.add(value)


def redact_text(text: str) -> str:
    """Hide any resolved secret value that leaked into a message (librdkafka errors echo config),
    and the password of any URL in it."""
    for secret in sorted(_KNOWN_SECRETS, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return redact_urls(text)
