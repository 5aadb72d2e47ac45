"""Views: what a model's table shows, declared once per model, and the one renderer of them.

The view of `kctl.models.<module>.<Model>` is the attribute `<Model>` of `kctl.render.views.<module>`
(no registry, no import for its side effect). A view is a sequence of parts:

- Section: one table (its name is what `--section` picks), a tuple of Columns;
- Lines: text around the tables (a heading, a note, a warning; csv leaves it out);
- Each: parts repeated per item (a describe of several topics); csv writes one table per section,
  the rows of every item together, the item's key columns first.

The renderer turns a view into blocks (kctl.render.blocks: the rich table, the piped columns, `-o wide`)
or into CSV (`-o csv`: every column, values without colour or shortening, no value as an empty cell).
Nothing here imports rich.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Callable, Iterable, Optional, Union

from kctl.errors import UsageError
from kctl.render.blocks import Block, Cell, Styled, Table, text_of

Value = Union[str, Callable[[Any], Any]]


def item(index: int) -> Callable[[Any], Any]:
    """The value of a column over rows that are tuples: the index-th value."""
    return itemgetter(index)


def text(value) -> Cell:
    """A cell's text: '-' for no value, str() for a number."""
    if value is None:
        return "-"
    return value if isinstance(value, (str, Styled)) else str(value)


def as_list(source) -> list:
    return list(source) if isinstance(source, (list, tuple)) else [source]


@dataclass(frozen=True)
class Column:
    """header; value: the row's attribute of that name, or a function of the row (a str, a Styled
    cell, a number, None for '-'); wide: shown only with -o wide (csv has every column);
    shorten, drop: on a narrow terminal the columns give way in the order of these numbers (1
    first; 0 never): shorten elides the middle of the cells, drop leaves the column out; style:
    a rich style, or a function of the row giving one (None: plain); when: a function of the
    section's source, the column shown only when true (in csv: when true of any item)."""

    header: str
    value: Value
    wide: bool = False
    shorten: int = 0
    drop: int = 0
    style: Union[str, Callable[[Any], Optional[str]], None] = None
    when: Optional[Callable[[Any], bool]] = None

    def raw(self, row):
        return getattr(row, self.value) if isinstance(self.value, str) else self.value(row)

    def cell(self, row) -> Cell:
        value = text(self.raw(row))
        style = self.style(row) if callable(self.style) else self.style
        return Styled(text_of(value), style) if style else value

    def csv(self, row) -> str:
        value = self.raw(row)
        return "" if value is None else text_of(text(value))


@dataclass(frozen=True)
class Section:
    """A table: rows, a function of the source (None: the source if a list, else [source]); title,
    a function of the source; when, the table drawn only when true of the source."""

    name: str
    columns: tuple[Column, ...]
    rows: Optional[Callable[[Any], Iterable]] = None
    title: Optional[Callable[[Any], Optional[Cell]]] = None
    when: Optional[Callable[[Any], bool]] = None

    def rows_of(self, source) -> Iterable:
        return self.rows(source) if self.rows is not None else as_list(source)


@dataclass(frozen=True)
class Lines:
    """Text lines: a function of the source giving a line (str or Styled), several, or None."""

    lines: Callable[[Any], Union[Cell, Iterable[Cell], None]]


@dataclass(frozen=True)
class Each:
    """parts for every item of the source (items: a function of it; None: the source as a list);
    keys: in csv, the columns naming the item, first in every row of its sections."""

    parts: tuple
    items: Optional[Callable[[Any], Iterable]] = None
    keys: tuple[Column, ...] = ()


@dataclass(frozen=True)
class View:
    """A model's output: Sections, Lines and Each, in the order they are drawn."""

    parts: tuple = field(default_factory=tuple)

    def sections(self) -> list[tuple[Section, Optional[Each]]]:
        """Every section with the Each it is repeated in (None: drawn once)."""
        found: list[tuple[Section, Optional[Each]]] = []
        for part in self.parts:
            if isinstance(part, Section):
                found.append((part, None))
            elif isinstance(part, Each):
                found.extend((p, part) for p in part.parts if isinstance(p, Section))
        return found


def view_of(kind: type) -> View:
    """The view of a model: the attribute of its name in the views module of its models module."""
    module = kind.__module__.rsplit(".", 1)[-1]
    try:
        views = importlib.import_module(f"kctl.render.views.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"kctl.render.views.{module}":
            raise
        views = None
    view = getattr(views, kind.__name__, None)
    if not isinstance(view, View):
        raise TypeError(f"no view for {kind.__name__} (kctl.render.views.{module}.{kind.__name__})")
    return view


def item_type(data, kind: type | None) -> type:
    if kind is not None:
        return kind
    return type(data[0]) if isinstance(data, (list, tuple)) and data else type(data)


# ---------------------------------------------------------------------------------------- tables


def build_table(data, kind: type | None = None) -> list[Block]:
    """The blocks of a model (or a list of them; kind: the items' type, for an empty list)."""
    source = list(data) if isinstance(data, (list, tuple)) else data
    out: list[Block] = []
    for part in view_of(item_type(data, kind)).parts:
        _blocks(part, source, out)
    return out


def _blocks(part, source, out: list[Block]) -> None:
    if isinstance(part, Lines):
        lines = part.lines(source)
        if isinstance(lines, (str, Styled)):
            out.append(lines)
        elif lines is not None:
            out.extend(lines)
    elif isinstance(part, Each):
        for one in part.items(source) if part.items is not None else as_list(source):
            for inner in part.parts:
                _blocks(inner, one, out)
    elif part.when is None or part.when(source):
        out.append(section_table(part, source))


def section_table(section: Section, source) -> Table:
    columns = [c for c in section.columns if c.when is None or c.when(source)]
    steps = sorted([(c.shorten, c.header) for c in columns if c.shorten]
                   + [(c.drop, "-" + c.header) for c in columns if c.drop], key=itemgetter(0))
    table = Table(columns=tuple(c.header for c in columns), title=section.title(source) if section.title else None,
                  wide=tuple(c.header for c in columns if c.wide), give_way=tuple(step for _, step in steps))
    cells = [c.cell for c in columns]
    table.rows = [tuple(cell(row) for cell in cells) for row in section.rows_of(source)]
    return table


# ---------------------------------------------------------------------------------------- csv


def write_csv(data, out, kind: type | None = None, section: str | None = None) -> None:
    """Every section as CSV: one section alone, several each after a `# NAME` line and a blank line
    between them; section: that one only."""
    import csv  # not on topics list's path

    kind = item_type(data, kind)
    sections = view_of(kind).sections()
    names = [s.name for s, _ in sections]
    if not sections:
        raise UsageError(f"-o csv: {kind.__name__} has no table", hint="-o json or -o yaml")
    if section is not None:
        if section not in names:
            raise UsageError(f"--section {section}: not a table of this command", hint=f"one of: {', '.join(names)}")
        sections = [s for s in sections if s[0].name == section]
    source = list(data) if isinstance(data, (list, tuple)) else data
    writer = csv.writer(out, lineterminator="\n")
    for number, (one, each) in enumerate(sections):
        if len(sections) > 1:
            out.write(("\n" if number else "") + f"# {one.name}\n")
        keys = each.keys if each is not None else ()
        items = list(each.items(source) if each.items is not None else as_list(source)) if each is not None else [source]
        # A column drawn only for some data (when) is in the csv when any item has it.
        columns = [c for c in one.columns if c.when is None or any(c.when(it) for it in items)]
        writer.writerow([c.header for c in (*keys, *columns)])
        for it in items:
            head = [c.csv(it) for c in keys]
            for row in one.rows_of(it):
                writer.writerow(head + [c.csv(row) for c in columns])


def section_names(kind: type) -> list[str]:
    return [s.name for s, _ in view_of(kind).sections()]
