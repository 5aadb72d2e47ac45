"""The `connectors` section: Kafka Connect connectors read and changed through the Connect REST API
(the same settings as `kctl connect`). A secret never leaves the worker into a document or a plan:
export writes a config key that looks secret as a `${env:KCTL_CONNECTOR_<NAME>_<KEY>}` reference,
and apply resolves the document's references only when it sends the config."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import quote

import msgspec

from kctl.config.client_conf import resolve_secret
from kctl.errors import KctlError
from kctl.kafka.connect_rest import request
from kctl.models import StateChange
from kctl.redact import is_secret_key
from kctl.services import connect
from kctl.services.state.document import ClusterState, ConnectorSpec, config_text

# What the diff shows for a secret the worker holds and the document's reference does not give.
HIDDEN = "(a secret value other than the reference gives)"


def secret_reference(connector: str, key: str) -> str:
    """The reference export writes for a secret: `${env:KCTL_CONNECTOR_<NAME>_<KEY>}`."""
    def word(text: str) -> str:
        return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")

    return "${env:KCTL_CONNECTOR_" + word(connector) + "_" + word(key) + "}"


def is_kctl_reference(value: str) -> bool:
    """${env:NAME} or ${file:PATH}, which kctl resolves; a worker's own config provider reference
    (${file:PATH:KEY}, ${vault:...}) is sent as it is, for the worker to resolve."""
    return bool(re.fullmatch(r"\$\{env:[^}]+\}|\$\{file:[^}:]+\}", value))


def is_reference(value: str) -> bool:
    return bool(re.fullmatch(r"\$\{[^}]+\}", value))


def read_connectors(settings) -> tuple[list[ConnectorSpec], dict[str, dict[str, str]]]:
    """The connectors as the document writes them (secrets as references), and the secret values
    the worker holds (connector -> key -> value), for comparing with a document: never shown."""
    names = sorted(str(n) for n in request(settings, "GET", "/connectors", what="list connectors") or ())
    specs, secrets = [], {}
    for name in names:
        config = request(settings, "GET", f"/connectors/{quote(name, safe='')}/config", what=f"connector {name}") or {}
        config = {str(k): str(v) for k, v in config.items() if not (k == "name" and v == name)}
        held = {k: v for k, v in config.items() if is_secret_key(k) and not is_reference(v)}
        secrets[name] = held
        specs.append(ConnectorSpec(name=name, config={k: secret_reference(name, k) if k in held else v
                                                      for k, v in config.items()}))
    return specs, secrets


def align(desired: ClusterState, actual: ClusterState, secrets: dict) -> ClusterState:
    """actual with each secret the worker holds written as the document's reference when that
    reference resolves to it, else as HIDDEN: equal secrets are no difference, and no secret is shown."""
    if desired.connectors is None or actual.connectors is None:
        return actual
    wanted = {c.name: c for c in desired.connectors}
    out = []
    for connector in actual.connectors:
        mine = wanted.get(connector.name)
        held = secrets.get(connector.name, {})
        if mine is not None and held:
            config = dict(connector.config)
            for key, value in held.items():
                reference = config_text(mine.config.get(key, ""))
                config[key] = reference if _resolves_to(reference, value) else HIDDEN
            connector = msgspec.structs.replace(connector, config=config)
        out.append(connector)
    return msgspec.structs.replace(actual, connectors=out)


def _resolves_to(reference: str, value: str) -> bool:
    if not is_kctl_reference(reference):
        return False
    try:
        return resolve_secret("connector", reference) == value
    except KctlError:
        return False


def keep_worker_references(changes: list[StateChange], found: list[ConnectorSpec], secrets: dict) -> list[StateChange]:
    """A reference the worker holds as text (not a secret value) is its own config provider's:
    a config sent again keeps it as it is (params["keep"]) rather than kctl resolving it."""
    held = {c.name: c.config for c in found}
    out = []
    for change in changes:
        if change.kind == "connectors" and change.action == "update":
            worker = held.get(change.name, {})
            keep = sorted(k for k, v in change.params["config"].items()
                          if is_reference(v) and k not in secrets.get(change.name, {}) and worker.get(k) == v)
            change = replace(change, params={**change.params, "keep": keep})
        out.append(change)
    return out


def resolved(config: dict, keep=()) -> dict[str, str]:
    """The config as sent: kctl's references resolved (KctlError naming the one that does not),
    but those in keep (the worker's own)."""
    return {k: resolve_secret(f"config {k}", v) if is_kctl_reference(v) and k not in keep else v
            for k, v in config.items()}


def _sent(change: StateChange) -> dict[str, str]:
    """The config as the worker gets it: references resolved, with the connector's name (the
    plugin's validation requires it)."""
    return {**resolved(change.params["config"], change.params.get("keep", ())), "name": change.name}


def refused(settings, change: StateChange) -> str | None:
    """The plugin's own verdict on the config (PUT .../config/validate), references resolved."""
    if change.action == "delete":
        return None
    try:
        errors = connect.validate(settings, _sent(change))
    except KctlError as exc:
        return exc.message
    if not errors:
        return None
    return "the worker refuses it: " + "; ".join(f"{e.name}: {' '.join(' '.join(e.errors).split())}" for e in errors)


def execute(settings, change: StateChange) -> None:
    path = f"/connectors/{quote(change.name, safe='')}"
    if change.action == "delete":
        request(settings, "DELETE", path, what=f"delete connector {change.name}")
    else:  # PUT .../config creates the connector or replaces its whole config
        request(settings, "PUT", path + "/config", _sent(change),
                what=f"{change.action} connector {change.name}")
