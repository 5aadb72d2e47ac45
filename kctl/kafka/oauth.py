"""OAUTHBEARER for kafka-python: OIDC client credentials, as librdkafka's sasl.oauthbearer.method=oidc.

librdkafka fetches and refreshes its token itself; kafka-python needs a token provider. This one
asks the same token endpoint with the same client id, secret and scope (kctl.config.oidc_token),
keeps the token until 80% of its life has passed (as librdkafka does), and is bounded by the
request timeout.
"""

from __future__ import annotations

import threading
import time

from kafka.net.sasl.oauth import AbstractTokenProvider

from kctl.config.oidc_token import fetch_token
from kctl.errors import ConfigError

REFRESH_MARGIN = 0.8


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
