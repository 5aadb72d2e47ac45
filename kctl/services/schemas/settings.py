"""Which Schema Registry a command talks to (first that is set wins):

  1. --schema-registry URL
  2. $KCTL_SCHEMA_REGISTRY
  3. the current context's `schema_registry` (a URL, or a mapping: url, user, password, ca_file;
     the password as ${env:VAR} / ${file:PATH}, asked on a terminal when a user has none)
  4. the local instance's registry (`kctl local up --schema-registry`) when it runs and the
     target is that instance
"""

from __future__ import annotations

import getpass
import os
import sys
from urllib.parse import urlsplit

from kctl.client.schema_registry import RegistrySettings, SchemaDecoder, connect
from kctl.config.client_conf import resolve_secret
from kctl.errors import ConfigError, UsageError
from kctl.redact import redact_urls
from kctl.services.local.schema_registry import running_url


def registry_settings(url: str | None, context: dict | None, registry, instance: int | None,
                      timeout: float = 10.0):
    """The RegistrySettings for a command; ConfigError (exit 3) when no registry is known."""
    if url is not None:
        _check_url(url)
        return RegistrySettings(url.rstrip("/"), timeout=timeout)
    if os.environ.get("KCTL_SCHEMA_REGISTRY"):
        return RegistrySettings(os.environ["KCTL_SCHEMA_REGISTRY"].rstrip("/"), timeout=timeout)
    entry = (context or {}).get("schema_registry")
    if entry:
        return _from_context(entry, context.get("name", "?"), timeout)
    if instance is not None:
        local = running_url(registry, instance)
        if local:
            return RegistrySettings(local, timeout=timeout)
    where = f" (instance {instance} runs none)" if instance is not None else ""
    raise ConfigError(f"no schema registry given{where}",
                      hint="--schema-registry URL, $KCTL_SCHEMA_REGISTRY, a context's schema_registry, "
                           "or `kctl local up --schema-registry`")


def _check_url(url: str) -> None:
    """--schema-registry: http(s)://HOST[:PORT][/path], checked before any request (an empty
    value fell back to the instance's registry; a port out of range was a connection error)."""
    def bad(why: str):
        return UsageError(f"--schema-registry {redact_urls(url)}: {why}", hint="give http(s)://HOST[:PORT]")

    if "\x00" in url or not url.strip():
        raise bad("not a URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise bad(str(exc)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad("not an http(s) URL with a host")
    if port == 0:
        raise bad("port 0")


def _from_context(entry, name: str, timeout: float):
    if isinstance(entry, str):
        return RegistrySettings(entry.rstrip("/"), timeout=timeout)
    if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
        raise ConfigError(f"context {name}: schema_registry must be a URL or a mapping with a url")
    user = entry.get("user")
    password = resolve_secret("schema_registry.password", entry.get("password"))
    if user and password is None and sys.stdin.isatty():
        password = getpass.getpass(f"schema registry password for {user}: ")
    ca = entry.get("ca_file")
    return RegistrySettings(entry["url"].rstrip("/"), user=user, password=password,
                            ca_file=os.path.expanduser(ca) if ca else None, timeout=timeout)


def decoders(url: str | None, context: dict | None, registry, instance: int | None, timeout: float,
             key_format: str | None, value_format: str | None):
    """The (key, value) SchemaDecoders of `kctl consume --key-format/--value-format` (None: not decoded)."""
    settings = registry_settings(url, context, registry, instance, timeout)
    client = connect(settings)
    return tuple(None if fmt is None else SchemaDecoder(fmt, settings, field, client=client)
                 for field, fmt in (("key", key_format), ("value", value_format)))
