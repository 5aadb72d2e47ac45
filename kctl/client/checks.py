"""The client API's checks of its callers: arguments that would crash, hang or confuse the
library become UsageErrors (exit 2) before they reach it, and after close() every call raises
ClientClosed (a UsageError) instead of whatever the freed library client would do (an
AttributeError, confluent-kafka's RuntimeError, or a call that quietly works on a half-closed
client)."""

from __future__ import annotations

import functools
import inspect
import math

from kctl.deadline import Deadline
from kctl.errors import ClientClosed, UsageError
from kctl.parsing import INT32_MAX, INT64_MAX

# Calls that stay allowed on a closed client: closing again, and leaving a with block.
_ALWAYS = ("close", "__enter__", "__exit__")


def refuse_when_closed(kind: str):
    """Class decorator: every public method (its own and inherited) checks self._closed first."""

    def decorate(cls):
        seen: set[str] = set()
        for klass in cls.__mro__[:-1]:  # the class first: what it overrides wins
            for name, value in list(vars(klass).items()):
                if name in seen:
                    continue
                seen.add(name)
                if not name.startswith("_") and name not in _ALWAYS and inspect.isfunction(value):
                    setattr(cls, name, _guarded(value, kind))
        return cls

    return decorate


def _guarded(method, kind: str):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        if self._closed:
            raise ClientClosed(f"the {kind} is closed: {method.__name__}() needs an open client",
                               hint=f"make a new {kind}")
        return method(self, *args, **kwargs)

    return call


def check_timeout(timeout, what: str = "timeout", allow_none: bool = True):
    """A timeout in seconds (a finite number >= 0), a Deadline, or None where a default applies.
    librdkafka reads a negative timeout as 'wait forever' (a poll that never returns)."""
    if timeout is None and allow_none or isinstance(timeout, Deadline):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout < 0:
        raise UsageError(f"{what} must be a number of seconds >= 0, got {timeout!r}")
    return timeout


def check_int(value, what: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise UsageError(f"{what} must be an integer from {minimum} to {maximum}, got {value!r}")
    return value


def check_partition(value, what: str = "partition") -> int:
    return check_int(value, what, 0, INT32_MAX)


def check_offset(value, what: str = "offset") -> int:
    """An offset or one of librdkafka's logical ones (-2 beginning, -1 end, -1000 stored...)."""
    return check_int(value, what, -INT64_MAX - 1, INT64_MAX)


def check_callable(value, what: str):
    if value is not None and not callable(value):
        raise UsageError(f"{what} must be callable or None, got {type(value).__name__}")
    return value
