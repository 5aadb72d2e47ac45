"""`kctl completion bash|zsh|fish`: print the shell completion script."""

from __future__ import annotations

import sys
from enum import Enum

import typer

from kctl.cli.complete import script


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def completion(
    ctx: typer.Context,
    shell: Shell = typer.Argument(..., metavar="SHELL", help="bash, zsh or fish."),
):
    """Print the shell completion script (bash, zsh or fish) to stdout.

    Completes commands and options, and asks the cluster for topic and group names (at most
    about a second, silently nothing when it does not answer); contexts from the config file,
    instances from the registry. The global options typed so far (-i, -b, --context) choose
    the cluster.

    Install:

    \b
      bash: echo 'source <(kctl completion bash)' >> ~/.bashrc
            (or: kctl completion bash > ~/.local/share/bash-completion/completions/kctl)
      zsh:  kctl completion zsh > "${fpath[1]}/_kctl"   # then: autoload -Uz compinit && compinit
      fish: kctl completion fish > ~/.config/fish/completions/kctl.fish

    Example: source <(kctl completion bash)
    """
    sys.stdout.write(script(shell.value, ctx.find_root().command))
