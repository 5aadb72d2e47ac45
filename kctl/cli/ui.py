"""`kctl ui`: the terminal UI (Textual, imported only here)."""

from __future__ import annotations

import sys

import typer

from kctl import install_hint
from kctl.cli.context import app_context
from kctl.errors import ConfigError, UsageError
from kctl.parsing import parse_choice
from kctl.tui.data import DataSource

SCREENS = ("cluster", "topics", "groups")


def ui(
    ctx: typer.Context,
    allow_writes: bool = typer.Option(False, "--allow-writes", help="Enable produce, topic create/delete and group "
                                                                    "resets (each asks for confirmation)."),
    screen: str = typer.Option("topics", "--screen", help="First screen: cluster, topics or groups."),
):
    """Browse the cluster in the terminal: topics, messages, groups and lag (read-only by default).

    Example: kctl ui -i 0 --allow-writes
    """
    first = parse_choice(screen, SCREENS, "--screen")
    try:
        from kctl.tui.app import KctlApp  # not on ui --help's path
    except ImportError as exc:
        if getattr(exc, "name", "") and not str(exc.name).startswith("textual"):
            raise
        raise ConfigError(f"kctl ui needs Textual: {install_hint('ui')} (or pip install textual)") from None
    if not (sys.stdin.isatty() and sys.stdout.isatty()):  # Textual would wait for a terminal's answers forever
        raise UsageError("kctl ui needs a terminal: stdin and stdout must be one",
                         hint="run it in a terminal, not with input or output redirected")
    from kctl.tui.targets import UiTarget  # not on ui --help's path

    obj = app_context(ctx)
    where = obj.target
    # The context whose properties the client gets (--context, else the current one), even when -i/-b chose the brokers.
    target = UiTarget(where.bootstrap, where.instance, (obj.context or {}).get("name"))
    KctlApp(DataSource(obj.client_conf(), obj.timeout, target.label), allow_writes=allow_writes, start=first,
            target=target, registry=obj.registry).run()
