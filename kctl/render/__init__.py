"""One renderer: models -> table (rich on a terminal, plain columns in a pipe), CSV, JSON or YAML on stdout.

The JSON/YAML shape is the dataclass fields (plus the properties a model lists in JSON_EXTRA); tables
and CSV come from the model's view (kctl.render.view: kctl.render.views.<module>.<Model>).
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from enum import Enum

FORMATS = ("table", "json", "yaml", "wide", "csv")  # -o: the one list of output formats


class Output(str):
    """The -o format (a str: "table", "csv", ...) and the --section it picks (csv only)."""

    section: str | None = None

    def __new__(cls, fmt: str, section: str | None = None):
        self = super().__new__(cls, fmt)
        self.section = section
        return self

    def __reduce__(self):  # a search worker process receives it pickled
        return (Output, (str(self), self.section))


_PLAIN = frozenset({str, int, float, bool, type(None)})


def to_jsonable(data):
    kind = type(data)
    if kind in _PLAIN:  # most values: first, and without a lookup (a describe of 1,000 topics has ~50,000)
        return data
    names = _json_names(kind)
    if names is not None:
        return {name: to_jsonable(getattr(data, name)) for name in names}
    if isinstance(data, (list, tuple)):
        return [to_jsonable(item) for item in data]
    if isinstance(data, dict):
        return {str(k): to_jsonable(v) for k, v in data.items()}
    if isinstance(data, Enum):
        return data.value
    if isinstance(data, bytes):
        return data.decode("utf-8", "backslashreplace")
    return data


@functools.cache
def _json_names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's JSON keys: its fields, then the properties it lists in JSON_EXTRA; None for another type."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(f.name for f in dataclasses.fields(kind)) + tuple(getattr(kind, "JSON_EXTRA", ()))


def make_console(file=None, stderr: bool = False, min_width: int | None = None):
    """A rich console on the stream; min_width: at least that wide, whatever the terminal's width."""
    from rich.console import Console  # heavy: rich

    # Terminals only: piped tables are plain text (kctl.render.blocks.plain_text).
    stream = file or (sys.stderr if stderr else sys.stdout)
    console = Console(file=stream, highlight=False, soft_wrap=False)
    if min_width is not None and min_width > console.width:
        console = Console(file=stream, highlight=False, soft_wrap=False, width=min_width)
    return console


def render(data, fmt: str = "table", *, kind: type | None = None, file=None) -> None:
    """Write data to stdout (or file) as table/wide/csv/json/yaml.

    table: the default columns, fitted to a terminal's width (kctl.render.blocks.fit); wide: every
    column (`-o wide`). Piped tables are plain aligned columns, never fitted. csv: every section's
    table (or the one an Output's section names), kctl.render.view.write_csv.

    kind: the model type of a sequence's items, needed for the table of an empty list.
    """
    out = file or sys.stdout
    if fmt == "json":
        from kctl.render.json_text import dumps_indented  # not on --help's path

        out.write(dumps_indented(to_jsonable(data)) + "\n")
    elif fmt == "yaml":
        import yaml  # heavy: yaml

        out.write(yaml.safe_dump(to_jsonable(data), sort_keys=False, allow_unicode=True))
    elif fmt == "csv":
        from kctl.render.view import write_csv  # not on --help's path

        write_csv(data, out, kind, getattr(fmt, "section", None))
    else:
        from kctl.render.blocks import for_output  # not on --help's path
        from kctl.render.view import build_table  # not on --help's path

        wide = fmt == "wide"
        blocks = for_output(build_table(data, kind), wide)
        if _is_terminal(out):
            from kctl.render.blocks import to_rich  # not on --help's path

            if wide:  # every column at its full width: the terminal wraps long lines, nothing is cut
                make_console(file=file, min_width=max([0, *_natural_widths(blocks)])).print(to_rich(blocks))
            else:
                console = make_console(file=file)
                console.print(to_rich(blocks, console.width))
        else:
            from kctl.render.blocks import plain_text  # not on --help's path

            out.write(plain_text(blocks))
    out.flush()


def _natural_widths(blocks) -> list[int]:
    from kctl.render.blocks import Table, natural_widths, table_width  # not on --help's path

    return [table_width(natural_widths(b)) for b in blocks if isinstance(b, Table)]


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
