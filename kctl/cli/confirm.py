"""One safety model for every command that destroys data or state (docs/safety.md).

Each such command first builds its plan (a read-only request: what would go, with record and
offset counts), then asks `approve`:

- `--dry-run`: nothing changes; the command renders the plan as its result (exit 0 unless a row failed);
- `--yes`/`-y` (`--execute` too on the plan-first commands, the Kafka tools' spelling): go ahead;
- stdin a terminal: the plan on stderr and a [y/N] question that names the cluster; no: exit 130;
- otherwise (a script): the plan on stderr, then exit 2, `kctl: error: ... refusing without --yes (not a terminal)`.

Without --yes, a plan that changes nothing is the result as it is: no question, nothing done.
tests/unit/test_destructive_contract.py checks that every command of DESTRUCTIVE has --yes and --dry-run.
"""

from __future__ import annotations

import sys

import typer

from kctl.errors import UsageError
from kctl.render import render

# Command paths (as typed after `kctl`) that go through `approve`; docs/safety.md lists the same.
DESTRUCTIVE = (
    "topics delete", "topics delete-records", "topics set-replication", "topics move",
    "groups delete", "groups delete-offsets", "groups reset-offsets", "groups undo",
    "txn abort", "acls delete", "users delete", "schemas delete", "quotas set", "quotas delete", "apply", "cluster features",
    "cluster client-metrics set", "cluster client-metrics delete",
    "cluster elect-leaders", "cluster reassignments", "local up", "local down",
    "workflow run", "workflow start", "connect delete",
)

YES_HELP = "Do it without asking (needed when stdin is not a terminal)."
YES = typer.Option(False, "--yes", "-y", help=YES_HELP)
# The plan-first commands (reset-offsets, undo, set-replication, move) accept --execute as well.
EXECUTE = typer.Option(False, "--yes", "-y", "--execute", help=YES_HELP + " --execute: the same.")
DRY_RUN = typer.Option(False, "--dry-run", help="Only show the plan: change nothing.")


def ask(question: str) -> bool:
    """Ask on stderr (click's prompt would write to stdout, which is for data only)."""
    sys.stderr.write(question)
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if not answer:
        sys.stderr.write("\n")
    return answer.strip().lower() in ("y", "yes")


def where(obj) -> str:
    """The cluster a command acts on, as the question names it: the context, the local instance
    or the bootstrap servers (with the servers in every case)."""
    target = obj.target
    if target.source.startswith("context "):
        return f"{target.source} ({target.bootstrap})"
    if target.instance is not None:
        return f"instance {target.instance} ({target.bootstrap})"
    return f"bootstrap {target.bootstrap}"


def would_change(result) -> bool:
    """An OperationResult plan changes something when a row says so (its detail starts with "would")."""
    return any(item.ok and item.detail.startswith("would") for item in result.items)


def approve(obj, plan, action: str, *, yes: bool, dry_run: bool, changes: bool = True, kind=None,
            cluster: str | None = None) -> bool:
    """The one gate of every destructive command: True to go ahead; False when nothing may
    change (--dry-run, or a plan that changes nothing): the caller renders the plan as its result.

    action: what happens, lower case, with its counts ("delete 2 topics (10,002 records)");
    cluster: the place named in the question (default: `where(obj)`)."""
    if dry_run:
        return False
    if yes:
        return True
    if not changes:
        return False
    label = cluster or where(obj)
    render(plan, "table", kind=kind, file=sys.stderr)
    if not sys.stdin.isatty():
        raise UsageError(f"{action} on {label}: refusing without --yes (not a terminal)",
                         hint="--yes does it, --dry-run only shows the plan")
    if not ask(f"{action[:1].upper()}{action[1:]} on {label}? [y/N] "):
        raise typer.Abort()
    return True


def approved(obj, make_plan, action, *, yes: bool, dry_run: bool, changes=would_change, kind=None,
             cluster: str | None = None):
    """`approve` with the plan read only when needed (not under --yes): (go, plan).

    make_plan(): the plan; action(plan) and changes(plan): the question's text and whether it
    changes anything. go False: render the plan as the result; go True: apply (plan None under --yes)."""
    if yes and not dry_run:
        return True, None
    plan = make_plan()
    go = approve(obj, plan, action(plan), yes=yes, dry_run=dry_run, changes=changes(plan), kind=kind, cluster=cluster)
    return go, plan


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")
