"""How the messages screen shows keys, values and headers: JSON pretty-printed and highlighted (rich's JSON
highlighter, with the colours of rich's default theme), text as text, binary as hex."""

from __future__ import annotations

import json

from kctl import serde

PREVIEW = 80


def is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\n\r\t" for c in text)


def show(data: bytes | None, pretty: bool = False) -> str:
    """One field as text: null, JSON (indented when pretty), UTF-8 text, or hex for binary."""
    if data is None:
        return "null"
    if data[:1] in (b"{", b"["):
        try:
            parsed = json.loads(data)
        except ValueError:
            pass
        else:
            return json.dumps(parsed, indent=2 if pretty else None, ensure_ascii=False)
    if is_text(data):
        return data.decode("utf-8")
    return "hex:" + (data.hex(" ") if pretty else data.hex())


def is_json(data: bytes | None) -> bool:
    if not data or data[:1] not in (b"{", b"["):
        return False
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def highlighted(text: str):
    """JSON text as a rich Text coloured by token: keys, strings, numbers, booleans, null, braces."""
    from rich.default_styles import DEFAULT_STYLES  # heavy: rich
    from rich.highlighter import JSONHighlighter  # heavy: rich
    from rich.text import Span, Text  # heavy: rich

    out = Text(text)
    JSONHighlighter().highlight(out)
    # Named styles ("json.key") resolve in a console's theme; concrete ones look the same everywhere.
    out.spans = [Span(s.start, s.end, DEFAULT_STYLES.get(s.style, s.style) if isinstance(s.style, str) else s.style)
                 for s in out.spans]
    return out


def preview_cell(data: bytes | None):
    """The table cell of a key or value: the preview, coloured when it is JSON."""
    text = preview(data)
    return highlighted(text) if is_json(data) else text


def preview(data: bytes | None) -> str:
    text = show(data).replace("\n", "⏎")
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def headers_text(headers) -> str:
    return ", ".join(f"{k}={preview(v)}" for k, v in headers or ())


def timestamp(ms: int | None) -> str:
    return "" if ms is None or ms < 0 else serde.iso_timestamp(ms)


def envelope_json(record) -> str:
    """The record as the JSON envelope of `kctl consume -o json` (what `kctl produce --input envelope` reads)."""
    return json.dumps(serde.envelope(record.topic, record.partition, record.offset, record.timestamp_ms,
                                     record.key, record.value, list(record.headers)), ensure_ascii=False)


def detail(record):
    """The full record for the detail pane (value pretty-printed; JSON highlighted): a rich Text."""
    from rich.text import Text  # heavy: rich

    lines = [f"{record.topic} [{record.partition}] @ {record.offset}   {timestamp(record.timestamp_ms)}",
             f"key: {show(record.key)}"]
    for k, v in record.headers or ():
        lines.append(f"header {k}: {show(v)}")
    lines.append("value:")
    out = Text("\n".join(lines) + "\n")
    value = show(record.value, pretty=True)
    out.append_text(highlighted(value) if is_json(record.value) else Text(value))
    return out
