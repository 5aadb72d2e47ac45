"""The checks of a bad-input table (issue 22, item 5), shared by the per-command tables in
tests/unit/test_bad_inputs_*.py and tests/integration/test_bad_inputs_*.py: a refused command line
exits with its documented code, says exactly one `kctl: error:` line on stderr (a hint may follow
on its own line), prints no traceback and writes nothing to stdout; nothing waits past --timeout
plus 5 s."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tests.helpers import run_kctl

USAGE, CONFIG, NOT_FOUND, PARTIAL, UNAVAILABLE, CHECK_FAILED = 2, 3, 4, 5, 6, 8
HUGE = "99999999999999999999"
LONG = "x" * 5000
NUL = "a\x00b"
NO_BROKER = ("-b", "127.0.0.1:1", "--timeout", "2")
GRACE_S = 5  # the fuzzer's bound: --timeout + 5 s


@dataclass
class Case:
    id: str
    argv: list
    code: int
    stdin: bytes | None = None
    broker: bool = True  # append NO_BROKER (an unreachable bootstrap, --timeout 2)
    env: dict = field(default_factory=dict)
    says: str | None = None  # a piece of the error line


class Table(list):
    def case(self, id_, argv, code, stdin=None, broker=True, env=None, says=None):
        self.append(Case(id_, list(argv), code, stdin, broker, env or {}, says))


def one_error_line(result, code: int, says: str | None = None) -> str:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result
    assert result.code == code, result
    assert result.stdout == "", result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith("kctl: error: "), result.stderr
    assert sum(line.startswith("kctl: error:") for line in lines) == 1, result.stderr
    assert len(lines) <= 2 and all(not line.startswith(" ") for line in lines), result.stderr
    if says is not None:
        assert says in lines[0], lines[0]
    return lines[0]


def run_bounded(*argv, timeout_s: float = 2, **kwargs):
    """run_kctl, and the run ended within --timeout + 5 s (the fuzzer's bound; a hang is minutes)."""
    started = time.monotonic()
    result = run_kctl(*argv, **kwargs)
    took = time.monotonic() - started
    assert took < timeout_s + GRACE_S, (took, result)
    return result
