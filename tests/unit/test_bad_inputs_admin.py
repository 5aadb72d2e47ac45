"""Issue 22, item 5: the bad-input table of the admin commands (configs, acls, users, quotas,
cluster, doctor, log dirs and replicas), no broker. Each case is refused with its documented exit
code, one `kctl: error:` line, no traceback and nothing on stdout. The bootstrap is unreachable
(127.0.0.1:1, --timeout 2): a case that wrongly reaches for the cluster shows as exit 6, and a
case that is meant to reach it must give up within the timeout + 5 s. Cases that need a broker
are in tests/integration/test_bad_inputs_admin.py."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.bad_input_table import (CONFIG, HUGE, NO_BROKER, NUL, UNAVAILABLE, USAGE, Table,
                                   one_error_line, run_bounded)

T = Table()
case = T.case

# --- configs ----------------------------------------------------------------------------------
case("configs describe: no type", ["configs", "describe"], USAGE)
case("configs describe: unknown type", ["configs", "describe", "widget", "x"], USAGE)
case("configs describe: type in capitals", ["configs", "describe", "TOPIC", "x"], USAGE)
for v in ["abc", "-1", "", "1.5", "0x1", "²", " 1", "1e3"]:
    case(f"configs describe broker {v!r}", ["configs", "describe", "broker", v], USAGE)
case("configs describe topic: no name", ["configs", "describe", "topic"], USAGE)
case("configs describe group: no name", ["configs", "describe", "group"], USAGE)
for v in ["", NUL]:
    case(f"configs describe topic {v[:12]!r}", ["configs", "describe", "topic", v], USAGE)
for v in ["", NUL]:
    case(f"configs describe group {v[:12]!r}", ["configs", "describe", "group", v], USAGE)
case("configs describe broker 1 --default", ["configs", "describe", "broker", "1", "--default"], USAGE)
case("configs describe topic --default", ["configs", "describe", "topic", "t", "--default"], USAGE)
case("configs alter: nothing to change", ["configs", "alter", "topic", "t"], USAGE)
case("configs alter group", ["configs", "alter", "group", "g", "-c", "a=1"], USAGE)
case("configs alter --dry-run --validate-only", ["configs", "alter", "topic", "t", "-c", "retention.ms=1", "--dry-run",
                                                 "--validate-only"], USAGE)
case("configs alter broker --dry-run --validate-only", ["configs", "alter", "broker", "1", "-c", "a=1", "--dry-run",
                                                        "--validate-only"], USAGE)
case("configs alter topic: no name", ["configs", "alter", "topic", "-c", "retention.ms=1"], USAGE)
for v in ["noequals", "=1", "", "="]:
    case(f"configs alter -c {v!r}", ["configs", "alter", "topic", "t", "-c", v], USAGE)
case("configs alter --delete ''", ["configs", "alter", "topic", "t", "--delete", ""], USAGE)
case("configs alter: set and delete one key", ["configs", "alter", "topic", "t", "-c", "retention.ms=1",
                                               "--delete", "retention.ms"], USAGE)
for v in ["abc", "-1", "1.5", ""]:
    case(f"configs alter broker {v!r}", ["configs", "alter", "broker", v, "-c", "log.cleaner.threads=2"], USAGE)
case("configs alter broker: no id", ["configs", "alter", "broker", "-c", "log.cleaner.threads=2"], USAGE)
case("configs alter broker 1 --default", ["configs", "alter", "broker", "1", "--default", "-c", "a=1"], USAGE)
case("configs describe topic: unreachable", ["configs", "describe", "topic", "t"], UNAVAILABLE)
case("configs alter topic: unreachable", ["configs", "alter", "topic", "t", "-c", "retention.ms=1"], UNAVAILABLE)

# --- acls -------------------------------------------------------------------------------------
ACL = ["--principal", "User:alice", "--operation", "read", "--resource-type", "topic", "--resource-name", "t"]


def acl(**override):
    args = dict(zip(ACL[::2], ACL[1::2]))
    for key, value in override.items():
        flag = "--" + key.replace("_", "-")
        if value is None:
            args.pop(flag, None)
        else:
            args[flag] = value
    return [a for pair in args.items() for a in pair]


case("acls create: no principal", ["acls", "create", *acl(principal=None)], USAGE)
case("acls create: no operation", ["acls", "create", *acl(operation=None)], USAGE)
case("acls create: no resource type", ["acls", "create", *acl(resource_type=None)], USAGE)
case("acls create topic: no resource name", ["acls", "create", *acl(resource_name=None)], USAGE)
for v in ["alice", "User:", "", ":alice", "User:" + NUL, "Group:", ":"]:
    case(f"acls create --principal {v[:14]!r}", ["acls", "create", *acl(principal=v)], USAGE)
for v in ["fly", "", "READ!", "any", NUL]:
    case(f"acls create --operation {v!r}", ["acls", "create", *acl(operation=v)], USAGE)
for v in ["widget", "", "TOPIC!", "any"]:
    case(f"acls create --resource-type {v!r}", ["acls", "create", *acl(resource_type=v)], USAGE)
for v in ["maybe", "", "any"]:
    case(f"acls create --permission {v!r}", ["acls", "create", *acl(permission=v)], USAGE)
for v in ["match", "any", "glob", ""]:
    case(f"acls create --pattern-type {v!r}", ["acls", "create", *acl(pattern_type=v)], USAGE)
for v in ["", NUL]:
    case(f"acls create --resource-name {v!r}", ["acls", "create", *acl(resource_name=v)], USAGE)
    case(f"acls create --host {v!r}", ["acls", "create", *acl(host=v)], USAGE)
case("acls create cluster: another name", ["acls", "create", *acl(resource_type="cluster", resource_name="prod")],
     USAGE)
for v in ["fly", "", "any!"]:
    case(f"acls list --operation {v!r}", ["acls", "list", "--operation", v], USAGE)
    case(f"acls delete --operation {v!r}", ["acls", "delete", "--operation", v, "--yes"], USAGE)
case("acls list --permission maybe", ["acls", "list", "--permission", "maybe"], USAGE)
case("acls list --resource-type widget", ["acls", "list", "--resource-type", "widget"], USAGE)
case("acls list --pattern-type glob", ["acls", "list", "--pattern-type", "glob"], USAGE)
for v in ["", NUL]:
    case(f"acls list --host {v!r}", ["acls", "list", "--host", v], USAGE)
    case(f"acls list --resource-name {v!r}", ["acls", "list", "--resource-name", v], USAGE)
    case(f"acls delete --principal {v!r}", ["acls", "delete", "--principal", v, "--yes"], USAGE)
case("acls list --principal alice", ["acls", "list", "--principal", "alice"], USAGE)
case("acls delete --principal alice", ["acls", "delete", "--principal", "alice", "--yes"], USAGE)
case("acls list: unreachable", ["acls", "list"], UNAVAILABLE)
case("acls create: unreachable", ["acls", "create", *ACL], UNAVAILABLE)

# --- users ------------------------------------------------------------------------------------
PW_ENV = {"KCTL_TEST_PW": "s3cret-pw", "KCTL_TEST_EMPTY": ""}
case("users create: no name", ["users", "create", "--password-env", "KCTL_TEST_PW"], USAGE, env=PW_ENV)
for v in ["", NUL]:
    case(f"users create {v[:12]!r}", ["users", "create", v, "--password-env", "KCTL_TEST_PW"], USAGE, env=PW_ENV)
case("users create: no password", ["users", "create", "alice"], USAGE)
case("users create --password-env unset", ["users", "create", "alice", "--password-env", "KCTL_TEST_NOPE"], CONFIG)
case("users create --password-env empty", ["users", "create", "alice", "--password-env", "KCTL_TEST_EMPTY"], CONFIG,
     env=PW_ENV)
case("users create --password-env and --password-file",
     ["users", "create", "alice", "--password-env", "KCTL_TEST_PW", "--password-file", "<pw>"], USAGE, env=PW_ENV)
# a password source that gives none is a configuration error (exit 3), as --ask-password's is
for f in ["missing", "adir", "empty", "newline-only", "devzero", "eio", "fifo", "binary"]:
    case(f"users create --password-file {f}", ["users", "create", "alice", "--password-file", f"<{f}>"], CONFIG)
case("users create --password-prompt, empty stdin", ["users", "create", "alice", "--password-prompt"], CONFIG,
     stdin=b"")
for v in ["SCRAM-SHA-1", "PLAIN", "", "scram-sha-999"]:
    case(f"users create --mechanism {v!r}", ["users", "create", "alice", "--password-env", "KCTL_TEST_PW",
                                             "--mechanism", v], USAGE, env=PW_ENV)
for v in ["abc", "100", "4095", "16385", "-1", HUGE, ""]:
    case(f"users create --iterations {v!r}", ["users", "create", "alice", "--password-env", "KCTL_TEST_PW",
                                              "--iterations", v], USAGE, env=PW_ENV)
for v in ["", NUL]:
    case(f"users delete {v!r}", ["users", "delete", v, "--yes"], USAGE)
case("users delete --mechanism MD5", ["users", "delete", "alice", "--mechanism", "MD5", "--yes"], USAGE)
case("users list: unreachable", ["users", "list"], UNAVAILABLE)
case("users create: unreachable", ["users", "create", "alice", "--password-env", "KCTL_TEST_PW"], UNAVAILABLE,
     env=PW_ENV)

# --- quotas (beyond tests/unit/test_bad_inputs.py) ---------------------------------------------
for v in ["inf", "1e400", "nan", "", "0x10", "²", "1,5", HUGE + "0" * 300]:
    case(f"quotas set producer_byte_rate={v}", ["quotas", "set", "--user", "a", "--set", f"producer_byte_rate={v}"],
         USAGE)
for v in ["=5", "", ",", "nosuch=5", "producer_byte_rate=5=6"]:
    case(f"quotas set --set {v!r}", ["quotas", "set", "--user", "a", "--set", v], USAGE)
for v in ["not-an-ip", "", "999.1.1.1", "10.0.0.0/8", NUL]:
    case(f"quotas set --ip {v!r}", ["quotas", "set", "--ip", v, "--set", "connection_creation_rate=5"], USAGE)
for v in [NUL]:
    case(f"quotas set --user {v[:12]!r}", ["quotas", "set", "--user", v, "--set", "producer_byte_rate=5"], USAGE)
case("quotas set: request_percentage abc", ["quotas", "set", "--user", "a", "--set", "request_percentage=abc"], USAGE)
case("quotas delete: no entity", ["quotas", "delete", "--yes"], USAGE)
case("quotas delete --client-id ''", ["quotas", "delete", "--client-id", "", "--yes"], USAGE)
case("quotas describe: two entities", ["quotas", "describe", "--user", "a", "--default-user"], USAGE)
case("quotas describe --ip with --user", ["quotas", "describe", "--ip", "1.2.3.4", "--user", "a"], USAGE)
case("quotas list: unreachable", ["quotas", "list"], UNAVAILABLE)
case("quotas set: unreachable", ["quotas", "set", "--user", "a", "--set", "producer_byte_rate=5", "--yes"],
     UNAVAILABLE)

# --- cluster, doctor --------------------------------------------------------------------------
for v in ["0", "-1", "abc", "100001", "", HUGE, "1.5"]:
    case(f"cluster health --expect-brokers {v!r}", ["cluster", "health", "--expect-brokers", v], USAGE)
    case(f"doctor --expect-brokers {v!r}", ["doctor", "--expect-brokers", v], USAGE)
for v in ["-1", "abc", HUGE, "", "2147483648"]:
    case(f"cluster log-dirs --broker {v!r}", ["cluster", "log-dirs", "--broker", v], USAGE)
for v in ["", NUL]:
    case(f"cluster log-dirs -t {v[:12]!r}", ["cluster", "log-dirs", "-t", v], USAGE)
    case(f"cluster reassignments -t {v[:12]!r}", ["cluster", "reassignments", "-t", v], USAGE)
    case(f"cluster elect-leaders -t {v[:12]!r}", ["cluster", "elect-leaders", "-t", v], USAGE)
case("cluster elect-leaders --preferred --unclean", ["cluster", "elect-leaders", "--preferred", "--unclean"], USAGE)
case("cluster reassignments --yes without --cancel", ["cluster", "reassignments", "--yes"], USAGE)
case("cluster features sideways", ["cluster", "features", "sideways", "group.version", "--level", "1"], USAGE)
case("cluster features upgrade: no feature", ["cluster", "features", "upgrade", "--level", "1", "--yes"], USAGE)
case("cluster features upgrade: no level", ["cluster", "features", "upgrade", "group.version", "--yes"], USAGE)
case("cluster features --level without a change", ["cluster", "features", "--level", "1"], USAGE)
for v in ["-1", "abc", "", "1.5", "0x1"]:
    case(f"cluster features --level {v!r}", ["cluster", "features", "upgrade", "group.version", "--level", v,
                                             "--yes"], USAGE)
for v in [NUL]:
    case(f"cluster features upgrade {v[:12]!r}", ["cluster", "features", "upgrade", v, "--level", "1", "--yes"],
         USAGE)
for argv in (["cluster", "describe"], ["cluster", "health"], ["cluster", "log-dirs"], ["cluster", "reassignments"],
             ["cluster", "features"], ["doctor"], ["cluster", "elect-leaders", "--dry-run"]):
    case(f"{' '.join(argv)}: unreachable", argv, UNAVAILABLE)

# --- replicas: set-replication, move ----------------------------------------------------------
for v in ["0", "-1", "abc", "10001", "", HUGE]:
    case(f"topics set-replication --factor {v!r}", ["topics", "set-replication", "t", "--factor", v, "--dry-run"],
         USAGE)
case("topics set-replication: no topic", ["topics", "set-replication", "--factor", "1", "--dry-run"], USAGE)
case("topics set-replication: two topics", ["topics", "set-replication", "a", "-t", "b", "--factor", "1",
                                            "--dry-run"], USAGE)
for v in ["", NUL]:
    case(f"topics set-replication {v[:12]!r}", ["topics", "set-replication", v, "--factor", "1", "--dry-run"], USAGE)
for v in ["0", "-1", "abc", ""]:
    case(f"topics set-replication --throttle {v!r}", ["topics", "set-replication", "t", "--factor", "1",
                                                      "--throttle", v, "--dry-run"], USAGE)
for v in ["", "a", "1,a", "-1", "1,,2", "1,1", HUGE, ",", "1;2", "2147483648"]:
    case(f"topics move --brokers {v!r}", ["topics", "move", "t", "--brokers", v, "--dry-run"], USAGE)
case("topics move: no brokers", ["topics", "move", "t", "--dry-run"], USAGE)
for v in ["0", "-1", "abc"]:
    case(f"topics move --throttle {v!r}", ["topics", "move", "t", "--brokers", "1", "--throttle", v, "--dry-run"],
         USAGE)
case("topics set-replication: unreachable", ["topics", "set-replication", "t", "--factor", "1", "--dry-run"],
     UNAVAILABLE)
case("topics move: unreachable", ["topics", "move", "t", "--brokers", "1", "--dry-run"], UNAVAILABLE)


def _files(tmp: Path) -> dict[str, str]:
    files = {"missing": str(tmp / "no" / "such"), "adir": str(tmp), "devzero": "/dev/zero",
             "eio": "/proc/self/mem"}
    for name, data in {"pw": b"pw\n", "empty": b"", "newline-only": b"\n", "binary": b"\x00\xff\xfe\n"}.items():
        (tmp / name).write_bytes(data)
        files[name] = str(tmp / name)
    fifo = tmp / "fifo"
    os.mkfifo(fifo)  # a reader of a FIFO nobody writes blocks forever: only regular files are read
    files["fifo"] = str(fifo)
    return files


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return _files(tmp_path_factory.mktemp("bad-admin"))


def test_the_table_is_large_enough():
    assert len(T) >= 200


@pytest.mark.parametrize("c", T, ids=lambda c: c.id)
def test_bad_admin_command_lines(c, files):
    argv = [re.sub(r"<([a-z-]+)>", lambda m: files[m.group(1)], a) for a in c.argv]
    argv += list(NO_BROKER if c.broker else ())
    result = run_bounded(*argv, input=c.stdin, env={"KCTL_CONFIG": os.devnull, **c.env})
    one_error_line(result, c.code, c.says)
