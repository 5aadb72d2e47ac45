"""AdminClient: ACLs and SCRAM credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kctl.client.admin.core import check_names
from kctl.deadline import Deadline
from kctl.errors import AuthError, UsageError
from kctl.kafka.clients import wait_each
from kctl.models.admin import Outcome

if TYPE_CHECKING:  # annotations only: the ACL models stay off the start path of other commands
    from kctl.models.security import AclEntry


def check_acl(acl: AclEntry, filter_: bool = False) -> None:
    from kctl.kafka.security_admin import OPERATIONS, PATTERN_TYPES, PERMISSIONS, RESOURCE_TYPES  # not on topics list's path

    def one_of(value, allowed, what):
        if value not in allowed:
            raise UsageError(f"{what} must be one of {', '.join(allowed)}, got {value!r}")

    one_of(acl.resource_type, [k for k in RESOURCE_TYPES if filter_ or k != "any"], "resource type")
    one_of(acl.pattern_type, [k for k in PATTERN_TYPES if filter_ or k in ("literal", "prefixed")], "pattern type")
    one_of(acl.operation, [k for k in OPERATIONS if filter_ or k != "any"], "operation")
    one_of(acl.permission, [k for k in PERMISSIONS if filter_ or k != "any"], "permission")
    if acl.principal or not filter_:  # TYPE:NAME, both parts there (a filter's "" is any principal)
        kind, _, name = acl.principal.partition(":")
        if not kind or not name:
            raise UsageError(f"a principal looks like User:NAME, got {acl.principal!r}")
        check_names([acl.principal], "principal")
    if acl.host or not filter_:
        check_names([acl.host], "host")
    if acl.resource_name or not filter_:
        check_names([acl.resource_name], "resource name")
        if acl.resource_type == "cluster" and acl.resource_name != "kafka-cluster":
            raise UsageError(f"the cluster resource is named kafka-cluster, got {acl.resource_name!r}")


def _denied(what: str, doing: str):
    error = AuthError(f"{what}: not authorized: {doing} needs the DESCRIBE operation on the cluster resource",
                      hint="an admin can grant it: kctl acls create --principal User:NAME --operation describe "
                           "--resource-type cluster --resource-name kafka-cluster")
    error.code_name = "CLUSTER_AUTHORIZATION_FAILED"
    return error


class SecurityAdmin:
    def describe_acls(self, filter_: AclEntry, timeout: "float | Deadline | None" = None) -> tuple[AclEntry, ...]:
        """The ACLs matching the filter (empty principal/host/name: any)."""
        from kctl.kafka import security_admin  # not on topics list's path

        check_acl(filter_, filter_=True)
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        # librdkafka 2.16 reads the broker's refusal of DescribeAcls as an empty answer ("0 ACLs"
        # for a principal that may not see them): ask what the principal may do first.
        (allowed,) = wait_each({"cluster": security_admin.cluster_operations(self._admin, deadline.remaining(0.1))},
                               deadline, "describe cluster").values()
        if allowed.error is None and "DESCRIBE" not in allowed.value:
            raise _denied("describe acls", "reading ACLs")
        (outcome,) = wait_each({"acls": security_admin.describe_acls(self._admin, filter_, deadline.remaining(0.1))},
                               deadline, "describe acls").values()
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    def create_acls(self, acls: list[AclEntry], timeout: "float | Deadline | None" = None) -> dict[AclEntry, Outcome]:
        from kctl.kafka import security_admin  # not on topics list's path

        for acl in acls:
            check_acl(acl)
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        return wait_each(security_admin.create_acls(self._admin, list(acls), deadline.remaining(0.1)), deadline,
                         "create acls")

    def delete_acls(self, filter_: AclEntry, timeout: "float | Deadline | None" = None) -> tuple[AclEntry, ...]:
        """Delete the ACLs matching the filter; the ones deleted."""
        from kctl.kafka import security_admin  # not on topics list's path

        check_acl(filter_, filter_=True)
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        (outcome,) = wait_each({"acls": security_admin.delete_acls(self._admin, filter_, deadline.remaining(0.1))},
                               deadline, "delete acls").values()
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    def describe_scram_users(self, users: list[str] | None = None, timeout: "float | Deadline | None" = None):
        """(ScramUser...) with their mechanisms and iterations (None: every user). Needs DESCRIBE
        on the cluster: AuthError (exit 9) without it, NotFoundError for a named user without
        credentials."""
        from kctl.kafka import security_admin  # not on topics list's path

        if users:
            users = check_names(users, "user name")
        deadline = self._deadline(timeout)
        try:
            return security_admin.describe_users(self._kpy(deadline), users, deadline)
        except AuthError as exc:
            if exc.code_name != "CLUSTER_AUTHORIZATION_FAILED":
                raise
            raise _denied("describe users", "reading SCRAM credentials") from None

    def upsert_scram_user(self, user: str, mechanism: str, password: str, iterations: int = 8192,
                          timeout: "float | Deadline | None" = None) -> Outcome:
        from kctl.kafka import security_admin  # not on topics list's path

        (user,) = check_names([user], "user name")
        if mechanism not in security_admin.MECHANISMS:
            raise UsageError(f"mechanism must be one of {', '.join(security_admin.MECHANISMS)}, got {mechanism!r}")
        if not 4096 <= iterations <= 16384:
            raise UsageError(f"iterations must be 4096..16384 (Kafka's limits), got {iterations}")
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        future = security_admin.upsert_user(self._admin, user, mechanism, password, iterations, deadline.remaining(0.1))
        return wait_each({user: future}, deadline, "alter user")[user]

    def delete_scram_user(self, user: str, mechanism: str, timeout: "float | Deadline | None" = None) -> Outcome:
        from kctl.kafka import security_admin  # not on topics list's path

        (user,) = check_names([user], "user name")
        if mechanism not in security_admin.MECHANISMS:
            raise UsageError(f"mechanism must be one of {', '.join(security_admin.MECHANISMS)}, got {mechanism!r}")
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        return wait_each({user: security_admin.delete_user(self._admin, user, mechanism, deadline.remaining(0.1))},
                         deadline, "delete user")[user]
