"""`kctl acls`: list, create and delete ACL bindings."""

from __future__ import annotations

from typing import List, Optional

import typer

from kctl.cli.confirm import DRY_RUN, YES, approved, plural
from kctl.cli.context import app_context
from kctl.errors import UsageError
from kctl.models.security import AclEntry
from kctl.render import render

app = typer.Typer(help="List, create and delete ACLs (principal, host, operation, permission, resource).",
                  no_args_is_help=True)

PRINCIPAL = typer.Option(None, "--principal", help="User:NAME (filters: any when left out).")
HOST = typer.Option(None, "--host", help="Client host (default: * on create, any in filters).")
RESOURCE_TYPE = typer.Option(None, "--resource-type", metavar="topic|group|cluster|transactional-id",
                             help="Resource type (create: needed; filters: any when left out).")
RESOURCE_NAME = typer.Option(None, "--resource-name", help="Resource name (cluster: kafka-cluster; filters: any).")
PATTERN = typer.Option(None, "--pattern-type", metavar="literal|prefixed|match|any",
                       help="How the name matches (default: literal on create, any in filters).")
PERMISSION = typer.Option(None, "--permission", metavar="allow|deny", help="Permission (default: allow on create, any in filters).")


def _entry(principal, host, operation, permission, resource_type, resource_name, pattern, create: bool):
    def given(value, default):  # an option left out takes its default; an empty one is refused by check_acl
        return default if value is None else value

    if create:
        return AclEntry(given(principal, ""), given(host, "*"), given(operation, ""), given(permission, "allow"),
                        given(resource_type, ""),
                        given(resource_name, "kafka-cluster" if resource_type == "cluster" else ""),
                        given(pattern, "literal"))
    # filters: an empty principal, host or resource name is "any" to the service; say so with the option left out
    for option, value in (("--principal", principal), ("--host", host), ("--resource-name", resource_name)):
        if value == "":
            raise UsageError(f"{option} must not be empty (leave it out to match any)")
    return AclEntry(given(principal, ""), given(host, ""), given(operation, "any"), given(permission, "any"),
                    given(resource_type, "any"), given(resource_name, ""), given(pattern, "any"))


@app.command("list")
def list_(ctx: typer.Context, principal: Optional[str] = PRINCIPAL, host: Optional[str] = HOST,
          operation: Optional[str] = typer.Option(None, "--operation", help="Operation (any when left out)."),
          permission: Optional[str] = PERMISSION, resource_type: Optional[str] = RESOURCE_TYPE,
          resource_name: Optional[str] = RESOURCE_NAME, pattern_type: Optional[str] = PATTERN):
    """List the ACLs matching the filters (all of them without filters).

    Example: kctl acls list --principal User:alice -o json
    """
    from kctl.services import security  # not on acls --help's path

    obj = app_context(ctx)
    entry = _entry(principal, host, operation, permission, resource_type, resource_name, pattern_type, create=False)
    render(security.list_acls(obj.client_conf(), obj.timeout, entry), obj.output, kind=AclEntry)


@app.command()
def create(ctx: typer.Context, principal: str = typer.Option(..., "--principal", help="User:NAME."),
           operation: List[str] = typer.Option(..., "--operation", help="read, write, create, delete, alter, describe, "
                                                "cluster-action, describe-configs, alter-configs, idempotent-write, all (repeatable)."),
           resource_type: str = typer.Option(..., "--resource-type", metavar="topic|group|cluster|transactional-id", help="Resource type."),
           resource_name: Optional[str] = RESOURCE_NAME, host: Optional[str] = HOST,
           permission: Optional[str] = PERMISSION, pattern_type: Optional[str] = PATTERN, dry_run: bool = DRY_RUN):
    """Create ACLs: one per --operation (shows what it creates).

    Example: kctl acls create --principal User:alice --operation read --operation describe --resource-type topic --resource-name orders
    """
    from kctl.services import security  # not on acls --help's path

    obj = app_context(ctx)
    entries = [_entry(principal, host, op, permission, resource_type, resource_name, pattern_type, create=True)
               for op in operation]
    change = security.create_acls(obj.client_conf(), obj.timeout, entries, dry_run=dry_run)
    render(change, obj.output)
    error = security.change_failure(change)
    if error is not None:
        raise error


@app.command()
def delete(ctx: typer.Context, principal: Optional[str] = PRINCIPAL, host: Optional[str] = HOST,
           operation: Optional[str] = typer.Option(None, "--operation", help="Operation (any when left out)."),
           permission: Optional[str] = PERMISSION, resource_type: Optional[str] = RESOURCE_TYPE,
           resource_name: Optional[str] = RESOURCE_NAME, pattern_type: Optional[str] = PATTERN,
           yes: bool = YES, dry_run: bool = DRY_RUN):
    """Delete the ACLs matching the filters (lists them and asks first).

    Example: kctl acls delete --principal User:alice --resource-type topic --resource-name orders --yes
    """
    from kctl.services import security  # not on acls --help's path

    obj = app_context(ctx)
    entry = _entry(principal, host, operation, permission, resource_type, resource_name, pattern_type, create=False)
    if not (principal or resource_type or resource_name):
        raise UsageError("give at least one of --principal, --resource-type, --resource-name",
                         hint="a filter that matches every ACL must be explicit: --resource-type any")
    conf = obj.client_conf()
    go, plan = approved(obj, lambda: security.delete_acls(conf, obj.timeout, entry, dry_run=True),
                        lambda p: f"delete {plural(len(p.acls), 'ACL')}", yes=yes, dry_run=dry_run,
                        changes=lambda p: bool(p.acls))
    render(security.delete_acls(conf, obj.timeout, entry) if go else plan, obj.output)
