"""`kctl quotas`: list, describe, set, delete and resolve client quotas.

Kafka applies each kind of quota (produce bytes, fetch bytes, request time, controller
mutations) separately: for a client with user U and client id C it takes, for that key, the
first of these entities that sets it (the Kafka documentation's order, most specific first):
user U + client C, user U + default client, user U, default user + client C, default user +
default client, default user, client C, default client. Connection-rate quotas belong to IP
addresses: the address, then the default address.
"""

from __future__ import annotations

import ipaddress
import math
import time

from kctl import log
from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import UsageError, failure_of
from kctl.models import AppliedQuota, ItemResult, OperationResult, QuotaEntry, QuotaResolution
from kctl.models.choices import CLIENT_QUOTA_KEYS, IP_QUOTA_KEYS, QUOTA_ENTITY_TYPES
from kctl.models.quotas import entity_text
from kctl.parsing import check_name

# A change is committed when AlterClientQuotas returns; brokers apply it when they replay the
# metadata log, so a describe right after may show the old value: wait this long at most.
APPLY_WAIT_S = 5.0


def entity_of(user: str | None = None, default_user: bool = False, client_id: str | None = None,
              default_client_id: bool = False, ip: str | None = None, default_ip: bool = False) -> dict:
    """The entity the options name (entity type -> name, None for the default); UsageError when
    they name none, name a type twice, or mix an IP address with a user or client id."""
    entity: dict = {}
    for kind, name, default in (("user", user, default_user), ("client-id", client_id, default_client_id),
                                ("ip", ip, default_ip)):
        if name is not None and default:
            raise UsageError(f"--{kind} and --default-{kind} name two entities: give one")
        if name is not None:
            if not name.strip():
                raise UsageError(f"--{kind} needs a name (--default-{kind} names the default)")
            check_name(name, f"--{kind}")
            if kind == "ip":
                try:  # the broker refuses anything else, after a dry run would have shown it as fine
                    ipaddress.ip_address(name)
                except ValueError:
                    raise UsageError(f"--ip: not an IP address: {name!r}") from None
            entity[kind] = name
        elif default:
            entity[kind] = None
    if not entity:
        raise UsageError("name the entity: --user/--default-user, --client-id/--default-client-id, or --ip/--default-ip")
    if "ip" in entity and len(entity) > 1:
        raise UsageError("an IP address quota stands alone: --ip cannot be combined with --user or --client-id")
    return entity


def parse_values(pairs: dict[str, str], entity: dict) -> dict[str, float]:
    """KEY=VALUE quota settings as floats, checked against the keys the entity takes."""
    allowed = IP_QUOTA_KEYS if "ip" in entity else CLIENT_QUOTA_KEYS
    if not pairs:
        raise UsageError(f"nothing to set: --set KEY=VALUE with KEY one of {', '.join(allowed)}")
    values = {}
    for key, text in pairs.items():
        if key not in allowed:
            raise UsageError(f"--set {key}: not a quota of {entity_text(entity)} (one of {', '.join(allowed)})")
        try:
            value = float(text)
        except ValueError:
            raise UsageError(f"--set {key}={text}: expected a number") from None
        if not math.isfinite(value) or value <= 0:
            raise UsageError(f"--set {key}={text}: expected a number above 0 (`kctl quotas delete` removes a quota)")
        values[key] = value
    return values


def _filters(entity: dict | None) -> dict:
    return {} if entity is None else dict(entity)


def list_quotas(conf: dict, timeout: float, entity: dict | None = None) -> list[QuotaEntry]:
    """Every entity with quotas (entity: only those matching it, other entity types allowed)."""
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        found = admin.describe_quotas(_filters(entity))
    log.event("quotas_list", entities=len(found), duration_ms=round((time.perf_counter() - start) * 1000))
    return sorted((QuotaEntry(dict(_ordered(e)), dict(sorted(v.items()))) for e, v in found), key=_sort_key)


def describe_quotas(conf: dict, timeout: float, entity: dict) -> QuotaEntry:
    """The quotas set on exactly this entity (values empty when none)."""
    with AdminClient(conf, timeout=timeout) as admin:
        return _exact(admin, entity, Deadline.after(timeout))


def _exact(admin, entity: dict, deadline) -> QuotaEntry:
    for found, values in admin.describe_quotas(entity, strict=True, timeout=deadline):
        if found == entity:
            return QuotaEntry(dict(_ordered(found)), dict(sorted(values.items())))
    return QuotaEntry(dict(_ordered(entity)), {})


def _ordered(entity: dict):
    return sorted(entity.items(), key=lambda item: QUOTA_ENTITY_TYPES.index(item[0]) if item[0] in QUOTA_ENTITY_TYPES else 9)


def _sort_key(entry: QuotaEntry):
    return [(t, n is not None, n or "") for t, n in entry.entity.items()]


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) or abs(value) < 1e15 else repr(value)


def plan_set(admin, entity: dict, values: dict[str, float], deadline) -> OperationResult:
    current = _exact(admin, entity, deadline).values
    items = []
    for key, value in values.items():
        old = current.get(key)
        if old == value:
            items.append(ItemResult(key, True, f"already {_number(value)}"))
        else:
            was = "was not set" if old is None else f"was {_number(old)}"
            items.append(ItemResult(key, True, f"would set {_number(value)} ({was})"))
    return OperationResult(f"set quotas of {entity_text(entity)}", tuple(items), dry_run=True)


def plan_delete(admin, entity: dict, keys: list[str], deadline) -> OperationResult:
    current = _exact(admin, entity, deadline).values
    items = []
    for key in keys or sorted(current):
        if key in current:
            items.append(ItemResult(key, True, f"would remove {_number(current[key])}"))
        else:
            items.append(ItemResult(key, True, "not set"))
    if not items:
        items.append(ItemResult(entity_text(entity), True, "no quotas set"))
    return OperationResult(f"delete quotas of {entity_text(entity)}", tuple(items), dry_run=True)


def execute(admin, entity: dict, plan: OperationResult, ops: dict, deadline) -> OperationResult:
    """Apply the planned ops (key -> value, None to remove) in one request; rows say what was done."""
    changing = {item.name for item in plan.items if item.detail.startswith("would")}
    ops = {k: v for k, v in ops.items() if k in changing}
    if not ops:
        return OperationResult(plan.operation, plan.items)
    try:
        admin.alter_quotas(entity, ops, timeout=deadline)
    except Exception as exc:  # noqa: BLE001 - KctlError: every planned row failed with it
        message = getattr(exc, "message", str(exc))
        code = int(getattr(exc, "exit_code", 1))
        return OperationResult(plan.operation, tuple(
            ItemResult(i.name, False, error=message, exit_code=code) if i.name in ops else i for i in plan.items))
    _wait_applied(admin, entity, ops, deadline)
    done = tuple(ItemResult(i.name, True, i.detail.removeprefix("would ")) if i.name in ops else i for i in plan.items)
    log.event("quotas_alter", entity=entity_text(entity), keys=",".join(sorted(ops)))
    return OperationResult(plan.operation, done)


def _wait_applied(admin, entity: dict, ops: dict, deadline) -> None:
    """Until a describe shows the change (capped): `quotas set` then `quotas describe` reads what was written."""
    wait = deadline.sooner(APPLY_WAIT_S)
    while wait.remaining() > 0.2:
        current = _exact(admin, entity, wait).values
        if all(current.get(k) == v for k, v in ops.items()):
            return
        time.sleep(0.05)
    log.event("quotas_alter_not_yet_applied", entity=entity_text(entity))


def set_quotas(conf: dict, timeout: float, entity: dict, values: dict[str, float], confirm) -> OperationResult:
    """Plan the change, ask confirm(plan) (False: the plan is the result), then apply it."""
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        plan = plan_set(admin, entity, values, deadline)
        if not confirm(plan):
            return plan
        return execute(admin, entity, plan, dict(values), deadline)


def delete_quotas(conf: dict, timeout: float, entity: dict, keys: list[str], confirm) -> OperationResult:
    """Remove the keys (all the entity has when none are named), after confirm(plan)."""
    allowed = IP_QUOTA_KEYS if "ip" in entity else CLIENT_QUOTA_KEYS
    for key in keys:
        if key not in allowed:
            raise UsageError(f"--key {key}: not a quota of {entity_text(entity)} (one of {', '.join(allowed)})")
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        plan = plan_delete(admin, entity, keys, deadline)
        if not confirm(plan):
            return plan
        return execute(admin, entity, plan, dict.fromkeys((i.name for i in plan.items)), deadline)


def failure(result: OperationResult):
    return failure_of(result.items, result.operation)


def resolve(conf: dict, timeout: float, user: str | None, client_id: str | None, ip: str | None) -> QuotaResolution:
    """Which quota of each kind applies to a client with this user / client id (and IP address)."""
    if user is None and client_id is None and ip is None:
        raise UsageError("resolve for whom? --user U and/or --client-id C (and --ip A for connection quotas)")
    with AdminClient(conf, timeout=timeout) as admin:
        found = {tuple(sorted(e.items())): v for e, v in admin.describe_quotas({})}
    applied = []
    if user is not None or client_id is not None:
        for key in CLIENT_QUOTA_KEYS:
            applied.append(_first(found, key, _client_chain(user, client_id)))
    if ip is not None:
        applied.append(_first(found, IP_QUOTA_KEYS[0], [{"ip": ip}, {"ip": None}]))
    return QuotaResolution(user, client_id, ip, tuple(applied))


def _client_chain(user: str | None, client_id: str | None) -> list[dict]:
    """Kafka's precedence for user and client-id quotas, most specific first; without a user (or
    client id) only the levels of the defaults apply to it."""
    users = ([user] if user is not None else []) + [None]
    chain = []
    for name in users:
        if client_id is not None:
            chain.append({"user": name, "client-id": client_id})
        chain += [{"user": name, "client-id": None}, {"user": name}]
    if client_id is not None:
        chain.append({"client-id": client_id})
    chain.append({"client-id": None})
    return chain


def _first(found: dict, key: str, chain: list[dict]) -> AppliedQuota:
    for entity in chain:
        values = found.get(tuple(sorted(entity.items())))
        if values and key in values:
            return AppliedQuota(key, values[key], dict(_ordered(entity)))
    return AppliedQuota(key, None, None)
