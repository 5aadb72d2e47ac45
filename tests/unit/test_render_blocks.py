"""Tables for pipes (plain columns) and terminals (rich), from the same blocks."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from rich.console import Console

from kctl.models import ItemResult, OperationResult
from kctl.render import render
from kctl.render.blocks import Styled, Table, plain_text, to_rich


def _table() -> Table:
    table = Table(columns=("TOPIC", "PARTITIONS", "STATUS"), title="topics")
    table.add_row("orders", "6", Styled("ok", "green"))
    table.add_row("a-much-longer-name", "12", Styled("failed", "red"))
    return table


def test_plain_table_is_aligned_columns_without_rules_or_trailing_blanks():
    lines = plain_text([_table()]).splitlines()
    assert lines == [
        "topics",
        "TOPIC                PARTITIONS   STATUS",
        "orders               6            ok",
        "a-much-longer-name   12           failed",
    ]


def test_plain_text_keeps_a_heading_on_its_table_and_separates_tables():
    second = Table(columns=("CONFIG", "VALUE"))
    second.add_row("retention.ms", "1000")
    text = plain_text(["orders: 6 partitions", _table(), second, Styled("warning: odd", "yellow")])
    assert text.splitlines() == [
        "orders: 6 partitions", "topics", "TOPIC                PARTITIONS   STATUS",
        "orders               6            ok", "a-much-longer-name   12           failed", "",
        "CONFIG         VALUE", "retention.ms   1000", "", "warning: odd",
    ]


def test_a_row_must_have_one_cell_per_column():
    with pytest.raises(ValueError):
        Table(columns=("A", "B")).add_row("only one")


def test_rich_shows_bracketed_names_literally_and_styles_cells():
    table = Table(columns=("GROUP", "STATUS"))
    table.add_row("[red]not-markup[/red]", Styled("ok", "green"))
    out = io.StringIO()
    Console(file=out, width=100, force_terminal=True, color_system="standard").print(to_rich([table]))
    text = out.getvalue()
    assert "[red]not-markup[/red]" in text
    assert "\x1b[32mok" in text  # green


def test_render_to_a_pipe_writes_plain_columns():
    result = OperationResult("create", (ItemResult("orders", True, "created"), ItemResult("bad!", False, error="invalid")))
    out = io.StringIO()
    render(result, "table", file=out)
    assert out.getvalue().splitlines() == [
        "NAME     STATUS   DETAIL",
        "orders   ok       created",
        "bad!     failed   invalid",
    ]


def test_piped_tables_do_not_import_rich():
    code = (
        "import io, sys\n"
        "from kctl.models import ItemResult, OperationResult\n"
        "from kctl.render import render\n"
        "render(OperationResult('create', (ItemResult('t', True, 'x'),)), 'table', file=io.StringIO())\n"
        "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
