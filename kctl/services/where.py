"""`--where EXPR`: a CEL expression (Common Expression Language, the language of kafka-ui's filters)
evaluated on one record. The one expression engine of kctl: `kctl consume --where`, `kctl search` and
anything else that filters records compile it here.

    where = compile_where('value.status == "failed" && value.amount > 490.0')
    where(record)          # True / False; a record it cannot be evaluated on is False, and counted
    where.report()         # "N records could not be evaluated: first error ..." or None

The variables: key, value (JSON-decoded when they parse as JSON, else the text, or bytes when not
UTF-8; decoded by a Schema Registry decoder when one is given), headers (map string -> string),
topic, partition, offset, timestamp (a CEL timestamp; null when the record has none), size (the
value's size in bytes) and now (the time the expression was compiled, one instant for the whole run).
Only the variables the expression names are built for each record (a value is decoded only when
the expression reads it).

The engine is the Rust implementation of CEL (PyPI `common-expression-language`, measured at about
20x cel-python). Its package `__init__` also imports its REPL (prompt_toolkit, rich: ~0.5 s), so the
extension module is loaded directly (`_cel`).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import msgspec

from kctl import serde
from kctl.errors import KctlError, UsageError

VARIABLES = ("key", "value", "headers", "topic", "partition", "offset", "timestamp", "size", "now")

# The macros that bind a variable of their own: list.exists(x, x > 1), map.all(k, v, ...).
_BOUND = re.compile(r"\.\s*(?:all|exists|exists_one|existsOne|map|filter|transformList|transformMap|transformMapEntry)"
                    r"\s*\(\s*([A-Za-z_]\w*)\s*(?:,\s*([A-Za-z_]\w*)\s*)?,")
_POSITION = re.compile(r"<input>:(\d+):(\d+):\s*(?:Syntax error:\s*)?(.*)")
_UTC = timezone.utc
_json = msgspec.json.Decoder()
_engine = None


def _cel():
    """The compiled CEL module (cel.cel), without the package's REPL imports."""
    global _engine
    if _engine is None:
        spec = importlib.util.find_spec("cel")
        if spec is None or not spec.submodule_search_locations:
            raise UsageError("--where needs the CEL engine: pip install common-expression-language")
        if "cel.cel" in sys.modules:  # already imported the ordinary way
            _engine = sys.modules["cel.cel"]
            return _engine
        folder = spec.submodule_search_locations[0]
        suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
        names = [name for name in os.listdir(folder) if name.startswith("cel.") and name.endswith(suffixes)]
        if not names:
            import cel  # heavy: cel

            _engine = cel
            return _engine
        module_spec = importlib.util.spec_from_file_location("cel.cel", os.path.join(folder, names[0]))
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        sys.modules["cel.cel"] = module
        _engine = module
    return _engine


def decode_part(data: bytes | None):
    """A key or value as the expression sees it: JSON when it parses as JSON, else text, else bytes."""
    if data is None:
        return None
    try:
        return _json.decode(data)
    except msgspec.DecodeError:
        pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _syntax_error(source: str, message: str) -> UsageError:
    first = message.splitlines()[0] if message else "cannot parse"
    found = _POSITION.search(message)
    if found:
        line, column, text = found.groups()
        where = f"column {column}" if line == "1" else f"line {line}, column {column}"
        return UsageError(f"--where: syntax error at {where}: {text.strip()}", hint=_caret(source, int(line), int(column)))
    return UsageError(f"--where: cannot compile the expression: {first}")


def _caret(source: str, line: int, column: int) -> str:
    text = source.splitlines()[line - 1] if source.splitlines() else source
    before, after = text[:column - 1], text[column - 1:]
    return f"{before} <-- here --> {after}" if after.strip() else f"{before} <-- here"


def _unknown_variables(source: str, names) -> None:
    bound = {name for found in _BOUND.finditer(source) for name in found.groups() if name}
    for name in names:
        if name in VARIABLES or name in bound:
            continue
        found = re.search(rf"(?<![\w.\"']){re.escape(name)}(?!\w)", source)
        column = f" at column {found.start() + 1}" if found else ""
        raise UsageError(f"--where: unknown variable {name!r}{column}",
                         hint=f"the variables are {', '.join(VARIABLES)}")


def _type_name(value) -> str:
    return {bool: "bool", int: "int", float: "double", str: "string", bytes: "bytes", list: "list",
            dict: "map", type(None): "null"}.get(type(value), type(value).__name__)


@dataclass
class Where:
    """A compiled --where expression; call it on a ConsumerRecord. Counts what it could not evaluate."""

    source: str
    now_ms: int
    program: object = field(repr=False)
    needs: frozenset = frozenset()
    key_decoder: object = None
    value_decoder: object = None
    evaluated: int = 0
    failed: int = 0
    first_error: str | None = None

    def __call__(self, record) -> bool:
        try:
            result = self.program.execute(self.variables(record))
        except (KeyboardInterrupt, SystemExit, KctlError):  # a registry that cannot be asked ends the run
            raise
        except Exception as exc:  # noqa: BLE001 - the engine raises TypeError, KeyError, RuntimeError, ValueError
            self._failed(record, _engine_message(exc))
            return False
        if result is True or result is False:
            self.evaluated += 1
            return result
        self._failed(record, f"the expression gave a {_type_name(result)}, not a bool")
        return False

    def variables(self, record) -> dict:
        needs = self.needs
        out: dict = {}
        if "value" in needs:
            out["value"] = self._part(self.value_decoder, record.value, record.topic)
        if "key" in needs:
            out["key"] = self._part(self.key_decoder, record.key, record.topic)
        if "headers" in needs:
            out["headers"] = {name: "" if value is None else value.decode("utf-8", "replace")
                              for name, value in record.headers or ()}
        if "timestamp" in needs:
            ms = record.timestamp_ms
            out["timestamp"] = None if ms is None or ms < 0 else datetime.fromtimestamp(ms / 1000, _UTC)
        if "topic" in needs:
            out["topic"] = record.topic
        if "partition" in needs:
            out["partition"] = record.partition
        if "offset" in needs:
            out["offset"] = record.offset
        if "size" in needs:
            out["size"] = len(record.value) if record.value is not None else 0
        if "now" in needs:
            out["now"] = datetime.fromtimestamp(self.now_ms / 1000, _UTC)
        return out

    @staticmethod
    def _part(decoder, data, topic):
        if decoder is not None and data is not None:
            decoded = decoder.decode(data, topic)  # SerdeError: counted by __call__; KctlError ends the run
            if decoded is not None:
                return decoded[0]
        return decode_part(data)

    def _failed(self, record, message: str) -> None:
        self.failed += 1
        if self.first_error is None:
            self.first_error = f"{record.topic}/{record.partition}@{record.offset}: {message}"

    def add(self, evaluated: int, failed: int, first_error: str | None) -> None:
        """Fold in the counts of another evaluator of the same expression (a search worker's)."""
        self.evaluated += evaluated
        self.failed += failed
        if self.first_error is None:
            self.first_error = first_error

    def report(self) -> str | None:
        """The end-of-run line about records the expression could not be evaluated on (None: all were)."""
        if not self.failed:
            return None
        records = f"{self.failed:,} record{'' if self.failed == 1 else 's'}"
        return f"{records} could not be evaluated by --where (no match): first error {self.first_error}"

    def check(self) -> None:
        """After a run: an expression that could be evaluated on none of the records it was given is
        a mistake in the expression (`value.amount > "x"`), a usage error (exit 2)."""
        if self.failed and not self.evaluated:
            raise UsageError(f"--where could not be evaluated on any of the {self.failed:,} records read: "
                             f"first error {self.first_error}",
                             hint="CEL does not convert between types: compare numbers with numbers, "
                                  "strings with strings; use has(value.field) for optional fields")


def _engine_message(exc: Exception) -> str:
    text = str(exc).split(". ")[0] if isinstance(exc, TypeError) else str(exc)
    if isinstance(exc, KeyError):
        return f"no such key: {text}"
    if isinstance(exc, serde.SerdeError):
        return f"cannot decode: {text}"
    return text.splitlines()[0] if text else type(exc).__name__


def compile_where(source: str, now_ms: int | None = None, key_decoder=None, value_decoder=None) -> Where:
    """Compile once, before any record is read: a syntax error or an unknown variable is a UsageError
    (exit 2) naming the position."""
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"--where: {source!r} is not valid UTF-8") from None
    if not source.strip():
        raise UsageError("--where: the expression is empty")
    engine = _cel()
    try:
        program = engine.compile(source)
    except Exception as exc:  # noqa: BLE001 - the parser's ValueError, the engine's own errors
        raise _syntax_error(source, str(exc)) from None
    names = program.variables()
    _unknown_variables(source, names)
    return Where(source, int(time.time() * 1000) if now_ms is None else now_ms, program,
                 frozenset(n for n in names if n in VARIABLES), key_decoder, value_decoder)
