"""Models of `kctl config`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ContextInfo:
    """One named context of the kctl config file (`kctl config get-contexts`); secrets redacted."""

    name: str
    current: bool
    bootstrap: str | None = None
    instance: int | None = None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigView:
    """The effective configuration of one invocation (`kctl config view`); secrets redacted."""

    config_file: str
    context: str | None
    bootstrap: str
    bootstrap_source: str
    instance: int | None
    registry: str | None
    properties: dict[str, str] = field(default_factory=dict)
    property_sources: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuthStep:
    """One step of `kctl config test-auth`: dns, tcp, tls, token, login, metadata."""

    step: str
    ok: bool
    detail: str
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class AuthTest:
    """What `kctl config test-auth` found, step by step (no secret, no token: claims only)."""

    context: str | None
    bootstrap: str
    security_protocol: str
    mechanism: str | None  # the SASL mechanism; None without SASL (PLAINTEXT, SSL/mTLS)
    principal: str | None  # as the client presents it (user name, the token's sub, the certificate's CN)
    principal_source: str | None
    token_expires: str | None  # an OAuth token's exp (ISO 8601, UTC)
    cluster_operations: tuple[str, ...] = ()  # what the broker says this principal may do on the cluster
    steps: tuple[AuthStep, ...] = ()
    ok: bool = False
    failed_step: str | None = None
