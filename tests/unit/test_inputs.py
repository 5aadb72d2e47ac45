"""Input readers: bulk splitting, compressed streams, escapes."""

import gzip
import io

import lz4.frame
import pytest
import zstandard

from kctl import inputs
from kctl.inputs import InputError, Source, iter_record_batches, open_source, parse_escapes


def _records(data: bytes, delimiter=b"\n", chunk_size=inputs.CHUNK_SIZE):
    out = []
    for batch in iter_record_batches(io.BytesIO(data), delimiter, chunk_size):
        out.extend(batch)
    return out


def test_lines_with_and_without_trailing_newline():
    assert _records(b"a\nb\n") == [b"a", b"b"]
    assert _records(b"a\nb") == [b"a", b"b"]
    assert _records(b"") == []


def test_empty_lines_are_empty_messages():
    assert _records(b"a\n\nb\n") == [b"a", b"", b"b"]


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 64])
def test_records_spanning_chunks_are_reassembled(chunk_size):
    data = b"".join(b"line-%d\n" % i for i in range(50))
    assert _records(data, chunk_size=chunk_size) == [b"line-%d" % i for i in range(50)]


@pytest.mark.parametrize("chunk_size", [1, 3, 1000])
def test_multibyte_delimiter(chunk_size):
    assert _records(b"a||b||c", b"||", chunk_size) == [b"a", b"b", b"c"]


def test_empty_delimiter_is_refused():
    with pytest.raises(InputError):
        _records(b"a", b"")


def _write(path, compression, data):
    if compression == "gzip":
        path.write_bytes(gzip.compress(data))
    elif compression == "lz4":
        path.write_bytes(lz4.frame.compress(data))
    elif compression == "zstd":
        # two frames: streaming readers must read across frames
        half = len(data) // 2
        cctx = zstandard.ZstdCompressor(write_checksum=True)
        path.write_bytes(cctx.compress(data[:half]) + cctx.compress(data[half:]))
    else:
        path.write_bytes(data)


@pytest.mark.parametrize("suffix,compression", [(".txt", "none"), (".gz", "gzip"), (".lz4", "lz4"), (".zst", "zstd")])
def test_compressed_files_are_decompressed_by_extension(tmp_path, suffix, compression):
    data = b"".join(b"record %d \xc3\xa9\n" % i for i in range(20000))
    path = tmp_path / f"input{suffix}"
    _write(path, compression, data)
    assert inputs.guess_compression(str(path)) == compression
    with open_source(Source(str(path))) as (stream, position):
        records = [r for batch in iter_record_batches(stream, b"\n", 4096) for r in batch]
        assert position() == path.stat().st_size
    assert records == data.split(b"\n")[:-1]


def test_input_compression_overrides_the_extension(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(gzip.compress(b"x\ny\n"))
    with open_source(Source(str(path)), "gzip") as (stream, _):
        assert inputs.read_all(stream) == b"x\ny\n"


def test_corrupt_compressed_input_is_an_input_error(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(InputError, match="cannot decompress"):
        with open_source(Source(str(path))) as (stream, _):
            inputs.read_all(stream, "bad.gz")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        with open_source(Source(str(tmp_path / "nope.txt"))):
            pass


def test_sniff_magic_bytes():
    assert inputs.sniff_compression(gzip.compress(b"x")[:4]) == "gzip"
    assert inputs.sniff_compression(lz4.frame.compress(b"x")[:4]) == "lz4"
    assert inputs.sniff_compression(zstandard.ZstdCompressor(write_checksum=True).compress(b"x")[:4]) == "zstd"
    assert inputs.sniff_compression(b"plain") == "none"


def test_total_size(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"12345")
    b.write_bytes(b"123")
    assert inputs.total_size([Source(str(a)), Source(str(b))]) == 8
    assert inputs.total_size([Source(str(a)), Source("-")]) is None


@pytest.mark.parametrize("text,expected", [("\\n", b"\n"), ("\\t", b"\t"), ("\\0", b"\0"), ("\\x1e", b"\x1e"),
                                           ("::", b"::"), ("a\\\\b", b"a\\b"), ("\\q", b"\\q"), ("\\x1", b"\\x1")])
def test_parse_escapes(text, expected):
    assert parse_escapes(text) == expected


def test_stdin_compression_is_sniffed_without_losing_bytes(monkeypatch):
    data = zstandard.ZstdCompressor(write_checksum=True).compress(b"a\nb\n")
    fake = io.TextIOWrapper(io.BytesIO(data))
    monkeypatch.setattr("sys.stdin", fake)
    with open_source(Source("-")) as (stream, _):
        assert inputs.read_all(stream) == b"a\nb\n"
    fake = io.TextIOWrapper(io.BytesIO(b"plain\n"))
    monkeypatch.setattr("sys.stdin", fake)
    with open_source(Source("-")) as (stream, _):
        assert [r for batch in iter_record_batches(stream, partial=True) for r in batch] == [b"plain"]


class _Trickle(io.RawIOBase):
    """A pipe that hands out the given pieces one read at a time and records how many reads
    were made (a live stream: the next piece has not arrived yet)."""

    def __init__(self, pieces):
        self.pieces = list(pieces)
        self.reads = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.reads += 1
        if not self.pieces:
            return 0
        piece = self.pieces.pop(0)
        buffer[: len(piece)] = piece
        return len(piece)


def test_sniffing_a_live_stream_takes_what_has_arrived(monkeypatch):
    # 'ab\n' arrives first: three bytes that cannot start a magic number need no fourth
    pipe = _Trickle([b"ab\n", b"cdef\n"])
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(pipe)))
    with open_source(Source("-")) as (stream, _):
        first = next(iter_record_batches(stream, partial=True))
        assert first == [b"ab"] and pipe.pieces == [b"cdef\n"]  # the second piece was not waited for


def test_sniffing_waits_while_the_bytes_could_start_a_magic_number(monkeypatch):
    data = gzip.compress(b"x\ny\n")
    pipe = _Trickle([data[:1], data[1:2], data[2:]])
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(pipe)))
    with open_source(Source("-")) as (stream, _):
        assert inputs.read_all(stream) == b"x\ny\n"


def test_truncated_zstd_is_an_input_error_after_the_complete_frames(tmp_path):
    cctx = zstandard.ZstdCompressor(write_checksum=True)
    whole = cctx.compress(b"first\nframe\n") + cctx.compress(b"".join(b"line %d\n" % i for i in range(5000)))
    path = tmp_path / "cut.zst"
    path.write_bytes(whole[:-10])
    got = []
    with pytest.raises(InputError, match="cut.zst is truncated"):
        with open_source(Source(str(path))) as (stream, _):
            for batch in iter_record_batches(stream, name="cut.zst"):
                got.extend(batch)
    assert got[:2] == [b"first", b"frame"] and all(line.startswith(b"line ") for line in got[2:])
    assert got[-1] != b"line 4999"  # the cut-off end was not handed out as a record


@pytest.mark.parametrize("compression", ["gzip", "lz4"])
def test_truncated_gzip_and_lz4_say_truncated(tmp_path, compression):
    data = b"".join(b"line %d\n" % i for i in range(20000))
    packed = gzip.compress(data) if compression == "gzip" else lz4.frame.compress(data)
    path = tmp_path / ("cut.gz" if compression == "gzip" else "cut.lz4")
    path.write_bytes(packed[:-100])
    with pytest.raises(InputError, match="is truncated"):
        with open_source(Source(str(path))) as (stream, _):
            inputs.read_all(stream, path.name)


def _file_records(path) -> list[bytes]:
    with open_source(Source(str(path))) as (stream, _):
        return [r for batch in iter_record_batches(stream, b"\n", 4096, name=str(path)) for r in batch]


def test_a_zstd_frame_without_a_checksum_is_refused_and_what_came_before_is_kept(tmp_path):
    """Issue 22: a flipped byte in a frame without a content checksum decompresses to wrong bytes with no
    error, so such a frame is refused before it is decompressed; the checked frames before it are read."""
    first = b"".join(b"a-%d\n" % i for i in range(1000))
    path = tmp_path / "in.zst"
    path.write_bytes(zstandard.ZstdCompressor(write_checksum=True).compress(first)
                     + zstandard.ZstdCompressor().compress(b"b\n"))
    got: list[bytes] = []
    with pytest.raises(InputError, match=r"zstd frame 2 has no content checksum"):
        with open_source(Source(str(path))) as (stream, _):
            for batch in iter_record_batches(stream, b"\n", 4096, name=str(path)):
                got += batch
    assert got == first.split(b"\n")[:-1]
    path.write_bytes(zstandard.ZstdCompressor().compress(first))
    with pytest.raises(InputError, match=r"zstd frame 1 has no content checksum"):
        _file_records(path)


def test_zstd_frame_headers_split_between_reads_are_checked_whole():
    data = b"x\ny\n"
    frame = zstandard.ZstdCompressor(write_checksum=True).compress(data)

    class Trickle(io.RawIOBase):  # two bytes a read: every frame header arrives in pieces
        def __init__(self, raw: bytes):
            self.raw = raw

        def readable(self):
            return True

        def read1(self, size=-1):
            out, self.raw = self.raw[:2], self.raw[2:]
            return out

        read = read1

    stream = inputs._decompressor(Trickle(frame * 3), "zstd")
    assert inputs.read_all(stream) == data * 3
    stream = inputs._decompressor(Trickle(frame + frame[:3]), "zstd")  # cut inside the second header
    with pytest.raises(InputError, match="truncated"):
        inputs.read_all(stream, "in.zst")
