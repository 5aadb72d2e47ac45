"""Named contexts in the user config file, like kubectl's.

File: $KCTL_CONFIG, else <user config dir>/config.yaml. Shape:

    current-context: prod
    contexts:
      prod:
        bootstrap: kafka-1.example.com:9093   # or: instance: 2
        properties:                           # any librdkafka property
          security.protocol: SASL_SSL
          sasl.mechanism: SCRAM-SHA-512
          sasl.username: alice
          sasl.password: ${env:PROD_KAFKA_PASSWORD}   # or ${file:~/.secrets/kafka}

Secrets are never stored in clear by kctl: a property value may reference an environment
variable or a file, resolved only when a client is built (kctl.config.client_conf).
"""

from __future__ import annotations

import os
from pathlib import Path

from kctl.config.registry import user_config_dir
from kctl.errors import ConfigError


def config_path() -> Path:
    env = os.environ.get("KCTL_CONFIG")
    return Path(env) if env else user_config_dir() / "config.yaml"


def load_config() -> dict:
    import yaml

    path = config_path()
    if not path.exists():
        return {"contexts": {}}
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"malformed config file {path}: {first}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("contexts", {}) or {}, dict):
        raise ConfigError(f"malformed config file {path}: 'contexts' must be a mapping")
    data.setdefault("contexts", {})
    if data["contexts"] is None:
        data["contexts"] = {}
    return data


def save_config(data: dict) -> Path:
    import yaml

    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=False))
    os.chmod(tmp, 0o600)  # may hold usernames and secret references
    tmp.replace(path)
    return path


def get_context(name: str | None) -> dict | None:
    """The named context (or the current one when name is None), with its name under 'name'."""
    data = load_config()
    wanted = name or data.get("current-context")
    if not wanted:
        return None
    context = data["contexts"].get(wanted)
    if context is None:
        if name:
            raise ConfigError(f"no context named {name!r}", hint="list them with `kctl config get-contexts`")
        raise ConfigError(
            f"current context {wanted!r} does not exist in {config_path()}",
            hint="pick another with `kctl config use-context NAME`",
        )
    if not isinstance(context, dict):
        raise ConfigError(f"malformed config file {config_path()}: context {wanted!r} must be a mapping")
    return {**context, "name": wanted}
