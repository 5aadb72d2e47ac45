"""Models of `kctl acls` and `kctl users` (field names are the JSON/YAML contract)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AclEntry:
    """One ACL binding. resource_type: topic, group, cluster, transactional-id; pattern_type:
    literal or prefixed (match/any only in filters); operation: read, write, create, delete,
    alter, describe, cluster-action, describe-configs, alter-configs, idempotent-write, all;
    permission: allow or deny."""

    principal: str
    host: str
    operation: str
    permission: str
    resource_type: str
    resource_name: str
    pattern_type: str


@dataclass(frozen=True)
class AclChange:
    """`acls create|delete`: the bindings created, or deleted (matched by the filter); dry_run:
    what would be; error when the request failed."""

    operation: str
    acls: tuple[AclEntry, ...]
    dry_run: bool = False
    error: str | None = None
    exit_code: int | None = None


@dataclass(frozen=True)
class ScramCredential:
    mechanism: str  # SCRAM-SHA-256 or SCRAM-SHA-512
    iterations: int


@dataclass(frozen=True)
class ScramUser:
    """A user with SCRAM credentials (the broker never returns passwords or salts)."""

    user: str
    credentials: tuple[ScramCredential, ...] = ()
