"""CLI contract: every command has help; usage errors exit 2 with one line; start-up stays light."""

import subprocess
import sys

import pytest
import typer.main

from kctl.cli.app import app
from tests.helpers import run_kctl


def _command_paths():
    root = typer.main.get_command(app)
    paths = []

    def walk(command, prefix):
        paths.append(prefix)
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, prefix + [name])

    walk(root, [])
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "kctl")
def test_every_command_has_help(path):
    result = run_kctl(*path, "--help")
    assert result.code == 0, result
    assert "Usage: kctl" in result.stdout
    assert result.stderr == ""


def test_every_leaf_command_documents_an_example():
    root = typer.main.get_command(app)
    missing = []

    def walk(command, prefix):
        subs = getattr(command, "commands", None) or {}
        if not subs and prefix:
            if "Example:" not in (command.help or ""):
                missing.append(" ".join(prefix))
        for name, sub in subs.items():
            walk(sub, prefix + [name])

    walk(root, [])
    assert missing == []


@pytest.mark.parametrize(
    "args",
    [["no-such-command"], ["topics", "no-such"], ["topics", "list", "--no-such-option"], ["-o", "xml", "topics", "list"]],
)
def test_usage_errors_exit_2_with_one_line(args):
    result = run_kctl(*args)
    assert result.code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kctl: error: "), result.stderr
    assert "Traceback" not in result.stderr


def test_no_arguments_shows_help_and_exits_2():
    result = run_kctl()
    assert result.code == 2
    assert "Usage: kctl" in result.stderr


def test_bad_x_property_is_a_usage_error():
    result = run_kctl("topics", "list", "-X", "no-equals-sign")
    assert result.code == 2
    assert result.stderr.strip() == "kctl: error: -X expects key=value, got 'no-equals-sign'"


def test_importing_the_cli_does_not_import_heavy_modules():
    code = (
        "import sys, kctl.cli.app, kctl.__main__; "
        "heavy = [m for m in ('confluent_kafka', 'rich.table', 'yaml') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_help_does_not_import_confluent_kafka():
    code = (
        "import sys; from kctl.__main__ import main; rc = main(['--help']); "
        "print('LOADED' if 'confluent_kafka' in sys.modules else 'clean', file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stderr.strip().endswith("clean")


def test_python_dash_m_kctl_works():
    proc = subprocess.run([sys.executable, "-m", "kctl", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.startswith("kctl ")


def test_every_model_is_a_frozen_dataclass():
    """models.py is the JSON/YAML contract: every class in it is a frozen dataclass."""
    import dataclasses
    import importlib
    import inspect

    from kctl import models

    classes = []
    for module_name in sorted(set(models._HOME.values())):
        module = importlib.import_module(f"kctl.models.{module_name}")
        classes += [c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__]
    assert sorted(c.__name__ for c in classes) == models.__all__  # every model is reachable as kctl.models.X
    assert [c.__name__ for c in classes if not (dataclasses.is_dataclass(c) and c.__dataclass_params__.frozen)] == []


def test_the_docs_document_every_command_and_option():
    """Every command and option is named somewhere in README.md or docs/*.md."""
    import re

    from kctl.cli import clicklib as click
    from tests.helpers import all_docs_text

    readme = all_docs_text()
    undocumented = []

    def walk(command, prefix):
        subs = getattr(command, "commands", None) or {}
        if not subs and prefix:
            if f"kctl {' '.join(prefix)}" not in readme:
                undocumented.append(" ".join(prefix))
            for param in command.params:
                if isinstance(param, click.Option) and param.name != "help":
                    names = (*param.opts, *param.secondary_opts)
                    if not any(re.search(re.escape(n) + r"(?![\w-])", readme) for n in names):
                        undocumented.append(f"{' '.join(prefix)} {'/'.join(names)}")
        for name, sub in subs.items():
            walk(sub, prefix + [name])

    walk(typer.main.get_command(app), [])
    assert undocumented == []


def test_an_unwritable_junit_path_is_refused_before_the_run(tmp_path):
    # Port 1 never answers: reaching the broker would mean exit 6; the path is checked first.
    result = run_kctl("e2e", "run", "-b", "127.0.0.1:1", "--timeout", "1", "--junit", str(tmp_path / "no" / "e2e.xml"))
    assert result.code == 2, result
    assert result.stderr.startswith("kctl: error: cannot write --junit") and result.stderr.count("\n") == 1
    result = run_kctl("e2e", "run", "-b", "127.0.0.1:1", "--timeout", "1", "--junit", str(tmp_path))
    assert result.code == 2 and "it is a folder" in result.stderr, result


def test_version_names_the_distribution_and_the_kafka_client():
    """`kctl version -o json` is the shape for bug reports and scripts; --version its lines."""
    import confluent_kafka

    from tests.helpers import run_kctl

    result = run_kctl("version", "-o", "json")
    assert result.code == 0, result.stderr
    assert result.json["distribution"] == "kctl-kafka"
    assert (result.json["client"], result.json["client_version"]) == ("confluent-kafka", confluent_kafka.version())
    assert result.json["librdkafka"] == confluent_kafka.libversion()[0]
    assert result.json["local_kafka_default"][0].isdigit()
    proc = subprocess.run([sys.executable, "-m", "kctl", "--version"], capture_output=True, text=True)
    assert proc.stdout.splitlines()[1] == f"confluent-kafka {confluent_kafka.version()}, librdkafka {confluent_kafka.libversion()[0]}"
