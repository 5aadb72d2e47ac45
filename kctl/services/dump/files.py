"""The files of a dump: compressed JSON Lines streams and their SHA-256."""

from __future__ import annotations

import gzip
import hashlib
import io

import lz4.frame
import zstandard

from kctl.errors import UsageError

COMPRESSIONS = {"zstd": ".jsonl.zst", "lz4": ".jsonl.lz4", "gzip": ".jsonl.gz", "none": ".jsonl"}
MANIFEST = "manifest.json"
FORMAT = "kctl-dump/1"


def suffix(compression: str) -> str:
    try:
        return COMPRESSIONS[compression]
    except KeyError:
        raise UsageError(f"--compression must be one of {', '.join(COMPRESSIONS)}, got {compression!r}") from None


def open_writer(path, compression: str):
    """A binary stream that compresses into path; close() finishes the file."""
    suffix(compression)
    if compression == "zstd":
        return zstandard.ZstdCompressor(level=3, write_checksum=True).stream_writer(open(path, "wb"), closefd=True)
    if compression == "lz4":
        return lz4.frame.open(path, "wb")
    if compression == "gzip":
        return gzip.open(path, "wb", compresslevel=6)
    return open(path, "wb")


def open_lines(path, compression: str):
    """The decompressed file, line by line (bytes)."""
    if compression == "zstd":
        raw = zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True)
        return io.BufferedReader(raw, 1 << 16)
    if compression == "lz4":
        return lz4.frame.open(path, "rb")
    if compression == "gzip":
        return gzip.open(path, "rb")
    return open(path, "rb")


def count_records(path, compression: str) -> int:
    """The envelope lines of a dump file (a last line without a newline counts too)."""
    count, last = 0, b"\n"
    with open_lines(path, compression) as f:
        while chunk := f.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def sha256_of(path) -> tuple[str, int]:
    """(hex digest, size in bytes), read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
