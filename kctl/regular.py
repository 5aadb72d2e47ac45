"""Reading a file that must be a regular file (configuration, parameters, manifests): a FIFO,
device or directory is refused before it is read. Without msgspec (kctl.decode re-exports it), so
that the port registry's plain path reads its file without the decoder's import cost."""

from __future__ import annotations

import os
import stat

from kctl.errors import KctlError, UsageError


def read_regular_file(path: str, source: str | None = None, error: type[KctlError] = UsageError,
                      limit: int = 64 * 1024 * 1024) -> bytes:
    """The bytes of a regular file, at most `limit` bytes. A FIFO, device or directory is refused
    before it is read: opening a FIFO blocks until a writer comes, and a device may never end
    (O_NONBLOCK keeps the open itself from blocking while the type is checked)."""
    source = source or path
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise error(f"{source}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise error(f"{source}: not a regular file")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise error(f"{source}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{source}: larger than {limit} bytes")
    return data
