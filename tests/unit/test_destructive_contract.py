"""The one safety model of destructive commands (kctl.cli.confirm), without a broker: every command
of the list has --yes/-y and --dry-run, no other command has --yes, docs/safety.md lists the same
commands, and the gate itself: dry run, --yes, refusal from a script, the question on a terminal."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import typer
import typer.main

from kctl.cli.app import app
from kctl.cli.confirm import DESTRUCTIVE, approve, approved, where
from kctl.errors import UsageError
from kctl.models import ItemResult, OperationResult

SAFETY_PAGE = Path(__file__).resolve().parents[2] / "docs" / "safety.md"


def _leaves():
    root = typer.main.get_command(app)
    found = {}

    def walk(command, prefix):
        subs = getattr(command, "commands", None) or {}
        if not subs and prefix:
            found[" ".join(prefix)] = command
        for name, sub in subs.items():
            walk(sub, prefix + [name])

    walk(root, [])
    return found


LEAVES = _leaves()


def _options(command) -> set[str]:
    return {name for p in command.params for name in (*p.opts, *p.secondary_opts)}


@pytest.mark.parametrize("path", DESTRUCTIVE)
def test_every_destructive_command_has_yes_and_dry_run(path):
    assert path in LEAVES, f"{path} is not a command"
    options = _options(LEAVES[path])
    assert {"--yes", "-y", "--dry-run"} <= options, options


def test_no_other_command_has_its_own_yes():
    """A new destructive command joins the list (and so the model) rather than growing its own --yes."""
    assert sorted(p for p, c in LEAVES.items() if "--yes" in _options(c) and p not in DESTRUCTIVE) == []


def test_the_safety_page_lists_the_destructive_commands():
    text = SAFETY_PAGE.read_text()
    assert text.startswith("# Destructive commands"), "docs/safety.md is the page of the safety model"
    table = text[text.index("| command | what goes |"):]
    table = table[:table.index("\n\n")]
    listed = set(re.findall(r"^\| `kctl ([a-z-]+(?: [a-z-]+)?)`", table, re.M))
    assert listed == set(DESTRUCTIVE), (set(DESTRUCTIVE) - listed, listed - set(DESTRUCTIVE))


# ------------------------------------------------------------------------------------------- the gate


class _Obj:
    def __init__(self, source="--instance", instance=0, bootstrap="127.0.0.1:9092"):
        from kctl.config.registry import Target

        self.target = Target(bootstrap, instance, source)
        self.output = "table"


class _Stdin(io.StringIO):
    def __init__(self, text: str, tty: bool):
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


PLAN = OperationResult("delete", (ItemResult("orders", True, "would delete: 3 partitions, 10,002 records"),), dry_run=True)


@pytest.fixture
def stdin(monkeypatch):
    def use(text: str, tty: bool):
        monkeypatch.setattr("sys.stdin", _Stdin(text, tty))

    return use


def test_dry_run_changes_nothing_and_asks_nothing(stdin, capsys):
    stdin("", tty=True)
    assert approve(_Obj(), PLAN, "delete 1 topic", yes=False, dry_run=True) is False
    assert capsys.readouterr().err == ""


def test_yes_goes_ahead_without_a_question(stdin, capsys):
    stdin("", tty=False)
    assert approve(_Obj(), PLAN, "delete 1 topic", yes=True, dry_run=False) is True
    assert capsys.readouterr().err == ""


def test_a_script_without_yes_sees_the_plan_then_is_refused(stdin, capsys):
    stdin("y\n", tty=False)  # an answer on a pipe is not a confirmation
    with pytest.raises(UsageError) as refused:
        approve(_Obj(), PLAN, "delete 1 topic", yes=False, dry_run=False)
    assert refused.value.exit_code == 2
    assert refused.value.message == ("delete 1 topic on instance 0 (127.0.0.1:9092): refusing without --yes "
                                     "(not a terminal)")
    err = capsys.readouterr().err
    assert "orders" in err and "10,002 records" in err


def test_on_a_terminal_the_question_names_the_cluster(stdin, capsys):
    stdin("n\n", tty=True)
    with pytest.raises(typer.Abort):
        approve(_Obj(source="context prod", instance=None, bootstrap="kafka:9093"), PLAN, "delete 1 topic",
                yes=False, dry_run=False)
    err = capsys.readouterr().err
    assert "10,002 records" in err and err.rstrip().endswith("Delete 1 topic on context prod (kafka:9093)? [y/N]")
    stdin("yes\n", tty=True)
    assert approve(_Obj(), PLAN, "delete 1 topic", yes=False, dry_run=False) is True


def test_a_plan_that_changes_nothing_is_the_answer(stdin):
    stdin("", tty=False)
    assert approve(_Obj(), PLAN, "delete 0 topics", yes=False, dry_run=False, changes=False) is False


def test_the_plan_is_not_read_under_yes():
    def never():
        raise AssertionError("the plan was read")

    assert approved(_Obj(), never, str, yes=True, dry_run=False) == (True, None)


@pytest.mark.parametrize("target, label", [
    (("context prod", None, "kafka:9093"), "context prod (kafka:9093)"),
    (("context dev", 2, "127.0.0.1:9192"), "context dev (127.0.0.1:9192)"),
    (("--instance", 1, "127.0.0.1:9192"), "instance 1 (127.0.0.1:9192)"),
    (("--bootstrap", None, "b1:9092,b2:9092"), "bootstrap b1:9092,b2:9092"),
])
def test_where_names_context_instance_or_bootstrap(target, label):
    assert where(_Obj(*target)) == label


def test_local_reset_plan_refuses_from_a_script_and_dry_run_keeps_the_data(tmp_path):
    from tests.helpers import run_kctl

    data = tmp_path / "instances" / "7" / "broker-1"
    data.mkdir(parents=True)
    (data / "00000.log").write_bytes(b"x" * 1000)
    env = {"KCTL_STATE_DIR": str(tmp_path)}
    refused = run_kctl("local", "down", "-i", "7", "--reset", env=env)
    assert refused.code == 2, refused
    assert refused.stderr.strip().splitlines()[-1].startswith("kctl: error: wipe the data of 1 local instance on this "
                                                               "machine (instance 7): refusing without --yes")
    assert "would delete" in refused.stderr and data.exists()
    dry = run_kctl("-o", "json", "local", "down", "-i", "7", "--reset", "--dry-run", env=env)
    assert dry.code == 0 and dry.json["dry_run"] is True and dry.json["items"][0]["name"] == "instance 7", dry
    assert data.exists()
    assert run_kctl("local", "down", "-i", "7", "--dry-run", env=env).code == 2  # --dry-run is about --reset
    up = run_kctl("local", "up", "-i", "7", "--reset", env=env)  # refused before anything starts
    assert up.code == 2 and "refusing without --yes" in up.stderr, up
    assert run_kctl("local", "up", "-i", "7", "--reset", "--dry-run", env=env).code == 0
    assert data.exists() and not (tmp_path / "instances" / "7" / "instance.json").exists()  # never started
    wiped = run_kctl("local", "down", "-i", "7", "--reset", "--yes", env=env)
    assert wiped.code == 0, wiped
    assert not data.exists()


def test_records_of_sums_the_rows_that_would_change():
    from kctl.services.plans import records_of

    plan = OperationResult("delete-records", (
        ItemResult("t:0", True, "would delete 1,234 records (offsets 0 to 1234)"),
        ItemResult("t:1", True, "would delete 1 record (offsets 7 to 8)"),
        ItemResult("t:2", True, "nothing to delete (low watermark 5)"),
        ItemResult("t:3", False, error="topic 't' has no partition 3 (it has 3)"),
    ), dry_run=True)
    assert records_of(plan) == 1235
    assert records_of(PLAN) == 10_002
