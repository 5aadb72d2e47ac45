"""`kctl quotas`: client quotas of users, client ids and IP addresses."""

from __future__ import annotations

from typing import List, Optional

import typer

from kctl.cli.confirm import DRY_RUN, YES, approve, would_change
from kctl.cli.context import app_context
from kctl.config.client_conf import parse_key_values
from kctl.models import QuotaEntry
from kctl.models.choices import CLIENT_QUOTA_KEYS, IP_QUOTA_KEYS
from kctl.render import render

app = typer.Typer(help="List, set and delete client quotas (users, client ids, IP addresses); resolve which applies.",
                  no_args_is_help=True)

USER = typer.Option(None, "--user", help="The user (principal name without User:).")
DEFAULT_USER = typer.Option(False, "--default-user", help="The default user entity (users without quotas of their own).")
CLIENT_ID = typer.Option(None, "--client-id", help="The client id.")
DEFAULT_CLIENT_ID = typer.Option(False, "--default-client-id", help="The default client-id entity.")
IP = typer.Option(None, "--ip", help="The IP address (connection_creation_rate only).")
DEFAULT_IP = typer.Option(False, "--default-ip", help="The default IP entity.")


def _entity(user, default_user, client_id, default_client_id, ip, default_ip) -> dict:
    from kctl.services.quotas import entity_of  # not on quotas --help's path

    return entity_of(user, default_user, client_id, default_client_id, ip, default_ip)


@app.command("list")
def list_(ctx: typer.Context, user: Optional[str] = USER, default_user: bool = DEFAULT_USER,
          client_id: Optional[str] = CLIENT_ID, default_client_id: bool = DEFAULT_CLIENT_ID,
          ip: Optional[str] = IP, default_ip: bool = DEFAULT_IP):
    """List every entity with quotas (the entity options filter: other entity types may be set too).

    Example: kctl quotas list --user alice -o json
    """
    from kctl.services import quotas  # not on quotas --help's path

    obj = app_context(ctx)
    named = any(v is not None for v in (user, client_id, ip)) or default_user or default_client_id or default_ip
    entity = _entity(user, default_user, client_id, default_client_id, ip, default_ip) if named else None
    render(quotas.list_quotas(obj.client_conf(), obj.timeout, entity), obj.output, kind=QuotaEntry)


@app.command()
def describe(ctx: typer.Context, user: Optional[str] = USER, default_user: bool = DEFAULT_USER,
             client_id: Optional[str] = CLIENT_ID, default_client_id: bool = DEFAULT_CLIENT_ID,
             ip: Optional[str] = IP, default_ip: bool = DEFAULT_IP):
    """Show the quotas set on exactly one entity (user, user + client id, client id, or IP address).

    Example: kctl quotas describe --user alice --default-client-id
    """
    from kctl.services import quotas  # not on quotas --help's path

    obj = app_context(ctx)
    entity = _entity(user, default_user, client_id, default_client_id, ip, default_ip)
    render(quotas.describe_quotas(obj.client_conf(), obj.timeout, entity), obj.output)


def _confirm(obj, yes: bool, dry_run: bool):
    def confirm(plan) -> bool:
        return approve(obj, plan, plan.operation, yes=yes, dry_run=dry_run, changes=would_change(plan))

    return confirm


@app.command("set")
def set_(ctx: typer.Context, user: Optional[str] = USER, default_user: bool = DEFAULT_USER,
         client_id: Optional[str] = CLIENT_ID, default_client_id: bool = DEFAULT_CLIENT_ID,
         ip: Optional[str] = IP, default_ip: bool = DEFAULT_IP,
         set_values: List[str] = typer.Option(
             [], "--set", metavar="KEY=VALUE[,KEY=VALUE]",
             help=f"Quotas to set (repeatable): {', '.join(CLIENT_QUOTA_KEYS)}; for --ip: {', '.join(IP_QUOTA_KEYS)}."),
         yes: bool = YES, dry_run: bool = DRY_RUN):
    """Set quotas of one entity (other keys stay); shows the change (old -> new) and asks first.

    Example: kctl quotas set --user alice --set producer_byte_rate=1048576,consumer_byte_rate=2097152 --yes
    """
    from kctl.services import quotas  # not on quotas --help's path

    obj = app_context(ctx)
    entity = _entity(user, default_user, client_id, default_client_id, ip, default_ip)
    pairs = [p for value in set_values for p in value.split(",") if p.strip()]
    values = quotas.parse_values(parse_key_values(pairs, "--set"), entity)
    result = quotas.set_quotas(obj.client_conf(), obj.timeout, entity, values, _confirm(obj, yes, dry_run))
    render(result, obj.output)
    error = quotas.failure(result)
    if error is not None:
        raise error


@app.command()
def delete(ctx: typer.Context, user: Optional[str] = USER, default_user: bool = DEFAULT_USER,
           client_id: Optional[str] = CLIENT_ID, default_client_id: bool = DEFAULT_CLIENT_ID,
           ip: Optional[str] = IP, default_ip: bool = DEFAULT_IP,
           keys: List[str] = typer.Option([], "--key", help="Only this quota (repeatable; default: every quota of the entity)."),
           yes: bool = YES, dry_run: bool = DRY_RUN):
    """Remove quotas of one entity (every one it has, or the --key ones); shows them and asks first.

    Example: kctl quotas delete --user alice --key producer_byte_rate --yes
    """
    from kctl.services import quotas  # not on quotas --help's path

    obj = app_context(ctx)
    entity = _entity(user, default_user, client_id, default_client_id, ip, default_ip)
    result = quotas.delete_quotas(obj.client_conf(), obj.timeout, entity, list(keys), _confirm(obj, yes, dry_run))
    render(result, obj.output)
    error = quotas.failure(result)
    if error is not None:
        raise error


@app.command()
def resolve(ctx: typer.Context, user: Optional[str] = USER, client_id: Optional[str] = CLIENT_ID,
            ip: Optional[str] = IP):
    """Which quota of each kind applies to a client with this user and client id (Kafka's precedence).

    Example: kctl quotas resolve --user alice --client-id billing-app
    """
    from kctl.services import quotas  # not on quotas --help's path

    obj = app_context(ctx)
    render(quotas.resolve(obj.client_conf(), obj.timeout, user, client_id, ip), obj.output)
