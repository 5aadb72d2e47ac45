"""Shell completion: the committed scripts are current, and kctl answers their protocol."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer.main

from kctl.cli import complete
from kctl.cli.app import app
from tests.helpers import run_kctl

ROOT = Path(__file__).resolve().parents[2]


def test_committed_scripts_are_not_stale(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_completions.py"), str(tmp_path)], check=True,
                   capture_output=True)
    for shell in complete.SHELLS:
        generated = (tmp_path / f"kctl.{shell}").read_text()
        committed = (ROOT / "completions" / f"kctl.{shell}")
        assert committed.is_file(), f"{committed} is missing: run python scripts/gen_completions.py"
        assert committed.read_text() == generated, f"{committed} is stale: run python scripts/gen_completions.py"


def test_check_mode_detects_a_stale_script(tmp_path):
    gen = [sys.executable, str(ROOT / "scripts" / "gen_completions.py")]
    subprocess.run([*gen, str(tmp_path)], check=True, capture_output=True)
    assert subprocess.run([*gen, "--check", str(tmp_path)], capture_output=True).returncode == 0
    (tmp_path / "kctl.zsh").write_text("# edited by hand\n")
    proc = subprocess.run([*gen, "--check", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 1 and "kctl.zsh" in proc.stderr


@pytest.mark.parametrize("shell", complete.SHELLS)
def test_source_instruction_prints_the_committed_script(shell):
    result = run_kctl(env={"_KCTL_COMPLETE": f"source_{shell}"})
    assert result.code == 0
    assert result.stdout == (ROOT / "completions" / f"kctl.{shell}").read_text()
    assert "_KCTL_COMPLETE=complete_" + shell in result.stdout


def test_zsh_script_starts_with_compdef():
    assert (ROOT / "completions" / "kctl.zsh").read_text().startswith("#compdef kctl\n")


def bash_complete(line: str, **env) -> list[str]:
    """Ask kctl for candidates the way the bash script does (COMP_WORDS/COMP_CWORD)."""
    words = line.split(" ")
    result = run_kctl(env={"_KCTL_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1),
                           **env})
    assert result.code == 0 and result.stderr == "", result
    return result.stdout.split()


def test_completes_groups_commands_and_options():
    assert "topics" in bash_complete("kctl to") and "config" in bash_complete("kctl co")
    assert set(bash_complete("kctl config ")) >= {"view", "set-context", "use-context", "get-contexts",
                                                  "delete-context", "current-context"}
    assert "--sasl-mechanism" in bash_complete("kctl config set-context prod --sasl")


def test_completes_option_values_including_globals_after_the_subcommand():
    assert bash_complete("kctl -o ") == ["table", "json", "yaml", "wide", "csv"]
    assert bash_complete("kctl topics list -o ") == ["table", "json", "yaml", "wide", "csv"]
    assert bash_complete("kctl topics list -v --log-format ") == ["logfmt", "json"]
    assert bash_complete("kctl config set-context x --sasl-mechanism SCRAM") == ["SCRAM-SHA-256", "SCRAM-SHA-512"]
    # a global option before the subcommand does not stop command completion
    assert "list" in bash_complete("kctl -i 1 topics ")
    assert "list" in bash_complete("kctl topics -o json ")


def test_zsh_and_fish_protocols():
    zsh = run_kctl(env={"_KCTL_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "kctl config "})
    assert zsh.code == 0 and zsh.stdout.startswith("_arguments '*: :((") and '"set-context":' in zsh.stdout
    fish = run_kctl(env={"_KCTL_COMPLETE": "complete_fish", "_TYPER_COMPLETE_FISH_ACTION": "get-args",
                         "_TYPER_COMPLETE_ARGS": "kctl config use"})
    assert fish.code == 0 and fish.stdout.startswith("use-context\t")
    is_args = run_kctl(env={"_KCTL_COMPLETE": "complete_fish", "_TYPER_COMPLETE_FISH_ACTION": "is-args",
                            "_TYPER_COMPLETE_ARGS": "kctl config use"})
    assert is_args.code == 0


def test_unknown_instruction_is_a_usage_error():
    result = run_kctl(env={"_KCTL_COMPLETE": "complete_powershell"})
    assert result.code == 2 and "unsupported completion request" in result.stderr


def test_bash_script_end_to_end(tmp_path):
    """Source the committed script in a real bash and press <TAB> by calling its function."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "kctl"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kctl "$@"\n')
    wrapper.chmod(0o755)
    script = (
        f"source {ROOT / 'completions' / 'kctl.bash'}\n"
        "COMP_WORDS=(kctl config use-c); COMP_CWORD=2\n"
        "_kctl_completion kctl\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=60)
    assert proc.stdout.split() == ["use-context"], proc


def test_topic_completion_is_silent_and_bounded_on_an_unreachable_cluster():
    cli = typer.main.get_command(app)
    ctx = cli.make_context("kctl", ["-b", "127.0.0.1:1", "topics"], resilient_parsing=True)
    start = time.monotonic()
    assert complete.complete_topics(ctx, None, "") == []
    # bounded: well below the 10 s default --timeout (not a speed assertion: a hang would be minutes)
    assert time.monotonic() - start < complete.TOPIC_TIMEOUT + 8


def test_topic_completion_reads_the_typed_global_options(tmp_path):
    cli = typer.main.get_command(app)
    ctx = cli.make_context("kctl", ["-i", "3", "--registry", str(tmp_path / "none.yaml"), "-X", "a=b", "topics"],
                           resilient_parsing=True)
    obj = complete._app_context_for_completion(ctx)
    assert (obj.instance, obj.registry, obj.overrides) == (3, str(tmp_path / "none.yaml"), {"a": "b"})
    assert complete.topic_names(ctx) == []  # the registry does not exist: silently nothing


def test_completion_args_hoist_globals():
    cli = typer.main.get_command(app)
    assert complete.completion_args(["topics", "list", "-i", "1"], cli) == ["-i", "1", "topics", "list"]
    assert complete.completion_args(["topics", "list", "-o"], cli) == ["-o"]
    # set-context's own -b is not the global one
    assert complete.completion_args(["config", "set-context", "x", "-b"], cli) == ["config", "set-context", "x", "-b"]


@pytest.mark.parametrize("shell", complete.SHELLS)
def test_completion_command_prints_the_script_of_the_installed_package(shell, tmp_path):
    """`kctl completion SHELL` = the committed script, generated by the package (no checkout needed)."""
    result = run_kctl("completion", shell)
    assert result.code == 0 and result.stderr == ""
    assert result.stdout == (ROOT / "completions" / f"kctl.{shell}").read_text()
    checker = shutil.which(shell)
    if checker is None:
        return  # the syntax check needs that shell; the script was still generated and compared
    path = tmp_path / f"kctl.{shell}"
    path.write_text(result.stdout)
    proc = subprocess.run([checker, "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc


def test_bash_script_parses():
    script = run_kctl("completion", "bash").stdout
    proc = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc


def test_completion_help_says_how_to_install():
    result = run_kctl("completion", "--help")
    assert result.code == 0
    for needle in ("source <(kctl completion bash)", "_kctl", "~/.config/fish/completions/kctl.fish"):
        assert needle in result.stdout


def test_completion_refuses_an_unknown_shell():
    result = run_kctl("completion", "tcsh")
    assert result.code == 2 and result.stderr.startswith("kctl: error:") and "tcsh" in result.stderr


def _kind(line: str):
    """What the parameter completed at the end of line completes ('topic', 'group', ...)."""
    from typer._click.shell_completion import _resolve_context, _resolve_incomplete

    cli = typer.main.get_command(app)
    args = complete.completion_args(line.split()[1:], cli)
    ctx = _resolve_context(cli, {}, "kctl", args)
    obj, _ = _resolve_incomplete(ctx, args, "")
    return complete.kind_of(ctx, obj)


@pytest.mark.parametrize("line, kind", [
    ("kctl consume", "topic"), ("kctl produce", "topic"), ("kctl copy", "topic"), ("kctl copy a", "topic"),
    ("kctl topics describe", "topic"), ("kctl topics delete", "topic"), ("kctl topics alter-config", "topic"),
    ("kctl topics dump", "topic"), ("kctl topics create", None), ("kctl groups reset-offsets g -t", "topic"),
    ("kctl txn find-hanging --topic", "topic"), ("kctl perf produce", "topic"),
    ("kctl groups describe", "group"), ("kctl groups delete", "group"), ("kctl groups reset-offsets", "group"),
    ("kctl consume t -g", "group"), ("kctl groups lag", "group"),
    ("kctl --context", "context"), ("kctl topics list --context", "context"), ("kctl config use-context", "context"),
    ("kctl config delete-context", "context"), ("kctl -i", "instance"), ("kctl local up -i", "instance"),
    ("kctl consume t --from", None), ("kctl -o", None),
    ("kctl configs describe topic", "topic"), ("kctl configs describe group", "group"), ("kctl configs alter topic", "topic"),
    ("kctl configs describe broker", None),
])
def test_which_parameters_complete_from_the_cluster_or_config(line, kind):
    assert _kind(line) == kind


def test_contexts_and_instances_complete(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("current-context: prod\ncontexts:\n  prod: {bootstrap: 'a:9092'}\n  staging: {bootstrap: 'b:9092'}\n")
    assert bash_complete("kctl --context ", KCTL_CONFIG=str(config)) == ["prod", "staging"]
    assert bash_complete("kctl config use-context st", KCTL_CONFIG=str(config)) == ["staging"]
    assert bash_complete("kctl --context ", KCTL_CONFIG=str(tmp_path / "missing.yaml")) == []
    instances = bash_complete("kctl -i ")
    assert instances[:3] == ["0", "1", "2"] and all(n.isdigit() for n in instances)


def test_group_completion_is_silent_and_bounded_on_an_unreachable_cluster():
    start = time.monotonic()
    assert bash_complete("kctl -b 127.0.0.1:1 groups describe ") == []
    assert bash_complete("kctl -b 127.0.0.1:1 consume ") == []
    assert time.monotonic() - start < 2 * (complete.TOPIC_TIMEOUT + 8)  # bounded; a hang would be minutes


def test_static_completion_stays_light():
    """Completing commands and options imports no Kafka library, rich or yaml (a <TAB> must be quick)."""
    code = (
        "import os, sys\n"
        "os.environ.update(_KCTL_COMPLETE='complete_bash', COMP_WORDS='kctl config use-c', COMP_CWORD='2')\n"
        "from kctl.__main__ import main\n"
        "assert main([]) == 0\n"
        "heavy = sorted(m for m in ('confluent_kafka', 'kafka', 'rich.table', 'yaml') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc
    assert proc.stdout.splitlines() == ["use-context", "HEAVY="], proc
