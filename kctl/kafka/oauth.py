"""OAUTHBEARER for kafka-python: OIDC client credentials, as librdkafka's sasl.oauthbearer.method=oidc.

librdkafka fetches and refreshes its token itself; kafka-python needs a token provider. This one
asks the same token endpoint with the same client id, secret and scope (HTTP basic auth, form
grant_type=client_credentials, as librdkafka does), keeps the token until shortly before its
expiry, and is bounded by the request timeout. Failures are KctlErrors naming the endpoint, never
the secret: the issuer unreachable -> exit 6, the issuer refusing the client -> exit 9.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from kafka.net.sasl.oauth import AbstractTokenProvider

from kctl.config.client_conf import redact_text, remember_secret
from kctl.errors import AuthError, BrokerUnavailable, ConfigError

REFRESH_MARGIN = 0.8  # refresh after 80% of a token's life, as librdkafka does
MAX_TOKEN_BYTES = 64 * 1024


def fetch_token(url: str, client_id: str, secret: str, scope: str | None, timeout: float) -> tuple[str, float]:
    """(access token, seconds it is valid) from the token endpoint."""
    body = {"grant_type": "client_credentials"}
    if scope:
        body["scope"] = scope
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    request = urllib.request.Request(url, data=urllib.parse.urlencode(body).encode(), method="POST",
                                     headers={"Authorization": f"Basic {basic}",
                                              "Content-Type": "application/x-www-form-urlencoded",
                                              "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=max(0.1, timeout)) as response:
            raw = response.read(MAX_TOKEN_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise AuthError(f"the OAuth token endpoint {url} refused client {client_id!r}: HTTP {exc.code}",
                        hint="check the client id, secret and scope") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise BrokerUnavailable(f"cannot reach the OAuth token endpoint {url}: {redact_text(str(reason))}",
                                hint="is the issuer running?") from None
    try:
        data = json.loads(raw[:MAX_TOKEN_BYTES])
        token = data["access_token"]
        lifetime = float(data.get("expires_in", 300))
    except (ValueError, KeyError, TypeError):
        raise AuthError(f"the OAuth token endpoint {url} answered without an access_token") from None
    if not isinstance(token, str) or not token:
        raise AuthError(f"the OAuth token endpoint {url} answered without an access_token")
    remember_secret(token)
    return token, lifetime


class OidcTokenProvider(AbstractTokenProvider):
    """kafka-python's sasl_oauth_token_provider from a librdkafka conf (sasl.oauthbearer.*)."""

    def __init__(self, conf: dict, timeout: float):
        super().__init__()
        self.url = str(conf.get("sasl.oauthbearer.token.endpoint.url") or "")
        self.client_id = str(conf.get("sasl.oauthbearer.client.id") or "")
        self._secret = str(conf.get("sasl.oauthbearer.client.secret") or "")
        self.scope = conf.get("sasl.oauthbearer.scope")
        self.timeout = timeout
        if not self.url or not self.client_id:
            raise ConfigError("OAUTHBEARER needs sasl.oauthbearer.token.endpoint.url and sasl.oauthbearer.client.id",
                              hint="`kctl config set-context NAME --sasl-mechanism OAUTHBEARER --oauth-token-url URL "
                                   "--username CLIENT_ID --password-env VAR`")
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._refresh_at:
                token, lifetime = fetch_token(self.url, self.client_id, self._secret, self.scope, self.timeout)
                self._token, self._refresh_at = token, time.monotonic() + max(0.0, lifetime) * REFRESH_MARGIN
            return self._token
