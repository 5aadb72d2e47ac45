"""How the messages screen shows keys, values and headers: JSON pretty-printed, text as text, binary as hex."""

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


def detail(record) -> str:
    """The full record for the detail pane (value pretty-printed)."""
    lines = [f"{record.topic} [{record.partition}] @ {record.offset}   {timestamp(record.timestamp_ms)}",
             f"key: {show(record.key)}"]
    for k, v in record.headers or ():
        lines.append(f"header {k}: {show(v)}")
    lines.append("value:")
    lines.append(show(record.value, pretty=True))
    return "\n".join(lines)
