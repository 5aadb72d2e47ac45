"""The `subjects` section: Schema Registry subjects read and changed through the registry's
Confluent API (the same client and settings as `kctl schemas`)."""

from __future__ import annotations

from urllib.parse import quote

from kctl.errors import NotFoundError
from kctl.models import StateChange
from kctl.services.state.document import SchemaReferenceSpec, SchemaSpec, SubjectSpec


def _client(settings):
    from kctl.client.schema_registry import connect  # heavy: the Schema Registry library (a registry only)

    return connect(settings)


def _call(settings, fn, what: str):
    from kctl.client.schema_registry import call  # heavy: the Schema Registry library (a registry only)

    return call(fn, settings, what)


def read_subjects(settings, include_schemas: bool) -> list[SubjectSpec]:
    """The live (not soft-deleted) subjects, each with the compatibility level that applies to it:
    its own, or the registry's global one when it has none (defaultToGlobal; a registry that
    ignores it answers 404); a registry without a global level checks nothing: NONE."""
    client = _client(settings)
    names = sorted(_call(settings, client.get_subjects, "listing subjects"))
    overall = None
    subjects = []
    for name in names:
        try:
            level = _call(settings, lambda n=name: _level(client, n), f"the compatibility of {name}")
        except NotFoundError:
            if overall is None:
                overall = _global_level(settings, client)
            level = overall
        schemas = None
        if include_schemas:
            versions = _call(settings, lambda n=name: client.get_versions(n), f"subject {name}")
            schemas = [_spec(_call(settings, lambda n=name, v=v: client.get_version(n, v), f"{name} version {v}"))
                       for v in sorted(versions)]
        subjects.append(SubjectSpec(name=name, compatibility=level.upper(), schemas=schemas))
    return subjects


def _level(client, subject: str) -> str:
    # The client's get_compatibility asks without defaultToGlobal, and Apicurio then answers NONE
    # for a subject of its own level unset, while it checks new versions against the global level.
    return client._rest_client.get(f"config/{quote(subject, safe='')}",
                                   query={"defaultToGlobal": "true"})["compatibilityLevel"]


def _global_level(settings, client) -> str:
    try:
        return _call(settings, client.get_compatibility, "the registry's compatibility")
    except NotFoundError:
        return "NONE"


def _spec(registered) -> SchemaSpec:
    schema = registered.schema
    refs = [SchemaReferenceSpec(name=r.name, subject=r.subject, version=r.version) for r in schema.references or ()]
    return SchemaSpec(type=(schema.schema_type or "AVRO").upper(), schema=schema.schema_str, references=refs)


def _schema(params: dict):
    from kctl.client.schema_registry import schema_of  # heavy: the Schema Registry library (a registry only)

    return schema_of(params["schema"], params["type"], [(r["name"], r["subject"], r["version"])
                                                        for r in params["references"]])


def refused(settings, change: StateChange) -> str | None:
    """The registry's verdict on a new version of an existing subject, under its current level."""
    if change.action != "register":
        return None
    client = _client(settings)
    schema = _schema(change.params["schemas"][-1])
    compatible = _call(settings, lambda: client.test_compatibility(change.name, schema), f"checking {change.name}")
    return None if compatible else f"the registry refuses it: not compatible with the latest version of {change.name}"


def execute(settings, change: StateChange) -> None:
    client = _client(settings)
    p, name = change.params, change.name
    if change.action == "set-compatibility":
        _call(settings, lambda: client.set_compatibility(name, p["level"]), f"setting the compatibility of {name}")
    elif change.action in ("create", "register"):
        for version in p["schemas"]:
            schema = _schema(version)
            _call(settings, lambda s=schema: client.register_schema(name, s), f"registering a schema under {name}")
    elif change.action == "delete":
        _call(settings, lambda: client.delete_subject(name), f"deleting subject {name}")
    else:
        raise ValueError(change.action)
