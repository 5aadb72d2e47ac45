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
