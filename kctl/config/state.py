"""Where kctl keeps its state and cache on this machine, and what a local instance recorded of
itself (instance.json): light enough for every command's start, which reads it to learn whether
`-i N` names a secured instance.

    $KCTL_STATE_DIR (else $XDG_STATE_HOME/kctl, else ~/.local/state/kctl)/instances/<N>/
    $XDG_CACHE_HOME/kctl (else ~/.cache/kctl)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

# The super user of a `kctl local up --security scram` instance and its mechanism.
SUPER_USER = "admin"
MECHANISM = "SCRAM-SHA-512"


def state_root() -> Path:
    if os.environ.get("KCTL_STATE_DIR"):
        return Path(os.environ["KCTL_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "kctl"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kctl"


def instance_dir(instance: int) -> Path:
    return state_root() / "instances" / str(instance)


def read_meta(instance: int) -> dict:
    """The instance's instance.json, or {} when it was never started here (or the file is unreadable)."""
    path = instance_dir(instance) / "instance.json"
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def password_file(instance: int) -> Path:
    return instance_dir(instance) / "admin.password"


def tls_dir(instance: int) -> Path:
    return instance_dir(instance) / "tls"


def super_user_properties(instance: int) -> dict[str, str]:
    """librdkafka properties of a secured instance's super user (the password as a ${file:...} reference)."""
    return {"security.protocol": "SASL_SSL", "sasl.mechanism": MECHANISM, "sasl.username": SUPER_USER,
            "sasl.password": "${file:" + str(password_file(instance)) + "}",
            "ssl.ca.location": str(tls_dir(instance) / "ca.pem")}


def oauth_secret_file(instance: int) -> Path:
    return instance_dir(instance) / "oauth-client.secret"


def mode_properties(instance: int, mode: str) -> dict[str, str]:
    """librdkafka properties of a secured instance's super user in one of its modes: scram (the
    SCRAM user admin), oauth (OIDC client credentials of the instance's issuer, whose token URL
    and client id instance.json records), mtls (the client certificate CN=admin)."""
    tls = tls_dir(instance)
    if mode == "mtls":
        return {"security.protocol": "SSL", "ssl.ca.location": str(tls / "ca.pem"),
                "ssl.certificate.location": str(tls / "admin.pem"), "ssl.key.location": str(tls / "admin.key")}
    if mode == "oauth":
        oidc = read_meta(instance).get("oidc") or {}
        return {"security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER", "sasl.oauthbearer.method": "oidc",
                "sasl.oauthbearer.token.endpoint.url": str(oidc.get("token_url", "")),
                "sasl.oauthbearer.client.id": str(oidc.get("client_id", "")),
                "sasl.oauthbearer.client.secret": "${file:" + str(oauth_secret_file(instance)) + "}",
                "sasl.oauthbearer.scope": str(oidc.get("scope", "")), "ssl.ca.location": str(tls / "ca.pem")}
    return super_user_properties(instance)


def secured_client_properties(instance: int) -> dict[str, str]:
    """The super user's properties when the instance was started secured here, else {}: `-i N` on a
    `kctl local up --security MODE` instance logs in as `--context local-N-MODE` does."""
    mode = read_meta(instance).get("security")
    return mode_properties(instance, mode) if mode in ("scram", "oauth", "mtls") else {}


def target_properties(context: dict | None, instance: int | None) -> dict | None:
    """The client properties of a target: its context's, or without any, those of the secured local
    instance it resolved to (every caller that builds a conf from a target asks here)."""
    properties = context_properties(context)
    if not properties and instance is not None:
        properties = secured_client_properties(instance) or None
    return properties


def context_properties(context: dict | None) -> dict | None:
    """A context's own client properties: its `properties`, and those its `token_command` or
    `aws_msk_iam` key stands for (kctl.config.token_sources)."""
    properties = (context or {}).get("properties")
    if context and (context.get("token_command") is not None or context.get("aws_msk_iam") is not None):
        from kctl.config.token_sources import context_properties as login_properties  # not on topics list's path

        properties = {**(properties or {}), **login_properties(context)}
    return properties
