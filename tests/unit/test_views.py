"""The views (kctl.render.views): every model's view renders as a table and as CSV, -o csv is a choice
of every command that prints tables, and --section picks one table."""

from __future__ import annotations

import csv
import dataclasses
import importlib
import io
import pkgutil
import types
import typing

import pytest
import typer

from kctl import models
from kctl.cli.app import app
from typer._click.core import Context  # the click typer runs on (kctl.cli.clicklib)
from kctl.errors import UsageError
from kctl.models import PartitionDetail, TopicDetail
from kctl.render import render
from kctl.render import views as views_package
from kctl.render.blocks import plain_text
from kctl.render.view import View, build_table, write_csv


def _declared_views() -> list[tuple[type, View]]:
    found = []
    for info in pkgutil.iter_modules(views_package.__path__):
        module = importlib.import_module(f"kctl.render.views.{info.name}")
        model_module = importlib.import_module(f"kctl.models.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, View) and not name.startswith("_"):
                found.append((getattr(model_module, name), value))
    return found


VIEWS = _declared_views()


# Fields whose values a model checks or looks up (a severity's rank, an ACL change's verb).
NAMED = {"severity": "warning", "verdict": "warning", "operation": "create", "values": {"producer_byte_rate": 1024.0}}


def _sample(hint, name: str = "x"):
    """A value of the annotated type: every field filled, one item in every collection."""
    if name in NAMED:
        return NAMED[name]
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _sample(next(arg for arg in typing.get_args(hint) if arg is not type(None)), name)
    if origin in (list, tuple, set, frozenset) or hint in (list, tuple):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis] or [str]
        return (list if origin is list or hint is list else tuple)(_sample(a, name) for a in args)
    if origin is dict or hint is dict:
        key, value = typing.get_args(hint) or (str, str)
        return {_sample(key, name): _sample(value, name)}
    if origin is typing.Literal:
        return typing.get_args(hint)[0]
    if dataclasses.is_dataclass(hint):
        return sample_of(hint)
    if hint is bool:
        return True
    if hint is int:
        return 7
    if hint is float:
        return 2.5
    if hint is bytes:
        return b"bytes"
    return f"{name}-value"


def sample_of(kind: type):
    hints = typing.get_type_hints(kind)
    return kind(**{f.name: _sample(hints[f.name], f.name) for f in dataclasses.fields(kind) if f.init})


def test_every_model_module_with_tables_has_its_views_found():
    names = {kind.__name__ for kind, _ in VIEWS}
    assert {"TopicDetail", "GroupDetail", "LagReport", "AclEntry", "ConnectorInfo", "CopySummary", "PerfResult",
            "ScriptResult", "ProducerParams", "LocalInstance"} <= names
    assert len(VIEWS) >= 55


@pytest.mark.parametrize("kind,view", VIEWS, ids=[kind.__name__ for kind, _ in VIEWS])
def test_every_view_renders_a_sample_as_table_and_csv(kind, view):
    sample = sample_of(kind)
    assert plain_text(build_table(sample)).strip()  # the table or its lines
    sections = view.sections()
    if not sections:
        with pytest.raises(UsageError, match="has no table"):
            write_csv(sample, io.StringIO())
        return
    for section, each in sections:
        out = io.StringIO()
        write_csv(sample, out, section=section.name)
        rows = list(csv.reader(io.StringIO(out.getvalue())))
        keys = each.keys if each is not None else ()
        source = sample
        item = source if each is None else next(iter(each.items(source) if each.items else [source]))
        columns = [c for c in section.columns if c.when is None or c.when(item)]
        assert rows[0] == [c.header for c in (*keys, *columns)]
        data_rows = list(section.rows_of(item))
        assert len(rows) == 1 + len(data_rows)
        if data_rows:  # a value: the first column of the first row, raw
            first = columns[0].raw(data_rows[0])
            assert rows[1][len(keys)] == ("" if first is None else str(getattr(first, "text", first)))


DETAIL = TopicDetail(
    name="orders", topic_id="id", internal=False,
    partitions=(PartitionDetail(0, 1, (1, 2, 3), (1, 2), 0, 10, 10, 700),
                PartitionDetail(1, None, (2,), (), 5, 7, 2, None)),
    configs={"retention.ms": "60000"}, config_sources={"retention.ms": "topic"}, size_bytes=700,
)


def _csv(data, section=None, kind=None) -> str:
    out = io.StringIO()
    write_csv(data, out, kind, section)
    return out.getvalue()


def test_topic_describe_csv_has_a_table_per_section_the_topic_first():
    text = _csv([DETAIL, dataclasses.replace(DETAIL, name="payments, eu")])
    assert text.startswith("# partitions\nTOPIC,PARTITION,LEADER,REPLICAS,ISR,LOW,HIGH,MESSAGES,SIZE\n")
    partitions, configs = text.split("\n\n")
    rows = list(csv.reader(io.StringIO(partitions)))[2:]
    assert rows[0] == ["orders", "0", "1", "1,2,3", "1,2", "0", "10", "10", "700"]
    assert rows[1] == ["orders", "1", "", "2", "", "5", "7", "2", ""]  # no leader, no size: empty cells
    assert rows[2][0] == "payments, eu"  # quoted by the csv module, read back whole
    assert list(csv.reader(io.StringIO(configs)))[1:] == [
        ["TOPIC", "CONFIG", "VALUE", "SOURCE"], ["orders", "retention.ms", "60000", "topic"],
        ["payments, eu", "retention.ms", "60000", "topic"]]


def test_section_picks_one_table_without_the_name_line():
    rows = list(csv.reader(io.StringIO(_csv(DETAIL, "configs"))))
    assert rows == [["TOPIC", "CONFIG", "VALUE", "SOURCE"], ["orders", "retention.ms", "60000", "topic"]]


def test_an_unknown_section_is_a_usage_error_naming_the_sections():
    with pytest.raises(UsageError) as caught:
        _csv(DETAIL, "replicas")
    assert caught.value.hint == "one of: partitions, configs"


def test_csv_cells_have_no_colour_and_are_not_shortened():
    from kctl.models import ItemResult, OperationResult

    long = "x" * 500
    result = OperationResult("create", (ItemResult(long, False, error="boom", exit_code=5),))
    buffer = io.StringIO()
    render(result, "csv", file=buffer)
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [["NAME", "STATUS", "DETAIL"], [long, "failed", "boom"]]


def test_an_empty_list_has_its_header():
    from kctl.models import TopicSummary

    assert _csv([], kind=TopicSummary) == "TOPIC,PARTITIONS,REPLICATION\n"


# ---------------------------------------------------------------------------------------- the command tree


def _commands(command, ctx: Context, path: tuple[str, ...] = ()):
    yield path, command
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from _commands(sub, Context(sub, parent=ctx, info_name=name), (*path, name))


def test_every_command_whose_output_option_offers_tables_offers_csv():
    root = typer.main.get_command(app)
    checked = []
    for path, command in _commands(root, Context(root, info_name="kctl")):
        for param in command.params:
            choices = set(getattr(param.type, "choices", None) or ())
            if not ({"-o", "--output"} & set(param.opts)):
                continue
            if "table" in choices:
                assert "csv" in choices, " ".join(path)
                checked.append(path)
    assert () in checked  # the global -o
    assert len(list(_commands(root, Context(root, info_name="kctl")))) > 100  # the lazy groups were walked


def test_section_without_csv_is_refused(capsys):
    from kctl.__main__ import main

    assert main(["-o", "table", "--section", "partitions", "version"]) == 2
    assert "--section picks a table of -o csv" in capsys.readouterr().err


def test_version_as_csv_through_the_cli(capsys):
    from kctl.__main__ import main

    assert main(["version", "-o", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["COMPONENT", "VERSION"] and rows[2][0] == "python"


def test_models_without_a_view_are_not_rendered_as_tables():
    with pytest.raises(TypeError, match="no view for dict"):
        build_table({"a": 1})
    assert models  # the models package names every model the views name


@pytest.mark.parametrize("argv", [["consume", "t"], ["search", "t", "--where", "true"]])
def test_record_commands_refuse_csv_before_connecting(argv, capsys):
    from kctl.__main__ import main

    assert main(["-b", "127.0.0.1:1", *argv, "-o", "csv"]) == 2
    assert capsys.readouterr().err.strip() == ("kctl: error: consume writes records as values, --format strings or "
                                               "-o json (JSON Lines); not csv")
