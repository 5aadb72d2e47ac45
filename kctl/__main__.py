"""Entry point: main(argv) -> int is the one place where exceptions become exit codes."""

from __future__ import annotations

import errno
import os
import sys

from kctl.errors import ExitCode, KctlError, Terminated

# Writing to stdout failed for a reason other than the reader going away (EPIPE): exit 5.
_STDOUT_ERRNOS = (errno.EBADF, errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG)


def _print_error(message: str, hint: str | None = None) -> None:
    from kctl.config.client_conf import redact_text

    line = f"kctl: error: {message}"
    if hint:
        line += f" ({hint})"
    # One line, always: library messages sometimes end in or contain newlines.
    # (redacted first, so that a secret with a newline in it is still found)
    line = " ".join(redact_text(line).split())
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def hoist_global_options(argv: list[str], root_command) -> list[str]:
    """Move global options (see kctl.cli.app) in front of the subcommand, so that
    `kctl topics describe t -i 1 -o json` works like kubectl's global flags.

    Walks the click command tree so that a value belonging to a subcommand's own option
    (say `--key -v`) is never mistaken for a global flag.
    """
    from kctl.cli import clicklib as click
    from kctl.cli.app import GLOBAL_FLAG_OPTIONS, GLOBAL_VALUE_OPTIONS

    hoisted: list[str] = []
    rest: list[str] = []
    command = root_command
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            rest.extend(argv[i:])
            break
        name = token.split("=", 1)[0]
        own = _own_option(command, name) if command is not root_command else None
        if own is not None:
            takes_value = not own.is_flag and not own.count and "=" not in token
            rest.extend(argv[i : i + (2 if takes_value else 1)])
            i += 2 if takes_value else 1
            continue
        if name in GLOBAL_VALUE_OPTIONS:
            width = 1 if "=" in token else 2
            hoisted.extend(argv[i : i + width])
            i += width
            continue
        if token in GLOBAL_FLAG_OPTIONS or (token.startswith("-v") and set(token[1:]) == {"v"}):
            hoisted.append(token)
            i += 1
            continue
        if isinstance(command, click.Group) and not token.startswith("-"):
            sub = command.commands.get(token)
            if sub is not None:
                command = sub
        rest.append(token)
        i += 1
    return hoisted + rest


def _own_option(command, name: str):
    from kctl.cli import clicklib as click

    for param in getattr(command, "params", []):
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


def _raise_terminated(signum, frame):
    raise Terminated()


def install_signal_handlers() -> dict:
    """SIGINT raises KeyboardInterrupt and SIGTERM (systemd, Kubernetes) raises Terminated, a
    KeyboardInterrupt, so every command stops on both the same way (produce flushes or aborts,
    consume commits what was written and leaves its group); exit 130 or 143. Installed even when
    inherited as ignored (a background job of a non-interactive shell starts with SIGINT ignored,
    and `kill -INT` would be lost). Returns the previous handlers."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
            signal.SIGTERM: signal.signal(signal.SIGTERM, _raise_terminated)}


def _restore_signal_handlers(previous: dict) -> None:
    import signal

    for signum, handler in previous.items():
        signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


class _ClosedStdout:
    """sys.stdout when kctl was started with stdout closed (`>&-`): writing fails with EBADF (exit 5)
    instead of crashing on None; commands that print nothing still work."""

    buffer = property(lambda self: self)
    closed = False

    def write(self, data):
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def fileno(self) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _stdout_failed(exc: OSError) -> int:
    _print_error(f"cannot write to stdout: {os.strerror(exc.errno) if exc.errno else exc}")
    _silence_stdout()
    return int(ExitCode.PARTIAL)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()
    previous = install_signal_handlers()
    try:
        return _main(argv)
    finally:
        _restore_signal_handlers(previous)


def _main(argv: list[str]) -> int:
    debug = "--debug" in argv
    if os.environ.get("_KCTL_COMPLETE"):  # a shell asking for completions (completions/kctl.*)
        from kctl.cli.complete import handle_completion

        return handle_completion(os.environ["_KCTL_COMPLETE"])
    try:
        import typer.main

        from kctl.cli.app import app

        command = typer.main.get_command(app)
        result = command.main(args=hoist_global_options(argv, command), prog_name="kctl", standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except KctlError as exc:
        if debug:
            import traceback

            traceback.print_exc()
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
    except OSError as exc:
        if exc.errno in _STDOUT_ERRNOS:
            return _stdout_failed(exc)
        return _internal_error(exc, debug)
    except SystemExit as exc:
        # typer turns a BrokenPipeError raised inside a command into sys.exit(1) (click's EPIPE
        # handling, even with standalone_mode=False): the same normal end as above.
        if isinstance(exc.__context__, BrokenPipeError):
            _silence_stdout()
            return int(ExitCode.OK)
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        from kctl.cli import clicklib as click

        if isinstance(exc, click.NoArgsIsHelpError):
            sys.stderr.write(exc.ctx.get_help() + "\n")
            return int(ExitCode.USAGE)
        if isinstance(exc, click.ClickException):
            if isinstance(exc, click.UsageError):
                hint = None
                if exc.ctx is not None:
                    hint = f"see `{exc.ctx.command_path} --help`"
                _print_error(exc.format_message(), hint)
                return int(ExitCode.USAGE)
            _print_error(exc.format_message())
            return int(exc.exit_code or ExitCode.INTERNAL)
        if isinstance(exc, click.Abort):
            sys.stderr.write("kctl: aborted\n")
            return int(ExitCode.INTERRUPTED)
        return _internal_error(exc, debug)


def _internal_error(exc: BaseException, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exc()
    _print_error(f"internal error: {type(exc).__name__}: {exc}", None if debug else "run with --debug for the traceback")
    return int(ExitCode.INTERNAL)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def run() -> None:
    try:
        code = main()
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        except OSError as exc:
            code = _stdout_failed(exc) if code == 0 else code
    except Terminated:  # a signal after main() restored the handlers
        code = int(ExitCode.TERMINATED)
    except KeyboardInterrupt:
        code = int(ExitCode.INTERRUPTED)
    _exit(code)


def _exit(code: int) -> None:
    """Exit; skip the interpreter's shutdown when a bounded call (a consumer close, a commit) is
    still running in one of kctl's daemon threads: librdkafka may call back into Python from it,
    and freeing a client during shutdown can block in librdkafka for as long as the cluster wants."""
    import threading

    if any(t.daemon and t.name.startswith("kctl-") and t.is_alive() for t in threading.enumerate()):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
