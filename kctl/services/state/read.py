"""A cluster's state as a ClusterState document: what `kctl export` writes and what diff and plan
compare a file with. One admin connection, one request per kind of resource."""

from __future__ import annotations

from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.models.security import AclEntry
from kctl.services.state.document import API_VERSION, KIND, SECTIONS, AclSpec, ClusterState, QuotaSpec, TopicSpec, UserSpec

# Where a topic config comes from when it is the topic's own override (kctl.models.admin.ConfigEntry.source).
TOPIC_OVERRIDE = "topic"
BROKER_DEFAULT = "broker-default"


def read_state(conf: dict, timeout: float, only: tuple[str, ...] = SECTIONS, include_internal: bool = False) -> ClusterState:
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        return read_with(admin, deadline, only, include_internal)


def read_with(admin: AdminClient, deadline: Deadline, only: tuple[str, ...] = SECTIONS,
              include_internal: bool = False) -> ClusterState:
    sections: dict = {}
    if "topics" in only:
        sections["topics"] = _topics(admin, deadline, include_internal)
    if "acls" in only:
        sections["acls"] = [_acl(a) for a in admin.describe_acls(_ANY_ACL, timeout=deadline)]
    if "users" in only:
        sections["users"] = [UserSpec(name=u.user, mechanisms=sorted(c.mechanism for c in u.credentials))
                             for u in admin.describe_scram_users(None, timeout=deadline)]
    if "quotas" in only:
        sections["quotas"] = [QuotaSpec(entity=e, values=v) for e, v in admin.describe_quotas({}, timeout=deadline)]
    if "broker_configs" in only:
        # A broker's configs include the cluster-wide dynamic defaults (source broker-default).
        broker = str(min(b.id for b in admin.describe_cluster(timeout=deadline).brokers))
        outcome = admin.describe_resource_configs([("broker", broker)], deadline)[("broker", broker)]
        if outcome.error is not None:
            raise outcome.error
        sections["broker_configs"] = {e.name: e.value for e in outcome.value
                                      if e.source == BROKER_DEFAULT and not e.sensitive and e.value is not None}
    return ClusterState(api_version=API_VERSION, kind=KIND, **sections)


_ANY_ACL = AclEntry("", "", "any", "any", "any", "", "any")


def _acl(entry: AclEntry) -> AclSpec:
    return AclSpec(principal=entry.principal, host=entry.host, operation=entry.operation, permission=entry.permission,
                   resource_type=entry.resource_type, resource_name=entry.resource_name, pattern_type=entry.pattern_type)


def _topics(admin: AdminClient, deadline: Deadline, include_internal: bool) -> list[TopicSpec]:
    infos = [t for t in admin.list_topics(timeout=deadline) if include_internal or not (t.internal or t.name.startswith("__"))]
    if not infos:
        return []
    configs = admin.describe_configs([t.name for t in infos], timeout=deadline)
    topics = []
    for info in infos:
        outcome = configs[info.name]
        if outcome.error is not None:
            raise outcome.error
        overrides = {e.name: e.value for e in outcome.value if e.source == TOPIC_OVERRIDE and e.value is not None}
        topics.append(TopicSpec(name=info.name, partitions=len(info.partitions),
                                replication_factor=info.replication_factor, configs=overrides))
    return topics
