"""Issue 22, item 5: the admin commands' bad inputs that need a broker (instance 0, which runs
no authorizer): each is its documented exit code with one `kctl: error:` line and no traceback,
and a refused change leaves the cluster as it was. The cases decided without a broker are in
tests/unit/test_bad_inputs_admin.py."""

from __future__ import annotations

import pytest

from tests.bad_input_table import HUGE, LONG, NOT_FOUND, NUL, USAGE, one_error_line, run_bounded

MISSING = "kctl-no-such-topic-7f3a"

# (id, argv with {t} for an existing topic, exit code, a piece of the error line)
CASES = [
    ("configs describe topic missing", ["configs", "describe", "topic", MISSING], NOT_FOUND, "does not exist"),
    ("configs describe topic too long", ["configs", "describe", "topic", LONG], USAGE, "invalid"),
    ("configs describe topic 'a b'", ["configs", "describe", "topic", "a b"], USAGE, "invalid"),
    ("configs describe broker not in the cluster", ["configs", "describe", "broker", "7"], NOT_FOUND, "not in"),
    ("configs describe broker huge", ["configs", "describe", "broker", HUGE], NOT_FOUND, "not in"),
    ("configs alter topic missing", ["configs", "alter", "topic", MISSING, "-c", "retention.ms=1"], NOT_FOUND, None),
    ("configs alter broker huge", ["configs", "alter", "broker", HUGE, "-c", "log.cleaner.threads=2"], NOT_FOUND,
     None),
    ("configs alter broker unknown key", ["configs", "alter", "broker", "1", "-c", "no.such.key=1"], USAGE, "unknown"),
    ("configs alter broker delete unknown key", ["configs", "alter", "broker", "1", "--delete", "no.such.key"], USAGE,
     "unknown"),
    ("acls create without an authorizer", ["acls", "create", "--principal", "User:alice", "--operation", "read",
                                           "--resource-type", "topic", "--resource-name", "{t}"], USAGE, None),
    ("acls delete without an authorizer", ["acls", "delete", "--principal", "User:alice", "--yes"], USAGE, None),
    ("quotas set --ip not an IP", ["quotas", "set", "--ip", "999.1.1.1", "--set", "connection_creation_rate=5",
                                   "--yes"], USAGE, "not an IP"),
    ("cluster log-dirs -t missing", ["cluster", "log-dirs", "-t", MISSING], NOT_FOUND, "does not exist"),
    ("cluster log-dirs --broker not in the cluster", ["cluster", "log-dirs", "--broker", "7"], NOT_FOUND, None),
    ("cluster reassignments -t missing", ["cluster", "reassignments", "-t", MISSING], NOT_FOUND, "does not exist"),
    ("cluster reassignments -t too long", ["cluster", "reassignments", "-t", LONG], NOT_FOUND, None),
    ("cluster elect-leaders -t missing", ["cluster", "elect-leaders", "-t", MISSING], NOT_FOUND, None),
    ("cluster features upgrade unknown", ["cluster", "features", "upgrade", "no.such.version", "--level", "1",
                                          "--yes"], NOT_FOUND, None),
    ("cluster features level huge", ["cluster", "features", "upgrade", "group.version", "--level", HUGE, "--yes"],
     USAGE, None),
    ("cluster features level int16+1", ["cluster", "features", "upgrade", "group.version", "--level", "32768",
                                        "--yes"], USAGE, None),
    ("cluster features upgrade --unsafe", ["cluster", "features", "upgrade", "group.version", "--level", "1",
                                           "--unsafe", "--yes"], USAGE, None),
    ("topics set-replication missing", ["topics", "set-replication", MISSING, "--factor", "1", "--dry-run"],
     NOT_FOUND, None),
    ("topics set-replication beyond the brokers", ["topics", "set-replication", "{t}", "--factor", "2", "--yes"],
     USAGE, None),
    ("topics move onto a missing broker", ["topics", "move", "{t}", "--brokers", "7", "--yes"], USAGE, "not in"),
    ("topics move --brokers ''", ["topics", "move", "{t}", "--brokers", "", "--yes"], USAGE, "--brokers"),
    ("topics move --brokers 1,1", ["topics", "move", "{t}", "--brokers", "1,1", "--yes"], USAGE, "twice"),
]


@pytest.mark.parametrize("id_, argv, code, says", CASES, ids=[c[0] for c in CASES])
def test_bad_admin_inputs_on_a_broker(k, kafka, new_topic, id_, argv, code, says):
    topic = new_topic(partitions=1)
    before = k("configs", "describe", "topic", topic, "-o", "json").json
    argv = [a.replace("{t}", topic) for a in argv]
    result = run_bounded(*argv, "-i", str(kafka["instance"]), "--timeout", "5", timeout_s=5)
    # a multi-item command prints its rows first (README, "Exit codes"): only the error line is checked there
    if argv[:2] in (["acls", "create"], ["configs", "alter"]):
        assert result.code == code and result.stderr.count("kctl: error:") == 1, result
        assert "Traceback" not in result.stderr, result
    else:
        one_error_line(result, code, says)
    assert k("configs", "describe", "topic", topic, "-o", "json").json == before


@pytest.mark.parametrize("change", [
    ["-c", "retention.ms=abc"],
    ["-c", "no.such.config=1"],
    ["-c", "retention.ms=1000", "-c", "cleanup.policy=bogus"],  # one bad value: neither is applied
    ["-c", NUL + "=1"],
    ["--delete", "no.such.config"],  # was exit 0, "deleted (back to the default)"
    ["--delete", "no.such.config", "-c", "retention.ms=1000"],
], ids=lambda c: " ".join(c)[:40])
@pytest.mark.parametrize("command", ["configs alter topic", "topics alter-config"])
def test_a_refused_configs_alter_changes_nothing(k, new_topic, change, command):
    topic = new_topic(partitions=1, config={"retention.ms": "86400000"})
    before = k("configs", "describe", "topic", topic, "-o", "json").json
    result = k(*command.split(), topic, *change, "--timeout", "5")
    assert result.code == USAGE and result.stderr.count("kctl: error:") == 1, result
    assert "Traceback" not in result.stderr, result
    assert k("configs", "describe", "topic", topic, "-o", "json").json == before
