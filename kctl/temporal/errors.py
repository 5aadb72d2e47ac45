"""kctl errors across the Temporal boundary: kctl's error class decides whether Temporal retries.

Unavailable / timed out (exit 6) and internal errors are retried with backoff; usage, config,
not-found, auth and aborted transactions cannot be fixed by retrying: they become non-retryable
ApplicationErrors that carry kctl's one-line message and exit code to the workflow and its caller.
"""

from __future__ import annotations

from kctl.errors import BrokerUnavailable, ExitCode, KctlError

RETRYABLE_EXIT_CODES = (ExitCode.UNAVAILABLE, ExitCode.INTERNAL)


def to_application_error(exc: KctlError):
    from temporalio.exceptions import ApplicationError  # heavy: temporalio

    code = int(exc.exit_code)
    return ApplicationError(
        exc.message + (f" ({exc.hint})" if exc.hint else ""),
        {"exit_code": code, "error": type(exc).__name__},
        type=type(exc).__name__,
        non_retryable=not isinstance(exc, BrokerUnavailable) and code not in RETRYABLE_EXIT_CODES,
    )


def exit_code_of(error: BaseException) -> int:
    """The kctl exit code a failed workflow or activity carries (walking Temporal's causes)."""
    seen = 0
    while error is not None and seen < 10:
        details = getattr(error, "details", None)
        if details and isinstance(details[0], dict) and "exit_code" in details[0]:
            return int(details[0]["exit_code"])
        error = getattr(error, "cause", None) or error.__cause__
        seen += 1
    return int(ExitCode.INTERNAL)


def message_of(error: BaseException) -> str:
    """The innermost message (kctl's own line, not Temporal's 'Activity task failed' wrappers)."""
    message = str(error)
    seen = 0
    while error is not None and seen < 10:
        if getattr(error, "details", None) or type(error).__name__ == "ApplicationError":
            message = getattr(error, "message", None) or str(error)
        error = getattr(error, "cause", None) or error.__cause__
        seen += 1
    return message
