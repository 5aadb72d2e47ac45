"""ACLs and SCRAM credentials over confluent_kafka's AdminClient, kctl models as results."""

from __future__ import annotations

from concurrent.futures import Future

from kctl.kafka.topic_admin import mapped
from kctl.models.security import AclEntry, ScramCredential, ScramUser

RESOURCE_TYPES = {"topic": "TOPIC", "group": "GROUP", "cluster": "BROKER", "transactional-id": "TRANSACTIONAL_ID",
                  "any": "ANY"}
PATTERN_TYPES = {"literal": "LITERAL", "prefixed": "PREFIXED", "match": "MATCH", "any": "ANY"}
OPERATIONS = ("all", "read", "write", "create", "delete", "alter", "describe", "cluster-action",
              "describe-configs", "alter-configs", "idempotent-write", "any")
PERMISSIONS = ("allow", "deny", "any")
MECHANISMS = {"SCRAM-SHA-256": "SCRAM_SHA_256", "SCRAM-SHA-512": "SCRAM_SHA_512"}


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
    from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation, AclPermissionType, ResourcePatternType,
                                       ResourceType)

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


def describe_users(admin, users: list[str] | None, timeout: float) -> Future:
    """A future of (ScramUser...) (None users: every user with SCRAM credentials)."""
    from confluent_kafka.admin import ScramMechanism

    def convert(answer) -> tuple[ScramUser, ...]:
        out = []
        for name, desc in sorted(answer.items()):
            if isinstance(desc, Future):
                desc = desc.result()
            creds = tuple(ScramCredential(_enum_name(ScramMechanism(c.mechanism)).replace("_", "-"), c.iterations)
                          for c in desc.scram_credential_infos)
            out.append(ScramUser(name, creds))
        return tuple(out)

    if users:
        futures = admin.describe_user_scram_credentials(list(users), request_timeout=timeout)
        combined: Future = Future()

        def done(_):
            if all(f.done() for f in futures.values()) and not combined.done():
                try:
                    combined.set_result(convert({u: f.result() for u, f in futures.items()}))
                except BaseException as exc:  # noqa: BLE001 - handed on to whoever waits
                    combined.set_exception(exc)

        for f in futures.values():
            f.add_done_callback(done)
        return combined
    return mapped(admin.describe_user_scram_credentials(request_timeout=timeout), convert)


def upsert_user(admin, user: str, mechanism: str, password: str, iterations: int, timeout: float) -> Future:
    from confluent_kafka.admin import ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

    info = ScramCredentialInfo(getattr(ScramMechanism, MECHANISMS[mechanism]), iterations)
    futures = admin.alter_user_scram_credentials([UserScramCredentialUpsertion(user, info, password.encode("utf-8"))],
                                                 request_timeout=timeout)
    return futures[user]


def delete_user(admin, user: str, mechanism: str, timeout: float) -> Future:
    from confluent_kafka.admin import ScramMechanism, UserScramCredentialDeletion

    futures = admin.alter_user_scram_credentials(
        [UserScramCredentialDeletion(user, getattr(ScramMechanism, MECHANISMS[mechanism]))], request_timeout=timeout)
    return futures[user]
