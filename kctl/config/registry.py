"""Port registry and target resolution.

Which registry file is read (first that exists wins):
  1. --registry PATH
  2. $KCTL_REGISTRY
  3. ./port_registry.yaml (current directory)
  4. <user config dir>/port_registry.yaml  ($XDG_CONFIG_HOME/kctl, default ~/.config/kctl)
  5. the registry packaged with kctl

Which brokers a command talks to (first that is set wins):
  1. --bootstrap/-b HOST:PORT[,HOST:PORT...]
  2. $KCTL_BOOTSTRAP
  3. --instance/-i N          (ports from the registry)
  4. $KCTL_INSTANCE
  5. the current context's bootstrap or instance (`kctl config use-context`)
  6. instance 0
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kctl.errors import ConfigError

PACKAGED_REGISTRY = Path(__file__).with_name("port_registry.yaml")


def user_config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "kctl"


@dataclass(frozen=True)
class Registry:
    path: str
    host: str
    broker_port: int
    controller_port: int
    instance_increment: int
    max_instances: int
    broker_stride: int
    ui_port: int

    def check_instance(self, instance: int) -> None:
        if not 0 <= instance < self.max_instances:
            raise ConfigError(
                f"instance {instance} is out of range (0..{self.max_instances - 1})",
                hint=f"max_instances in {self.path}",
            )

    def broker_port_of(self, instance: int, broker: int = 0) -> int:
        self.check_instance(instance)
        return self.broker_port + instance * self.instance_increment + broker * self.broker_stride

    def controller_port_of(self, instance: int, broker: int = 0) -> int:
        self.check_instance(instance)
        return self.controller_port + instance * self.instance_increment + broker * self.broker_stride

    def ui_port_of(self, instance: int) -> int:
        self.check_instance(instance)
        return self.ui_port + instance * self.instance_increment

    def bootstrap_of(self, instance: int) -> str:
        return f"{self.host}:{self.broker_port_of(instance)}"


def find_registry_path(explicit: str | None = None) -> Path:
    """The registry file to read, by the lookup order in the module docstring."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"registry file not found: {explicit}")
        return path
    env = os.environ.get("KCTL_REGISTRY")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(f"registry file not found: {env} (from KCTL_REGISTRY)")
        return path
    for candidate in (Path.cwd() / "port_registry.yaml", user_config_dir() / "port_registry.yaml"):
        if candidate.is_file():
            return candidate
    return PACKAGED_REGISTRY


def _int_field(section: dict, key: str, path: Path, default: int | None = None) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"malformed registry {path}: kafka.{key} must be a non-negative integer, got {value!r}")
    return value


def load_registry(explicit: str | None = None) -> Registry:
    import yaml

    path = find_registry_path(explicit)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"malformed registry {path}: {first_line}") from exc
    kafka = data.get("kafka") if isinstance(data, dict) else None
    if not isinstance(kafka, dict):
        raise ConfigError(f"malformed registry {path}: no 'kafka' mapping", hint="see port_registry.yaml in the kctl README")
    ui = data.get("kafka_ui") or {}
    host = kafka.get("host", "127.0.0.1")
    if not isinstance(host, str) or not host:
        raise ConfigError(f"malformed registry {path}: kafka.host must be a host name")
    registry = Registry(
        path=str(path),
        host=host,
        broker_port=_int_field(kafka, "broker_port", path),
        controller_port=_int_field(kafka, "controller_port", path),
        instance_increment=_int_field(kafka, "instance_increment", path),
        max_instances=_int_field(kafka, "max_instances", path),
        broker_stride=_int_field(kafka, "broker_stride", path, default=10),
        ui_port=_int_field(ui if isinstance(ui, dict) else {}, "ui_port", path, default=8080),
    )
    if registry.max_instances < 1 or registry.instance_increment < 1:
        raise ConfigError(f"malformed registry {path}: max_instances and instance_increment must be at least 1")
    return registry


@dataclass(frozen=True)
class Target:
    """Where a command connects, and why (for `kctl config view` and error messages)."""

    bootstrap: str
    instance: int | None
    source: str


def parse_instance(value: str | int, source: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"instance must be a number, got {value!r} ({source})") from None


def resolve_target(
    bootstrap: str | None,
    instance: int | None,
    context: dict | None,
    registry_path: str | None = None,
    environ: dict | None = None,
) -> Target:
    """Resolve the bootstrap servers by the order in the module docstring."""
    env = os.environ if environ is None else environ
    if bootstrap:
        return Target(bootstrap, None, "--bootstrap")
    if env.get("KCTL_BOOTSTRAP"):
        return Target(env["KCTL_BOOTSTRAP"], None, "KCTL_BOOTSTRAP")
    chosen: tuple[int, str] | None = None
    if instance is not None:
        chosen = (instance, "--instance")
    elif env.get("KCTL_INSTANCE"):
        chosen = (parse_instance(env["KCTL_INSTANCE"], "KCTL_INSTANCE"), "KCTL_INSTANCE")
    elif context:
        name = context.get("name", "?")
        if context.get("bootstrap"):
            return Target(str(context["bootstrap"]), None, f"context {name}")
        if context.get("instance") is not None:
            chosen = (parse_instance(context["instance"], f"context {name}"), f"context {name}")
    if chosen is None:
        chosen = (0, "default instance 0")
    number, source = chosen
    registry = load_registry(registry_path)
    return Target(registry.bootstrap_of(number), number, source)
