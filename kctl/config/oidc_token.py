"""OIDC client credentials: one token request, as librdkafka's sasl.oauthbearer.method=oidc makes it
(HTTP basic auth with the client id and secret, form grant_type=client_credentials and scope).

Used by kctl.config.token_sources (kafka-python's token provider, `kctl config test-auth`). Failures are
KctlErrors naming the endpoint, never the secret: the issuer unreachable -> exit 6, the issuer
refusing the client -> exit 9. The token is remembered as a secret (scrubbed from any output).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from kctl.errors import AuthError, BrokerUnavailable
from kctl.redact import redact_text, remember_secret

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
