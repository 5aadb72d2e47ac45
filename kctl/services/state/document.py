"""The ClusterState document (`apiVersion: kctl/v1`, `kind: ClusterState`): its schema as strict
structs, reading it from files or a folder of files, and writing it as stable YAML.

A section left out (or null) is not managed by the document: plan and apply leave that kind of
resource alone, and `--prune` never deletes one of it. An empty list manages the kind and holds none.
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Literal

import msgspec

from kctl.decode import NonEmptyStr, PositiveInt, Strict, decode, parse_yaml, read_regular_file
from kctl.errors import UsageError
from kctl.models.choices import CLIENT_QUOTA_KEYS, IP_QUOTA_KEYS, QUOTA_ENTITY_TYPES, SCRAM_MECHANISMS

API_VERSION = "kctl/v1"
KIND = "ClusterState"
SECTIONS = ("topics", "acls", "users", "quotas", "broker_configs")
MAX_FILE_BYTES = 16 * 1024 * 1024

# Kafka config values are strings; YAML writes 86400000 or true without quotes, so numbers and
# booleans are taken and turned into the broker's spelling.
ConfigValue = str | int | float | bool
Reference = Annotated[str, msgspec.Meta(pattern=r"^\$\{(env|file):[^}]+\}$")]


class TopicSpec(Strict):
    name: NonEmptyStr
    partitions: PositiveInt
    replication_factor: PositiveInt
    configs: dict[str, ConfigValue] = {}


class AclSpec(Strict):
    principal: NonEmptyStr
    operation: NonEmptyStr
    resource_type: Literal["topic", "group", "cluster", "transactional-id"]
    resource_name: NonEmptyStr
    host: NonEmptyStr = "*"
    permission: Literal["allow", "deny"] = "allow"
    pattern_type: Literal["literal", "prefixed"] = "literal"


class UserSpec(Strict):
    name: NonEmptyStr
    mechanisms: list[Literal[SCRAM_MECHANISMS]]
    # Never a password itself: a ${env:NAME} or ${file:PATH} reference, read on apply.
    password: Reference | None = None


class QuotaSpec(Strict):
    entity: dict[Literal["user", "client-id", "ip"], str | None]
    values: dict[str, Annotated[float, msgspec.Meta(gt=0)]]


class ClusterState(Strict):
    api_version: Literal["kctl/v1"] = msgspec.field(name="apiVersion")
    kind: Literal["ClusterState"]
    topics: list[TopicSpec] | None = None
    acls: list[AclSpec] | None = None
    users: list[UserSpec] | None = None
    quotas: list[QuotaSpec] | None = None
    broker_configs: dict[str, ConfigValue] | None = None


def config_text(value: ConfigValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _files(path: str) -> list[str]:
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if n.endswith((".yaml", ".yml", ".json")) and not n.startswith("."))
        if not names:
            raise UsageError(f"{path}: no .yaml, .yml or .json files in this folder")
        return [os.path.join(path, n) for n in names]
    return [path]


def load(path: str) -> ClusterState:
    """The document in a file, or the documents of a folder's files merged (a resource may be
    declared in one file only)."""
    states = []
    for file in _files(path):
        raw = parse_yaml(read_regular_file(file, file, limit=MAX_FILE_BYTES), file, unique_keys=True)
        state = decode(raw, ClusterState, file)
        _check(state, file)
        states.append((file, state))
    return merge(states)


def _check(state: ClusterState, source: str) -> None:
    """What the types cannot say: the quota keys of each kind of entity, one entity per quota."""
    for i, quota in enumerate(state.quotas or ()):
        if not quota.entity:
            raise UsageError(f"{source}: quotas[{i}].entity: name a user, a client-id or an ip")
        if "ip" in quota.entity and len(quota.entity) > 1:
            raise UsageError(f"{source}: quotas[{i}].entity: an ip stands alone")
        allowed = IP_QUOTA_KEYS if "ip" in quota.entity else CLIENT_QUOTA_KEYS
        for key in quota.values:
            if key not in allowed:
                raise UsageError(f"{source}: quotas[{i}].values.{key}: not a quota of this entity "
                                 f"(one of {', '.join(allowed)})")
    for i, topic in enumerate(state.topics or ()):
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,249}", topic.name):
            raise UsageError(f"{source}: topics[{i}].name: {topic.name!r} is not a valid topic name")


def merge(states: list[tuple[str, ClusterState]]) -> ClusterState:
    merged: dict = {section: None for section in SECTIONS}
    seen: dict = {}
    for file, state in states:
        for section in SECTIONS:
            value = getattr(state, section)
            if value is None:
                continue
            if section == "broker_configs":
                for key in value:
                    _once(seen, (section, key), file)
                merged[section] = {**(merged[section] or {}), **value}
                continue
            for item in value:
                _once(seen, (section, resource_key(section, item)), file)
            merged[section] = [*(merged[section] or []), *value]
    return ClusterState(api_version=API_VERSION, kind=KIND, **merged)


def _once(seen: dict, key, file: str) -> None:
    if key in seen:
        raise UsageError(f"{file}: {key[0]} {key[1]!r} is declared in {seen[key]} too")
    seen[key] = file


def resource_key(section: str, item) -> str:
    """The name a resource is known by in diffs and plans."""
    if section == "topics" or section == "users":
        return item.name
    if section == "acls":
        return (f"{item.principal} {item.permission} {item.operation} {item.resource_type}:{item.pattern_type}:"
                f"{item.resource_name} host={item.host}")
    if section == "quotas":
        return ", ".join(f"{t}={'<default>' if n is None else n}"
                         for t, n in sorted(item.entity.items(), key=lambda kv: QUOTA_ENTITY_TYPES.index(kv[0])))
    raise ValueError(section)


def to_yaml(state: ClusterState) -> str:
    """Stable YAML: sections in schema order, resources sorted by their key, configs by name, so that
    exporting the same cluster twice gives the same bytes."""
    import yaml  # heavy: yaml

    document: dict = {"apiVersion": API_VERSION, "kind": KIND}
    for section in SECTIONS:
        value = getattr(state, section)
        if value is None:
            continue
        if section == "broker_configs":
            document[section] = {k: config_text(v) for k, v in sorted(value.items())}
            continue
        items = sorted(value, key=lambda item: resource_key(section, item))
        document[section] = [_plain(section, item) for item in items]
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)


def _plain(section: str, item) -> dict:
    data = msgspec.to_builtins(item)
    if section == "topics":
        data["configs"] = {k: config_text(v) for k, v in sorted(item.configs.items())}
        if not data["configs"]:
            del data["configs"]
    if section == "users" and data.get("password") is None:
        data.pop("password", None)
    if section == "quotas":
        data["values"] = dict(sorted(item.values.items()))
    return data
