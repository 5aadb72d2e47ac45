"""`kctl quotas`: client quotas of users, client ids and IP addresses."""

from __future__ import annotations

from dataclasses import dataclass


def entity_text(entity: dict) -> str:
    """user=alice, client-id=<default> (Kafka's kafka-configs spelling)."""
    return ", ".join(f"{t}={'<default>' if n is None else n}" for t, n in entity.items())


@dataclass(frozen=True)
class QuotaEntry:
    """The quotas set on one entity. entity: entity type -> name; null names the type's default."""

    entity: dict
    values: dict


@dataclass(frozen=True)
class AppliedQuota:
    """One quota key as the broker applies it to a client: its value and the entity it comes from
    (null entity and value: no quota of that kind applies)."""

    key: str
    value: float | None
    entity: dict | None


@dataclass(frozen=True)
class QuotaResolution:
    """`kctl quotas resolve`: which rule applies to a client, by Kafka's precedence."""

    user: str | None
    client_id: str | None
    ip: str | None
    applied: tuple[AppliedQuota, ...]
