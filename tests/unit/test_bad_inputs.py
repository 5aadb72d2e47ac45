"""Issue 12, the bad-input corpus (no broker): every case is exactly one `kctl: error:` line on
stderr with its documented exit code, no traceback, no internal error.

Table-driven: each row is (id, argv, stdin, expected code). The bootstrap is unreachable
(127.0.0.1:1, --timeout 1), so a case that wrongly reaches for the cluster shows as exit 6
instead of its own code. Cases that need a broker live in
tests/integration/test_bad_inputs_broker.py."""

from __future__ import annotations

import bz2
import gzip
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import run_kctl

NO_BROKER = ("-b", "127.0.0.1:1", "--timeout", "1")
HUGE = "99999999999999999999"
USAGE, CONFIG, NOT_FOUND, PARTIAL, UNAVAILABLE = 2, 3, 4, 5, 6


@dataclass
class Case:
    id: str
    argv: list
    code: int
    stdin: bytes | None = None
    broker: bool = True  # append NO_BROKER
    env: dict = field(default_factory=dict)


CASES: list[Case] = []


def case(id_, argv, code, stdin=None, broker=True, env=None):
    CASES.append(Case(id_, list(argv), code, stdin, broker, env or {}))


# --- malformed start/stop offsets and times (consume --from/--until) ------------------------
BAD_OFFSETS = ["abc", "1.5", "0x10", "1e3", "+-1", "--5", "²", "١٢", "１", "1 2", " ", "",
               "beginnings", "END", "stored!", "-", "+", HUGE, "-" + HUGE, "9" * 40]
for v in BAD_OFFSETS:
    case(f"consume --from {v!r}", ["consume", "t", "--from", v], USAGE)
for v in ["abc", "1.5", "0x10", "²", "-1", "-5", HUGE, "", "endd", "beginning"]:
    case(f"consume --until {v!r}", ["consume", "t", "--until", v], USAGE)
BAD_TIMES = ["@", "@abc", "@2024-13-01", "@2024-02-30", "@2024-01-01T25:00:00", "@2024-01-01T00:61",
             "@-1x", "@--1h", "@-h", "@1e5", "@²", "@1 2", "@" + HUGE, "@-" + HUGE + "d", "@-1.5.2h",
             "@yesterday", "@now!", "@1h", "@-1y", "@10000-01-01"]
for v in BAD_TIMES:
    case(f"consume --from {v!r}", ["consume", "t", "--from", v], USAGE)
for v in BAD_TIMES[:12]:
    case(f"consume --until {v!r}", ["consume", "t", "--until", v], USAGE)

# --- durations --------------------------------------------------------------------------------
BAD_DURATIONS = ["abc", "-1", "nan", "inf", "-inf", "1e400", "10x", "PT", "P", "1h1", "", "²", "5 s",
                 "--1", "0x5", "NaN"]
for v in BAD_DURATIONS:
    case(f"consume --idle-timeout {v!r}", ["consume", "t", "--idle-timeout", v], USAGE)
for v in ["abc", "-1", "nan", "inf", "0", "0.01", "", "1e400", "²", "-0.5"]:
    case(f"--timeout {v!r}", ["topics", "list", "-b", "127.0.0.1:1", "--timeout", v], USAGE, broker=False)
for v in ["abc", "nan", "inf", "-1", "0", "", "1e400"]:
    case(f"produce --delivery-timeout {v!r}", ["produce", "t", "--value", "x", "--delivery-timeout", v], USAGE)
for v in ["abc", "-1", "nan", "", "²"]:
    case(f"produce --linger-ms {v!r}", ["produce", "t", "--value", "x", "--linger-ms", v], USAGE)
for v in ["abc", "-1", "nan", "inf", ""]:
    case(f"e2e --interval {v!r}", ["e2e", "run", "--repeat", "2", "--interval", v], USAGE)
for v in ["abc", "-1", "nan", "inf"]:
    case(f"e2e --max-p99-ms {v!r}", ["e2e", "run", "--max-p99-ms", v], USAGE)

# --- partition lists and numbers --------------------------------------------------------------
BAD_PARTITIONS = ["a", "1,x", "-1", "1-", ",", "²", HUGE, "1;2", "0x1", "1.0", "", " ", "1,a", "2147483648"]
for v in BAD_PARTITIONS:
    case(f"consume -p {v!r}", ["consume", "t", "-p", v], USAGE)
for v in ["a", "-2", "²", HUGE, "1.5", "", "2147483648"]:
    case(f"produce -p {v!r}", ["produce", "t", "--value", "x", "-p", v], USAGE)
for v in ["a", "-1", "²", "1.5", ""]:
    case(f"produce -n {v!r}", ["produce", "t", "--value", "x", "-n", v], USAGE)
for v in ["a", "-1", "²", "0.5", ""]:
    case(f"consume -n {v!r}", ["consume", "t", "-n", v], USAGE)
for v in ["a", "0", "-1", "99999999999", HUGE, "²", "200000"]:
    case(f"topics create --partitions {v!r}", ["topics", "create", "t", "--partitions", v], USAGE)
for v in ["a", "0", "-1", "40000", HUGE]:
    case(f"topics create -r {v!r}", ["topics", "create", "t", "-r", v], USAGE)
for v in ["a", "-1", "nan", "1e9999", "²", ""]:
    case(f"produce --rate {v!r}", ["produce", "t", "--value", "x", "--rate", v], USAGE)
for v in ["a", "-1", "0", "²", HUGE, "2147483648"]:
    case(f"produce --batch-size {v!r}", ["produce", "t", "--value", "x", "--batch-size", v], USAGE)
for v in ["a", "0", "-1", "1.5", "²"]:
    case(f"e2e -n {v!r}", ["e2e", "run", "-n", v], USAGE)
for v in ["a", "0", "-1", "1.5", "²"]:
    case(f"e2e --repeat {v!r}", ["e2e", "run", "--repeat", v], USAGE)
for v in ["a", "0:", ":1", "0:a", f"0:{HUGE}", "x:1", "0=", "-1:5", "0:-5x", "²:1"]:
    case(f"topics delete-records --before {v!r}", ["topics", "delete-records", "t", "--before", v], USAGE)
for v in ["a", "-3", "²", HUGE, "1.5"]:
    # beyond the registry's max_instances: a configuration limit (exit 3); not a number: usage
    case(f"-i {v!r}", ["-i", v, "topics", "list", "--timeout", "1"], CONFIG if v in ("-3", HUGE) else USAGE,
         broker=False)

# --- unknown and invalid client properties (-X) -----------------------------------------------
BAD_PROPS = ["foo.bar=1", "noequals", "=1", "acks=banana", "queue.buffering.max.ms=-1",
             "compression.type=brotli", "batch.size=abc", "socket.timeout.ms=1e99",
             "message.max.bytes=0", "enable.idempotence=maybe"]
for p in BAD_PROPS:
    for cmd in (["topics", "list"], ["produce", "t", "--value", "x"], ["consume", "t"], ["groups", "list"],
                ["cluster", "describe"]):
        code = USAGE if p in ("noequals", "=1") else CONFIG
        case(f"-X {p} {cmd[0]}", [*cmd, "-X", p], code)

# --- conflicting options ----------------------------------------------------------------------
CONFLICTS = [
    ["produce", "t", "--value", "k:v", "-K", ":"],
    ["produce", "t", "--value", "x", "--input", "envelope"],
    ["produce", "t", "--value", "x", "-D", ";"],
    ["produce", "t", "--value", "x", "--input-compression", "gzip"],
    ["produce", "t", "--value", "x", "--file", "/dev/null"],
    ["produce", "t", "--transactional-id", ""],
    ["produce", "t", "--value", "x", "--acks", "0", "--idempotence"],
    ["produce", "t", "--value", "x", "--key-serializer", "rot13"],
    ["produce", "t", "--value", "x", "--partitioner", "lunar"],
    ["produce", "t", "--value", "x", "--input", "yaml"],
    ["produce", "t", "--value", "x", "--acks", "2"],
    ["produce", "t", "--value", "x", "-z", "brotli"],
    ["consume", "t", "-p", "0", "--group", "g"],
    ["consume", "t", "--key-deserializer", "rot13"],
    ["consume", "t", "--isolation", "dirty"],
    ["consume", "t", "--commit", "never"],
    ["consume", "t", "--match", "key=("],
    ["consume", "t", "--match", "nokey"],
    ["consume", "t", "-f", "%"],
    ["e2e", "run", "--interval", "5"],
    ["e2e", "run", "--all-instances", "-b", "127.0.0.1:1"],
    ["topics", "create", "t", "-c", "noequals"],
    ["topics", "alter-config", "t"],
    ["topics", "alter-config", "t", "-c", "retention.ms=1", "--dry-run", "--validate-only"],
    ["topics", "create", "t", "--dry-run", "--validate-only"],
    ["topics", "add-partitions", "t", "--to", "3", "--dry-run", "--validate-only"],
    ["groups", "reset-offsets", "g", "--topic", "t"],
    ["groups", "reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-latest"],
    ["-o", "xml", "topics", "list"],
    ["--log-format", "xml", "topics", "list"],
    ["topics", "list", "--no-such-option"],
    ["nosuchcommand"],
    ["topics", "nosuchsub"],
    ["consume"],
    ["produce"],
]
for argv in CONFLICTS:
    case("conflict " + " ".join(argv), argv, USAGE)

def _files(tmp: Path) -> dict[str, str]:
    """Broken files of every kind, made once per test session."""
    files = {}

    def put(name, data: bytes):
        path = tmp / name
        path.write_bytes(data)
        files[name] = str(path)

    put("binary.yaml", b"\x00\xff\xfe\x01not text")
    put("bad.yaml", b"instances: [\n  - {a: 1\n")
    put("tabs.yaml", b"a:\n\t- b\n")
    put("list.yaml", b"- 1\n- 2\n")
    put("scalar.yaml", b"just a string\n")
    put("wrong-shape.yaml", b"instances: 5\n")
    put("wrong-ctx.yaml", b"current-context: [a, b]\ncontexts: {}\n")
    put("ctx-missing.yaml", b"current-context: nope\ncontexts: {}\n")
    put("ctx-bad.yaml", b"current-context: a\ncontexts:\n  a: 7\n")
    put("dup.yaml", b"a: 1\na: 2\n")
    put("anchor.yaml", b"a: *nope\n")
    put("bad.properties", b"\xff\xfe=1\n")
    put("noequals.properties", b"this line has no separator at all\n")
    put("unknown.properties", b"no.such.property=1\n")
    put("badvalue.properties", b"acks=banana\n")
    put("trunc.gz", gzip.compress(b"a\nb\nc\n" * 1000)[:-30])
    put("notgz.gz", b"this is not gzip\n")
    put("bz2.gz", bz2.compress(b"a\n"))
    put("missing-file.properties", b"sasl.password=${file:/nonexistent/pw}\n")
    (tmp / "adir").mkdir(exist_ok=True)
    files["adir"] = str(tmp / "adir")
    files["missing"] = str(tmp / "no" / "such" / "file")
    dangling = tmp / "dangling"
    if not dangling.is_symlink():
        dangling.symlink_to(tmp / "gone")
    files["dangling"] = str(dangling)
    files["eio"] = "/proc/self/mem"  # exists, readable by name, fails on read (EIO) even for root
    if not (tmp / "fifo").exists():
        os.mkfifo(tmp / "fifo")  # no writer ever comes: opening it for reading would wait for good
    files["fifo"] = str(tmp / "fifo")
    return files


FILE_CASES = []  # (id, argv template with {name}, code, env template)
YAMLS = ["binary.yaml", "bad.yaml", "tabs.yaml", "list.yaml", "scalar.yaml", "wrong-shape.yaml", "anchor.yaml",
         "adir", "missing", "eio", "fifo"]
for f in YAMLS:
    FILE_CASES.append((f"--registry {f}", ["--registry", "<%s>" % f, "-i", "0", "topics", "list", "--timeout", "1"],
                       CONFIG, {}))
# (a missing config file is no config; a key it does not know is refused: issue 22)
for f in [y for y in YAMLS if y != "missing"] + ["wrong-ctx.yaml", "ctx-missing.yaml",
                                                                            "ctx-bad.yaml"]:
    FILE_CASES.append((f"KCTL_CONFIG {f}", ["topics", "list", *NO_BROKER], CONFIG, {"KCTL_CONFIG": "<%s>" % f}))
for f in ["binary.yaml", "bad.properties", "noequals.properties", "unknown.properties", "badvalue.properties",
          "adir", "missing", "eio", "fifo", "missing-file.properties", "bad.yaml", "list.yaml"]:
    FILE_CASES.append((f"--command-config {f}", ["--command-config", "<%s>" % f, "topics", "list", *NO_BROKER],
                       CONFIG, {}))
for f in ["adir", "missing", "dangling"]:
    FILE_CASES.append((f"produce --file {f}", ["produce", "t", "--file", "<%s>" % f, *NO_BROKER], USAGE, {}))
for f, code in [("adir", USAGE), ("fifo", USAGE), ("missing", USAGE), ("eio", USAGE)]:
    FILE_CASES.append((f"perf produce --payload-file {f}", ["perf", "produce", "t", "--payload-file", "<%s>" % f,
                                                            *NO_BROKER], code, {}))
FILE_CASES += [
    ("produce --failed-file a directory", ["produce", "t", "--value", "x", "--failed-file", "<adir>", *NO_BROKER],
     USAGE, {}),
    ("produce --failed-file in a missing folder",
     ["produce", "t", "--value", "x", "--failed-file", "<missing>/out.jsonl", *NO_BROKER], USAGE, {}),
    ("e2e --junit a directory", ["e2e", "run", "--junit", "<adir>", *NO_BROKER], USAGE, {}),
    ("e2e --junit in a missing folder", ["e2e", "run", "--junit", "<missing>/out.xml", *NO_BROKER], USAGE, {}),
    # the log file is set up with the configuration, before the command runs: exit 3
    ("--log-file a directory", ["--log-file", "<adir>", "topics", "list", *NO_BROKER], CONFIG, {}),
    ("--log-file in a missing folder", ["--log-file", "<missing>/x.log", "topics", "list", *NO_BROKER], CONFIG, {}),
]


def _fill(value: str, files: dict) -> str:
    """'<name>' -> the path of that broken file."""
    return re.sub(r"<([^>]+)>", lambda m: files[m.group(1)], value)


@pytest.fixture(scope="session")
def broken_files(tmp_path_factory):
    return _files(tmp_path_factory.mktemp("bad-inputs"))


def _one_error_line(result, code: int) -> str:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result
    assert result.code == code, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) >= 1 and lines[0].startswith("kctl: error: "), result.stderr
    # one error line; a hint may follow on its own line
    assert sum(line.startswith("kctl: error:") for line in lines) == 1, result.stderr
    assert len(lines) <= 2 and all(not line.startswith(" ") for line in lines), result.stderr
    return lines[0]


def test_the_corpus_is_large_enough():
    assert len(CASES) + len(FILE_CASES) >= 300


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.id)
def test_bad_command_lines(c: Case):
    argv = [*c.argv, *(NO_BROKER if c.broker else ())]
    _one_error_line(run_kctl(*argv, input=c.stdin, env={"KCTL_CONFIG": os.devnull, **c.env}), c.code)


@pytest.mark.parametrize("id_, argv, code, env", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_bad_files(id_, argv, code, env, broken_files):
    argv = [_fill(a, broken_files) for a in argv]
    env = {"KCTL_CONFIG": os.devnull, **{k: _fill(v, broken_files) for k, v in env.items()}}
    _one_error_line(run_kctl(*argv, env=env), code)


# ---------------------------------------------------------------- kctl quotas: refused before any request

QUOTAS_BAD = [
    (["quotas", "set", "--user", "a", "--set", "producer_byte_rate=x"], "expected a number"),
    (["quotas", "set", "--user", "a", "--set", "producer_byte_rate=-1"], "above 0"),
    (["quotas", "set", "--user", "a", "--set", "producer_byte_rate=nan"], "above 0"),
    (["quotas", "set", "--user", "a", "--set", "connection_creation_rate=5"], "not a quota of user=a"),
    (["quotas", "set", "--ip", "10.0.0.1", "--set", "producer_byte_rate=5"], "not a quota of ip=10.0.0.1"),
    (["quotas", "set", "--user", "a"], "nothing to set"),
    (["quotas", "set", "--set", "producer_byte_rate=5"], "name the entity"),
    (["quotas", "set", "--user", "a", "--default-user", "--set", "producer_byte_rate=5"], "two entities"),
    (["quotas", "set", "--user", "", "--set", "producer_byte_rate=5"], "needs a name"),
    (["quotas", "set", "--ip", "1.2.3.4", "--user", "a", "--set", "connection_creation_rate=5"], "stands alone"),
    (["quotas", "set", "--user", "a", "--set", "producer_byte_rate"], "expects key=value"),
    (["quotas", "delete", "--user", "a", "--key", "bogus"], "not a quota of user=a"),
    (["quotas", "describe"], "name the entity"),
    (["quotas", "resolve"], "resolve for whom"),
]


@pytest.mark.parametrize("args, message", QUOTAS_BAD, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_quotas_bad_input_is_one_line_and_exit_2(args, message):
    result = run_kctl("-b", "127.0.0.1:1", "--timeout", "0.5", *args)
    assert result.code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kctl: error:") and message in lines[0], result.stderr
