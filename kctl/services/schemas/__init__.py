"""`kctl schemas`: the subjects and schemas of a Schema Registry (Confluent API), and the registry
settings of produce/consume (settings.py). Returns kctl.models.schemas dataclasses."""

from __future__ import annotations

from kctl.errors import NotFoundError, UsageError
from kctl.models import SchemaCheck, SchemaConfig, SchemaDeleted, SchemaSubject, SchemaVersion
from kctl.parsing import parse_int

LEVELS = ("BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE")


def _client(settings):
    from kctl.client.schema_registry import connect  # not on schemas --help's path

    return connect(settings)


def _call(settings, fn, what: str = ""):
    from kctl.client.schema_registry import call  # not on schemas --help's path

    return call(fn, settings, what)


def list_subjects(settings, deleted: bool = False) -> list[SchemaSubject]:
    client = _client(settings)
    names = _call(settings, lambda: client.get_subjects(deleted=deleted), "listing subjects")
    live = set(_call(settings, lambda: client.get_subjects(), "listing subjects")) if deleted else set(names)
    out = []
    for name in sorted(names):
        versions = _call(settings, lambda subject=name: client.get_versions(subject, deleted=deleted), f"subject {name}")
        out.append(SchemaSubject(name, tuple(versions), deleted=name not in live))
    return out


def _version(subject, registered) -> SchemaVersion:
    return SchemaVersion(subject, registered.version, registered.schema_id,
                         registered.schema.schema_type or "AVRO", registered.schema.schema_str)


def get(settings, subject: str | None = None, version: str = "latest", schema_id: int | None = None) -> SchemaVersion:
    client = _client(settings)
    if schema_id is not None:
        if subject is not None:
            raise UsageError("give SUBJECT or --id, not both")
        schema = _call(settings, lambda: client.get_schema(schema_id), f"schema id {schema_id}")
        return SchemaVersion(None, None, schema_id, schema.schema_type or "AVRO", schema.schema_str)
    if subject is None:
        raise UsageError("name a SUBJECT or give --id N")
    if version == "latest":
        return _version(subject, _call(settings, lambda: client.get_latest_version(subject), f"subject {subject}"))
    number = _version_number(version)
    return _version(subject, _call(settings, lambda: client.get_version(subject, number), f"{subject} version {number}"))


def _version_number(text) -> int:
    return parse_int(str(text), "--version", minimum=1, maximum=2**31 - 1)  # versions count from 1


def register(settings, subject: str, path: str, schema_type: str | None = None) -> SchemaVersion:
    from kctl.client.schema_registry import new_schema  # not on schemas --help's path

    client = _client(settings)
    schema = _call(settings, lambda: new_schema(path, schema_type, client, register_imports=True), f"registering {path}")
    registered = _call(settings, lambda: client.register_schema_full_response(subject, schema), f"registering {path} under {subject}")
    latest = _call(settings, lambda: client.lookup_schema(subject, schema), f"subject {subject}")
    return SchemaVersion(subject, latest.version, registered.schema_id, schema.schema_type or "AVRO", schema.schema_str)


def check(settings, subject: str, path: str, schema_type: str | None = None) -> SchemaCheck:
    from kctl.client.schema_registry import new_schema  # not on schemas --help's path

    client = _client(settings)
    schema = _call(settings, lambda: new_schema(path, schema_type, client), f"checking {path}")
    result = _call(settings, lambda: client.test_compatibility(subject, schema, verbose=True), f"checking {path} against {subject}")
    if isinstance(result, bool):
        return SchemaCheck(subject, result)
    return SchemaCheck(subject, bool(result.get("is_compatible", False)), tuple(result.get("messages") or ()))


def delete(settings, subject: str, version: str | None = None, permanent: bool = False) -> SchemaDeleted:
    client = _client(settings)
    if version is None:
        if permanent:  # the Confluent API: a soft delete first (unless done already), then the permanent one
            _soft_delete_first(settings, lambda: client.delete_subject(subject), f"subject {subject}")
        versions = _call(settings, lambda: client.delete_subject(subject, permanent=permanent), f"subject {subject}")
        return SchemaDeleted(subject, tuple(versions), permanent)
    number = _version_number(version)
    if permanent:
        _soft_delete_first(settings, lambda: client.delete_version(subject, number), f"{subject} version {number}")
    deleted = _call(settings, lambda: client.delete_version(subject, number, permanent=permanent), f"{subject} version {number}")
    return SchemaDeleted(subject, (deleted,), permanent)


def delete_plan(settings, subject: str, version: str | None = None, permanent: bool = False) -> SchemaDeleted:
    """The versions `delete` would remove (a permanent delete includes the soft-deleted ones)."""
    client = _client(settings)
    versions = _call(settings, lambda: client.get_versions(subject, deleted=permanent), f"subject {subject}")
    if version is not None:
        number = _version_number(version)
        if number not in versions:
            raise NotFoundError(f"subject {subject} has no version {number}", hint="`kctl schemas list` shows the versions")
        versions = [number]
    return SchemaDeleted(subject, tuple(versions), permanent, dry_run=True)


def _soft_delete_first(settings, fn, what: str) -> None:
    try:
        _call(settings, fn, what)
    except NotFoundError:  # soft-deleted already (or missing: the permanent delete says which)
        pass


def config(settings, subject: str | None = None, set_compatibility: str | None = None) -> SchemaConfig:
    client = _client(settings)
    if set_compatibility is not None:
        level = set_compatibility.upper()
        if level not in LEVELS:
            raise UsageError(f"unknown compatibility level {set_compatibility!r}", hint=f"one of: {', '.join(LEVELS)}")
        _call(settings, lambda: client.set_compatibility(subject, level), "setting the compatibility")
        return SchemaConfig(subject, level)
    level = _call(settings, lambda: client.get_compatibility(subject), f"the compatibility of {subject or 'the registry'}")
    return SchemaConfig(subject, level)
