"""Writing consumed records to stdout so that exactly the records that reached the reader are
known (and only those get committed): a reader going away, Ctrl-C/SIGTERM in the middle of a
write, or a stdout that cannot be written (closed, full) each report how many bytes of the chunk
were accepted."""

from __future__ import annotations

import errno
import os
import select
import stat


class WriteStopped(Exception):
    """A write ended after `accepted` bytes of the current chunk."""

    def __init__(self, accepted: int):
        super().__init__(accepted)
        self.accepted = accepted


class OutputClosed(WriteStopped):
    """The reader of kctl's output went away (EPIPE: a normal end, exit 0)."""


class OutputFailed(WriteStopped):
    """stdout cannot be written (EBADF, ENOSPC, EIO...): exit 5."""

    def __init__(self, accepted: int, error: OSError):
        super().__init__(accepted)
        self.error = error

    @property
    def reason(self) -> str:
        return os.strerror(self.error.errno) if self.error.errno else str(self.error)


class WriteInterrupted(WriteStopped):
    """Ctrl-C or SIGTERM in the middle of a write."""


class ChunkWriter:
    """Writes whole chunks to the stream's file descriptor (os.write, no extra copy).

    Into a pipe it writes at most a page at a time and only when poll() says there is room,
    so a write never blocks on a slow reader: an interrupt (`stop()` turning true) is noticed
    within 100 ms, and the bytes accepted so far are known exactly.
    """

    PIPE_PIECE = 4096

    def __init__(self, stream, stop=lambda: False):
        self.stream = stream
        self.stop = stop
        self.fd = None
        self.is_fifo = False
        self.poller = None
        try:
            stream.flush()
            fd = stream.fileno()
            self.is_fifo = stat.S_ISFIFO(os.fstat(fd).st_mode)
            self.fd = fd
        except (AttributeError, OSError, ValueError):
            pass
        if self.is_fifo:
            self.poller = select.poll()
            self.poller.register(self.fd, select.POLLOUT)

    def write(self, data: bytes) -> None:
        done = 0
        try:
            if self.fd is None:
                self.stream.write(data)
                self.stream.flush()
                return
            view = memoryview(data)
            total = len(data)
            if not self.is_fifo:
                while done < total:
                    done += os.write(self.fd, view[done:])
                return
            piece = self.PIPE_PIECE
            while done < total:
                if self.stop():
                    raise WriteInterrupted(done)
                events = self.poller.poll(100)
                if not events:
                    continue
                if events[0][1] & (select.POLLERR | select.POLLHUP):
                    raise OutputClosed(done)
                done += os.write(self.fd, view[done:done + piece])
        except BrokenPipeError:
            raise OutputClosed(done) from None
        except (OSError, ValueError) as exc:  # ValueError: a closed Python stream
            if not isinstance(exc, OSError):
                exc = OSError(errno.EBADF, os.strerror(errno.EBADF))
            raise OutputFailed(done, exc) from None

    def reader_gone(self) -> bool:
        """While idle: has the reader of a pipe closed its end? (POLLERR on the write end)."""
        if not self.is_fifo:
            return False
        poller = select.poll()
        poller.register(self.fd, select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))
