"""Help over the whole command tree: every subcommand's --help ends by naming the global options,
command lists show whole summaries (never cut with '...'), and every command has an example."""

from __future__ import annotations

import pytest
import typer.main

from kctl.cli.app import app
from kctl.cli.lazy import GLOBAL_OPTIONS_EPILOG
from tests.helpers import run_kctl


def _tree():
    out = []

    def walk(command, path):
        out.append((path, command))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return out


TREE = _tree()
SUBCOMMANDS = [(" ".join(path), command) for path, command in TREE if path]


def _help(path: str, columns: int = 80) -> str:
    result = run_kctl(*path.split(), "--help", env={"COLUMNS": str(columns)})
    assert result.code == 0, result
    return result.stdout


def test_the_tree_is_walked():
    names = {path for path, _ in SUBCOMMANDS}
    assert {"produce", "consume", "topics list", "groups describe", "config use-context", "completion"} <= names


@pytest.mark.parametrize("path", [path for path, _ in SUBCOMMANDS])
def test_every_subcommand_help_ends_with_the_global_options(path):
    text = " ".join(_help(path).split())
    assert text.endswith(" ".join(GLOBAL_OPTIONS_EPILOG.split())), text[-400:]
    for option in ("-o/--output", "-i/--instance", "--context", "-b/--bootstrap", "-q/--quiet", "kctl --help"):
        assert option in text


@pytest.mark.parametrize("path", ["", *[path for path, command in SUBCOMMANDS if getattr(command, "commands", None)]])
@pytest.mark.parametrize("columns", [80, 120])
def test_command_lists_are_never_cut_off(path, columns):
    text = _help(path, columns) if path else run_kctl("--help", env={"COLUMNS": str(columns)}).stdout
    listing = text.split("\nCommands:\n", 1)[1]
    assert "..." not in listing and "…" not in listing, listing
    group = dict(TREE_BY_PATH)[path]
    flat = " ".join(listing.split()).replace("- ", "-")  # (the wrapping breaks lines after hyphens)
    for name in group.commands:
        sub = group.commands[name]
        if not sub.hidden:
            summary = " ".join(inspect_summary(sub).split()).replace("- ", "-")
            assert f"{name} {summary}" in flat, (name, summary)


TREE_BY_PATH = [(" ".join(path), command) for path, command in TREE]


def inspect_summary(command) -> str:
    from kctl.cli.lazy import summary_of

    return summary_of(command.help)


@pytest.mark.parametrize("path", [path for path, command in SUBCOMMANDS if not getattr(command, "commands", None)])
def test_every_command_has_an_example(path):
    assert "Example" in _help(path, 200), path


TOPIC_ARGUMENTS = {"topic_arg", "topics", "names"}


def _takes_topic_arguments(path: str, command) -> bool:
    from kctl.cli import clicklib as click

    return path.split()[0] in ("produce", "consume", "topics", "txn") and any(
        isinstance(p, click.Argument) and p.name in TOPIC_ARGUMENTS for p in command.params)


TOPIC_COMMANDS = [path for path, command in SUBCOMMANDS if _takes_topic_arguments(path, command)]


def test_the_commands_about_topics_are_found():
    assert {"produce", "consume", "topics describe", "topics alter-config", "topics partition-for",
            "txn describe-producers", "txn abort"} <= set(TOPIC_COMMANDS)


@pytest.mark.parametrize("path", TOPIC_COMMANDS)
def test_every_command_taking_topic_arguments_takes_dash_t(path):
    """docs/cli.md: `-t/--topic` is accepted wherever the topic is the argument (kcat users type -t)."""
    text = _help(path, 200)
    assert "-t, --topic TOPIC" in text, text


@pytest.mark.parametrize("args", [
    ("produce", "a", "-t", "b", "--value", "x"),
    ("topics", "alter-config", "a", "-t", "b", "-c", "retention.ms=1"),
    ("topics", "add-partitions", "-t", "b", "a", "--to", "3"),
    ("txn", "describe-producers", "a", "--topic", "b"),
])
def test_two_different_topics_are_a_usage_error(args):
    result = run_kctl(*args, "-b", "127.0.0.1:1", "--timeout", "1")
    assert result.code == 2, result
    assert result.stderr.startswith("kctl: error: two topics given: a and -t b"), result


@pytest.mark.parametrize("args", [("produce", "--value", "x"), ("topics", "lag"), ("topics", "partition-for", "-t", "a")])
def test_a_missing_topic_or_key_is_a_usage_error(args):
    result = run_kctl(*args, "-b", "127.0.0.1:1", "--timeout", "1")
    assert result.code == 2 and result.stderr.startswith("kctl: error:"), result
    assert len(result.stderr.splitlines()) == 1, result
