"""Ctrl-C and SIGTERM during a consume: noted, acted on between batches and between pieces of
a pipe write, so the records written are known exactly when kctl stops (and get committed)."""

from __future__ import annotations

import signal
import threading

from kctl.errors import Terminated


class DeferredInterrupts:
    """While active, SIGINT/SIGTERM only set `pending`; `raise_pending()` then raises
    KeyboardInterrupt (SIGINT) or Terminated (SIGTERM).

    Installed even when the signal was inherited as ignored: a background job of a
    non-interactive shell (a CI script, `cmd &`, a test runner started that way) starts with
    SIGINT ignored, and `kill -INT` must still stop kctl cleanly rather than be lost.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.received: int | None = None
        self._previous: dict = {}

    @property
    def pending(self) -> bool:
        return self.received is not None

    def _note(self, signum, _frame) -> None:
        if self.received is None or signum == signal.SIGTERM:
            self.received = signum

    def __enter__(self) -> "DeferredInterrupts":
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._note)
        return self

    def __exit__(self, *exc) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()

    def raise_pending(self) -> None:
        """Act on the signal: through the handler it replaced when that is a function (kctl's
        main notes SIGTERM there), else as KeyboardInterrupt / Terminated."""
        if self.received is None:
            return
        previous = self._previous.get(self.received)
        if callable(previous):
            previous(self.received, None)
        raise Terminated() if self.received == signal.SIGTERM else KeyboardInterrupt()
