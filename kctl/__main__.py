"""Entry point: main(argv) -> int is the one place where exceptions become exit codes."""

from __future__ import annotations

import errno
import io
import os
import signal
import sys
import threading
import traceback

from kctl.cli.argv import hoist_global_options  # noqa: F401 - kctl.__main__.hoist_global_options, as before
from kctl.errors import SIGNALS_RAISED, ExitCode, KctlError, Terminated
from kctl.kafka.lib import allow_light_import


def _print_error(message: str, hint: str | None = None) -> None:
    from kctl.redact import redact_text  # not on --help's path

    line = f"kctl: error: {message}"
    if hint:
        line += f" ({hint})"
    # One line, always: library messages sometimes end in or contain newlines.
    # (redacted first, so that a secret with a newline in it is still found)
    line = " ".join(redact_text(line).split())
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _print_traceback() -> None:
    """--debug's traceback, secrets redacted as in every other line kctl prints."""
    from kctl.redact import redact_text  # not on --help's path

    sys.stderr.write(redact_text(traceback.format_exc()))
    sys.stderr.flush()


def _flag_hint(exc, argv: list[str]) -> str | None:
    """The usage error's message when kctl knows what the user meant (kctl.cli.options.FLAG_HINTS):
    a flag that means something else now, or a kcat / Apache console tool flag."""
    from kctl.cli import clicklib as click  # after main() has installed its signal handlers
    from kctl.cli.options import output_hint, renamed_hint  # after main() has installed its signal handlers

    if isinstance(exc, click.NoSuchOption):
        hint = renamed_hint(exc.ctx.command_path, exc.option_name)
        return f"no option {exc.option_name} here: {hint}" if hint else None
    if isinstance(exc, click.BadParameter) and "--output" in getattr(exc.param, "opts", ()):
        for value in _output_values(argv):
            hint = output_hint(value)
            if hint:
                return hint
    return None


def _output_values(argv: list[str]) -> list[str]:
    """The values given to -o/--output (`-o V`, `-oV`, `--output V`, `--output=V`)."""
    values = []
    for i, token in enumerate(argv):
        if token == "--":
            break
        if token in ("-o", "--output") and i + 1 < len(argv):
            values.append(argv[i + 1])
        elif token.startswith("--output="):
            values.append(token.split("=", 1)[1])
        elif token.startswith("-o") and not token.startswith("--") and len(token) > 2:
            values.append(token[2:])
    return values


def install_signal_handlers(received: list) -> dict:
    """SIGINT raises KeyboardInterrupt (an instance: see on_sigint) and SIGTERM (systemd, Kubernetes) raises Terminated, a
    KeyboardInterrupt, so every command stops on both the same way (produce flushes or aborts,
    consume commits what was written and leaves its group); exit 130 or 143. SIGTERM is noted in
    `received` (typer turns every KeyboardInterrupt into exit 130). Code that defers signals calls
    the handler it replaced when it acts on one. Installed even when inherited as ignored (a
    background job of a non-interactive shell starts with SIGINT ignored, and `kill -INT` would be
    lost). Returns the previous handlers."""
    def on_sigint(signum, frame):
        # An instance, not Python's signal.default_int_handler: that one raises KeyboardInterrupt
        # without a value, and confluent-kafka loses such an exception when the signal lands in one
        # of its Python callbacks during flush()/poll() ("SystemError: <method 'flush' of
        # 'cimpl.Producer' objects> returned NULL without setting an exception", exit 1 for a Ctrl-C).
        if _drops_exceptions(frame):
            _redeliver(signum)
            return
        SIGNALS_RAISED.append(signum)
        raise KeyboardInterrupt()

    def on_sigterm(signum, frame):
        if _drops_exceptions(frame):
            _redeliver(signum)
            return
        received.append(signum)
        SIGNALS_RAISED.append(signum)
        raise Terminated()

    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signal.SIGINT: signal.signal(signal.SIGINT, on_sigint),
            signal.SIGTERM: signal.signal(signal.SIGTERM, on_sigterm)}


def _drops_exceptions(frame) -> bool:
    """True when an exception raised in `frame` would be printed as "Exception ignored in ..." and
    dropped, and the signal lost with it: a __del__, or importlib's module-lock weakref callback (a
    SIGTERM that landed there while a module was imported left `kctl produce` reading its pipe for good)."""
    code = getattr(frame, "f_code", None)
    return code is not None and (code.co_name == "__del__" or code.co_filename.startswith("<frozen importlib"))


def _redeliver(signum: int) -> None:
    """The same signal again in 50 ms, when Python is (almost certainly) out of that frame."""
    timer = threading.Timer(0.05, signal.pthread_kill, (threading.main_thread().ident, signum))
    timer.daemon = True
    timer.start()


def _restore_signal_handlers(previous: dict) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    allow_light_import()  # the command's process, not a library user's: see kctl/kafka/lib.py
    terminated: list = []
    previous = install_signal_handlers(terminated)
    try:
        code = _main(argv)
    finally:
        _restore_signal_handlers(previous)
    if terminated and code == ExitCode.INTERRUPTED:  # typer's (quiet) exit for any KeyboardInterrupt
        return int(ExitCode.TERMINATED)
    return code


def _main(argv: list[str]) -> int:
    debug = "--debug" in argv
    if sys.stdout is None:  # started with stdout closed (`>&-`): writing to it fails (exit 5), not crashes
        sys.stdout = _ClosedOutput()
    if os.environ.get("_KCTL_COMPLETE"):  # a shell asking for completions (completions/kctl.*)
        import typer.main  # after main() has installed its signal handlers

        from kctl.cli.app import app  # after main() has installed its signal handlers
        from kctl.cli.complete import handle_completion  # after main() has installed its signal handlers

        return handle_completion(os.environ["_KCTL_COMPLETE"], typer.main.get_command(app))
    try:
        import typer.main  # after main() has installed its signal handlers

        from kctl.cli.app import app  # after main() has installed its signal handlers

        command = typer.main.get_command(app)
        result = command.main(args=hoist_global_options(argv, command), prog_name="kctl", standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except KctlError as exc:
        if debug:
            _print_traceback()
        _print_error(exc.message, exc.hint)
        return int(exc.exit_code)
    except Terminated:
        sys.stderr.write("kctl: terminated\n")
        return int(ExitCode.TERMINATED)
    except KeyboardInterrupt:
        sys.stderr.write("kctl: interrupted\n")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (`kctl ... | head`): that is a normal end, not an error.
        _silence_stdout()
        return int(ExitCode.OK)
    except SystemExit as exc:
        # typer turns a BrokenPipeError raised inside a command into sys.exit(1) (click's EPIPE
        # handling, even with standalone_mode=False): the same normal end as above.
        if isinstance(exc.__context__, BrokenPipeError):
            _silence_stdout()
            return int(ExitCode.OK)
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        from kctl.cli import clicklib as click  # after main() has installed its signal handlers

        if isinstance(exc, click.NoArgsIsHelpError):
            sys.stderr.write(exc.ctx.get_help() + "\n")
            return int(ExitCode.USAGE)
        if isinstance(exc, click.ClickException):
            if isinstance(exc, click.UsageError):
                hint = None
                message = exc.format_message()
                if exc.ctx is not None:
                    hint = f"see `{exc.ctx.command_path} --help`"
                    message = _flag_hint(exc, argv) or message
                _print_error(message, hint)
                return int(ExitCode.USAGE)
            _print_error(exc.format_message())
            return int(exc.exit_code or ExitCode.INTERNAL)
        if isinstance(exc, click.Abort):
            sys.stderr.write("kctl: aborted\n")
            return int(ExitCode.INTERRUPTED)
        if isinstance(exc, OSError) and exc.filename is None and exc.errno in _OUTPUT_LOST:
            # stdout (or another output) on a full disk or closed: the work may be done, its output is lost
            _print_error(f"cannot write output: {exc.strerror}")
            return int(ExitCode.PARTIAL)
        if debug:
            _print_traceback()
        _print_error(f"internal error: {type(exc).__name__}: {exc}", None if debug else "run with --debug for the traceback")
        return int(ExitCode.INTERNAL)


class _ClosedOutput(io.TextIOBase):
    """sys.stdout when kctl started with fd 1 closed: every write fails, as writing to it would."""

    def write(self, text) -> int:
        raise OSError(errno.EBADF, "stdout is closed")

    @property
    def buffer(self):  # binary writes (sys.stdout.buffer.write) fail the same way
        return self


_OUTPUT_LOST = (errno.ENOSPC, errno.EDQUOT, errno.EBADF, errno.EIO)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def run() -> None:
    # main() puts these back when the command ends: a signal after that (while stdout flushes or the
    # interpreter frees a producer) ends the process at once with 130/143, instead of a
    # KeyboardInterrupt in interpreter shutdown, which CPython turns into a death by SIGINT.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _end_now)
    try:
        code = main()
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        except OSError as exc:  # a full disk (/dev/full) or a dead terminal: output was lost
            _silence_stdout()
            _print_error(f"cannot write to stdout: {exc.strerror or exc}")
            code = code or int(ExitCode.PARTIAL)
    except Terminated:  # a signal after main() restored the handlers
        code = int(ExitCode.TERMINATED)
    except KeyboardInterrupt:
        code = int(ExitCode.INTERRUPTED)
    _exit(code)


def _end_now(signum, frame) -> None:
    # no flush: a stdout that blocks (a reader that stopped reading) is what the user interrupts
    os._exit(128 + signum)


def _exit(code: int) -> None:
    """Exit; skip the interpreter's shutdown after an interrupt, or when a bounded call (a consumer
    close, a commit) is still running in one of kctl's daemon threads: librdkafka may call back
    into Python from it, and freeing a client during shutdown can block in librdkafka for as long
    as the cluster wants. (After a Ctrl-C that came while a module was being imported, CPython 3.11
    would also turn exit 130 into a death by SIGINT.) Skipped too once the Temporal SDK's native
    bridge is loaded: its Rust runtime threads outlive the event loop, and the interpreter's
    shutdown then aborts now and then ("PyGILState_Release: thread state ... must be current",
    SIGABRT or SIGSEGV: 2 `kctl worker run` of 40 stopped by SIGTERM). Log handlers flush every
    record already."""
    if code in (ExitCode.INTERRUPTED, ExitCode.TERMINATED) or "temporalio.bridge.temporal_sdk_bridge" in sys.modules \
            or any(t.daemon and t.name.startswith("kctl-") and t.is_alive() for t in threading.enumerate()):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
