"""What differs between two ClusterState documents, and the ordered changes that make a cluster
match a document. Pure functions over documents: no I/O."""

from __future__ import annotations

import fnmatch

import msgspec

from kctl.models import StateChange, StateDifference
from kctl.services.state.document import (SECTIONS, ClusterState, canonical, config_text, references_text,
                                          resource_key, same_schema)

# The order apply takes: what later steps need first (a topic before its ACLs and configs), the
# deletions (--prune) last, so that a failure in the middle leaves more, never less.
# A subject's level comes before its versions: the registry checks each version under it.
_ORDER = [("topics", "create"), ("topics", "add-partitions"), ("topics", "alter-configs"),
          ("topics", "set-replication"), ("users", "set"), ("acls", "create"), ("quotas", "set"),
          ("broker_configs", "set"), ("subjects", "set-compatibility"), ("subjects", "create"),
          ("subjects", "register"), ("connectors", "create"), ("connectors", "update"),
          ("connectors", "delete"), ("subjects", "delete"), ("acls", "delete"), ("quotas", "delete"), ("users", "delete"),
          ("broker_configs", "delete"), ("topics", "delete")]


def managed(state: ClusterState) -> tuple[str, ...]:
    """The sections a document manages (the ones it gives, even empty)."""
    return tuple(s for s in SECTIONS if getattr(state, s) is not None)


def flatten(state: ClusterState, sections: tuple[str, ...]) -> dict[str, dict[str, dict]]:
    """section -> resource name -> field -> value (comparable, plain values)."""
    out: dict = {}
    for section in sections:
        value = getattr(state, section)
        resources: dict = {}
        if section == "broker_configs":
            for key, v in (value or {}).items():
                resources[key] = {"": config_text(v)}
        for item in value or () if section != "broker_configs" else ():
            name = resource_key(section, item)
            if section == "topics":
                fields = {"partitions": item.partitions, "replication_factor": item.replication_factor}
                fields.update({f"configs.{k}": config_text(v) for k, v in item.configs.items()})
            elif section == "users":
                fields = {"mechanisms": ",".join(sorted(item.mechanisms))}
            elif section == "quotas":
                fields = {f"values.{k}": float(v) for k, v in item.values.items()}
            elif section == "connectors":
                fields = {f"config.{k}": config_text(v) for k, v in item.config.items()}
            elif section == "subjects":
                fields = {"compatibility": item.compatibility} if item.compatibility is not None else {}
                if item.schemas:  # the latest version: apply registers it, it does not rewrite the history
                    latest = item.schemas[-1]
                    fields.update({"schema.type": latest.type, "schema.text": canonical(latest),
                                   "schema.references": references_text(latest)})
            else:
                fields = {"": True}
            resources[name] = fields
        out[section] = resources
    return out


def align(desired: ClusterState, actual: ClusterState) -> ClusterState:
    """actual without what the document leaves alone: the compatibility or the schemas of a
    subject it gives without them (left in, they would be differences nothing can remove)."""
    if desired.subjects is None or actual.subjects is None:
        return actual

    wanted = {s.name: s for s in desired.subjects}
    subjects = []
    for subject in actual.subjects:
        mine = wanted.get(subject.name)
        if mine is not None:
            subject = msgspec.structs.replace(
                subject, compatibility=subject.compatibility if mine.compatibility is not None else None,
                schemas=subject.schemas if mine.schemas is not None else None)
        subjects.append(subject)
    return msgspec.structs.replace(actual, subjects=subjects)


def diff(left: ClusterState, right: ClusterState, sections: tuple[str, ...], ignore: tuple[str, ...] = ()) -> list[StateDifference]:
    """Per resource and field: missing (left only), extra (right only), changed. ignore: patterns
    matched against `KIND/NAME/FIELD` (`topics/*/configs.retention.ms`, `acls/*`)."""
    a, b = flatten(left, sections), flatten(right, sections)
    found = []
    for section in sections:
        names = sorted(set(a[section]) | set(b[section]))
        for name in names:
            mine, theirs = a[section].get(name), b[section].get(name)
            if mine is None or theirs is None:
                found.append(StateDifference(section, name, "", "missing" if theirs is None else "extra",
                                             _whole(mine), _whole(theirs)))
                continue
            for key in sorted(set(mine) | set(theirs)):
                if mine.get(key) != theirs.get(key):
                    change = "changed" if key in mine and key in theirs else ("missing" if key in mine else "extra")
                    found.append(StateDifference(section, name, key, change, mine.get(key), theirs.get(key)))
    return [d for d in found if not any(fnmatch.fnmatchcase(f"{d.kind}/{d.name}/{d.field}", p) for p in ignore)]


def _whole(fields: dict | None):
    if fields is None:
        return None
    return fields.get("", None) if set(fields) == {""} else dict(fields)


def plan_changes(desired: ClusterState, actual: ClusterState, prune: tuple[str, ...] = ()) -> list[StateChange]:
    """The changes that make `actual` match `desired`, for the sections desired manages; deletions
    only for the sections in prune. Changes that cannot be made carry an error."""
    steps: list[tuple[str, str, str, str, dict, str | None]] = []
    sections = managed(desired)
    if "topics" in sections:
        steps += _topics(desired.topics or [], {t.name: t for t in actual.topics or []}, "topics" in prune)
    if "users" in sections:
        steps += _users(desired.users or [], {u.name: u for u in actual.users or []}, "users" in prune)
    if "acls" in sections:
        want = {resource_key("acls", a): a for a in desired.acls or []}
        have = {resource_key("acls", a): a for a in actual.acls or []}
        steps += [("acls", k, "create", "create the ACL", _acl(want[k]), None) for k in sorted(set(want) - set(have))]
        if "acls" in prune:
            steps += [("acls", k, "delete", "delete the ACL", _acl(have[k]), None) for k in sorted(set(have) - set(want))]
    if "quotas" in sections:
        steps += _quotas(desired.quotas or [], {resource_key("quotas", q): q for q in actual.quotas or []},
                         "quotas" in prune)
    if "broker_configs" in sections:
        want = {k: config_text(v) for k, v in (desired.broker_configs or {}).items()}
        have = {k: config_text(v) for k, v in (actual.broker_configs or {}).items()}
        changed = {k: v for k, v in want.items() if have.get(k) != v}
        if changed:
            steps.append(("broker_configs", "cluster default", "set", _settings(changed, have),
                          {"set": changed, "delete": []}, None))
        gone = sorted(set(have) - set(want))
        if gone and "broker_configs" in prune:
            steps.append(("broker_configs", "cluster default", "delete", "delete " + ", ".join(gone),
                          {"set": {}, "delete": gone}, None))
    if "subjects" in sections:
        steps += _subjects(desired.subjects or [], {s.name: s for s in actual.subjects or []}, "subjects" in prune)
    if "connectors" in sections:
        steps += _connectors(desired.connectors or [], {c.name: c for c in actual.connectors or []},
                             "connectors" in prune)
    rank = {key: i for i, key in enumerate(_ORDER)}
    steps.sort(key=lambda s: rank[(s[0], s[2])])
    return [StateChange(i + 1, kind, name, action, detail, params, error)
            for i, (kind, name, action, detail, params, error) in enumerate(steps)]


def _settings(changed: dict, have: dict) -> str:
    return ", ".join(f"{k}={v}" + (f" (was {have[k]})" if k in have else "") for k, v in sorted(changed.items()))


def _topics(want: list, have: dict, prune: bool) -> list:
    steps = []
    names = {t.name for t in want}
    for topic in want:
        configs = {k: config_text(v) for k, v in topic.configs.items()}
        current = have.get(topic.name)
        if current is None:
            steps.append(("topics", topic.name, "create",
                          f"{topic.partitions} partitions, replication factor {topic.replication_factor}"
                          + (", " + ", ".join(f"{k}={v}" for k, v in sorted(configs.items())) if configs else ""),
                          {"partitions": topic.partitions, "replication_factor": topic.replication_factor,
                           "configs": configs}, None))
            continue
        if topic.partitions > current.partitions:
            steps.append(("topics", topic.name, "add-partitions", f"{current.partitions} -> {topic.partitions} partitions",
                          {"partitions": topic.partitions}, None))
        elif topic.partitions < current.partitions:
            steps.append(("topics", topic.name, "add-partitions", f"{current.partitions} -> {topic.partitions} partitions",
                          {"partitions": topic.partitions},
                          f"Kafka cannot shrink a topic ({current.partitions} partitions, the file says "
                          f"{topic.partitions}): recreate it, or change the file"))
        have_configs = {k: config_text(v) for k, v in current.configs.items()}
        changed = {k: v for k, v in configs.items() if have_configs.get(k) != v}
        removed = sorted(set(have_configs) - set(configs))
        if changed or removed:
            detail = ", ".join([_settings(changed, have_configs)] * bool(changed)
                               + [f"{k} back to the default (was {have_configs[k]})" for k in removed])
            steps.append(("topics", topic.name, "alter-configs", detail, {"set": changed, "delete": removed}, None))
        if topic.replication_factor != current.replication_factor:
            steps.append(("topics", topic.name, "set-replication",
                          f"replication factor {current.replication_factor} -> {topic.replication_factor} "
                          "(a reassignment: replicas are copied in the background)",
                          {"replication_factor": topic.replication_factor}, None))
    if prune:
        for name in sorted(set(have) - names):
            steps.append(("topics", name, "delete", "delete the topic and all its records", {}, None))
    return steps


def _users(want: list, have: dict, prune: bool) -> list:
    steps = []
    for user in want:
        current = set(have[user.name].mechanisms) if user.name in have else set()
        missing = sorted(set(user.mechanisms) - current)
        if missing:
            error = None if user.password else (f"user {user.name} needs a password reference "
                                               "(password: ${env:NAME} or ${file:PATH}) to get a credential")
            steps.append(("users", user.name, "set", f"set {', '.join(missing)} credential(s) from {user.password or '?'}",
                          {"mechanisms": missing, "password": user.password}, error))
        extra = sorted(current - set(user.mechanisms))
        if extra and prune:
            steps.append(("users", user.name, "delete", f"delete {', '.join(extra)} credential(s)",
                          {"mechanisms": extra}, None))
    if prune:
        names = {u.name for u in want}
        for name in sorted(set(have) - names):
            steps.append(("users", name, "delete", "delete the user's credentials",
                          {"mechanisms": sorted(have[name].mechanisms)}, None))
    return steps


def _quotas(want: list, have: dict, prune: bool) -> list:
    steps = []
    for quota in want:
        key = resource_key("quotas", quota)
        current = dict(have[key].values) if key in have else {}
        ops = {k: float(v) for k, v in quota.values.items() if current.get(k) != float(v)}
        ops.update({k: None for k in current if k not in quota.values})
        if ops:
            detail = ", ".join(f"{k}={'removed' if v is None else f'{v:g}'}" for k, v in sorted(ops.items()))
            steps.append(("quotas", key, "set", detail, {"entity": dict(quota.entity), "ops": ops}, None))
    if prune:
        names = {resource_key("quotas", q) for q in want}
        for key in sorted(set(have) - names):
            steps.append(("quotas", key, "delete", "remove every quota of the entity",
                          {"entity": dict(have[key].entity), "ops": dict.fromkeys(have[key].values)}, None))
    return steps


def _acl(acl) -> dict:
    return {"principal": acl.principal, "host": acl.host, "operation": acl.operation, "permission": acl.permission,
            "resource_type": acl.resource_type, "resource_name": acl.resource_name, "pattern_type": acl.pattern_type}


def _subjects(want: list, have: dict, prune: bool) -> list:
    steps = []
    for subject in want:
        current = have.get(subject.name)
        if current is None and not subject.schemas:
            # A level alone makes no subject: the registry lists a subject once it has a version.
            steps.append(("subjects", subject.name, "create", "register a schema", {"schemas": []},
                          f"subject {subject.name} does not exist and the document gives no schema for it"))
            continue
        latest = current.schemas[-1] if current is not None and current.schemas else None
        if subject.schemas and current is None:
            steps.append(("subjects", subject.name, "create", f"register {len(subject.schemas)} schema version(s)",
                          {"schemas": [_schema(s) for s in subject.schemas]}, None))
        elif subject.schemas and (latest is None or not same_schema(subject.schemas[-1], latest)):
            steps.append(("subjects", subject.name, "register", "register the document's latest schema as a new version",
                          {"schemas": [_schema(subject.schemas[-1])]}, None))
        level = current.compatibility if current is not None else None
        if subject.compatibility is not None and subject.compatibility != level:
            steps.append(("subjects", subject.name, "set-compatibility",
                          f"compatibility {subject.compatibility}" + (f" (was {level})" if level else ""),
                          {"level": subject.compatibility}, None))
    if prune:
        names = {s.name for s in want}
        for name in sorted(set(have) - names):
            steps.append(("subjects", name, "delete", "soft-delete the subject (its versions stay readable by id)",
                          {}, None))
    return steps


def _schema(schema) -> dict:
    return {"type": schema.type, "schema": schema.schema,
            "references": [{"name": r.name, "subject": r.subject, "version": r.version} for r in schema.references]}


def _connectors(want: list, have: dict, prune: bool) -> list:
    """Secrets are compared as kctl.services.state.connectors.align wrote them: as references."""
    steps = []
    for connector in want:
        config = {k: config_text(v) for k, v in connector.config.items()}
        current = have.get(connector.name)
        if current is None:
            steps.append(("connectors", connector.name, "create", f"{config['connector.class']}, {len(config)} settings",
                          {"config": config}, None))
            continue
        before = {k: config_text(v) for k, v in current.config.items()}
        touched = sorted(k for k in set(config) | set(before) if config.get(k) != before.get(k))
        if touched:
            steps.append(("connectors", connector.name, "update", "change " + ", ".join(touched),
                          {"config": config}, None))
    if prune:
        names = {c.name for c in want}
        steps += [("connectors", name, "delete", "delete the connector (its offsets stay in the worker's topic)",
                   {}, None) for name in sorted(set(have) - names)]
    return steps
