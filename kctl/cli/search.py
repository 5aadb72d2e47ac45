"""`kctl search TOPIC... --where EXPR`: find records by a CEL expression, every partition, in parallel."""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from kctl.cli.context import app_context
from kctl.cli.options import WHERE_HELP, Position, where_reported
from kctl.models.choices import SERDE_NAMES
from kctl.render import render


def search(
    ctx: typer.Context,
    topics: List[str] = typer.Argument(..., help="Topics to search (every partition).", show_default=False),
    where: str = typer.Option(..., "--where", metavar="EXPR", help=WHERE_HELP),
    from_: Optional[str] = typer.Option(None, "--from", click_type=Position("from"),
                                        help="Start of the window: beginning (default)|end|OFFSET|-N (last N)|TIME (-6h, @TIME, ISO 8601)."),
    until: Optional[str] = typer.Option(None, "--until", click_type=Position("until"), help="End of the window: end (default: each partition's end when "
                                        "the search starts)|now|TIME (-1h, @TIME, ISO 8601)|OFFSET (exclusive)."),
    first: Optional[int] = typer.Option(None, "--first", help="Stop as soon as N records matched."),
    count: bool = typer.Option(False, "--count", help="Print only the records read and matched per partition."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Worker processes (1..64; default: the CPU count)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", metavar="TEMPLATE", help="Record template, as consume's -f (e.g. '%p:%o %k=%v')."),
    key_deserializer: Optional[str] = typer.Option(None, "--key-deserializer", metavar="NAME", help=f"How to show keys: {', '.join(SERDE_NAMES)}."),
    value_deserializer: Optional[str] = typer.Option(None, "--value-deserializer", metavar="NAME", help=f"How to show values: {', '.join(SERDE_NAMES)}."),
    pretty: bool = typer.Option(False, "--pretty", help="Indent JSON values (and -o json records)."),
):
    """Find records by a CEL expression (--where), every partition, in parallel.

    Read-only (no group, nothing committed). Matches are written as consume writes them (values,
    -f, or -o json lines); --count prints per-partition counts instead. On a terminal a progress
    line goes to stderr.

    Example: kctl search orders --from -6h --where 'value.status == "failed" && value.amount > 490.0'
    """
    from kctl.services import search as service  # not on search --help's path
    from kctl.services.consume.options import parse_from, parse_until  # not on search --help's path
    from kctl.services.where import compile_where  # not on search --help's path

    obj = app_context(ctx)
    expression = compile_where(where)  # before any connection: syntax errors, unknown variables
    options = service.SearchOptions(
        topics=tuple(topics), where=expression, start=parse_from(from_, expression.now_ms),
        until=parse_until(until, expression.now_ms), first=first, count=count,
        workers=workers, output=obj.output, fmt=fmt, key_deserializer=key_deserializer,
        value_deserializer=value_deserializer, pretty=pretty)
    progress = _progress if obj.progress_on_stderr else None
    out = sys.stdout.buffer

    def write(data: bytes) -> None:
        out.write(data)
        out.flush()

    def done(result) -> None:
        if progress is not None:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
        if count:
            render(result.counts, obj.output)

    with where_reported(expression):
        service.search(obj.client_conf(), options, write, obj.timeout, progress, done)


def _progress(result) -> None:
    share = f" ({100 * result.scanned / result.total:.0f}%)" if result.total else ""
    sys.stderr.write(f"\r\033[Kkctl: {result.scanned:,}/{result.total:,} records read{share}, {result.matched:,} matched")
    sys.stderr.flush()
