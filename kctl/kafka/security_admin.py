"""ACLs and SCRAM credentials over confluent_kafka's AdminClient, kctl models as results."""

from __future__ import annotations

from concurrent.futures import Future

from kctl.errors import NotFoundError
from kctl.kafka.lib import confluent_admin as _ca
from kctl.kafka.topic_admin import mapped
from kctl.models.choices import SCRAM_MECHANISMS
from kctl.models.security import AclEntry, ScramCredential, ScramUser

RESOURCE_TYPES = {"topic": "TOPIC", "group": "GROUP", "cluster": "BROKER", "transactional-id": "TRANSACTIONAL_ID",
                  "any": "ANY"}
PATTERN_TYPES = {"literal": "LITERAL", "prefixed": "PREFIXED", "match": "MATCH", "any": "ANY"}
OPERATIONS = ("all", "read", "write", "create", "delete", "alter", "describe", "cluster-action",
              "describe-configs", "alter-configs", "idempotent-write", "any")
PERMISSIONS = ("allow", "deny", "any")
MECHANISMS = {name: name.replace("-", "_") for name in SCRAM_MECHANISMS}  # -> ScramMechanism


def _enum_name(value) -> str:
    return getattr(value, "name", str(value))


def _entry(binding) -> AclEntry:
    kinds = {v: k for k, v in RESOURCE_TYPES.items()}
    patterns = {v: k for k, v in PATTERN_TYPES.items()}
    return AclEntry(principal=binding.principal, host=binding.host,
                    operation=_enum_name(binding.operation).lower().replace("_", "-"),
                    permission=_enum_name(binding.permission_type).lower(),
                    resource_type=kinds.get(_enum_name(binding.restype), _enum_name(binding.restype).lower()),
                    resource_name=binding.name, pattern_type=patterns.get(_enum_name(binding.resource_pattern_type), "?"))


def _binding(acl: AclEntry, filter_: bool):
    AclBinding = _ca().AclBinding
    AclBindingFilter = _ca().AclBindingFilter
    AclOperation = _ca().AclOperation
    AclPermissionType = _ca().AclPermissionType
    ResourcePatternType = _ca().ResourcePatternType
    ResourceType = _ca().ResourceType

    cls = AclBindingFilter if filter_ else AclBinding
    return cls(getattr(ResourceType, RESOURCE_TYPES[acl.resource_type]),
               None if filter_ and acl.resource_name in ("", None) else acl.resource_name,
               getattr(ResourcePatternType, PATTERN_TYPES[acl.pattern_type]),
               None if filter_ and not acl.principal else acl.principal,
               None if filter_ and not acl.host else acl.host,
               getattr(AclOperation, acl.operation.upper().replace("-", "_")),
               getattr(AclPermissionType, acl.permission.upper()))


def describe_acls(admin, filter_: AclEntry, timeout: float) -> Future:
    """A future of (AclEntry...) matching the filter (empty fields: any)."""
    return mapped(admin.describe_acls(_binding(filter_, True), request_timeout=timeout),
                  lambda bindings: tuple(sorted((_entry(b) for b in bindings), key=_sort_key)))


def cluster_operations(admin, timeout: float) -> Future:
    """A future of the names of the operations this principal may perform on the cluster (DESCRIBE,
    ALTER...): empty when it may not even describe it (the broker then reports none)."""
    return mapped(admin.describe_cluster(include_authorized_operations=True, request_timeout=timeout),
                  lambda cluster: frozenset(_enum_name(op) for op in (cluster.authorized_operations or ())))


def create_acls(admin, acls: list[AclEntry], timeout: float) -> dict[AclEntry, Future]:
    bindings = {_binding(a, False): a for a in acls}
    futures = admin.create_acls(list(bindings), request_timeout=timeout)
    return {bindings[b]: f for b, f in futures.items()}


def delete_acls(admin, filter_: AclEntry, timeout: float) -> Future:
    """A future of the (AclEntry...) the filter matched and the broker deleted."""
    futures = admin.delete_acls([_binding(filter_, True)], request_timeout=timeout)
    return mapped(next(iter(futures.values())), lambda bindings: tuple(sorted((_entry(b) for b in bindings), key=_sort_key)))


def _sort_key(a: AclEntry):
    return (a.resource_type, a.resource_name, a.principal, a.operation, a.permission, a.host)


def describe_users(kpy, users: list[str] | None, deadline) -> tuple[ScramUser, ...]:
    """DescribeUserScramCredentials of these users (None: every user with SCRAM credentials),
    over kafka-python (a kctl.kafka.kafka_python.KafkaPythonAdmin). NotFoundError for a named
    user without credentials; AuthError (CLUSTER_AUTHORIZATION_FAILED) without DESCRIBE on the cluster.

    Not over confluent-kafka: librdkafka 2.16 frees memory twice when it parses the broker's
    refusal ("munmap_chunk(): invalid pointer", the process aborts), so a principal without
    DESCRIBE on the cluster killed `kctl users list`. "Every user" is asked as an empty list,
    which the protocol reads as all users: a Kafka 4.1 broker that refuses a null list fails
    building its error answer (a NullPointerException) and drops the connection instead."""
    wanted = list(dict.fromkeys(users or ()))
    answer = kpy.call("describe users", deadline, "describe_user_scram_credentials", wanted)
    out = []
    for name, desc in sorted(answer.items()):
        if desc.get("error"):
            raise NotFoundError(str(desc["error"]), hint="`kctl users list` shows the users with SCRAM credentials")
        creds = tuple(ScramCredential(_enum_name(c["mechanism"]).replace("_", "-"), c["iterations"])
                      for c in desc.get("credential_infos") or ())
        out.append(ScramUser(name, creds))
    return tuple(out)


def upsert_user(admin, user: str, mechanism: str, password: str, iterations: int, timeout: float) -> Future:
    ScramCredentialInfo = _ca().ScramCredentialInfo
    ScramMechanism = _ca().ScramMechanism
    UserScramCredentialUpsertion = _ca().UserScramCredentialUpsertion

    info = ScramCredentialInfo(getattr(ScramMechanism, MECHANISMS[mechanism]), iterations)
    futures = admin.alter_user_scram_credentials([UserScramCredentialUpsertion(user, info, password.encode("utf-8"))],
                                                 request_timeout=timeout)
    return futures[user]


def delete_user(admin, user: str, mechanism: str, timeout: float) -> Future:
    ScramMechanism = _ca().ScramMechanism
    UserScramCredentialDeletion = _ca().UserScramCredentialDeletion

    futures = admin.alter_user_scram_credentials(
        [UserScramCredentialDeletion(user, getattr(ScramMechanism, MECHANISMS[mechanism]))], request_timeout=timeout)
    return futures[user]
