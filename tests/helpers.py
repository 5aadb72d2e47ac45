"""Run kctl through its real entry point and capture everything it says."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from kctl.__main__ import main

# The broker's retention check (every 5 minutes) deletes a segment whose newest record is older than the
# topic's retention (7 days by default), the active segment included: a test record with a fixed timestamp
# from 2023 vanished between produce and read-back once. Topics that hold such records keep everything.
KEEP_OLD_RECORDS = {"retention.ms": "-1"}


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes = b""

    @property
    def json(self):
        return json.loads(self.stdout)

    @property
    def json_lines(self) -> list:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"Result(code={self.code}, stdout={self.stdout[-2000:]!r}, stderr={self.stderr[-2000:]!r})"


class _BinaryCapture(io.TextIOWrapper):
    def __init__(self):
        super().__init__(io.BytesIO(), encoding="utf-8", errors="surrogateescape", write_through=True)

    def isatty(self) -> bool:
        return False

    def value(self) -> bytes:
        self.flush()
        return self.buffer.getvalue()


def run_kctl(*args: str, input: str | bytes | None = None, env: dict | None = None) -> Result:
    """kctl.__main__.main(argv) in this process, with stdin/stdout/stderr captured."""
    out, err = _BinaryCapture(), _BinaryCapture()
    data = input.encode() if isinstance(input, str) else (input or b"")
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    with mock.patch.dict(os.environ, env or {}), mock.patch.object(sys, "stdin", stdin), \
            redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in args])
    raw = out.value()
    return Result(code, raw.decode("utf-8", "replace"), err.value().decode("utf-8", "replace"), raw)


def run_kctl_process(*args: str, input: bytes | str | None = None, env: dict | None = None, timeout: float = 60) -> Result:
    """kctl as a separate process (for signals, pipes, start-up behaviour)."""
    full_env = {**os.environ, **(env or {})}
    data = input.encode() if isinstance(input, str) else input
    argv = [a if isinstance(a, bytes) else str(a) for a in args]  # bytes: raw (say, invalid UTF-8) arguments
    proc = subprocess.run([sys.executable, "-m", "kctl", *argv], input=data, capture_output=True,
                          env=full_env, timeout=timeout)
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"), proc.stdout)


def run_answering_on_a_tty(*args: str, answer: bytes, timeout: float = 60) -> tuple[int, str, str]:
    """`kctl ARGS` in a child process whose stdin is a pseudo-terminal (so kctl asks its question),
    answered with `answer`: (exit code, stdout, stderr)."""
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "kctl", *args], stdin=slave, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=os.getcwd())
        os.close(slave)
        slave = None
        os.write(master, answer)
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(), err.decode()
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)


# ------------------------------------------------------------------------------ user documentation
# README.md is the user's front page; the depth is in docs/*.md. Tests that check the documentation
# read the page that holds the content, or all pages together for "is X documented anywhere".
REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS_DIR = REPO_ROOT / "docs"


def doc_pages() -> list[Path]:
    """README.md and every docs/*.md page."""
    return [REPO_ROOT / "README.md", *sorted(DOCS_DIR.glob("*.md"))]


def all_docs_text() -> str:
    return "\n".join(page.read_text() for page in doc_pages())


def doc_section(page: str, heading: str) -> str:
    """The body of the `## heading` section of docs/<page> (up to the next `#`/`##` heading)."""
    text = (DOCS_DIR / page).read_text()
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^##? |\Z)", text, re.S | re.M)
    assert match, f"docs/{page} needs a '## {heading}' section"
    return match.group(1)
