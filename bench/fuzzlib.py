"""The CLI fuzzer: command lines over kctl's whole command tree, run through the real entry point
against a real broker, and the invariants every one of them must keep. Shared by the property
test (tests/integration/test_cli_fuzz.py, hypothesis) and the timed run (bench/fuzz, random).

The tree is walked from the click commands typer builds (the lazy groups build on lookup), so a
new command or option is fuzzed without being listed here. Each parameter gets a *role* (from
its click type, else from its name: topic, group, path, address, ...) and each role a list of
valid and hostile values. Safety does not rest on kctl behaving: every value that could name a
resource on the shared broker is either one this fuzzer made (its prefix) or one no resource can
have; addresses of services other than instance 0 (Temporal, Schema Registry, other clusters) are
always ones that fail at once (127.0.0.1:1).

The invariants (`broken`): exit code in the README's exit code table without 1 (an internal error is a bug),
no death by signal, no hang, no traceback, finished within --timeout + 5 s, and a failure says
so in exactly one `kctl: error: MESSAGE (HINT)` line, the last of stderr (kctl.__main__ prints the
hint in parentheses on the same line; plans, notes and warnings may come before it).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

TIMEOUT_S = 2  # the --timeout every line runs with
GRACE_S = 5  # a line must end within --timeout + GRACE_S
KILL_AFTER_S = TIMEOUT_S + 10  # a line still running then is killed and reported as a hang
DOCUMENTED_EXITS = {0, 2, 3, 4, 5, 6, 7, 8, 9}  # README's table; 1 (internal error) is a bug here
FAIL_FAST = "127.0.0.1:1"  # nothing listens on port 1: connecting fails at once

# Commands never run, and why.
EXCLUDED_COMMANDS = {
    "ui": "a full-screen TUI: it waits for keys on a terminal, there is nothing to fuzz without one",
    "local up": "starts brokers (an instance other than 0/1, or --reset of a shared one): the machine is shared",
    "local down": "stops brokers: instance 0 and 1 are shared by everyone",
}
# Options never drawn, and why (("" = the root's global options, param name)).
EXCLUDED_OPTIONS = {
    ("", "debug"): "prints the traceback of every error on purpose",
    ("", "instance"): "fixed: every line runs against -i 0 (instance 1 and others are never targeted)",
    ("", "timeout"): "fixed: every line runs with --timeout 2, the bound the time invariant uses",
    ("", "version"): "eager: the line would only print the version (covered by one explicit example)",
    ("e2e run", "all_instances"): "runs against every instance that answers, instance 1 included",
    ("copy", "follow"): "follows the source for good (until Ctrl-C)",
    ("local logs", "follow"): "follows the log for good (until Ctrl-C)",
    ("groups lag", "watch"): "redraws until Ctrl-C",
}

# Commands whose scope, without --topic, is the whole (shared) cluster: never --yes there.
CLUSTER_WIDE = {"cluster elect-leaders", "cluster reassignments", "acls delete"}


# ---------------------------------------------------------------- the command tree

@dataclass(frozen=True)
class Param:
    name: str
    opt: str | None  # the option's longest spelling; None for an argument
    role: str
    flag: bool = False
    count: bool = False
    multiple: bool = False  # a repeatable option or an argument of nargs=-1
    required: bool = False
    choices: tuple[str, ...] = ()
    bounds: tuple[int | None, int | None] = (None, None)


@dataclass(frozen=True)
class Command:
    path: str  # as typed after `kctl`: "topics list"
    params: tuple[Param, ...]


def _longest(opts: Sequence[str]) -> str:
    return max(opts, key=len)


def _param(command_path: str, p) -> Param:
    from typer._click import types  # the click typer runs on (kctl.cli.clicklib)

    from kctl.cli.clicklib import Option
    from kctl.cli.options import Duration, Position, Time

    t = p.type
    is_option = isinstance(p, Option)
    flag = bool(is_option and p.is_flag and not p.count)
    choices = tuple(str(c) for c in getattr(t, "choices", ()) or ())
    bounds = (getattr(t, "min", None), getattr(t, "max", None)) if isinstance(t, types.IntRange) else (None, None)
    if flag:
        role = "flag"
    elif choices:
        role = "choice"
    elif isinstance(t, Duration):
        role = "duration-bounded" if p.name in BOUNDED_DURATIONS else "duration"
    elif isinstance(t, Position):
        role = "position-" + t.end
    elif isinstance(t, Time):
        role = "time"
    elif isinstance(t, types.IntParamType):
        role = INT_ROLES.get(p.name, "int")
    elif isinstance(t, types.FloatParamType):
        role = "float"
    else:
        role = STRING_ROLES.get((command_path, p.name)) or STRING_ROLES.get(p.name, "string")
    return Param(
        name=p.name, opt=_longest(p.opts) if is_option else None, role=role, flag=flag,
        count=bool(is_option and p.count), multiple=bool(getattr(p, "multiple", False) or p.nargs == -1),
        required=bool(p.required), choices=choices, bounds=bounds)


def command_tree() -> tuple[tuple[Param, ...], list[Command]]:
    """(the root's global options, every leaf command with its parameters), in a fixed order."""
    import typer.main

    from kctl.cli.app import app

    root = typer.main.get_command(app)
    leaves: list[Command] = []

    def walk(command, path: list[str]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name in sorted(subs):
                walk(subs[name], [*path, name])
            return
        text = " ".join(path)
        leaves.append(Command(text, tuple(_param(text, p) for p in command.params if p.name not in ("help",))))

    walk(root, [])
    global_params = tuple(_param("", p) for p in root.params if p.name != "help")
    return global_params, leaves


# ---------------------------------------------------------------- roles and their values

# Durations a command waits out on purpose (a long one would be a hang this fuzzer made itself).
BOUNDED_DURATIONS = {"idle_timeout", "wait_empty", "interval", "batch_ms", "wait", "grace"}

INT_ROLES = {
    # instance numbers: never 1..9, the other engineers' instances
    "from_instance": "instance", "to_instance": "instance", "instance": "instance", "instance_id": "instance",
    # sizes of work: a huge valid one would be a long run (or GBs of memory) this fuzzer asked for
    "records": "work", "count": "work", "messages": "work", "max_messages": "work", "consumers": "work",
    # --repeat N is N runs, each within --timeout (a canary keeps probing a cluster that is down)
    "repeat": "repeat", "test_messages_count": "work", "lines": "work",
    "record_size": "size", "size": "size",
    "partitions": "partitions", "to": "partitions", "num_partitions": "partitions",
    "replication": "replication", "replication_factor": "replication", "factor": "replication",
}

STRING_ROLES = {
    "topic": "topic", "topics": "topic", "names": "topic", "source": "topic", "destination": "topic",
    "topic_arg": "topic", "topic_args": "topic", "topic_name": "topic", ("topics restore", "to"): "topic",
    "name": "name",
    "group": "group", "group_id": "group", "group_ids": "group", "to_group": "group",
    "pattern": "pattern", "regex": "pattern",
    **{n: "path" for n in (
        "files", "file", "failed_file", "payload_file", "directory", "junit", "export", "from_file", "plan",
        "params_file", "password_file", "key_password_file", "ca_file", "cert_file", "key_file",
        "schema_registry_password_file", "schema_registry_ca_file", "log_file", "registry", "command_config",
        "value_schema", "key_schema")},
    **{n: "address" for n in ("schema_registry", "temporal", "bootstrap", "to_bootstrap", "oauth_token_url", "connect_url")},
    "context": "context", "from_context": "context", "to_context": "context",
    "config": "property", "set_": "property", "properties": "property",
    "header": "header", "delete": "config-key", "unset": "config-key",
    "partition": "partitions-spec", "partitions": "partitions-spec",
    "before": "offsets-spec", "brokers": "brokers",
    "user": "user", "users": "user",
    "password_env": "env-var", "key_password_env": "env-var", "schema_registry_password_env": "env-var",
    "mechanism": "mechanism", "principal": "principal", "operation": "operation", "permission": "permission",
    "resource_type": "resource-type", "resource_name": "prefixed", "pattern_type": "pattern-type",
    "host": "host", "set_compatibility": "compatibility", "version": "version",
    "subject": "prefixed", "value_subject": "prefixed", "key_subject": "prefixed",
    "transactional_id": "prefixed", "transactional_ids": "prefixed", "workflow_id": "prefixed",
    "task_queue": "prefixed", "namespace": "prefixed", "snapshot": "prefixed",
    "state": "state", "states": "state", "type_": "group-type",
    "template": "template", "fmt": "template", "delimiter": "separator", "key_separator": "separator",
    "match": "match", "acks": "acks", "compression": "compression", "partitioner": "partitioner",
    "key_serializer": "serializer",
}


@dataclass
class Pools:
    """What the values are drawn from: names this run made (on instance 0), names nothing has,
    and the files of a private temporary directory."""

    prefix: str
    tmp: Path
    topics: tuple[str, ...]  # made by this run
    groups: tuple[str, ...]  # made by this run (committed offsets on the first topic)

    @property
    def missing_topic(self) -> str:
        return f"{self.prefix}-missing"

    def paths(self) -> list[str]:
        t = self.tmp / "files"
        return [str(t / "missing"), str(t / "dir"), "/dev/null", str(t / "unreadable"), str(t / "garbage"),
                str(t / "empty"), str(t / "unknown-key.json"), str(t / "garbage" / "below-a-file"),
                str(t / "dump"), "../", ""]

    def values(self, role: str, param: Param) -> list[str]:
        p = self.prefix
        hostile = ["", f"{p}-" + "x" * 5000, f"{p}-é☃\u202e", f"{p}-\x01\x1b[31m", "../", "-x", f"{p}-%s{{}}"]
        ints = ["1", "3", "0", "-1", "99999999999999999999", "x", "2.5", ""]
        lo, hi = param.bounds
        ints += [str(b + d) for b, d in ((lo, 0), (lo, -1), (hi, 0), (hi, 1)) if b is not None]
        table: dict[str, list[str]] = {
            "choice": [*param.choices, "nope", "", *(c.upper() for c in param.choices[:1])],
            "duration": ["1s", "500ms", "2m", "0", "-1", "x", "", "nan", "1e400", "100000d", "1.5"],
            "duration-bounded": ["100ms", "1s", "0", "-1", "x", "", "nan", "1e400"],
            "position-from": ["beginning", "end", "stored", "0", "-1", "-1h", "@0", "0=1", "x", "", "99999999999999999999"],
            "position-until": ["end", "0", "1", "-1h", "@0", "@9999999999999", "x", ""],
            "time": ["2020-01-01T00:00:00", "now", "x", "", "-1h", "@0", "9999-12-31"],
            "int": ints,
            "instance": ["0", "-1", "99", "x", "99999999999999999999"],
            "work": ["1", "3", "0", "-1", "x", ""],
            "repeat": ["1", "0", "-1", "x", ""],
            "size": ["100", "0", "-1", "2000000", "x"],
            # 2^31 would wrap to a negative int32; a count that wraps to a small positive one could
            # create that many partitions on the shared broker
            "partitions": ["1", "3", "0", "-1", "x", "2147483648"],
            "replication": ["1", "2", "0", "-1", "x", "32768"],
            "float": ["100", "0", "-1", "x", "nan", "inf", "1e308", ""],
            "topic": [*self.topics, self.missing_topic, "", "../", "a/b", f"{p}-é", "x" * 300, "-x", "."],
            "name": [*self.topics, self.missing_topic, "1", "999", "-1", "", "x" * 300, f"{p}-ctx"],
            "group": [*self.groups, f"{p}-g-missing", "", f"{p}-" + "x" * 5000, f"{p}-é☃", f"{p}-\x01", "-x"],
            "pattern": [f"^{p}.*", f"{p}-.*", f"{p}-[", "(", f"{p}*"],
            "path": self.paths(),
            "address": [FAIL_FAST, f"http://{FAIL_FAST}", "127.0.0.1:99999", "[::1", "http://"],
            "context": [f"{p}-ctx", "no-such-context", ""],
            "property": ["retention.ms=60000", "x", "=", "a=b", "cleanup.policy=compact", "min.insync.replicas=99",
                         "retention.ms=-5", "segment.bytes=x", "é=☃", "retention.ms="],
            "header": ["a=b", "a", "=", "é=☃", "a=b=c", "a:b"],
            "config-key": ["retention.ms", "x", "", "cleanup.policy", "é"],
            "partitions-spec": ["0", "0,1", "-1", "x", "99", "0-2", "0:5", ""],
            "offsets-spec": ["0:1", "0=1", "x", "-1", "0:-1", "99:1", "1", ""],
            "brokers": ["1", "1,1", "x", "99", "", "-1"],
            "user": [f"{p}-u", "", f"{p}-é☃", f"{p}-" + "x" * 5000, "-x"],
            "env-var": ["KCTL_FUZZ_NO_SUCH_VAR", "", "="],
            "mechanism": ["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN", "x", ""],
            "principal": [f"User:{p}", "x", "", "User:"],
            "operation": ["Read", "All", "x", ""],
            "permission": ["Allow", "Deny", "x", ""],
            "resource-type": ["topic", "group", "cluster", "x", ""],
            "pattern-type": ["literal", "prefixed", "match", "x"],
            "host": ["*", "1.2.3.4", "x", ""],
            "prefixed": [f"{p}-id", "", f"{p}-é☃", f"{p}-" + "x" * 5000, "-x", "../"],
            "compatibility": ["BACKWARD", "NONE", "x", ""],
            "version": ["1", "latest", "x", "-1", "", "99999999999999999999"],
            "state": ["Stable", "Empty", "Ongoing", "x", ""],
            "group-type": ["classic", "consumer", "x", ""],
            "template": ["%k\\t%v\\n", "{key}", "%", "%z", "", "%T %p %o %h", "%s{"],
            "separator": ["\t", "", ",", "\\n", "::"],
            "match": ["key=a", "value=(", "header.x=.*", "x", "", "value="],
            "acks": ["0", "1", "all", "-1", "x"],
            "compression": ["lz4", "zstd", "none", "gzip", "x", ""],
            "partitioner": ["murmur2", "consistent", "random", "x", ""],
            "serializer": ["string", "int32", "json", "x", ""],
            "string": [f"{p}-x", *hostile],
        }
        return table[role]

    def valid(self, role: str, param: Param) -> list[str]:
        """The leading values of the role's list that a command should accept."""
        count = len(param.choices) if role == "choice" else VALID_COUNT.get(role, 1)
        return self.values(role, param)[:count]


# How many of a role's values (its list's first ones) are valid; the rest are hostile.
VALID_COUNT = {
    "duration": 3, "duration-bounded": 2, "position-from": 7, "position-until": 5, "time": 2, "int": 2,
    "work": 2, "repeat": 1, "partitions": 2, "replication": 2, "topic": 3, "name": 4, "group": 2, "pattern": 2,
    "property": 1, "header": 1, "config-key": 1, "partitions-spec": 2, "offsets-spec": 1, "mechanism": 2,
    "operation": 2, "permission": 2, "resource-type": 2, "pattern-type": 2, "host": 2, "compatibility": 2,
    "version": 2, "state": 3, "group-type": 2, "template": 2, "separator": 3, "match": 1, "acks": 3,
    "compression": 4, "partitioner": 3, "serializer": 3,
}


# ---------------------------------------------------------------- building a line

class Picker:
    """The source of choices: hypothesis draws (the test) or a random.Random (bench/fuzz)."""

    def choice(self, items: Sequence):
        raise NotImplementedError

    def chance(self, percent: int) -> bool:
        raise NotImplementedError


class RandomPicker(Picker):
    def __init__(self, rng):
        self.rng = rng

    def choice(self, items: Sequence):
        return self.rng.choice(list(items))

    def chance(self, percent: int) -> bool:
        return self.rng.randrange(100) < percent


@dataclass
class Tree:
    global_params: tuple[Param, ...]
    commands: list[Command]

    @classmethod
    def load(cls) -> "Tree":
        return cls(*command_tree())

    @property
    def fuzzed(self) -> list[Command]:
        return [c for c in self.commands if c.path not in EXCLUDED_COMMANDS]


def _draw_params(path: str, params: Sequence[Param], pools: Pools, pick: Picker, percent: int) -> tuple[list[str], list[str]]:
    """(options, arguments) for one command's parameters."""
    options: list[str] = []
    arguments: list[str] = []
    for param in params:
        if (path, param.name) in EXCLUDED_OPTIONS:
            continue
        # an address of another service is always given (absent, the registry's default for
        # instance 0 would be used: a Temporal or Schema Registry someone else may run there)
        always = param.role == "address" and path != ""
        if not always and not pick.chance(95 if param.required else percent):
            continue
        if param.count:
            options += [param.opt] * pick.choice([1, 2, 3])
        elif param.flag:
            options.append(param.opt)
        else:
            times = pick.choice([1, 1, 2]) if param.multiple else 1
            for _ in range(times):
                pool = pools.valid if pick.chance(60) else pools.values
                value = pick.choice(pool(param.role, param))
                if param.opt is None:
                    arguments.append(value)
                else:
                    options += [param.opt, value]
    return options, arguments


def _has(options: Sequence[str], opt: str) -> bool:
    return opt in options


def make_safe(command: Command, options: list[str], arguments: Sequence[str], pools: Pools) -> list[str]:
    """Rules that keep a line off what this fuzzer did not make (see the module's docstring)."""
    path = command.path
    if path in CLUSTER_WIDE and (path == "acls delete" or not _has(options, "--topic")):
        options = _without_flag(options, "--yes")
    if path == "configs alter" and (list(arguments[:1]) != ["topic"] or _has(options, "--default")):
        options.append("--dry-run")  # broker configs (and --default, cluster-wide) are shared: plan only
    if path == "consume" and not _has(options, "--idle-timeout"):
        options += ["--idle-timeout", "1s"]  # unbounded otherwise: it would wait for new records for good
    if path.startswith("perf ") and not _has(options, "--records"):
        options += ["--records", "100"]  # the defaults are a benchmark's worth (100,000): minutes at --batch-size 1
    if path == "e2e run" and _has(options, "--no-cleanup") and not _has(options, "--topic"):
        options += ["--topic", pools.missing_topic]  # what it leaves is then this run's to delete
    return options


def _without_flag(options: list[str], flag: str) -> list[str]:
    return [o for o in options if o != flag]


def build_line(tree: Tree, pools: Pools, pick: Picker, command: Command | None = None) -> list[str]:
    """One command line (the arguments after `kctl`), always against `-i 0 --timeout 2`."""
    command = command or pick.choice(tree.fuzzed)
    global_options, _ = _draw_params("", tree.global_params, pools, pick, percent=4)
    options, arguments = _draw_params(command.path, command.params, pools, pick, percent=30)
    options = make_safe(command, options, arguments, pools)
    return ["-i", "0", "--timeout", str(TIMEOUT_S), *global_options, *command.path.split(), *options, *arguments]


def command_of(tree: Tree, line: Sequence[str]) -> str:
    """The command path a line runs ("topics list", "cluster client-metrics set"): the longest that matches."""
    paths = {c.path for c in tree.commands}
    words = [w for w in line if not w.startswith("-")]
    for n in range(max(len(p.split()) for p in paths), 0, -1):
        for i in range(len(words) - n + 1):
            if " ".join(words[i:i + n]) in paths:
                return " ".join(words[i:i + n])
    return "?"


# ---------------------------------------------------------------- running and checking

@dataclass
class Outcome:
    line: list[str]
    code: int | None  # None: killed after KILL_AFTER_S
    stdout: str
    stderr: str
    seconds: float

    @property
    def shell(self) -> str:
        """The line as a shell command (a long run of one character written as a printf)."""
        return "kctl " + " ".join(_shell_word(word) for word in self.line)


def _shell_word(word: str) -> str:
    match = re.fullmatch(r"(.*?)(.)\2{99,}", word, re.S)
    if not match or "'" in match[1] + match[2]:
        return shlex.quote(word)
    head, char, times = match[1], match[2], len(word) - len(match[1])
    return f"\"{head}$(printf '{char}%.0s' $(seq {times}))\""


def run_line(line: Sequence[str], env: dict[str, str], cwd: str) -> Outcome:
    """`python3 -m kctl LINE` in its own session, stdin /dev/null; killed (with its children)
    after KILL_AFTER_S."""
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "kctl", *line], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=cwd, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=KILL_AFTER_S)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        code = None
    seconds = time.monotonic() - start
    try:  # children it left behind (an e2e child, say) go with it
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return Outcome(list(line), code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), seconds)


def broken(outcome: Outcome) -> list[str]:
    """The invariants this line broke (empty: none)."""
    problems = []
    code = outcome.code
    if code is None:
        return [f"hang: still running after {KILL_AFTER_S} s (killed)"]
    if code < 0:
        problems.append(f"killed by signal {signal.Signals(-code).name}")
    elif code == 1:
        problems.append("exit 1 (internal error)")
    elif code not in DOCUMENTED_EXITS:
        problems.append(f"exit {code} is not in the documented table")
    if "Traceback" in outcome.stderr or "Traceback" in outcome.stdout:
        problems.append("a traceback")
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("kctl: error:")]
    if code and code > 0:
        if len(errors) != 1:
            problems.append(f"{len(errors)} 'kctl: error:' lines on stderr (exit {code})")
        elif lines[-1] != errors[0]:
            problems.append("the 'kctl: error:' line is not the last line of stderr")
    elif code == 0 and errors:
        problems.append("exit 0 with a 'kctl: error:' line")
    if outcome.seconds > TIMEOUT_S + GRACE_S:
        problems.append(f"took {outcome.seconds:.1f} s (--timeout {TIMEOUT_S} + {GRACE_S})")
    return problems


def describe(outcome: Outcome, problems: Sequence[str]) -> str:
    tail = outcome.stderr.strip().splitlines()[-6:]
    return (f"{outcome.shell}\n  broke: {'; '.join(problems)}\n  exit {outcome.code} in {outcome.seconds:.1f} s;"
            f" stderr tail:\n    " + "\n    ".join(line[:300] for line in tail))


# ---------------------------------------------------------------- the run's private world

@dataclass
class World:
    """A private HOME/config/state, the files of the path pool, and the topics and groups this
    run made on instance 0 (removed by `clean_up`, with everything else carrying the prefix)."""

    tmp: Path
    pools: Pools
    env: dict[str, str]
    cwd: str = field(default="")
    started: float = field(default_factory=time.monotonic)  # when the lines began (a budget's start)

    def kctl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kctl", "-i", "0", *args], stdin=subprocess.DEVNULL,
                              capture_output=True, env=self.env, cwd=self.cwd, timeout=120)

    def must(self, *args: str) -> str:
        proc = self.kctl(*args)
        if proc.returncode != 0:
            raise RuntimeError(f"kctl {shlex.join(args)}: exit {proc.returncode}: {proc.stderr.decode()[-500:]}")
        return proc.stdout.decode()

    def ensure_made(self) -> None:
        """The run's topics exist (a line may have deleted them): the first with records and a group."""
        p = self.pools
        listed = {t["name"] for t in json.loads(self.must("-o", "json", "topics", "list", "--internal"))}
        first, second = p.topics
        if first not in listed:
            self.must("topics", "create", first, "-p", "3")
            self.must("produce", first, "--value", "fuzz", "--count", "5")
            self.must("consume", first, "--group", p.groups[0], "--from", "beginning", "--until", "end")
        if second not in listed:
            self.must("topics", "create", second, "-p", "1")

    def clean_up(self) -> list[str]:
        """Delete every topic, group and SCRAM user carrying the prefix; what could not go."""
        prefix = self.pools.prefix
        left = []
        topics = [t["name"] for t in json.loads(self.must("-o", "json", "topics", "list"))
                  if t["name"].startswith(prefix)]
        groups = [g["group_id"] for g in json.loads(self.must("-o", "json", "groups", "list", "--no-lag"))
                  if g["group_id"].startswith(prefix)]
        for what, names in (("topics", topics), ("groups", groups)):
            if names and self.kctl(what, "delete", "--yes", *names).returncode != 0:
                left.append(f"{what}: {names}")
        users = self.kctl("-o", "json", "users", "list")
        if users.returncode == 0:
            for user in json.loads(users.stdout or b"[]"):
                name = user.get("user") or user.get("name") or ""
                if name.startswith(prefix) and self.kctl("users", "delete", "--yes", name).returncode != 0:
                    left.append(f"user {name}")
        return left


def make_world(tmp: Path, prefix: str | None = None) -> World:
    prefix = prefix or "kctl-fuzz-" + uuid.uuid4().hex[:8]
    files = tmp / "files"
    (files / "dir").mkdir(parents=True)
    (files / "dump").mkdir()
    (files / "unreadable").write_text("retention.ms=1\n")
    os.chmod(files / "unreadable", 0)  # (root reads it anyway: then it is one more small file)
    (files / "garbage").write_bytes(b"\xff\xfe{[: not: yaml,\x00\n\t- -")
    (files / "empty").write_bytes(b"")
    (files / "unknown-key.json").write_text('{"no_such_key": 1, "steps": "x"}\n')
    home = tmp / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KCTL_") and k not in ("XDG_CONFIG_HOME", "XDG_STATE_HOME")}
    env.update({
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_STATE_HOME": str(home / ".state"),
        "KCTL_CONFIG": str(home / "kctl-config.yaml"), "KCTL_STATE_DIR": str(home / "kctl-state"),
        "KCTL_REGISTRY": str(REPO_ROOT / "port_registry.yaml"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "COLUMNS": "120",
    })
    pools = Pools(prefix=prefix, tmp=tmp, topics=(f"{prefix}-t1", f"{prefix}-t2"), groups=(f"{prefix}-g1",))
    work = tmp / "cwd"
    work.mkdir()
    return World(tmp=tmp, pools=pools, env=env, cwd=str(work))

