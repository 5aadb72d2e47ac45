"""The one deadline helper: every blocking call in kctl takes a Deadline (or a timeout that
becomes one) and returns within it.

librdkafka bounds most calls itself (timeouts in seconds); the few it cannot bound (a synchronous
commit or a consumer close against a coordinator that is gone can block for the socket timeout)
run through `run_bounded`, in a daemon thread that is abandoned when the time is up.
"""

from __future__ import annotations

import contextvars
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable, TypeVar

from kctl.errors import BrokerUnavailable

T = TypeVar("T")


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> "Deadline":
        return cls(time.monotonic() + max(0.0, seconds))

    @classmethod
    def of(cls, timeout: "float | Deadline | None", default: float = 10.0) -> "Deadline":
        """A Deadline from a timeout in seconds, an existing Deadline, or None (the default)."""
        if isinstance(timeout, Deadline):
            return timeout
        return cls.after(default if timeout is None else timeout)

    def remaining(self, floor: float = 0.0) -> float:
        """Seconds left, never below floor (librdkafka reads a 0 timeout as 'do not wait')."""
        return max(floor, self.at - time.monotonic())

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.at

    def sooner(self, seconds: float) -> "Deadline":
        """This deadline or one `seconds` from now, whichever comes first."""
        return Deadline(min(self.at, time.monotonic() + seconds))


def run_bounded(fn: Callable[[], T], deadline: "Deadline | float | None", what: str,
                watch: Callable[[], None] | None = None,
                timeout_error: Callable[[], Exception] | None = None) -> T:
    """fn() in a daemon thread, waited on until the deadline (None: no limit); BrokerUnavailable
    (exit 6; or timeout_error()) when it has not returned by then. Exceptions from fn are re-raised
    as they are.

    `watch` is called every 50 ms while waiting, in the caller's thread: it raises to give up
    the wait at once (a pending Ctrl-C or SIGTERM that a blocked call must not delay)."""
    limit = f"{deadline:g}s" if isinstance(deadline, (int, float)) else "the timeout"
    deadline = None if deadline is None else Deadline.of(deadline)
    box: dict = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    # The thread runs in a copy of the caller's context, so its log lines keep the caller's trace id.
    thread = threading.Thread(target=contextvars.copy_context().run, args=(target,), name=f"kctl-{what}", daemon=True)
    thread.start()
    while thread.is_alive():
        step = None if deadline is None else deadline.remaining()
        if watch is not None:
            step = 0.05 if step is None else min(step, 0.05)
        thread.join(step)
        if watch is not None:
            watch()
        if deadline is not None and deadline.expired and thread.is_alive():
            raise timeout_error() if timeout_error else BrokerUnavailable(f"{what} did not finish within {limit}")
    if "error" in box:
        raise box["error"]
    return box.get("result")


def raise_deferred_interrupt() -> None:
    """A `watch` for run_bounded: raise a Ctrl-C or SIGTERM that a deferring handler noted and has
    not acted on yet. Such a handler (kctl.services.consume.signals.DeferredInterrupts) is a
    method of an object with `pending` and `raise_pending()`; a call made while one is installed
    (a schema look-up while consume renders a record) must not make the interrupt wait for it."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        owner = getattr(signal.getsignal(signum), "__self__", None)
        if getattr(owner, "pending", False):
            owner.raise_pending()
