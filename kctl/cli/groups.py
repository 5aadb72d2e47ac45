"""`kctl groups`: list, describe (offsets and lag), delete, reset and delete committed offsets."""

from __future__ import annotations

from typing import List, Optional

import typer

from kctl.cli.complete import complete_topics
from kctl.cli.confirm import DRY_RUN, EXECUTE, YES, approve, approved, plural
from kctl.cli.context import app_context, no_empty_names
from kctl.cli.lag import groups_lag
from kctl.cli.options import Duration, Time
from kctl.errors import UsageError
from kctl.models import OperationResult
from kctl.models.choices import GROUP_STATES, GROUP_TYPES, help_list
from kctl.parsing import check_writable, parse_topic_partitions
from kctl.render import render
from kctl.render.groups import export_plan

app = typer.Typer(help="Inspect consumer groups, their lag, and move or delete their committed offsets.",
                  no_args_is_help=True)

TOPIC_ARGS = typer.Argument(None, metavar="[TOPIC[:P,...]...]", show_default=False, autocompletion=complete_topics,
                            help="Topics, or some of their partitions as TOPIC:0,1,2 (or -t/--topic).")
TOPICS = typer.Option([], "--topic", "-t", metavar="TOPIC[:P,...]",
                      help="A topic, or some of its partitions as TOPIC:0,1,2 (repeatable; the same as the arguments).",
                      autocompletion=complete_topics)


def _finish(obj, result, kind) -> None:
    """Render the rows, then fail if any item failed."""
    from kctl.services import groups  # not on groups --help's path

    render(result, obj.output, kind=kind)
    error = groups.failure(result)
    if error is not None:
        raise error


@app.command("list")
def list_(
    ctx: typer.Context,
    pattern: Optional[str] = typer.Argument(None, metavar="[PATTERN]", help="Only groups whose whole id matches this "
                                            "regular expression (a plain id matches itself)."),
    state: Optional[str] = typer.Option(None, "--state", metavar="STATE",
                                        help=f"Only groups in this state: {help_list(GROUP_STATES)} (any case)."),
    type_: Optional[str] = typer.Option(None, "--type", metavar="TYPE",
                                        help=f"Only groups of this type: {help_list(GROUP_TYPES)} (any case)."),
    no_lag: bool = typer.Option(False, "--no-lag", help="Only id, state and type: skip the members, lag and time lag "
                                                        "columns (no offset or record reads)."),
):
    """List consumer groups with state, type, members, total lag and max time lag.

    The lag of all groups is read in one batched round of requests.

    Example: kctl groups list --state empty -o json
    """
    from kctl.models import GroupSummary  # not on groups --help's path
    from kctl.services import groups  # not on groups --help's path

    obj = app_context(ctx)
    listed = groups.list_groups(obj.client_conf(), obj.timeout, state, type_, lag=not no_lag, pattern=pattern)
    render(listed, obj.output, kind=GroupSummary)
    error = groups.list_failure(listed)
    if error is not None:
        raise error


@app.command()
def describe(
    ctx: typer.Context,
    group_ids: List[str] = typer.Argument(..., metavar="GROUP...", help="Groups to describe.", callback=no_empty_names),
):
    """Show state, coordinator, members, and per partition the committed offset, log end, lag and time lag.

    Time lag: now minus the timestamp of the first record not consumed yet (0 when caught up).

    Example: kctl groups describe billing audit -o yaml
    """
    from kctl.models import GroupDetail  # not on groups --help's path
    from kctl.services import groups  # not on groups --help's path

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
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
):
    """Delete consumer groups and their committed offsets (shows them and asks first).

    Example: kctl groups delete old-billing --yes
    """
    from kctl.services import groups, plans  # not on groups --help's path

    obj = app_context(ctx)
    conf = obj.client_conf()
    go, plan = approved(obj, lambda: plans.delete_groups(conf, obj.timeout, group_ids),
                        lambda p: f"delete {plural(sum(i.ok for i in p.items), 'group')} and "
                                  f"{'its' if sum(i.ok for i in p.items) == 1 else 'their'} committed offsets",
                        yes=yes, dry_run=dry_run)
    _finish(obj, groups.delete_groups(conf, obj.timeout, group_ids) if go else plan, OperationResult)


WAIT_EMPTY = typer.Option(None, "--wait-empty", click_type=Duration(minimum=0.001, maximum=86400),
                          help="Before applying: wait up to this long (60s, 2m; at most 1d) for the group's members to leave.")


def _wait_empty(seconds: float | None, execute: bool) -> float | None:
    """--wait-empty in seconds (it means nothing with --dry-run)."""
    if seconds is not None and not execute:
        raise UsageError("--wait-empty and --dry-run do not go together", hint="--dry-run only shows the plan")
    return seconds


@app.command("reset-offsets")
def reset_offsets(
    ctx: typer.Context,
    group_id: str = typer.Argument(..., metavar="GROUP", help="The group whose committed offsets to move.",
                                   callback=no_empty_names),
    topic_args: Optional[List[str]] = TOPIC_ARGS,
    topics: List[str] = TOPICS,
    all_topics: bool = typer.Option(False, "--all-topics", help="Every partition the group has committed an offset for."),
    to_earliest: bool = typer.Option(False, "--to-earliest", help="To the log start (re-read everything kept)."),
    to_latest: bool = typer.Option(False, "--to-latest", help="To the log end (skip everything written so far)."),
    to_current: bool = typer.Option(False, "--to-current", help="To the committed offset (no move; shows the lag)."),
    to_offset: Optional[int] = typer.Option(None, "--to-offset", metavar="N", help="To offset N (kept within the log)."),
    to_datetime: Optional[str] = typer.Option(None, "--to-datetime", click_type=Time(),
                                              help="To the first record at or after this time (2024-05-01T12:00:00Z; "
                                                   "no zone: local time; epoch ms; or relative: -1h)."),
    by_duration: Optional[str] = typer.Option(None, "--by-duration", click_type=Duration(signed=True, as_text=True),
                                              help="To the first record of this long ago: -1h, 30m, PT30M."),
    shift_by: Optional[int] = typer.Option(None, "--shift-by", metavar="N",
                                           help="Move the committed offset by N (negative: back; kept within the log)."),
    from_file: Optional[str] = typer.Option(None, "--from-file", metavar="FILE",
                                            help="To the offsets of a file: CSV topic,partition,offset (as "
                                                 "kafka-consumer-groups --export writes) or kctl JSON (--export F.json)."),
    to_group: Optional[str] = typer.Option(None, "--to-group", metavar="GROUP",
                                           help="To another group's committed offsets."),
    export: Optional[str] = typer.Option(None, "--export", metavar="FILE",
                                         help="Also write the plan to FILE: kctl JSON if it ends in .json, else CSV "
                                              "topic,partition,offset (input for --from-file)."),
    skip_missing: bool = typer.Option(False, "--skip-missing",
                                      help="Leave out the partitions whose target does not exist (instead of applying nothing)."),
    wait_empty: Optional[float] = WAIT_EMPTY,
    yes: bool = EXECUTE,
    dry_run: bool = DRY_RUN,
):
    """Move a group's committed offsets: shows the plan (records re-read or skipped) and asks first.

    The group must have no active member; the previous offsets are saved first (`groups undo`).

    Example: kctl groups reset-offsets billing orders --by-duration -1h --yes
    """
    from kctl.models import OffsetResetResult  # not on groups --help's path
    from kctl.services import groups  # not on groups --help's path

    obj = app_context(ctx)
    if dry_run and yes:
        raise UsageError("give --dry-run or --yes/--execute, not both")
    strategy = groups.parse_strategy(to_earliest, to_latest, to_offset, to_datetime, shift_by, by_duration=by_duration,
                                     to_current=to_current, from_file=from_file, to_group=to_group)
    wait = _wait_empty(wait_empty, not dry_run)
    if export is not None:
        check_writable(export, "--export")  # before anything changes
    result = groups.reset_offsets(obj.client_conf(), obj.timeout, group_id, parse_topic_partitions([*(topic_args or ()), *topics]),
                                  strategy, all_topics=all_topics, execute=not dry_run, skip_missing=skip_missing,
                                  wait_empty=wait, confirm=_asker(obj, yes))
    if export is not None:
        _export(obj, export, result)
    _finish(obj, result, OffsetResetResult)


def _export(obj, path: str, result) -> None:
    """--export after the reset: a write that fails then shows the result and says what was changed."""
    try:
        export_plan(path, result)
    except UsageError as exc:
        from kctl.models import OffsetResetResult  # not on groups --help's path

        render(result, obj.output, kind=OffsetResetResult)
        if result.executed:
            exc.message += f" (the reset WAS applied: the previous offsets are snapshot {result.snapshot_id})"
            exc.hint = f"`kctl groups undo {result.group_id} --snapshot {result.snapshot_id}` restores them"
        else:
            exc.hint = "nothing was changed"
        raise


def _asker(obj, yes: bool):
    """The question before offsets are applied (kctl.cli.confirm), with the plan's counts."""
    def confirm(plan) -> bool:
        moves = sum(p.new_offset is not None and p.new_offset != p.current_offset for p in plan.partitions)
        deletes = sum(p.delete for p in plan.partitions)
        action = (f"move {plural(moves, 'committed offset')} of group {plan.group_id} ({plan.records_reread:,} "
                  f"records re-read, {plan.records_skipped:,} skipped)")
        if deletes:
            action += f" and delete {plural(deletes, 'committed offset')} it had none of before"
        return approve(obj, plan, action, yes=yes, dry_run=False, changes=moves + deletes > 0)

    return confirm


@app.command()
def history(
    ctx: typer.Context,
    group_id: str = typer.Argument(..., metavar="GROUP", help="The group.", callback=no_empty_names),
):
    """List the snapshots of a group's offsets saved before each executed reset (oldest first).

    Example: kctl groups history billing
    """
    from kctl.models import GroupSnapshot  # not on groups --help's path
    from kctl.services import groups  # not on groups --help's path

    obj = app_context(ctx)
    render(groups.snapshot_history(group_id), obj.output, kind=GroupSnapshot)


@app.command()
def undo(
    ctx: typer.Context,
    group_id: str = typer.Argument(..., metavar="GROUP", help="The group whose offsets to restore.",
                                   callback=no_empty_names),
    snapshot: Optional[str] = typer.Option(None, "--snapshot", metavar="ID",
                                           help="The snapshot to restore (an id or a unique prefix; default: the latest)."),
    skip_missing: bool = typer.Option(False, "--skip-missing",
                                      help="Leave out the snapshot's partitions that no longer exist."),
    wait_empty: Optional[float] = WAIT_EMPTY,
    yes: bool = EXECUTE,
    dry_run: bool = DRY_RUN,
):
    """Restore the offsets a snapshot saved (shows the plan and asks first); a snapshot of another cluster is refused.

    Example: kctl groups undo billing --yes
    """
    from kctl.models import OffsetResetResult  # not on groups --help's path
    from kctl.services import groups  # not on groups --help's path

    obj = app_context(ctx)
    wait = _wait_empty(wait_empty, not dry_run)
    result = groups.undo(obj.client_conf(), obj.timeout, group_id, snapshot, execute=not dry_run, wait_empty=wait,
                         skip_missing=skip_missing, confirm=_asker(obj, yes))
    _finish(obj, result, OffsetResetResult)


@app.command("delete-offsets")
def delete_offsets(
    ctx: typer.Context,
    group_id: str = typer.Argument(..., metavar="GROUP", help="The group whose committed offsets to delete.",
                                   callback=no_empty_names),
    topic_args: Optional[List[str]] = TOPIC_ARGS,
    topics: List[str] = TOPICS,
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
):
    """Delete a group's committed offsets for some topics or partitions (shows them and asks first).

    Example: kctl groups delete-offsets billing orders payments:0,1 --yes
    """
    from kctl.services import groups  # not on groups --help's path

    obj = app_context(ctx)
    conf, wanted = obj.client_conf(), parse_topic_partitions([*(topic_args or ()), *topics])
    go, plan = approved(obj, lambda: groups.delete_offsets(conf, obj.timeout, group_id, wanted, dry_run=True),
                        lambda p: f"delete {plural(sum(i.detail.startswith('would') for i in p.items), 'committed offset')}"
                                  f" of group {group_id}", yes=yes, dry_run=dry_run)
    _finish(obj, groups.delete_offsets(conf, obj.timeout, group_id, wanted) if go else plan, OperationResult)


app.command("lag")(groups_lag)
