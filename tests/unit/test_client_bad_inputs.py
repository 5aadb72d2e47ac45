"""The Python API's bad-input table (tests/unit/client_cases.py): every bad argument to a client's
constructor or methods, and every call on a closed client, is a kctl error (a UsageError where
the caller is at fault; ClientClosed after close()), never a crash, an abort or a library
exception. The cases run in child processes: an abort inside confluent-kafka takes its process
down, never pytest's, and the child is started again for the cases after it."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.unit.client_cases import CASES

ROOT = Path(__file__).resolve().parents[2]


CASE_LIMIT_S = 60  # a case that has not answered by then hangs (librdkafka: a negative timeout waits forever)


def _run_all() -> dict:
    """{case: outcome}; a case whose child died gets {"crashed": returncode}, one that hung {"hung": ...}."""
    results: dict = {}
    pending = [case for case, _, _ in CASES]
    while pending:
        errors = tempfile.TemporaryFile()  # not a pipe: librdkafka's log lines could fill it and stall the child
        proc = subprocess.Popen([sys.executable, "-m", "tests.unit.client_cases", *pending], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=errors)
        started, buffer, fd = None, b"", proc.stdout.fileno()
        while True:
            if b"\n" not in buffer:
                ready, _, _ = select.select([fd], [], [], CASE_LIMIT_S)
                if not ready:
                    proc.kill()
                    results[started or pending[0]] = {"hung": CASE_LIMIT_S}
                    started = None
                    break
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                buffer += chunk
                continue
            line, buffer = buffer.split(b"\n", 1)
            data = json.loads(line)
            if data.pop("started", False):
                started = data["case"]
            else:
                results[data.pop("case")] = data
                started = None
        code = proc.wait()
        proc.stdout.close()
        errors.seek(0)
        stderr = errors.read()[-500:].decode("utf-8", "replace")
        errors.close()
        if started is not None:
            results[started] = {"crashed": code, "stderr": stderr}
        left = [case for case in pending if case not in results]
        if left and left == pending:  # the child answered nothing at all
            results.update({case: {"crashed": code, "stderr": stderr} for case in left})
            left = []
        pending = left
    return results


@pytest.fixture(scope="module")
def outcomes() -> dict:
    return _run_all()


@pytest.mark.parametrize("case,expected", [(case, expected) for case, expected, _ in CASES],
                         ids=[case for case, _, _ in CASES])
def test_bad_call_is_a_kctl_error(outcomes, case, expected):
    got = outcomes[case]
    assert "crashed" not in got and "hung" not in got, got
    if expected == "ok":
        assert got["error"] is None, got
    elif expected == "closed":
        assert got["closed"] and "is closed" in got["message"], got
    elif expected == "usage":
        assert got["usage"] and not got["closed"], got
    else:
        assert got["kctl"], got
