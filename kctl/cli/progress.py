"""ProgressLine: one status line on stderr, redrawn at most 5 times a second (terminals only)."""

from __future__ import annotations

import sys
import time


class ProgressLine:
    def __init__(self, noun: str = "records"):
        self.noun = noun
        self._shown = 0.0
        self._width = 0
        self._started = time.monotonic()

    @classmethod
    def copy(cls) -> "ProgressLine":
        return cls("copied")

    def __call__(self, done: int, left: int | None = None, rate: float | None = None) -> None:
        now = time.monotonic()
        if now - self._shown < 0.2:
            return
        self._shown = now
        if rate is None:
            elapsed = now - self._started
            rate = done / elapsed if elapsed > 0 else 0.0
        line = f"{self.noun} {done:,}"
        if left is not None:
            eta = f", ETA {left / rate:,.0f}s" if rate > 0 else ""
            line += f" · {left:,} to go{eta}"
        line += f" · {rate:,.0f} records/s"
        sys.stderr.write("\r" + line.ljust(self._width))
        self._width = len(line)
        sys.stderr.flush()

    def close(self) -> None:
        if self._width:
            sys.stderr.write("\r" + " " * self._width + "\r")
            sys.stderr.flush()
