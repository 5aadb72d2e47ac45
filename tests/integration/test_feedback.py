"""What kctl says on a terminal: produce's "reading stdin" note, consume's summary line; -q silences both,
and neither appears when stderr (or stdin) is not a terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import run_kctl, run_kctl_process

ROOT = Path(__file__).resolve().parents[2]


def _read_until_exit(master: int, proc: subprocess.Popen, timeout: float = 60) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other side closed
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    return out


def _run_with_terminal_stderr(*args: str, stdin_terminal: bool = False, typed: bytes = b"") -> tuple[int, bytes, str]:
    """kctl with stderr (and optionally stdin) on a pseudo-terminal; stdout a pipe. Returns (code, stdout, terminal)."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    proc = subprocess.Popen([sys.executable, "-m", "kctl", *args], stdin=slave if stdin_terminal else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave, env=env, cwd=ROOT)
    os.close(slave)
    if stdin_terminal:  # the terminal keeps the typed line, then Ctrl-D (end of input), until kctl reads
        os.write(master, typed + b"\x04")
    seen = _read_until_exit(master, proc)
    stdout = proc.stdout.read()
    code = proc.wait(timeout=30)
    os.close(master)
    return code, stdout, seen.decode("utf-8", "replace").replace("\r\n", "\n")


def test_consume_ends_with_a_summary_on_a_terminal_only(kafka, new_topic):
    topic = new_topic(partitions=2)
    i = str(kafka["instance"])
    assert run_kctl("-i", i, "produce", topic, input="a\nb\nc\n").code == 0
    code, stdout, terminal = _run_with_terminal_stderr("-i", i, "consume", topic, "--until", "end")
    assert code == 0 and sorted(stdout.split()) == [b"a", b"b", b"c"]
    summary = [line for line in terminal.splitlines() if line.startswith("kctl: ")]
    assert len(summary) == 1 and summary[0].startswith("kctl: 3 records from 2 partitions in "), terminal
    assert summary[0].endswith("(end reached)")
    code, _, terminal = _run_with_terminal_stderr("-i", i, "consume", topic, "-n", "2")
    assert code == 0 and "kctl: 2 records from 2 partitions" in terminal and "(max messages reached)" in terminal
    # -q: nothing; a pipe: nothing (scripts read a clean stderr)
    code, _, terminal = _run_with_terminal_stderr("-i", i, "consume", topic, "--until", "end", "-q")
    assert code == 0 and terminal.strip() == "", terminal
    piped = run_kctl_process("-i", i, "consume", topic, "--until", "end")
    assert piped.code == 0 and piped.stderr == ""


def test_produce_says_it_reads_stdin_when_stdin_is_a_terminal(kafka, new_topic):
    topic = new_topic()
    i = str(kafka["instance"])
    code, _, terminal = _run_with_terminal_stderr("-i", i, "produce", topic, stdin_terminal=True, typed=b"hello\n")
    assert code == 0, terminal
    assert "kctl: reading records from stdin, one per line; Ctrl-D to finish" in terminal
    assert "kctl: 1 sent to " + topic in terminal
    code, _, terminal = _run_with_terminal_stderr("-q", "-i", i, "produce", topic, stdin_terminal=True, typed=b"again\n")
    assert code == 0 and "reading records" not in terminal and "sent to" not in terminal, terminal
    # from a pipe: no note (the summary stays, as before)
    piped = run_kctl_process("-i", i, "produce", topic, input="x\n")
    assert piped.code == 0 and "reading records" not in piped.stderr
    read = run_kctl("-i", i, "consume", topic, "--until", "end")
    assert read.stdout.split() == ["hello", "again", "x"]
