"""OAUTHBEARER for kafka-python: its sasl_oauth_token_provider over kctl's token sources
(kctl.config.token_sources: OIDC client credentials, a token command, AWS MSK IAM).

librdkafka fetches OIDC tokens itself and takes the others through oauth_cb; kafka-python asks
this provider at each login. It shares the process's token cache with the librdkafka clients
(a token is fetched again after 80% of its life) and is bounded by the request timeout.
"""

from __future__ import annotations

from kafka.net.sasl.oauth import AbstractTokenProvider

from kctl.config.token_sources import TokenSource, cached_token


class TokenProvider(AbstractTokenProvider):
    """kafka-python's sasl_oauth_token_provider for one token source."""

    def __init__(self, source: TokenSource, timeout: float):
        super().__init__()
        self.source, self.timeout = source, timeout

    def token(self) -> str:
        return cached_token(self.source, self.timeout).value
