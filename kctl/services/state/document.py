"""The ClusterState document (`apiVersion: kctl/v1`, `kind: ClusterState`): its schema as strict
structs, reading it from files or a folder of files, and writing it as stable YAML.

A section left out (or null) is not managed by the document: plan and apply leave that kind of
resource alone, and `--prune` never deletes one of it. An empty list manages the kind and holds none.
"""

from __future__ import annotations

import json
import os
import re
from typing import Annotated, Literal

import msgspec

from kctl.decode import NonEmptyStr, PositiveInt, Strict, decode, parse_yaml, read_regular_file
from kctl.errors import UsageError
from kctl.redact import is_secret_key
from kctl.models.choices import CLIENT_QUOTA_KEYS, IP_QUOTA_KEYS, QUOTA_ENTITY_TYPES, SCRAM_MECHANISMS

API_VERSION = "kctl/v1"
KIND = "ClusterState"
SECTIONS = ("topics", "acls", "users", "quotas", "broker_configs", "subjects", "connectors")
# The kinds kept by the Schema Registry and by Kafka Connect, not the brokers: read and changed through their APIs.
REGISTRY_SECTIONS = ("subjects",)
CONNECT_SECTIONS = ("connectors",)
LEVELS = ("BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE")
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


class SchemaReferenceSpec(Strict):
    name: NonEmptyStr
    subject: NonEmptyStr
    version: PositiveInt


class SchemaSpec(Strict):
    """One version of a subject's schema: the text as registered (JSON for AVRO and JSON)."""

    schema: NonEmptyStr
    type: Literal["AVRO", "PROTOBUF", "JSON"] = "AVRO"
    references: list[SchemaReferenceSpec] = []


class SubjectSpec(Strict):
    """A Schema Registry subject. compatibility: the level that applies to it (its own, else the
    registry's); None leaves it alone. schemas: its versions, oldest first (None: not managed);
    apply registers the last one when it is not the subject's latest."""

    name: NonEmptyStr
    compatibility: Literal[LEVELS] | None = None
    schemas: list[SchemaSpec] | None = None


class ConnectorSpec(Strict):
    """A Kafka Connect connector: its whole config (`name` aside). A key that looks secret
    (password, secret, token, key) holds a reference, never a value: ${env:NAME} or ${file:PATH}
    (kctl resolves it on apply), or a worker's config provider reference (${file:PATH:KEY}...)."""

    name: NonEmptyStr
    config: dict[str, ConfigValue]


class ClusterState(Strict):
    api_version: Literal["kctl/v1"] = msgspec.field(name="apiVersion")
    kind: Literal["ClusterState"]
    topics: list[TopicSpec] | None = None
    acls: list[AclSpec] | None = None
    users: list[UserSpec] | None = None
    quotas: list[QuotaSpec] | None = None
    broker_configs: dict[str, ConfigValue] | None = None
    subjects: list[SubjectSpec] | None = None
    connectors: list[ConnectorSpec] | None = None


def config_text(value: ConfigValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def canonical(schema: SchemaSpec) -> str:
    """The schema text compared: JSON (AVRO, JSON) without its layout, Protobuf as written."""
    if schema.type == "PROTOBUF":
        return schema.schema.strip()
    value = json.loads(schema.schema)
    return json.dumps(_avro_plain(value) if schema.type == "AVRO" else value, sort_keys=True, separators=(",", ":"))


def _avro_plain(value):
    """{"type": "int"} is "int" in Avro (a registry may keep either spelling)."""
    if isinstance(value, list):
        return [_avro_plain(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"type"} and isinstance(value["type"], str):
        return value["type"]
    return {k: _avro_plain(v) for k, v in value.items()}


def references_text(schema: SchemaSpec) -> str:
    return ",".join(f"{r.name}={r.subject}@{r.version}" for r in schema.references)


def same_schema(a: SchemaSpec, b: SchemaSpec) -> bool:
    return a.type == b.type and canonical(a) == canonical(b) and references_text(a) == references_text(b)


def _check_connectors(state: ClusterState, source: str) -> None:
    for i, connector in enumerate(state.connectors or ()):
        if not connector.name.isprintable() or connector.name != connector.name.strip() or len(connector.name) > 255:
            raise UsageError(f"{source}: connectors[{i}].name: {connector.name!r} is not a connector name "
                             "(1 to 255 printable characters)")
        if "connector.class" not in connector.config:
            raise UsageError(f"{source}: connectors[{i}].config: connector.class is missing")
        for key, value in connector.config.items():
            if key == "name":
                raise UsageError(f"{source}: connectors[{i}].config.name: the name is the connector's `name`")
            if is_secret_key(key) and not re.fullmatch(r"\$\{[^}]+\}", str(value)):
                raise UsageError(f"{source}: connectors[{i}].config.{key}: a secret is written as a reference "
                                 "(${env:NAME} or ${file:PATH}), never as its value")


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
    _check_connectors(state, source)
    for i, subject in enumerate(state.subjects or ()):
        if not subject.name.isprintable() or subject.name != subject.name.strip():
            raise UsageError(f"{source}: subjects[{i}].name: {subject.name!r} is not a subject name")
        if subject.schemas == []:
            raise UsageError(f"{source}: subjects[{i}].schemas: empty (leave it out to leave the schemas alone)")
        for j, schema in enumerate(subject.schemas or ()):
            if schema.type != "PROTOBUF":
                try:
                    json.loads(schema.schema)
                except ValueError as exc:
                    raise UsageError(f"{source}: subjects[{i}].schemas[{j}].schema: not JSON, as an {schema.type} "
                                     f"schema is: {exc}") from None


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
    if section in ("topics", "users", "subjects", "connectors"):
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
    if section == "connectors":
        data["config"] = {k: config_text(v) for k, v in sorted(item.config.items())}
    if section == "subjects":
        if data["compatibility"] is None:
            del data["compatibility"]
        data["schemas"] = [{"type": s["type"], "schema": s["schema"], **({"references": s["references"]}
                                                                          if s["references"] else {})}
                           for s in data.get("schemas") or ()] or None
        if data["schemas"] is None:
            del data["schemas"]
    return data
