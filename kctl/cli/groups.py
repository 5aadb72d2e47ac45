"""`kctl groups`: list, describe (offsets and lag), delete, reset and delete committed offsets."""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from kctl.cli.complete import complete_topics
from kctl.cli.context import app_context, no_empty_names
from kctl.models.choices import GROUP_STATES, GROUP_TYPES, help_list

app = typer.Typer(help="Inspect consumer groups, their lag, and move or delete their committed offsets.",
                  no_args_is_help=True)

TOPICS = typer.Option([], "--topic", "-t", metavar="TOPIC[:P,...]",
                      help="A topic, or some of its partitions as TOPIC:0,1,2 (repeatable).", autocompletion=complete_topics)


def _finish(obj, result, kind) -> None:
    """Render the rows, then fail if any item failed."""
    from kctl.render import render
    from kctl.services import groups

    render(result, obj.output, kind=kind)
    error = groups.failure(result)
    if error is not None:
        raise error


@app.command("list")
def list_(
    ctx: typer.Context,
    state: Optional[str] = typer.Option(None, "--state", metavar="STATE",
                                        help=f"Only groups in this state: {help_list(GROUP_STATES)} (any case)."),
    type_: Optional[str] = typer.Option(None, "--type", metavar="TYPE",
                                        help=f"Only groups of this type: {help_list(GROUP_TYPES)} (any case)."),
):
    """List consumer groups with their state and type.

    Example: kctl groups list --state empty -o json
    """
    from kctl.models import GroupSummary
    from kctl.render import render
    from kctl.services import groups

    obj = app_context(ctx)
    render(groups.list_groups(obj.client_conf(), obj.timeout, state, type_), obj.output, kind=GroupSummary)


@app.command()
def describe(
    ctx: typer.Context,
    group_ids: List[str] = typer.Argument(..., metavar="GROUP...", help="Groups to describe.", callback=no_empty_names),
):
    """Show state, coordinator, members, and per partition the committed offset, log end and lag.

    Example: kctl groups describe billing audit -o yaml
    """
    from kctl.models import GroupDetail
    from kctl.render import render
    from kctl.services import groups

    obj = app_context(ctx)
    result = groups.describe_groups(obj.client_conf(), obj.timeout, group_ids)
    if result.groups:
        render(list(result.groups), obj.output, kind=GroupDetail)
    error = groups.describe_failure(result)
    if error is not None:
        raise error


@app.command()
def delete(
    ctx: typer.Context,
    group_ids: List[str] = typer.Argument(..., metavar="GROUP...", help="Groups to delete (they must have no members).",
                                          callback=no_empty_names),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (needed when stdin is not a terminal)."),
):
    """Delete consumer groups and their committed offsets (asks first unless --yes).

    Example: kctl groups delete old-billing --yes
    """
    from kctl.cli.topics import confirm
    from kctl.errors import UsageError
    from kctl.models import OperationResult
    from kctl.services import groups

    obj = app_context(ctx)
    if not (yes or sys.stdin.isatty()):
        raise UsageError("refusing to delete groups without confirmation: stdin is not a terminal",
                         hint="pass --yes to delete from a script")
    if not yes and not confirm(f"Groups to delete: {', '.join(group_ids)}\n"
                                f"Delete {len(group_ids)} group(s) and their committed offsets? [y/N] "):
        raise typer.Abort()
    _finish(obj, groups.delete_groups(obj.client_conf(), obj.timeout, group_ids), OperationResult)


@app.command("reset-offsets")
def reset_offsets(
    ctx: typer.Context,
    group_id: str = typer.Argument(..., metavar="GROUP", help="The group whose committed offsets to move.",
                                   callback=no_empty_names),
    topics: List[str] = TOPICS,
    all_topics: bool = typer.Option(False, "--all-topics", help="Every partition the group has committed an offset for."),
    to_earliest: bool = typer.Option(False, "--to-earliest", help="To the log start (re-read everything kept)."),
    to_latest: bool = typer.Option(False, "--to-latest", help="To the log end (skip everything written so far)."),
    to_offset: Optional[int] = typer.Option(None, "--to-offset", metavar="N", help="To offset N (kept within the log)."),
    to_datetime: Optional[str] = typer.Option(None, "--to-datetime", metavar="ISO",
                                              help="To the first record at or after this time (2024-05-01T12:00:00Z; "
                                                   "no zone: local time; epoch ms; or relative: -1h)."),
    shift_by: Optional[int] = typer.Option(None, "--shift-by", metavar="N",
                                           help="Move the committed offset by N (negative: back; kept within the log)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only show the plan (the default)."),
    execute: bool = typer.Option(False, "--execute", help="Apply the plan (the group must have no active member)."),
):
    """Move a group's committed offsets; shows the plan unless --execute.

    Example: kctl groups reset-offsets billing --topic orders --to-datetime 2024-05-01T00:00:00Z --execute
    """
    from kctl.errors import UsageError
    from kctl.models import OffsetResetResult
    from kctl.parsing import parse_topic_partitions
    from kctl.services import groups

    obj = app_context(ctx)
    if dry_run and execute:
        raise UsageError("give --dry-run or --execute, not both")
    strategy = groups.parse_strategy(to_earliest, to_latest, to_offset, to_datetime, shift_by)
    result = groups.reset_offsets(obj.client_conf(), obj.timeout, group_id, parse_topic_partitions(topics),
                                  strategy, all_topics=all_topics, execute=execute)
    _finish(obj, result, OffsetResetResult)


@app.command("delete-offsets")
def delete_offsets(
    ctx: typer.Context,
    group_id: str = typer.Argument(..., metavar="GROUP", help="The group whose committed offsets to delete.",
                                   callback=no_empty_names),
    topics: List[str] = TOPICS,
):
    """Delete a group's committed offsets for some topics or partitions.

    Example: kctl groups delete-offsets billing --topic orders --topic payments:0,1
    """
    from kctl.models import OperationResult
    from kctl.parsing import parse_topic_partitions
    from kctl.services import groups

    obj = app_context(ctx)
    result = groups.delete_offsets(obj.client_conf(), obj.timeout, group_id, parse_topic_partitions(topics))
    _finish(obj, result, OperationResult)
