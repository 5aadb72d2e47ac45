"""`kctl schemas`: subjects, schema versions, compatibility checks and settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SchemaSubject:
    subject: str
    versions: tuple[int, ...]
    deleted: bool = False


@dataclass(frozen=True)
class SchemaVersion:
    subject: str | None  # None for `get --id N`
    version: int | None
    schema_id: int
    schema_type: str  # AVRO | PROTOBUF | JSON
    schema: str


@dataclass(frozen=True)
class SchemaCheck:
    subject: str
    compatible: bool
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchemaConfig:
    subject: str | None  # None: the registry's global default
    compatibility: str


@dataclass(frozen=True)
class SchemaDeleted:
    """`schemas delete`: the versions deleted (dry_run: the versions that would be)."""

    subject: str
    versions: tuple[int, ...]
    permanent: bool
    dry_run: bool = False
