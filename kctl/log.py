"""Structured logging: one event per line, logfmt (default) or JSON, for LogQL.

    event=topic_create topic=orders partitions=6 duration_ms=41 trace_id=3f2a9c1e

Every line of one invocation carries the same trace_id (a new one per invocation, or
$KCTL_TRACE_ID to join a caller's trace). Levels: warnings by default, -v info, -vv debug.
librdkafka's own logs are bridged through `logger=` into the same format
(`event=librdkafka fac=FAIL client=rdkafka#producer-1 msg=...`); they are shown from -v on or in
a --log-file, since kctl reports the failures that matter itself (retried connection errors
would otherwise drown its one-line error).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from contextlib import contextmanager
from contextvars import ContextVar

from kctl.errors import ConfigError
from kctl.redact import redact_text

LOGGER_NAME = "kctl"
LIBRDKAFKA_LOGGER = f"{LOGGER_NAME}.librdkafka"
# The trace of the current invocation, or of the current workflow task in a Temporal worker
# (whose activities run side by side in one process): a context variable, never a global.
_TRACE: ContextVar[str | None] = ContextVar("kctl_trace_id", default=None)
_FIELDS: ContextVar[dict | None] = ContextVar("kctl_log_fields", default=None)
_PROCESS_TRACE = os.environ.get("KCTL_TRACE_ID") or uuid.uuid4().hex[:16]
_BARE = re.compile(r"^[A-Za-z0-9_.:/@+\-]+$")


def _logfmt_value(value) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if _BARE.match(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class StructuredFormatter(logging.Formatter):
    def __init__(self, fmt: str = "logfmt"):
        super().__init__()
        self.fmt = fmt

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "event": getattr(record, "event", None) or "log",
        }
        fields.update(getattr(record, "fields", {}) or {})
        if record.name == LIBRDKAFKA_LOGGER and isinstance(record.args, tuple) and len(record.args) == 3:
            # librdkafka's Python binding logs ("%s [%s] %s", facility, client name, message)
            fields["event"] = "librdkafka"
            fields["fac"], fields["client"], fields["msg"] = (str(a) for a in record.args)
        elif not getattr(record, "event", None):
            fields["msg"] = record.getMessage()
            if record.name != LOGGER_NAME:
                fields["logger"] = record.name
        fields.update(_FIELDS.get() or {})
        fields["trace_id"] = trace_id()
        if self.fmt == "json":
            import json  # not on topics --help's path (only --log-format json needs it)

            return redact_text(json.dumps(fields, default=str))
        return redact_text(" ".join(f"{key}={_logfmt_value(value)}" for key, value in fields.items()))


def trace_id() -> str:
    """The current trace id: the one set for this context, else this process's
    ($KCTL_TRACE_ID when set, else random; threads started by kctl see it too)."""
    return _TRACE.get() or _PROCESS_TRACE


def new_trace_id() -> str:
    """Start a new trace for one invocation: $KCTL_TRACE_ID when set, else a random id."""
    _TRACE.set(os.environ.get("KCTL_TRACE_ID") or uuid.uuid4().hex[:16])
    return trace_id()


@contextmanager
def traced(trace: str, **fields):
    """Within the block, log lines carry this trace id and these extra fields (say the
    workflow_id of the activity a Temporal worker is running)."""
    token, fields_token = _TRACE.set(trace), _FIELDS.set({**(_FIELDS.get() or {}), **fields})
    try:
        yield
    finally:
        _TRACE.reset(token)
        _FIELDS.reset(fields_token)


def setup(verbosity: int = 0, fmt: str = "logfmt", log_file: str | None = None) -> None:
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    new_trace_id()
    if log_file:
        try:
            handler: logging.Handler = logging.FileHandler(log_file)
        except OSError as exc:
            raise ConfigError(f"cannot open --log-file {log_file}: {exc.strerror}") from None
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(StructuredFormatter(fmt))
    root = logging.getLogger(LOGGER_NAME)
    for old in root.handlers:
        old.close()  # an earlier invocation in this process (tests, a worker)
    root.handlers[:] = [handler]
    quiet = verbosity <= 0 and not log_file
    logging.getLogger(LIBRDKAFKA_LOGGER).setLevel(logging.CRITICAL + 1 if quiet else logging.NOTSET)
    root.setLevel(logging.DEBUG if log_file and verbosity <= 0 else level)
    if log_file and verbosity <= 0:
        handler.setLevel(logging.INFO)  # a log file gets at least the info events
    root.propagate = False


def event(name: str, level: int = logging.INFO, **fields) -> None:
    """Log one structured event: event(name, topic=..., duration_ms=...)."""
    logger = logging.getLogger(LOGGER_NAME)
    if logger.isEnabledFor(level):
        logger.log(level, name, extra={"event": name, "fields": fields})


@contextmanager
def timed(name: str, **fields):
    """Log `name` with duration_ms when the block ends (and ok=false if it raised)."""
    start = time.perf_counter()
    try:
        yield fields
    except BaseException:
        event(name, logging.INFO, ok=False, duration_ms=round((time.perf_counter() - start) * 1000), **fields)
        raise
    event(name, duration_ms=round((time.perf_counter() - start) * 1000), **fields)


def librdkafka_logger() -> logging.Logger:
    """Passed to librdkafka clients as `logger=` so their logs share our format and trace_id."""
    return logging.getLogger(LIBRDKAFKA_LOGGER)
