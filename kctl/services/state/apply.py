"""Applying a plan: each change in order through the one admin connection, a snapshot of what
it replaced written before the first change, and `apply --undo SNAPSHOT` to put back what can be
put back (configs, ACLs, quotas). A failure stops the run: the changes after it are not made."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import replace

import msgspec

from kctl import log
from kctl.client.admin import AdminClient
from kctl.config.client_conf import resolve_secret
from kctl.config.state import state_root
from kctl.deadline import Deadline
from kctl.decode import NonEmptyStr, Strict, decode, parse_json, read_regular_file
from kctl.errors import BrokerUnavailable, ConfigError, KctlError, PartialFailure, UsageError
from kctl.models import StateChange, StatePlan
from kctl.models.security import AclEntry
from kctl.services import replicas
from kctl.services.state import connectors, subjects
from kctl.services.state.document import ClusterState


def snapshot_dir():
    return state_root() / "apply"


def inverse(change: StateChange, actual: ClusterState) -> tuple[StateChange | None, str | None]:
    """The change that undoes `change` (from the state before it), or why it cannot be undone."""
    p = change.params
    if change.kind == "topics":
        if change.action == "alter-configs":
            before = next(t for t in actual.topics or [] if t.name == change.name).configs
            touched = [*p["set"], *p["delete"]]
            restore = {k: str(before[k]) for k in touched if k in before}
            return replace(change, params={"set": restore, "delete": [k for k in touched if k not in before]},
                           detail="restore the previous configs"), None
        if change.action == "create":
            return None, f"topic {change.name} was created: delete it with `kctl topics delete {change.name}` if unwanted"
        if change.action == "delete":
            return None, f"topic {change.name} was deleted with its records: they cannot be restored"
        return None, f"topic {change.name}: {change.action} is not undone (Kafka cannot shrink a topic; " \
                     "use `kctl topics set-replication` for the replication factor)"
    if change.kind == "acls":
        return replace(change, action="delete" if change.action == "create" else "create",
                       detail="undo: " + change.detail), None
    if change.kind == "quotas":
        before = next((q.values for q in actual.quotas or [] if _same_entity(q.entity, p["entity"])), {})
        ops = {k: before.get(k) for k in p["ops"]}
        return replace(change, action="set", params={"entity": p["entity"], "ops": ops},
                       detail="restore the previous quotas"), None
    if change.kind == "broker_configs":
        before = actual.broker_configs or {}
        touched = [*p["set"], *p["delete"]]
        return replace(change, action="set", params={"set": {k: str(before[k]) for k in touched if k in before},
                                                      "delete": [k for k in touched if k not in before]},
                       detail="restore the previous broker defaults"), None
    if change.kind == "connectors":
        return None, (f"connector {change.name}: {change.action} is not undone (the snapshot would hold "
                      "its secrets; apply the previous document)")
    if change.kind == "subjects":
        return None, f"subject {change.name}: {change.action} is not undone (Schema Registry changes are not)"
    return None, f"user {change.name}: credentials are not undone (a password cannot be read back)"


def _same_entity(a: dict, b: dict) -> bool:
    return dict(a) == dict(b)


def execute(admin: AdminClient, change: StateChange, deadline: Deadline, conf: dict, timeout: float,
            registry=None, connect=None) -> None:
    """Make one change; KctlError when the cluster (or the Schema Registry) refuses it."""
    p = change.params
    outcome = None
    if change.kind == "subjects":
        subjects.execute(registry, change)
    elif change.kind == "connectors":
        connectors.execute(connect, change)
    elif change.kind == "topics":
        if change.action == "create":
            outcome = admin.create_topics([change.name], p["partitions"], p["replication_factor"], p["configs"],
                                          timeout=deadline)[change.name]
        elif change.action == "add-partitions":
            outcome = admin.add_partitions(change.name, p["partitions"], timeout=deadline)
        elif change.action == "alter-configs":
            outcome = admin.alter_topic_config(change.name, p["set"], p["delete"], timeout=deadline)
        elif change.action == "delete":
            outcome = admin.delete_topics([change.name], timeout=deadline)[change.name]
        elif change.action == "set-replication":
            result = replicas.reassign(conf, deadline.remaining(0.1), "set-replication", change.name,
                                   factor=p["replication_factor"], execute=True)
            failure = replicas.failure(result)
            if failure is not None:
                raise failure
    elif change.kind == "acls":
        acl = AclEntry(p["principal"], p["host"], p["operation"], p["permission"], p["resource_type"],
                       p["resource_name"], p["pattern_type"])
        if change.action == "create":
            outcome = admin.create_acls([acl], timeout=deadline)[acl]
        else:
            admin.delete_acls(acl, timeout=deadline)
    elif change.kind == "users":
        for mechanism in p["mechanisms"]:
            if change.action == "set":
                outcome = admin.upsert_scram_user(change.name, mechanism, resolve_secret("sasl.password", p["password"]),
                                                  timeout=deadline)
            else:
                outcome = admin.delete_scram_user(change.name, mechanism, timeout=deadline)
            if outcome.error is not None:
                raise outcome.error
        outcome = None
    elif change.kind == "quotas":
        admin.alter_quotas(p["entity"], p["ops"], timeout=deadline)
    elif change.kind == "broker_configs":
        outcome = admin.alter_broker_default_config(p["set"], p["delete"], timeout=deadline)
    if outcome is not None and outcome.error is not None:
        raise outcome.error


def run(conf: dict, timeout: float, plan: StatePlan, actual: ClusterState | None, bootstrap: str,
        registry=None, connect=None) -> StatePlan:
    """Apply the plan's changes in order, the snapshot of what they replace written first (actual:
    the state the plan was made from; None for an undo, which writes no snapshot). A failure stops
    the run: its row says why, the later rows are `not run` (apply_failure gives the error)."""
    blocked = [c for c in plan.changes if c.error]
    if blocked:
        raise UsageError(f"the plan has {len(blocked)} change(s) that cannot be made, so nothing was changed: step "
                         f"{blocked[0].step} {blocked[0].kind} {blocked[0].name}: {blocked[0].error}")
    undo, not_undone = [], []
    for change in plan.changes if actual is not None else ():
        back, why = inverse(change, actual)
        if back is not None:
            undo.append(back)
        if why:
            not_undone.append(why)
    snapshot = _write_snapshot(bootstrap, undo) if actual is not None else None
    done: list[StateChange] = []
    stopped = False
    with AdminClient(conf, timeout=timeout) as admin:
        for change in plan.changes:
            if stopped:
                done.append(replace(change, status="not run"))
                continue
            try:  # --timeout bounds each change: a long document is not a slow cluster
                execute(admin, change, Deadline.after(timeout), conf, timeout, registry, connect)
                done.append(replace(change, status="applied"))
                log.event("state_apply_change", step=change.step, kind=change.kind, resource=change.name, action=change.action)
            except KctlError as exc:
                stopped = True
                done.append(replace(change, status="failed", error=exc.message, exit_code=int(exc.exit_code)))
    return StatePlan(plan.target, tuple(done), applied=True, snapshot=snapshot, not_undone=tuple(not_undone))


def apply_failure(result: StatePlan) -> KctlError | None:
    """Exit 6 when the cluster went away mid-apply, else 5; the message says what was applied."""
    failed = next((c for c in result.changes if c.status == "failed"), None)
    if failed is None:
        return None
    applied = sum(c.status == "applied" for c in result.changes)
    message = (f"apply stopped at step {failed.step} ({failed.kind} {failed.name} {failed.action}): {failed.error}; "
               f"{applied} change(s) before it were applied, none after it")
    hint = f"`kctl apply --undo {result.snapshot}` puts back what can be put back" if result.snapshot and applied else None
    cls = BrokerUnavailable if failed.exit_code == int(BrokerUnavailable.exit_code) else PartialFailure
    return cls(message, hint=hint)


def _write_snapshot(bootstrap: str, undo: list[StateChange]) -> str:
    folder = snapshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex[:6]}.json"
    document = {"bootstrap": bootstrap, "created": time.time(),
                "undo": [{"kind": c.kind, "name": c.name, "action": c.action, "detail": c.detail, "params": c.params}
                         for c in reversed(undo)]}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle, indent=1)
    return str(path)


class _Settings(Strict):
    set: dict[str, str]
    delete: list[str]


class _Acl(Strict):
    principal: str
    host: str
    operation: str
    permission: str
    resource_type: str
    resource_name: str
    pattern_type: str


class _Quotas(Strict):
    entity: dict[str, str | None]
    ops: dict[str, float | None]


# What each kind of undo step sends, decoded strictly from the snapshot file.
_UNDOABLE = {("topics", "alter-configs"): _Settings, ("acls", "create"): _Acl, ("acls", "delete"): _Acl,
             ("quotas", "set"): _Quotas, ("broker_configs", "set"): _Settings}


class _UndoStep(Strict):
    kind: NonEmptyStr
    name: str
    action: NonEmptyStr
    detail: str
    params: dict


class _Snapshot(Strict):
    bootstrap: str
    created: float
    undo: list[_UndoStep]


def load_undo(path: str, bootstrap: str) -> StatePlan:
    """The undo plan a snapshot holds; it must be for this cluster."""
    snapshot = decode(parse_json(read_regular_file(path), path), _Snapshot, path)
    if snapshot.bootstrap != bootstrap:
        raise ConfigError(f"{path} was taken on {snapshot.bootstrap}, not on {bootstrap}",
                          hint="undo on the cluster the apply changed (-i/-b/--context)")
    changes = []
    for i, step in enumerate(snapshot.undo):
        kind = _UNDOABLE.get((step.kind, step.action))
        if kind is None:
            raise UsageError(f"{path}: undo[{i}]: {step.kind} {step.action} is not an undo step")
        params = msgspec.to_builtins(decode(step.params, kind, f"{path}: undo[{i}].params"))
        changes.append(StateChange(i + 1, step.kind, step.name, step.action, step.detail, params))
    return StatePlan(f"undo of {path}", tuple(changes))
