"""What `kctl config view` shows: the effective target and client properties, secrets redacted,
and the contexts of the config file."""

from __future__ import annotations

import os

from kctl.config.client_conf import merge_layers, resolve_secret
from kctl.config.contexts import config_path, list_contexts
from kctl.config.registry import Target, load_registry
from kctl.config.state import context_properties, target_properties
from kctl.errors import ConfigError
from kctl.models import ConfigView, ContextInfo
from kctl.redact import REDACTED, is_reference, redact


def effective_view(
    target: Target,
    context: dict | None,
    registry_path: str | None = None,
    command_config: str | None = None,
    overrides: dict | None = None,
    ask_password: bool = False,
) -> ConfigView:
    """The merged configuration as a client would get it, without resolving (or showing) any secret."""
    properties = target_properties(context, target.instance)
    conf, sources = merge_layers(target.bootstrap, properties, command_config, overrides)
    if properties and not context_properties(context):  # a secured local instance's own login
        sources.update({key: f"instance {target.instance}" for key, source in sources.items() if source == "context"})
    problems = []
    for key, value in conf.items():
        if is_reference(value):
            try:  # only to report a reference that would fail; the value is dropped at once
                resolve_secret(key, value)
            except ConfigError as exc:
                problems.append(exc.message)
    # The same password sources as client_conf.build_conf, in the same order.
    if ask_password:
        conf["sasl.password"], sources["sasl.password"] = REDACTED, "--ask-password"
    elif "sasl.username" in conf and "sasl.password" not in conf and os.environ.get("KCTL_SASL_PASSWORD") is not None:
        conf["sasl.password"], sources["sasl.password"] = REDACTED, "KCTL_SASL_PASSWORD"
    sources["bootstrap.servers"] = target.source if sources["bootstrap.servers"] == "target" else sources["bootstrap.servers"]
    registry = load_registry(registry_path).path if target.instance is not None else None
    shown = redact(conf)
    return ConfigView(
        config_file=str(config_path()),
        context=(context or {}).get("name"),
        bootstrap=target.bootstrap,
        bootstrap_source=target.source,
        instance=target.instance,
        registry=registry,
        properties=shown,
        property_sources={key: sources[key] for key in shown},
        problems=tuple(problems),
    )


def contexts() -> list[ContextInfo]:
    current, found = list_contexts()
    out = []
    for name, context in sorted(found.items()):
        instance = context.get("instance")
        out.append(
            ContextInfo(
                name=name,
                current=name == current,
                bootstrap=str(context["bootstrap"]) if context.get("bootstrap") else None,
                instance=instance if isinstance(instance, int) and not isinstance(instance, bool) else None,
                properties=redact({str(k): v for k, v in (context.get("properties") or {}).items()}),
            )
        )
    return out
