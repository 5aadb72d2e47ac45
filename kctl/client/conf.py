"""Client properties for users of the client API: a librdkafka dict as it is, or resolved the way
every kctl command resolves them (bootstrap > instance > context; see kctl.config.registry)."""

from __future__ import annotations

from kctl.config.client_conf import build_conf
from kctl.config.contexts import get_context
from kctl.config.registry import resolve_target
from kctl.config.state import target_properties
from kctl.errors import UsageError


def resolve_conf(conf: dict | None = None, *, instance: int | None = None, bootstrap: str | None = None,
                 context: str | None = None, registry: str | None = None) -> dict:
    """librdkafka properties: `conf` merged over what instance/bootstrap/context resolve to.

    With none of instance/bootstrap/context and a conf holding bootstrap.servers, conf is used
    as it is; otherwise the target is resolved like `kctl -i N` / `-b` / `--context`.
    """
    if conf is not None and not isinstance(conf, dict):
        raise UsageError(f"conf is a dict of librdkafka properties, got {type(conf).__name__}")
    if instance is not None and (isinstance(instance, bool) or not isinstance(instance, int)):
        raise UsageError(f"instance is a number, got {instance!r}")
    for name, value in (("bootstrap", bootstrap), ("context", context), ("registry", registry)):
        if value is not None and not isinstance(value, str):
            raise UsageError(f"{name} is a string, got {type(value).__name__}")
    conf = dict(conf or {})
    if instance is None and bootstrap is None and context is None and "bootstrap.servers" in conf:
        return conf
    ctx = get_context(context)
    target = resolve_target(bootstrap, instance, ctx, registry)
    properties = dict(target_properties(ctx, target.instance) or {})
    return build_conf(target.bootstrap, properties, None, conf)
