"""Command groups built on demand: `kctl topics list` imports kctl.cli.topics and builds its click
group, and nothing else. Building a click command from a typer app (reading signatures, making
options) was ~60 ms of every kctl start-up when all eleven groups were built up front.

`LazyGroup` is the root's click group class (`typer.Typer(cls=...)`); its `commands` is a
`LazyCommands` mapping: every name is listed, and a command is imported and built the first time
it is looked up (`commands[name]`, `.get(name)`, `.items()`: a walk over the whole tree still
sees every command). `kctl --help` lists the commands from their one-line summaries in the table
without building them; a unit test keeps those summaries equal to the commands' own help.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import MutableMapping
from dataclasses import dataclass

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Lazy:
    """A command of the root group: `module.attribute` is a typer.Typer (a group) or a function
    (a command); `summary` is the first paragraph of its help (what `kctl --help` lists)."""

    module: str
    attribute: str
    summary: str
    hidden: bool = False

    def load(self):
        return getattr(importlib.import_module(self.module), self.attribute)


# The last line of every subcommand's --help: the global options are the root's, so a command's own
# option list never shows them (kctl.cli.app; kctl.__main__ takes them anywhere on the line).
GLOBAL_OPTIONS_EPILOG = (
    "Global options (anywhere on the line): -o/--output table|wide|json|yaml, -i/--instance, --context, "
    "-b/--bootstrap, -X key=value, --timeout, -v, -q/--quiet, --debug; see `kctl --help`."
)


def summary_of(help_text: str | None) -> str:
    """The first paragraph of a help text, on one line (what command lists show, never cut)."""
    first = inspect.cleandoc(help_text or "").split("\n\n", 1)[0]
    return " ".join(first.replace("\b", " ").split())


def finish(command) -> None:
    """Every command under this one: its whole summary in command lists (click would cut it at
    ~45 characters with '...') and the global options line at the end of its --help."""
    if not command.short_help and command.help:
        command.short_help = summary_of(command.help)
    if GLOBAL_OPTIONS_EPILOG not in (command.epilog or ""):
        command.epilog = f"{command.epilog}\n\n{GLOBAL_OPTIONS_EPILOG}" if command.epilog else GLOBAL_OPTIONS_EPILOG
    for sub in (getattr(command, "commands", None) or {}).values():
        finish(sub)


def build(name: str, lazy: Lazy, group: "LazyGroup"):
    """The click command typer would have made had the target been registered on the root app
    (`app.command(name)(f)` or `app.add_typer(sub, name=name)`), with the root's settings."""
    target = lazy.load()
    scratch = typer.Typer(add_completion=False)  # only to let typer fill in its registration defaults
    if isinstance(target, typer.Typer):
        scratch.add_typer(target, name=name)
        command = typer.main.get_group_from_info(
            scratch.registered_groups[0], pretty_exceptions_short=group.pretty_exceptions_short,
            rich_markup_mode=group.rich_markup_mode, suggest_commands=group.suggest_commands)
    else:
        scratch.command(name)(target)
        command = typer.main.get_command_from_info(
            scratch.registered_commands[0], pretty_exceptions_short=group.pretty_exceptions_short,
            rich_markup_mode=group.rich_markup_mode)
    finish(command)
    return command


class LazyCommands(MutableMapping):
    """name -> click command; the lazy ones are built on first lookup (and kept by this mapping,
    which belongs to one root group object)."""

    def __init__(self, group: "LazyGroup", eager: dict, lazy: dict[str, Lazy]):
        self._group = group
        self._built = dict(eager)
        self._lazy = {name: entry for name, entry in lazy.items() if name not in self._built}
        self._order = [*lazy, *(n for n in eager if n not in lazy)]

    def __getitem__(self, name):
        if name not in self._built:
            if name not in self._lazy:
                raise KeyError(name)
            self._built[name] = build(name, self._lazy[name], self._group)
        return self._built[name]

    def __contains__(self, name) -> bool:  # without building it
        return name in self._built or name in self._lazy

    def __setitem__(self, name, command) -> None:
        if name not in self:
            self._order.append(name)
        self._built[name] = command

    def __delitem__(self, name) -> None:
        if name not in self:
            raise KeyError(name)
        self._built.pop(name, None)
        self._lazy.pop(name, None)
        self._order.remove(name)

    def __iter__(self):
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)

    def peek(self, name):
        """The built command, or a stand-in carrying only its summary (for the help listing)."""
        if name in self._built:
            return self._built[name]
        entry = self._lazy[name]
        return TyperCommand(name, help=entry.summary, short_help=entry.summary, hidden=entry.hidden)


class LazyGroup(TyperGroup):
    """The root group. Subclasses set `lazy` (name -> Lazy) and `pretty_exceptions_short`."""

    lazy: dict[str, Lazy] = {}
    pretty_exceptions_short: bool = True

    def __init__(self, *, commands=None, **attrs):
        super().__init__(**attrs)
        self.commands = LazyCommands(self, dict(commands or {}), self.lazy)

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx, formatter) -> None:
        # TyperGroup.format_commands without building every command: summaries from the table.
        rows = [(name, self.commands.peek(name)) for name in self.list_commands(ctx)]
        rows = [(name, cmd) for name, cmd in rows if not cmd.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])
