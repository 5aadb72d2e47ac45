"""What table builders return: plain data (headings, tables, styled cells), drawn either with
rich on a terminal or as plain aligned columns for pipes and files.

Plain output is what scripts read (`kctl topics list | awk '{print $1}'`): a header row, one
line per row, columns separated by three spaces, no rules, no trailing blanks, no markup. It
also spares a piped command the ~50 ms import of rich.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import NamedTuple, Union


class Styled(NamedTuple):
    """Text with a rich style ("green", "red", "bold", ...) that only a terminal shows."""

    text: str
    style: str


Cell = Union[str, Styled]


@dataclass
class Table:
    """columns, rows of cells. How the table gives way on a narrow terminal (fit): wide: columns
    shown only with `-o wide`; give_way: the least useful columns first, each step "COLUMN"
    (shorten its cells, middle elided) or "-COLUMN" (leave it out), taken in order until the
    table fits."""

    columns: tuple[str, ...]
    title: Cell | None = None
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    wide: tuple[str, ...] = ()
    give_way: tuple[str, ...] = ()

    def add_row(self, *cells: Cell) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(cells)


def new_table(*columns: str, title: Cell | None = None, wide: tuple[str, ...] = (), give_way: tuple[str, ...] = ()) -> Table:
    return Table(columns=columns, title=title, wide=wide, give_way=give_way)


# A block is a Table, or a line of text (str or Styled) such as a heading or a warning.
Block = Union[Table, str, Styled]

COLUMN_GAP = "   "


def text_of(cell: Cell) -> str:
    return cell.text if isinstance(cell, Styled) else cell


def _select(table: Table, keep: list[int], widths: dict[int, int] | None = None) -> Table:
    def cell(value: Cell, i: int) -> Cell:
        if widths is None or i not in widths:
            return value
        short = shorten(text_of(value), widths[i])
        return Styled(short, value.style) if isinstance(value, Styled) else short

    columns = tuple(table.columns[i] for i in keep)
    return Table(columns=columns, title=table.title, rows=[tuple(cell(row[i], i) for i in keep) for row in table.rows],
                 give_way=tuple(step for step in table.give_way if step.lstrip("-") in columns))


def for_output(blocks: list[Block], wide: bool = False) -> list[Block]:
    """The blocks of `-o table` (the wide-only columns left out) or `-o wide` (all columns)."""
    if wide:
        return blocks
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Table) and block.wide:
            block = _select(block, [i for i, c in enumerate(block.columns) if c not in block.wide])
        out.append(block)
    return out


ELLIPSIS = "…"
MIN_SHORT = 8  # a shortened cell keeps at least this many characters (and its heading's width)


def shorten(text: str, width: int) -> str:
    """text in at most width characters, the middle elided (ids differ at both ends)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    head = (width - 1 + 1) // 2
    tail = width - 1 - head
    return text[:head] + ELLIPSIS + (text[-tail:] if tail else "")


def table_width(widths: list[int]) -> int:
    """The width of a table drawn by to_rich: columns, a gap of 3 between them, an edge of 1 each side."""
    return sum(widths) + len(COLUMN_GAP) * (len(widths) - 1) + 2 if widths else 0


def natural_widths(table: Table) -> list[int]:
    rows = [table.columns, *table.rows]
    return [max(len(text_of(row[i])) for row in rows) for i in range(len(table.columns))]


def fit(table: Table, width: int) -> Table:
    """The table made to fit width by its give_way steps (shorten or leave out its least useful
    columns, in order) until it fits; the other columns and the title stay whole."""
    natural = natural_widths(table)
    keep = list(range(len(table.columns)))
    widths = dict(enumerate(natural))

    def total() -> int:
        return table_width([widths[i] for i in keep])

    if total() <= width:
        return table
    for step in table.give_way:
        if total() <= width:
            break
        i = table.columns.index(step.lstrip("-"))
        if i not in keep:
            continue
        if step.startswith("-"):
            keep.remove(i)
        else:
            floor = max(len(table.columns[i]), MIN_SHORT)
            widths[i] = max(floor, min(widths[i], widths[i] - (total() - width)))
    # A column left out later may have freed more room than the ones shortened before it needed.
    for i in sorted((i for i in keep if widths[i] < natural[i]), key=lambda i: -i):
        widths[i] = min(natural[i], widths[i] + max(0, width - total()))
    return _select(table, keep, {i: w for i, w in widths.items() if w < natural[i]})


def plain_table(table: Table) -> list[str]:
    lines = [text_of(table.title)] if table.title else []
    # Each cell's text once (a describe of 1,000 topics renders ~50,000 cells).
    rows = [[text_of(cell) for cell in row] for row in (table.columns, *table.rows)]
    widths = [max(map(len, column)) for column in zip(*rows)]
    for row in rows:
        lines.append(COLUMN_GAP.join([cell.ljust(width) for cell, width in zip(row, widths)]).rstrip())
    return lines


def plain_text(blocks: list[Block]) -> str:
    """Blocks as plain text: tables as aligned columns."""
    lines: list[str] = []
    previous = None
    for block in blocks:
        # A blank line after each table; a heading line stays on top of the table it heads.
        if isinstance(previous, Table):
            lines.append("")
        if isinstance(block, Table):
            lines.extend(plain_table(block))
        else:
            lines.append(text_of(block))
        previous = block
    return "\n".join(lines) + "\n" if lines else ""


def to_rich(blocks: list[Block], width: int | None = None):
    """Blocks as one rich renderable (imports rich: terminal output only). width: the terminal's,
    to fit the tables to (fit); lines of text wrap at the terminal's width (never cut off)."""
    from rich import box  # heavy: rich
    from rich.console import Group  # heavy: rich
    from rich.table import Table as RichTable  # heavy: rich
    from rich.text import Text  # heavy: rich

    def text(cell: Cell, **options) -> Text:
        # Text objects, never markup strings: a '[' in a topic or group name stays literal.
        return Text(cell.text, style=cell.style, **options) if isinstance(cell, Styled) else Text(cell, **options)

    parts = []
    for block in blocks:
        if isinstance(block, Table) and width is not None:
            block = fit(block, width)
        if isinstance(block, Table):
            title = text(block.title) if block.title else None
            table = RichTable(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
            for column in block.columns:
                table.add_column(column)
            for row in block.rows:
                table.add_row(*(text(cell) for cell in row))
            parts.append(table)
        else:
            # A line of its own (a table title would wrap at the table's width); it wraps at the
            # terminal's width rather than being cut off.
            parts.append(text(block, overflow="fold"))
    return Group(*parts)


def time_ms(ms: int | None) -> str:
    """Epoch ms -> '2024-05-01T12:00:00.250Z' (UTC), '-' for none."""
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration_ms(ms: int | None) -> str:
    """1234 -> '1.2s', 125000 -> '2m05s', 7500000 -> '2h05m'; '-' for none."""
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{ms}ms"
    seconds = ms // 1000
    if seconds < 60:
        return f"{ms / 1000:.1f}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
