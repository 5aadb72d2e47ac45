"""Global options anywhere on the command line: used by kctl.__main__ (commands) and
kctl.cli.complete (completions), so neither imports the other."""

from __future__ import annotations

from kctl.cli import clicklib as click

# Global options may appear anywhere on the command line (kctl.__main__ hoists them in front).
GLOBAL_VALUE_OPTIONS = (
    "-o", "--output", "-b", "--bootstrap", "-i", "--instance", "--context", "--registry",
    "-X", "--property", "--command-config", "--timeout", "--log-format", "--log-file", "--section",
)
GLOBAL_FLAG_OPTIONS = ("-v", "--verbose", "--debug", "--ask-password", "-q", "--quiet", "--allow-plaintext-password")


def hoist_global_options(argv: list[str], root_command) -> list[str]:
    """Move global options (see kctl.cli.app) in front of the subcommand, so that
    `kctl topics describe t -i 1 -o json` works like kubectl's global flags.

    Walks the click command tree so that a value belonging to a subcommand's own option
    (say `--key -v`) is never mistaken for a global flag.
    """
    hoisted: list[str] = []
    rest: list[str] = []
    command = root_command
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            rest.extend(argv[i:])
            break
        name = token.split("=", 1)[0]
        own = _own_option(command, name) if command is not root_command else None
        if own is not None:
            takes_value = not own.is_flag and not own.count and "=" not in token
            rest.extend(argv[i : i + (2 if takes_value else 1)])
            i += 2 if takes_value else 1
            continue
        if name in GLOBAL_VALUE_OPTIONS:
            width = 1 if "=" in token else 2
            hoisted.extend(argv[i : i + width])
            i += width
            continue
        if token in GLOBAL_FLAG_OPTIONS or (token.startswith("-v") and set(token[1:]) == {"v"}):
            hoisted.append(token)
            i += 1
            continue
        if isinstance(command, click.Group) and not token.startswith("-"):
            sub = command.commands.get(token)
            if sub is not None:
                command = sub
        rest.append(token)
        i += 1
    return hoisted + rest


def _own_option(command, name: str):
    for param in getattr(command, "params", []):
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None
