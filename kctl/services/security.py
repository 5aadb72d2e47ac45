"""`kctl acls` and `kctl users`: ACL bindings and SCRAM credentials.

Passwords come from the environment, a file or a prompt (never argv), and are never printed
or logged: kctl.redact.remember_secrets makes the redaction hide them too.
"""

from __future__ import annotations

import os
import time

from kctl import log
from kctl.client.admin import AdminClient
from kctl.client.admin.security import check_acl
from kctl.config.client_conf import prompt_password
from kctl.decode import read_regular_file
from kctl.errors import ConfigError, NotFoundError, UsageError, failure_of
from kctl.models import ItemResult, OperationResult
from kctl.models.choices import SCRAM_MECHANISMS
from kctl.models.security import AclChange, AclEntry, ScramUser
from kctl.redact import remember_secrets

MECHANISMS = SCRAM_MECHANISMS


def _ms(start: float) -> int:
    return round((time.perf_counter() - start) * 1000)


def list_acls(conf: dict, timeout: float, filter_: AclEntry) -> list[AclEntry]:
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        acls = list(admin.describe_acls(filter_))
    log.event("acls_list", acls=len(acls), duration_ms=_ms(start))
    return acls


def create_acls(conf: dict, timeout: float, acls: list[AclEntry], dry_run: bool = False) -> AclChange:
    """Create the bindings (dry_run: only validate them here and show them)."""
    for acl in acls:
        check_acl(acl)
    if dry_run:
        return AclChange("create", tuple(acls), dry_run=True)
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        results = admin.create_acls(acls)
    failed = [o.error for o in results.values() if o.error is not None]
    log.event("acls_create", acls=len(acls), failed=len(failed), duration_ms=_ms(start))
    if failed:
        return AclChange("create", tuple(a for a, o in results.items() if o.ok), error=failed[0].message,
                         exit_code=int(failed[0].exit_code))
    return AclChange("create", tuple(acls))


def delete_acls(conf: dict, timeout: float, filter_: AclEntry, dry_run: bool = False) -> AclChange:
    """Delete the bindings matching the filter (dry_run: list them)."""
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        if dry_run:
            return AclChange("delete", tuple(admin.describe_acls(filter_)), dry_run=True)
        deleted = admin.delete_acls(filter_)
    log.event("acls_delete", acls=len(deleted), duration_ms=_ms(start))
    return AclChange("delete", tuple(deleted))


def matching_acls(conf: dict, timeout: float, filter_: AclEntry) -> list[AclEntry]:
    """What a delete would remove (shown before asking)."""
    return list_acls(conf, timeout, filter_)


def change_failure(change: AclChange):
    if change.error is None:
        return None
    return failure_of([ItemResult("the request", False, error=change.error, exit_code=change.exit_code)],
                      f"acls {change.operation}")


# ---------------------------------------------------------------------------------------- users


def read_password(env: str | None, file: str | None, prompt: bool) -> str:
    """The new password from exactly one of: an environment variable, a file (first line), a prompt."""
    given = [x for x in (env, file, prompt or None) if x]
    if len(given) != 1:
        raise UsageError("give the password with exactly one of --password-env VAR, --password-file PATH, --password-prompt")
    if env:
        value = os.environ.get(env)
        if not value:
            raise ConfigError(f"--password-env: ${env} is not set or empty")
    elif file:
        data = read_regular_file(file, f"--password-file: cannot read {file}", ConfigError)
        try:
            value = data.decode("utf-8").split("\n", 1)[0].rstrip("\r")
        except UnicodeDecodeError:
            raise ConfigError(f"--password-file: {file} is not UTF-8 text") from None
        if not value:
            raise ConfigError(f"--password-file: {file} is empty")
    else:
        value = prompt_password("New password: ")
    remember_secrets({"sasl.password": value})
    return value


def list_users(conf: dict, timeout: float, users: list[str] | None = None) -> list[ScramUser]:
    with AdminClient(conf, timeout=timeout) as admin:
        return list(admin.describe_scram_users(users or None))


def create_user(conf: dict, timeout: float, user: str, password: str, mechanism: str = "SCRAM-SHA-512",
                iterations: int = 8192) -> OperationResult:
    """Create (or change the password of) a SCRAM user; the result never holds the password."""
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        outcome = admin.upsert_scram_user(user, mechanism, password, iterations)
    log.event("user_create", user=user, mechanism=mechanism, ok=outcome.ok, duration_ms=_ms(start))
    item = (ItemResult(user, True, f"{mechanism} credential set ({iterations} iterations)") if outcome.ok
            else ItemResult(user, False, error=outcome.error.message, exit_code=int(outcome.error.exit_code)))
    return OperationResult("users create", (item,))


def delete_user(conf: dict, timeout: float, user: str, mechanisms: list[str]) -> OperationResult:
    """Delete the user's credentials of these mechanisms; none named: every one the user has."""
    items = []
    with AdminClient(conf, timeout=timeout) as admin:
        if not mechanisms:
            try:
                found = {u.user: u for u in admin.describe_scram_users([user])}
            except NotFoundError:
                found = {}
            mechanisms = sorted({c.mechanism for c in found[user].credentials}) if user in found else []
            if not mechanisms:
                return OperationResult("users delete", (ItemResult(
                    user, False, error=f"user {user!r} has no SCRAM credential",
                    exit_code=int(NotFoundError.exit_code)),))
        for mechanism in mechanisms:
            outcome = admin.delete_scram_user(user, mechanism)
            items.append(ItemResult(f"{user} {mechanism}", True, "deleted") if outcome.ok
                         else ItemResult(f"{user} {mechanism}", False, error=outcome.error.message,
                                         exit_code=int(outcome.error.exit_code)))
    log.event("user_delete", user=user, mechanisms=",".join(mechanisms), ok=all(i.ok for i in items))
    return OperationResult("users delete", tuple(items))


def failure(result: OperationResult):
    return failure_of(result.items, result.operation)
