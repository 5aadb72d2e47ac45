"""`kctl users`: SCRAM credentials (passwords from env, file or prompt; never argv, never printed)."""

from __future__ import annotations

from typing import List, Optional

import typer

from kctl.cli.confirm import DRY_RUN, YES, approved, plural
from kctl.cli.context import app_context, no_empty_names
from kctl.models import OperationResult
from kctl.models.choices import SCRAM_MECHANISMS
from kctl.models.security import ScramUser
from kctl.render import render

app = typer.Typer(help="List, create and delete SCRAM users.", no_args_is_help=True)

MECHANISM = typer.Option("SCRAM-SHA-512", "--mechanism", metavar="|".join(SCRAM_MECHANISMS), help="SCRAM mechanism.")


@app.command("list")
def list_(ctx: typer.Context, users: Optional[List[str]] = typer.Argument(None, metavar="[USER...]", help="Only these users.")):
    """List users with SCRAM credentials: mechanisms and iterations (never passwords).

    Example: kctl users list -o json
    """
    from kctl.services import security  # not on users --help's path

    obj = app_context(ctx)
    render(security.list_users(obj.client_conf(), obj.timeout, users), obj.output, kind=ScramUser)


@app.command()
def create(
    ctx: typer.Context,
    user: str = typer.Argument(..., help="User name.", callback=no_empty_names),
    password_env: Optional[str] = typer.Option(None, "--password-env", metavar="VAR", help="Read the password from this environment variable."),
    password_file: Optional[str] = typer.Option(None, "--password-file", metavar="PATH", help="Read the password from the first line of this file."),
    password_prompt: bool = typer.Option(False, "--password-prompt", help="Ask for the password (a terminal, or one line of stdin)."),
    mechanism: str = MECHANISM,
    iterations: int = typer.Option(8192, "--iterations", min=4096, max=16384, help="SCRAM iterations."),
):
    """Create a SCRAM user, or set a new password for one.

    Example: KAFKA_PW=... kctl users create alice --password-env KAFKA_PW
    """
    from kctl.services import security  # not on users --help's path

    obj = app_context(ctx)
    conf = obj.client_conf()
    password = security.read_password(password_env, password_file, password_prompt)
    result = security.create_user(conf, obj.timeout, user, password, mechanism, iterations)
    render(result, obj.output, kind=OperationResult)
    error = security.failure(result)
    if error is not None:
        raise error


@app.command()
def delete(
    ctx: typer.Context,
    user: str = typer.Argument(..., help="User name.", callback=no_empty_names),
    mechanism: List[str] = typer.Option([], "--mechanism", metavar="|".join(SCRAM_MECHANISMS),
                                        help="Credential to delete (repeatable; default: every one the user has)."),
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
):
    """Delete a user's SCRAM credentials (shows them and asks first).

    Example: kctl users delete alice --yes   (or --mechanism SCRAM-SHA-256 for one of them)
    """
    from kctl.services import plans, security  # not on users --help's path

    obj = app_context(ctx)
    conf, mechanisms = obj.client_conf(), list(dict.fromkeys(mechanism))
    go, result = approved(obj, lambda: plans.delete_user(conf, obj.timeout, user, mechanisms),
                          lambda p: f"delete {plural(sum(i.ok for i in p.items), 'SCRAM credential')} of user {user}",
                          yes=yes, dry_run=dry_run)
    if go:
        result = security.delete_user(conf, obj.timeout, user, mechanisms)
    render(result, obj.output, kind=OperationResult)
    error = security.failure(result)
    if error is not None:
        raise error
