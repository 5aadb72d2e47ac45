"""Supervising the processes `kctl local` starts: pid files that survive reboots, ports, logs.

A pid file outlives its process (a crash, a reboot), and the kernel reuses pids: a pid is only
ours while /proc/PID/cmdline still names the file that identifies that process (a broker's
server.properties path, the Temporal server's database file).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    if _is_zombie(pid):
        _reap(pid)
        return True
    return False


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def read_pid(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid > 0 else None


def _cmdline(pid: int) -> list[str]:
    """The process's arguments; [] for a kernel thread or a process that is gone.

    Right after fork+exec (Popen has returned) the new command line can read as empty for a
    moment: an empty one is read again for up to ~50 ms before it counts."""
    for _ in range(10):
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return []
        if raw:
            return raw.decode(errors="replace").split("\0")
        time.sleep(0.005)
    return []


def owned_pid(pid_file: Path, *needles: str) -> int | None:
    """The pid recorded in pid_file, if that process is alive and its command line holds every needle."""
    pid = read_pid(pid_file)
    if pid is None:
        return None
    args = _cmdline(pid)
    if not args or not all(any(needle in arg for arg in args) for needle in needles):
        return None
    return None if _is_zombie(pid) else pid


def wait_gone(pid: int, deadline: Deadline, poll: float = 0.05) -> bool:
    while not _gone(pid):
        if deadline.expired:
            return False
        time.sleep(poll)
    return True


def stop_processes(targets: list[tuple[Path, tuple[str, ...]]], grace: float) -> list[int]:
    """Stop every process named by (pid_file, needles): SIGTERM to all at once (a Kafka quorum shuts
    down together), SIGKILL to those still alive after `grace` seconds. Removes the pid files.
    Returns the pids that were stopped."""
    running = []
    for pid_file, needles in targets:
        pid = owned_pid(pid_file, *needles)
        if pid is None:
            pid_file.unlink(missing_ok=True)
            continue
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        running.append((pid_file, pid))
    deadline = Deadline.after(grace)
    for pid_file, pid in running:
        if not wait_gone(pid, deadline):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            wait_gone(pid, Deadline.after(30.0))
        pid_file.unlink(missing_ok=True)
    return [pid for _, pid in running]


def launch(command: list[str], log_path: Path, pid_file: Path, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a server that outlives this command: output to its log, its pid in its pid file.
    env: variables added to this process's environment.

    A session of its own, so that the terminal's Ctrl-C does not reach it."""
    with open(log_path, "ab") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, cwd=cwd, env={**os.environ, **env} if env else None)
    pid_file.write_text(f"{proc.pid}\n")
    return proc


def end_started(started: list[tuple[subprocess.Popen, Path]], grace: float = 15.0) -> None:
    """Leave nothing of a failed start running: only the processes this command started
    (SIGTERM to all, SIGKILL after `grace`), and their pid files removed."""
    for proc, _ in started:
        if proc.poll() is None:
            proc.terminate()
    for proc, pid_file in started:
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        pid_file.unlink(missing_ok=True)


def start_failure(what: str, log_path: Path, problem: str) -> BrokerUnavailable:
    """The error of a server that did not come up: what, why, the last lines of its log."""
    tail = " | ".join(log_tail(log_path, 3)) or "no log output"
    return BrokerUnavailable(f"{what} {problem}: {tail}", hint=f"full log: {log_path}")


def exited(what: str, proc: subprocess.Popen, log_path: Path) -> BrokerUnavailable | None:
    """The start failure of a server process that has already exited, else None."""
    if proc.poll() is None:
        return None
    return start_failure(what, log_path, f"exited during start (code {proc.returncode})")


def wait_until_ready(what: str, proc: subprocess.Popen, log_path: Path, ready: Callable[[], bool],
                     deadline: Deadline, wait: float, poll: float = 0.2) -> None:
    """Until `ready()` holds; a clear error when the process exits or the deadline passes first."""
    while True:
        failure = exited(what, proc, log_path)
        if failure is not None:
            raise failure
        if ready():
            return
        if deadline.expired:
            raise start_failure(what, log_path, f"was not ready within {wait:g}s")
        time.sleep(poll)


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_accepts(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The HTTP status of a GET, or None when nothing answers."""
    import urllib.error  # with urllib.request: both bind this function's `urllib`
    import urllib.request  # heavy: urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def log_tail(path: Path, lines: int = 5) -> list[str]:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            return fh.read().decode(errors="replace").splitlines()[-lines:] if lines > 0 else []  # [-0:] is all
    except OSError:
        return []


def follow(path: Path, start_lines: int = 20, poll: float = 0.25):
    """Yield the last lines of a log, then new lines as they are written (until interrupted)."""
    for line in log_tail(path, start_lines):
        yield line
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        buffer = b""
        while True:
            chunk = fh.read(65536)
            if not chunk:
                time.sleep(poll)
                continue
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                yield line.decode(errors="replace")
