"""Input readers for `kctl produce`: files or stdin, decompressed on the fly, split in bulk.

Records are split from large binary chunks (bytes.split, in C) and handed out as lists, so
the produce loop does no per-record work here. Compression is guessed from the file name
(.gz, .lz4, .zst) or, for stdin, from the magic bytes; `--input-compression` overrides it.
"""

from __future__ import annotations

import os
import stat as st
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterator

from kctl.errors import UsageError

COMPRESSIONS = ("auto", "none", "gzip", "lz4", "zstd")
FORMATS = ("line", "envelope", "raw")  # produce --input: one message per line (or -D), JSON envelopes, whole inputs
CHUNK_SIZE = 1 << 20

_EXTENSIONS = {".gz": "gzip", ".gzip": "gzip", ".lz4": "lz4", ".zst": "zstd", ".zstd": "zstd"}
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"\x04\x22\x4d\x18", "lz4"), (b"\x28\xb5\x2f\xfd", "zstd"))


class InputError(ValueError):
    """An input that cannot be read (missing file, corrupt compressed stream)."""


def guess_compression(path: str) -> str:
    """The compression a file name implies ('none' when its extension says nothing)."""
    return _EXTENSIONS.get(os.path.splitext(path)[1].lower(), "none")


def sniff_compression(head: bytes) -> str:
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return "none"


@dataclass
class Source:
    path: str  # "-" is stdin

    @property
    def name(self) -> str:
        return "stdin" if self.path == "-" else self.path

    @property
    def size(self) -> int | None:
        """Bytes on disk (compressed size for compressed files); None for stdin and pipes."""
        if self.path == "-":
            return None
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return stat.st_size if st.S_ISREG(stat.st_mode) else None


def total_size(sources: list[Source]) -> int | None:
    sizes = [s.size for s in sources]
    return None if any(size is None for size in sizes) else sum(sizes)


def _decompressor(raw: BinaryIO, compression: str) -> BinaryIO:
    if compression == "gzip":
        import gzip  # not on produce --help's path

        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "lz4":
        import lz4.frame  # not on produce --help's path

        return lz4.frame.LZ4FrameFile(raw, mode="rb")
    if compression == "zstd":
        return _ZstdReader(raw)
    return raw


_ZSTD_FRAME = b"\x28\xb5\x2f\xfd"


class UncheckedFrame(ValueError):
    """A zstd frame without a content checksum: damage inside it decompresses to wrong bytes
    without any error (zstandard's own compressor writes none by default; the zstd tool does)."""


class _ZstdReader:
    """zstd frames, one after another, decompressed as they arrive. Unlike zstandard's
    stream_reader it notices an input that ends inside a frame (a truncated file), and it refuses
    a frame without a content checksum before decompressing it: a flipped byte in such a frame
    is sent as wrong data with no error at all."""

    def __init__(self, raw: BinaryIO):
        import zstandard  # not on produce --help's path

        self._raw = raw
        self._context = zstandard.ZstdDecompressor()
        self._frame = self._context.decompressobj()
        self._in_frame = False
        self._head = b""  # the first bytes of a frame whose header is still incomplete
        self._pending = b""  # read, not yet decompressed: the frames after those handed out
        self._frames = 0
        self._done = False

    def _started(self, data: bytes) -> bool:
        """Whether the frame starting at data can be decompressed: False while its header is not
        all there; UncheckedFrame when it has no content checksum (skippable frames have none)."""
        if len(data) < 5:
            return False
        self._frames += 1
        if data[:4] == _ZSTD_FRAME and not data[4] & 0x04:  # Frame_Header_Descriptor's Content_Checksum_flag
            raise UncheckedFrame(f"zstd frame {self._frames} has no content checksum, so damage in it could not be "
                                 "detected (compress with the zstd tool, which writes one, or decompress it yourself: "
                                 "zstd -dc FILE | kctl produce ...)")
        return True

    def read1(self, size: int = -1) -> bytes:
        if self._done and (self._in_frame or self._head):
            raise EOFError("it ends inside a zstd frame")
        while True:
            if self._pending:
                data, self._pending = self._pending, b""
            elif self._done:
                return b""
            else:
                data = _read1(self._raw, 1 << 17)
                if not data:
                    self._done = True
                    if self._in_frame or self._head:
                        raise EOFError("it ends inside a zstd frame")
                    return b""
            out = []
            while data:
                if not self._in_frame:
                    if any(out):  # hand out the finished frames before the next one is looked at
                        self._pending = data
                        break
                    data, self._head = self._head + data, b""
                    if not self._started(data):
                        self._head = data
                        break
                self._in_frame = True
                out.append(self._frame.decompress(data))
                if not self._frame.eof:
                    break
                data = self._frame.unused_data
                self._frame = self._context.decompressobj()
                self._in_frame = False
            if any(out):
                return b"".join(out)

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        have = 0
        while size < 0 or have < size:
            try:
                data = self.read1()
            except EOFError:
                if not parts:
                    raise
                self._done = self._in_frame = True  # the next read raises it again
                break
            if not data:
                break
            parts.append(data)
            have += len(data)
        return b"".join(parts)

    def readable(self) -> bool:
        return True


@contextmanager
def open_source(source: Source, compression: str = "auto") -> Iterator[tuple[BinaryIO, Callable[[], int]]]:
    """(decompressed binary stream, position()) where position() counts raw bytes read so far."""
    if compression not in COMPRESSIONS:
        raise InputError(f"unknown input compression {compression!r} (one of: {', '.join(COMPRESSIONS)})")
    if source.path == "-":
        raw = getattr(sys.stdin, "buffer", sys.stdin)
        owned = False
    else:
        try:
            raw = open(source.path, "rb")
        except OSError as exc:
            raise InputError(f"cannot read {source.path}: {exc.strerror}") from None
        owned = True
    try:
        if compression == "auto":
            if source.path != "-":
                compression = guess_compression(source.path)
            else:
                raw = _Peekable(raw)
                compression = sniff_compression(raw.peek_magic())
        stream = _decompressor(raw, compression)

        def position() -> int:
            try:
                return raw.tell()
            except (OSError, ValueError):
                return 0

        yield stream, position
    finally:
        if owned:
            raw.close()


class _Peekable:
    """Lets the first bytes of a non-seekable stream be looked at (for the magic bytes)."""

    def __init__(self, stream):
        self._stream = stream
        self._head = b""

    def peek_magic(self) -> bytes:
        """The first bytes, from what has arrived: it waits for more only while they could still
        be the start of a magic number, so a live line stream is never held up."""
        while not self._head or (len(self._head) < 4 and any(magic.startswith(self._head) and magic != self._head
                                                              for magic, _ in _MAGIC)):
            more = _read1(self._stream, 4096)
            if not more:
                break
            self._head += more
        return self._head

    def read(self, size: int = -1) -> bytes:
        return self._take(size, self._stream.read)

    def read1(self, size: int = -1) -> bytes:
        return self._take(size, lambda n: _read1(self._stream, n))

    def _take(self, size: int, read) -> bytes:
        if self._head:
            head, self._head = (self._head, b"") if size < 0 or size >= len(self._head) else \
                (self._head[:size], self._head[size:])
            return head
        return read(size)

    def tell(self) -> int:
        return self._stream.tell()

    def readable(self) -> bool:
        return True


def _read1(stream, size: int) -> bytes:
    read1 = getattr(stream, "read1", None)
    return read1(size) if read1 is not None else stream.read(size)


def _read(stream: BinaryIO, size: int, name: str, partial: bool = False) -> bytes:
    try:
        return _read1(stream, size) if partial else stream.read(size)
    except EOFError as exc:  # gzip, lz4 and _ZstdReader: the input ends inside a compressed frame
        raise InputError(f"{name} is truncated: {exc}") from None
    except (OSError, RuntimeError, ValueError) as exc:
        # gzip.BadGzipFile is an OSError; lz4 raises RuntimeError; zstandard ZstdError is ValueError-like.
        raise InputError(f"cannot decompress {name}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - zstandard.ZstdError derives from Exception
        raise InputError(f"cannot decompress {name}: {exc}") from None


def _read_chunk(stream: BinaryIO, size: int, name: str, partial: bool) -> tuple[bytes, InputError | None]:
    """(data, the error that ended it): up to `size` bytes (partial: whatever one read gives).
    A file is read in decompressed pieces, so that what came before a truncation or a corrupt
    frame is handed out (as it is from stdin) before the error; one read(size) would drop it."""
    if partial:
        try:
            return _read(stream, size, name, partial=True), None
        except InputError as exc:
            return b"", exc
    parts: list[bytes] = []
    have = 0
    while have < size:
        try:
            data = _read(stream, size - have, name, partial=True)
        except InputError as exc:
            return b"".join(parts), exc
        if not data:
            break
        parts.append(data)
        have += len(data)
    return (parts[0] if len(parts) == 1 else b"".join(parts)), None


def iter_record_batches(stream: BinaryIO, delimiter: bytes = b"\n", chunk_size: int = CHUNK_SIZE,
                        name: str = "input", partial: bool = False) -> Iterator[list[bytes]]:
    """Lists of records split on delimiter, in input order. The text after the last
    delimiter is a record if it is not empty (a file need not end with a newline);
    empty records between delimiters are kept (an empty line is an empty message).
    An input that cannot be read to its end (truncated, corrupt) raises InputError after
    every record complete before the damage was handed out; the text after the last
    delimiter is then a cut-off record and is not.

    partial=True (stdin, pipes) hands out whatever has arrived instead of waiting for a
    full chunk, so `tail -f log | kctl produce t` sends lines as they come."""
    if not delimiter:
        raise InputError("the delimiter must not be empty")
    rest = b""
    while True:
        chunk, error = _read_chunk(stream, chunk_size, name, partial)
        if chunk:
            data = rest + chunk if rest else chunk
            records = data.split(delimiter)
            rest = records.pop()
            if records:
                yield records
        if error is not None:
            raise error
        if not chunk:
            break
    if rest:
        yield [rest]


def read_all(stream: BinaryIO, name: str = "input") -> bytes:
    parts = []
    while True:
        chunk = _read(stream, CHUNK_SIZE, name)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)


def parse_escapes(text: str) -> bytes:
    r"""A separator as typed on a command line: \n, \t, \r, \0, \\ and \xHH are understood."""
    if "\\" not in text:
        return text.encode("utf-8")
    out = bytearray()
    i = 0
    simple = {"n": b"\n", "t": b"\t", "r": b"\r", "0": b"\0", "\\": b"\\"}
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in simple:
                out += simple[nxt]
                i += 2
                continue
            digits = text[i + 2 : i + 4]
            if nxt == "x" and len(digits) == 2 and all(c in "0123456789abcdefABCDEF" for c in digits):
                out.append(int(digits, 16))
                i += 4
                continue
        out += ch.encode("utf-8")
        i += 1
    return bytes(out)


TEMPLATE_HINT = "a produce template reads %k and %v: '%v', '%k\\t%v\\n', '%k:%v' (--input envelope carries partition, timestamp, headers)"


def compile_template(template: str) -> tuple[bytes | None, bytes | None]:
    r"""`kctl produce -f TEMPLATE`, kcat's -f read backwards: '%k\t%v\n' -> (key separator b'\t',
    delimiter b'\n'); '%v' -> (None, None). Only %k and %v (in that order), the text between them
    and the text after %v (the record delimiter; default a newline); %% is a literal %."""
    parts: list[str] = [""]  # literal, field, literal, field, literal...
    fields: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "%" and i + 1 < len(template) and template[i + 1] != "%":
            field = template[i + 1]
            if field not in "kvs":
                raise UsageError(f"-f/--format: %{field} cannot be read from input", hint=TEMPLATE_HINT)
            fields.append("v" if field == "s" else field)
            parts += [fields[-1], ""]
            i += 2
            continue
        parts[-1] += "%" if ch == "%" else ch
        i += 2 if ch == "%" else 1
    if not fields:
        raise UsageError(f"-f/--format: {template!r} is not a record template (no %v)",
                         hint="the input file is --file FILE; " + TEMPLATE_HINT)
    if fields not in (["v"], ["k", "v"]) or parts[0]:
        raise UsageError(f"-f/--format: cannot read records as {template!r}", hint=TEMPLATE_HINT)
    end = parse_escapes(parts[-1]) if parts[-1] else None
    if len(fields) == 1:
        return None, end
    separator = parse_escapes(parts[2])
    if not separator:
        raise UsageError(f"-f/--format: %k and %v need a separator between them in {template!r}", hint=TEMPLATE_HINT)
    return separator, end
