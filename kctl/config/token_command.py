"""A token command's run (kctl.config.token_sources): its standard output within a time bound,
without a shell, a terminal or its standard error, ended with its children on a timeout or a signal."""

from __future__ import annotations

import os
import signal
import subprocess

from kctl.deadline import Deadline, run_bounded
from kctl.errors import ConfigError

MAX_OUTPUT = 64 * 1024


def run_token_command(argv: list[str], timeout: float, what: str) -> bytes:
    """The command's standard output (at most MAX_OUTPUT bytes) when it exits 0 within timeout;
    ConfigError otherwise. Its standard input and error are not connected: what it writes there
    (prompts, debug lines with secrets) is never shown. Ctrl-C or SIGTERM end it at once."""
    hint = "run the command yourself to see its messages"
    deadline = Deadline.after(timeout)
    try:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   start_new_session=True)  # its own process group: killed with its children
    except OSError as exc:
        raise ConfigError(f"{what} cannot be run: {exc.strerror or type(exc).__name__}",
                          hint="check the program name and that it is executable") from None
    try:
        def late() -> Exception:
            return ConfigError(f"{what} did not finish within {timeout:g}s", hint=hint)

        out = run_bounded(lambda: process.stdout.read(MAX_OUTPUT + 1), deadline, what, timeout_error=late)
        if len(out) > MAX_OUTPUT:
            raise ConfigError(f"{what} printed more than {MAX_OUTPUT // 1024} KiB", hint="it should print one token")
        status = run_bounded(process.wait, deadline, what, timeout_error=late)
    finally:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                pass
            process.wait()
        process.stdout.close()
    if status != 0:
        how = f"was ended by signal {-status}" if status < 0 else f"exited with status {status}"
        raise ConfigError(f"{what} {how}", hint=hint)
    return out
