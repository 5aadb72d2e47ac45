"""Cluster state as code: `kctl export` (a cluster as a ClusterState YAML document), `kctl diff`
(a document or another cluster against the cluster), `kctl plan` and `kctl apply` (the ordered
changes that make the cluster match a document, and making them), `kctl apply --undo`.

The document's schema: kctl.services.state.document. Topics, ACLs, SCRAM users (names and
mechanisms: never credentials), client quotas, the cluster-wide dynamic broker defaults and, when a
Schema Registry is known, its subjects. `registry` (here and below): a function giving the
RegistrySettings, None when no registry is known; called only when subjects are read. `connect`
likewise for the connectors (the ConnectSettings of kctl.services.connect).
"""

from __future__ import annotations

from dataclasses import replace
import msgspec

from kctl.client.admin import AdminClient
from kctl.client.admin.security import check_acl
from kctl.config.client_conf import resolve_secret
from kctl.deadline import Deadline
from kctl.errors import ConfigError, KctlError, UsageError
from kctl.models import StateDiff, StatePlan
from kctl.models.security import AclEntry
from kctl.services.state import apply as applying
from kctl.services.state import connectors, subjects
from kctl.services.state.compare import align, diff, managed, plan_changes
from kctl.services.state.document import CONNECT_SECTIONS, REGISTRY_SECTIONS, SECTIONS, ClusterState, load, to_yaml
from kctl.services.state.read import read_state, read_with

__all__ = ["SECTIONS", "apply_file", "failure", "diff_clusters", "diff_file", "export", "parse_sections",
           "plan_file", "undo"]

def parse_sections(text: str | None, option: str) -> tuple[str, ...]:
    """`topics,acls` -> ("topics", "acls"), checked against the sections of the schema."""
    if text is None:
        return SECTIONS
    names = tuple(dict.fromkeys(n.strip().replace("-", "_") for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in SECTIONS]
    if unknown or not names:
        raise UsageError(f"{option} takes a list of {', '.join(SECTIONS)}, got {text!r}")
    return names


def export(conf: dict, timeout: float, only: tuple[str, ...] = SECTIONS, include_internal: bool = False,
           registry=None, include_schemas: bool = False, connect=None) -> str:
    """The cluster as a YAML document (sorted: the same cluster gives the same bytes); subjects
    only with a registry (include_schemas: each subject's versions too)."""
    settings = registry() if registry is not None and "subjects" in only else None
    worker = connect() if connect is not None and "connectors" in only else None
    return to_yaml(_read(conf, timeout, only, settings, include_schemas, include_internal, worker)[0])


def _read(conf: dict, timeout: float, only: tuple[str, ...], registry, include_schemas: bool,
          include_internal: bool = False, connect=None) -> tuple[ClusterState, dict]:
    """The state, and the secrets the Connect worker holds (see connectors.read_connectors)."""
    brokers = tuple(s for s in only if s not in REGISTRY_SECTIONS + CONNECT_SECTIONS)
    state = read_state(conf, timeout, brokers, include_internal) if brokers else ClusterState(
        api_version="kctl/v1", kind="ClusterState")
    if "subjects" in only and registry is not None:
        state = msgspec.structs.replace(state, subjects=subjects.read_subjects(registry, include_schemas))
    secrets: dict = {}
    if "connectors" in only and connect is not None:
        found, secrets = connectors.read_connectors(connect)
        state = msgspec.structs.replace(state, connectors=found)
    return state, secrets


def _connect_for(desired: ClusterState, connect):
    """The Connect cluster a document with connectors needs; None when it manages none."""
    if desired.connectors is None:
        return None
    settings = connect() if connect is not None else None
    if settings is None:
        raise ConfigError("the document manages connectors, and no Connect cluster is given",
                          hint="--connect-url URL, $KCTL_CONNECT_URL, a context's connect_url, or `kctl local up --connect`")
    return settings


def _registry_for(desired: ClusterState, registry):
    """The registry a document with subjects needs; None when it manages none."""
    if desired.subjects is None:
        return None
    settings = registry() if registry is not None else None
    if settings is None:
        raise ConfigError("the document manages subjects, and no schema registry is given",
                          hint="--schema-registry URL, $KCTL_SCHEMA_REGISTRY, a context's schema_registry, "
                               "or `kctl local up --schema-registry`")
    return settings


def _with_schemas(desired: ClusterState) -> bool:
    return any(s.schemas is not None for s in desired.subjects or ())


def diff_file(conf: dict, timeout: float, path: str, target: str, ignore: tuple[str, ...] = (),
              registry=None, connect=None) -> StateDiff:
    """The document (left) against the cluster (right), for the sections the document manages."""
    desired = load(path)
    sections = managed(desired)
    registry, worker = _registry_for(desired, registry), _connect_for(desired, connect)
    actual, secrets = _read(conf, timeout, sections, registry, _with_schemas(desired), connect=worker)
    actual = connectors.align(desired, align(desired, actual), secrets)
    return StateDiff(path, target, tuple(diff(desired, actual, sections, ignore)))


def diff_clusters(left_conf: dict, right_conf: dict, timeout: float, labels: tuple[str, str],
                  only: tuple[str, ...] = SECTIONS, ignore: tuple[str, ...] = (),
                  registries: tuple = (None, None), connects: tuple = (None, None)) -> StateDiff:
    """Subjects (their compatibility levels) are compared when both sides have a registry, and
    connectors when both have a Connect cluster (secrets as references: their values are not compared)."""
    settings = tuple(r() if r is not None and "subjects" in only else None for r in registries)
    if None in settings:
        only = tuple(s for s in only if s not in REGISTRY_SECTIONS)
    workers = tuple(c() if c is not None and "connectors" in only else None for c in connects)
    if None in workers:
        only = tuple(s for s in only if s not in CONNECT_SECTIONS)
    left = _read(left_conf, timeout, only, settings[0], False, connect=workers[0])[0]
    right = _read(right_conf, timeout, only, settings[1], False, connect=workers[1])[0]
    return StateDiff(labels[0], labels[1], tuple(diff(left, right, only, ignore)))


def _prune(desired: ClusterState, prune: tuple[str, ...] | None, prune_all: bool) -> tuple[str, ...]:
    kinds = managed(desired)
    if prune_all:
        return kinds
    if not prune:
        return ()
    outside = [k for k in prune if k not in kinds]
    if outside:
        raise UsageError(f"--prune {','.join(outside)}: the document does not manage {', '.join(outside)} "
                         "(only kinds it lists can be pruned)")
    return prune


def _plan(admin: AdminClient, deadline: Deadline, desired: ClusterState, target: str,
          prune: tuple[str, ...], registry=None, connect=None) -> tuple[StatePlan, ClusterState]:
    kinds = managed(desired)
    actual = read_with(admin, deadline, tuple(k for k in kinds if k not in REGISTRY_SECTIONS + CONNECT_SECTIONS))
    if registry is not None:
        actual = msgspec.structs.replace(actual, subjects=subjects.read_subjects(registry, _with_schemas(desired)))
    found, secrets = connectors.read_connectors(connect) if connect is not None else ([], {})
    if connect is not None:
        actual = connectors.align(desired, msgspec.structs.replace(actual, connectors=found), secrets)
    changes = connectors.keep_worker_references(plan_changes(desired, actual, prune), found, secrets)
    # A new version is checked under the subject's level as it is; one the plan changes first is not.
    releveled = {c.name for c in changes if c.kind == "subjects" and c.action == "set-compatibility"}
    brokers = len(admin.describe_cluster(timeout=deadline).brokers)
    checked = []
    for change in changes:
        error = change.error
        factor = change.params.get("replication_factor")
        if error is None and factor is not None and factor > brokers:
            error = f"replication factor {factor} is more than the cluster's {brokers} broker(s)"
        if error is None and change.kind == "subjects" and change.name not in releveled:
            error = subjects.refused(registry, change)
        if error is None and change.kind == "connectors":
            error = connectors.refused(connect, change)
        if error is None:
            error = _refused(admin, change, deadline) or _acl_refused(change)
        if error is None and change.kind == "users" and change.action == "set":
            try:
                resolve_secret("sasl.password", change.params["password"])
            except KctlError as exc:
                error = f"password {change.params['password']}: {exc.message}"
        checked.append(change if error == change.error else _with_error(change, error))
    return StatePlan(target, tuple(checked)), actual


def _refused(admin: AdminClient, change, deadline: Deadline) -> str | None:
    """The broker's own verdict on a topic change (CreateTopics / AlterConfigs with validate_only):
    a config it refuses is shown in the plan, and apply then changes nothing."""
    p = change.params
    if change.kind != "topics" or change.action not in ("create", "alter-configs", "add-partitions"):
        return None
    if change.action == "create":
        outcome = admin.create_topics([change.name], p["partitions"], p["replication_factor"], p["configs"],
                                      validate_only=True, timeout=deadline)[change.name]
    elif change.action == "alter-configs":
        outcome = admin.alter_topic_config(change.name, p["set"], p["delete"], validate_only=True, timeout=deadline)
    else:
        outcome = admin.add_partitions(change.name, p["partitions"], validate_only=True, timeout=deadline)
    return None if outcome.error is None else f"the broker refuses it: {outcome.error.message}"


def _acl_refused(change) -> str | None:
    """An ACL kctl would refuse on the command line (User:NAME, an operation it knows) blocks the
    plan: found only at its step, it failed after the steps before it had changed the cluster."""
    if change.kind != "acls" or change.action != "create":
        return None
    p = change.params
    try:
        check_acl(AclEntry(p["principal"], p["host"], p["operation"], p["permission"], p["resource_type"],
                           p["resource_name"], p["pattern_type"]))
    except UsageError as exc:
        return exc.message
    return None


def _with_error(change, error):
    return replace(change, error=error)


def plan_file(conf: dict, timeout: float, path: str, target: str, prune: tuple[str, ...] | None = None,
              prune_all: bool = False, registry=None, connect=None) -> StatePlan:
    desired = load(path)
    kinds = _prune(desired, prune, prune_all)
    registry, worker = _registry_for(desired, registry), _connect_for(desired, connect)
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        return _plan(admin, deadline, desired, target, kinds, registry, worker)[0]


def apply_file(conf: dict, timeout: float, path: str, target: str, confirm, prune: tuple[str, ...] | None = None,
               prune_all: bool = False, registry=None, connect=None) -> StatePlan:
    """Plan, confirm(plan) (False: the plan is the result), then apply; see kctl.services.state.apply."""
    desired = load(path)
    kinds = _prune(desired, prune, prune_all)
    registry, worker = _registry_for(desired, registry), _connect_for(desired, connect)
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        plan, actual = _plan(admin, deadline, desired, target, kinds, registry, worker)
    if any(c.error for c in plan.changes) or not plan.changes or not confirm(plan):
        return plan
    return applying.run(conf, timeout, plan, actual, conf.get("bootstrap.servers", target), registry, worker)


def failure(result: StatePlan) -> KctlError | None:
    """The error a plan or apply ends with: exit 2 when a step cannot be made (nothing was
    changed), 5 or 6 when apply stopped at a failure (see kctl.services.state.apply)."""
    blocked = [c for c in result.changes if c.error and c.status == "planned"]
    if blocked:
        first = blocked[0]
        return UsageError(f"{len(blocked)} of the plan's {len(result.changes)} change(s) cannot be made, so nothing "
                          f"was changed; step {first.step} ({first.kind} {first.name}): {first.error}")
    return applying.apply_failure(result)


def undo(conf: dict, timeout: float, snapshot: str, confirm) -> StatePlan:
    plan = applying.load_undo(snapshot, conf.get("bootstrap.servers", ""))
    if not plan.changes or not confirm(plan):
        return plan
    return applying.run(conf, timeout, plan, None, conf.get("bootstrap.servers", ""))
