"""The Kafka Connect REST API: one bounded HTTP request -> parsed JSON, or the KctlError of its failure.

The standard library's urllib (imported when a `kctl connect` command runs): a handful of small JSON
requests per command needs no HTTP library. Every request runs within the command's --timeout and
gives way to Ctrl-C/SIGTERM (kctl.deadline.run_bounded); credentials of a URL become basic auth and
are never shown (kctl.config.client_conf).
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass

from kctl.config.client_conf import split_userinfo
from kctl.deadline import Deadline, raise_deferred_interrupt, run_bounded
from kctl.errors import AuthError, BrokerUnavailable, KctlError, NotFoundError, UsageError
from kctl.redact import redact_text, remember_secret

HINT = "check --connect-url (or `kctl local up --connect`)"
MAX_BODY = 16 * 1024 * 1024  # a worker's answer larger than this is not a Connect answer
REBALANCE_PAUSE = 0.25  # between requests while the worker's group rebalances


@dataclass(frozen=True)
class ConnectSettings:
    url: str  # without credentials: safe to show
    user: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout: float = 10.0

    def __post_init__(self):
        url, user, password = split_userinfo(self.url.rstrip("/"))
        object.__setattr__(self, "url", url)
        if self.user is None and user is not None:
            object.__setattr__(self, "user", user)
            object.__setattr__(self, "password", password)
        if self.password:
            remember_secret(self.password)


class ConnectHTTPError(KctlError):
    """An answer of the worker other than 2xx: its status and Connect's own message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def error_of(status: int, message: str, url: str, what: str) -> KctlError:
    """The kctl error (and exit code) of a Connect answer with this status."""
    where = f"{what}: " if what else ""
    text = redact_text(" ".join(message.split()))[:500]
    if status in (401, 403):
        return AuthError(f"{where}the Connect worker at {url} refused the credentials ({status})")
    if status == 404:
        return NotFoundError(f"{where}{text or 'not found'}")
    if status == 409:  # a name taken, or a rebalance that outlasted --timeout
        return UsageError(f"{where}{text}", hint="a name taken, or the worker is still rebalancing: try again")
    if status == 400 or status == 422:
        return UsageError(f"{where}{text}")
    return BrokerUnavailable(f"{where}the Connect worker at {url} answered {status}: {text}")


def rebalancing(exc: ConnectHTTPError) -> bool:
    """Connect's answer while its group rebalances: 409 "rebalance in progress", or 500 "...because a rebalance is expected"."""
    return exc.status in (409, 500) and "rebalance" in exc.message.lower()


def _request(settings: ConnectSettings, method: str, path: str, body, deadline: Deadline):
    import ssl  # heavy: ssl
    import urllib.error  # with urllib.request: both bind this function's `urllib`
    import urllib.request  # heavy: urllib.request

    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if settings.user is not None:
        token = base64.b64encode(f"{settings.user}:{settings.password or ''}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    request = urllib.request.Request(settings.url + path, data=data, method=method, headers=headers)
    context = ssl.create_default_context(cafile=settings.ca_file) if settings.url.startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=max(0.1, deadline.remaining()), context=context) as answer:
            raw = answer.read(MAX_BODY + 1)
            status = answer.status
    except urllib.error.HTTPError as exc:
        raw = exc.read(MAX_BODY + 1) if exc.fp is not None else b""
        raise ConnectHTTPError(exc.code, _message(raw) or exc.reason or "") from None
    if len(raw) > MAX_BODY:
        raise BrokerUnavailable(f"the Connect worker at {settings.url} answered more than {MAX_BODY} bytes")
    if status == 204 or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise BrokerUnavailable(f"the Connect worker at {settings.url} answered {method} {path} with no JSON",
                                hint="is --connect-url a Kafka Connect REST API?") from None


def _message(raw: bytes) -> str:
    """Connect's error body {"error_code": 4xx, "message": "..."}, else the text itself."""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")[:500]
    if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
        return parsed["message"]
    return str(parsed)[:500]


def request(settings: ConnectSettings, method: str, path: str, body=None, what: str = "", deadline: Deadline | None = None):
    """One request (path quoted by the caller) within the deadline (default: --timeout from now);
    every failure is a KctlError: unreachable or timed out 6, refused credentials 9, 404 4, 400/409 2."""
    deadline = deadline or Deadline.after(settings.timeout)
    where = f"{what}: " if what else ""

    def timed_out() -> KctlError:
        return BrokerUnavailable(f"{where}the Connect worker at {settings.url} did not answer within {settings.timeout:g}s",
                                 hint=HINT)

    try:
        while True:
            try:
                return run_bounded(lambda: _request(settings, method, path, body, deadline), deadline, "connect-rest",
                                   watch=raise_deferred_interrupt, timeout_error=timed_out)
            except ConnectHTTPError as exc:
                # A worker refuses every request while its group rebalances (after each config change, a
                # worker joining or leaving): nothing was done, and the answer comes once it settled.
                if not rebalancing(exc) or deadline.remaining() < REBALANCE_PAUSE * 2:
                    raise
                time.sleep(REBALANCE_PAUSE)
    except ConnectHTTPError as exc:
        raise error_of(exc.status, exc.message, settings.url, what) from None
    except KctlError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - URLError, OSError, socket timeouts, ssl errors: the worker is not reachable
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise timed_out() from None
        raise BrokerUnavailable(f"{where}the Connect worker at {settings.url} is unreachable: {redact_text(str(reason))}",
                                hint=HINT) from None
