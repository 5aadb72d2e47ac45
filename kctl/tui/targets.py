"""The clusters `kctl ui` can switch to without leaving: the port registry's instances and the config
file's contexts, resolved the way the commands resolve --instance and --context."""

from __future__ import annotations

from dataclasses import dataclass

from kctl.config.client_conf import build_conf
from kctl.config.contexts import get_context, list_contexts
from kctl.config.registry import load_registry, parse_instance
from kctl.config.state import target_properties
from kctl.errors import ConfigError, KctlError


@dataclass(frozen=True)
class UiTarget:
    """One choice of the target picker; label is what the header shows (instance and context)."""

    bootstrap: str
    instance: int | None = None
    context: str | None = None

    @property
    def label(self) -> str:
        where = f"instance {self.instance}" if self.instance is not None else self.bootstrap
        return f"context {self.context} · {where}" if self.context else where

    @property
    def key(self) -> str:
        return f"context:{self.context}" if self.context else f"instance:{self.instance}:{self.bootstrap}"


def choices(registry_path: str | None = None) -> tuple[list[UiTarget], list[str]]:
    """(every instance of the registry, then every context), and the problems met reading them
    (a malformed config file leaves the contexts out, not the picker)."""
    out: list[UiTarget] = []
    problems: list[str] = []
    try:
        registry = load_registry(registry_path)
        out += [UiTarget(registry.bootstrap_of(n), n) for n in range(registry.max_instances)]
    except KctlError as exc:
        registry = None
        problems.append(exc.message)
    try:
        _, contexts = list_contexts()
    except KctlError as exc:
        contexts = {}
        problems.append(exc.message)
    for name, context in sorted(contexts.items()):
        try:
            out.append(of_context(name, context, registry))
        except KctlError as exc:
            problems.append(f"context {name}: {exc.message}")
    return out, problems


def of_context(name: str, context: dict, registry) -> UiTarget:
    if context.get("bootstrap"):
        return UiTarget(str(context["bootstrap"]), None, name)
    if context.get("instance") is not None and registry is not None:
        number = parse_instance(context["instance"], f"context {name}")
        return UiTarget(registry.bootstrap_of(number), number, name)
    raise ConfigError("names neither a bootstrap nor an instance")


def client_conf(target: UiTarget) -> dict:
    """The librdkafka settings of a target: its bootstrap, and a context's properties with their
    secret references resolved (as `kctl --context NAME` builds them)."""
    context = get_context(target.context) if target.context else None
    return build_conf(target.bootstrap, context_properties=target_properties(context, target.instance))
