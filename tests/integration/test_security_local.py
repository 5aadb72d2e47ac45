"""Issue 10: a secured local instance (`kctl local up --security scram`: SASL/SCRAM over TLS, the
standard authorizer) on private instance 2, with a private state folder and kctl config; `acls`
and `users` on it. Every command runs as a separate process, so that librdkafka's own log lines
are captured too: no password may appear in any output, log line or error."""

from __future__ import annotations

import os
import stat

import pytest

from tests.helpers import run_kctl_process
from tests.instances import instance_of

INSTANCE = instance_of(__name__)
ALICE_PW = "alice-Secret-7f3a9"
CAPTURED: list = []


def kctl(*args, env=None, timeout=60, input=None):
    result = run_kctl_process(*args, env=env, timeout=timeout, input=input)
    CAPTURED.append(result)
    return result


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    root = tmp_path_factory.mktemp("secured")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KCTL_STATE_DIR", str(root / "state"))
        mp.setenv("KCTL_CONFIG", str(root / "config.yaml"))
        mp.delenv("KCTL_CONTEXT", raising=False)
        up = kctl("local", "up", "-i", INSTANCE, "--security", "scram", "--heap", "256m", "--wait", 180, "-o", "json",
                  timeout=240)
        assert up.code == 0, up
        state = root / "state" / "instances" / str(INSTANCE)
        try:
            yield {"up": up.json, "state": state, "admin_pw": (state / "admin.password").read_text().strip(),
                   "context": up.json["context"]}
        finally:
            kctl("local", "down", "-i", INSTANCE, "--grace", "10")
            secrets = [(state / "admin.password").read_text().strip(), ALICE_PW]
            leaked = [r for r in CAPTURED for s in secrets if s in r.stdout or s in r.stderr]
            assert leaked == [], "a password appeared in the output of a command"


def test_up_writes_certificates_password_and_context(secured):
    state, up = secured["state"], secured["up"]
    assert up["security"] == "scram" and up["context"] == f"local-{INSTANCE}-scram" and up["state"] == "up"
    assert stat.S_IMODE(os.stat(state / "admin.password").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(state / "broker-1" / "server.properties").st_mode) == 0o600
    assert (state / "tls" / "ca.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")
    props = (state / "broker-1" / "server.properties").read_text()
    assert "SASL_SSL://" in props and "StandardAuthorizer" in props and "allow.everyone.if.no.acl.found=false" in props
    view = kctl("--context", secured["context"], "config", "view", "-o", "json")
    assert view.code == 0 and secured["admin_pw"] not in view.stdout, view
    health = kctl("--context", secured["context"], "cluster", "health", "-o", "json")
    assert health.code == 0 and health.json["expected_source"] == f"local instance {INSTANCE}", health
    # A plaintext client gets nowhere: the listener speaks TLS.
    plain = kctl("-b", secured["up"]["bootstrap"], "--timeout", 3, "topics", "list")
    assert plain.code in (6, 9), plain
    # `-i N` knows its instance is secured: it logs in as the context does, at once.
    for command in (("topics", "list"), ("acls", "list"), ("txn", "list")):
        by_instance = kctl("-i", INSTANCE, "--timeout", 5, *command, "-o", "json")
        assert by_instance.code == 0, (command, by_instance)


def test_read_commands_work_with_the_context(secured):
    ctx = ("--context", secured["context"])
    topic = "secured-reads"
    assert kctl(*ctx, "topics", "create", topic, "--partitions", 2).code == 0
    for command in (("cluster", "describe"), ("topics", "list"), ("topics", "describe", topic), ("cluster", "health"),
                    ("groups", "list"), ("configs", "describe", "broker", "1"), ("configs", "describe", "topic", topic),
                    ("cluster", "log-dirs"), ("txn", "list"), ("acls", "list"), ("users", "list"),
                    ("topics", "list", "--sizes")):
        result = kctl(*ctx, *command, "-o", "json")
        assert result.code == 0, (command, result)
    doctor = kctl(*ctx, "doctor", "-o", "json")
    checks = {c["check"]: c for c in doctor.json["checks"]}
    assert checks["reachability"]["verdict"] == "ok" and "SASL_SSL SCRAM-SHA-512" in checks["reachability"]["evidence"]
    assert all(c["verdict"] != "info" or not c["evidence"].startswith("not checked") for c in checks.values()), checks
    users = kctl(*ctx, "users", "list", "-o", "json")
    assert {"user": "admin", "credentials": [{"mechanism": "SCRAM-SHA-512", "iterations": 4096}]} in users.json


def test_wrong_password_exits_9_within_the_timeout(secured):
    bootstrap = secured["up"]["bootstrap"]
    ca = str(secured["state"] / "tls" / "ca.pem")
    set_ctx = kctl("config", "set-context", "wrong-pw", "-b", bootstrap, "--sasl-mechanism", "SCRAM-SHA-512",
                   "--username", "admin", "--password-env", "WRONG_PW", "--ca-file", ca)
    assert set_ctx.code == 0, set_ctx
    result = kctl("--context", "wrong-pw", "--timeout", 5, "topics", "list", env={"WRONG_PW": "not-the-password"},
                  timeout=30)
    assert result.code == 9, result
    assert result.stderr.count("kctl: error:") == 1 and "authentication failed" in result.stderr


def test_users_and_acls_decide_what_a_principal_may_read(secured):
    admin = ("--context", secured["context"])
    topic = "secured-acl"
    assert kctl(*admin, "topics", "create", topic).code == 0
    assert kctl(*admin, "produce", topic, input="hello\n").code == 0

    created = kctl(*admin, "users", "create", "alice", "--password-env", "ALICE_PW", env={"ALICE_PW": ALICE_PW})
    assert created.code == 0, created
    users = {u["user"] for u in kctl(*admin, "users", "list", "-o", "json").json}
    assert "alice" in users
    ca = str(secured["state"] / "tls" / "ca.pem")
    assert kctl("config", "set-context", "alice", "-b", secured["up"]["bootstrap"], "--sasl-mechanism", "SCRAM-SHA-512",
                "--username", "alice", "--password-env", "ALICE_PW", "--ca-file", ca).code == 0
    alice = ("--context", "alice")
    env = {"ALICE_PW": ALICE_PW}

    login = kctl(*alice, "topics", "list", "-o", "json", env=env)
    assert login.code == 0 and topic not in {t["name"] for t in login.json}, login  # logged in, sees nothing yet

    # DESCRIBE on the topic and READ on kctl's throwaway consumer groups, but no READ on the topic.
    for args in (("--operation", "describe", "--resource-type", "topic", "--resource-name", topic),
                 ("--operation", "read", "--resource-type", "group", "--resource-name", "kctl-consume-",
                  "--pattern-type", "prefixed")):
        assert kctl(*admin, "acls", "create", "--principal", "User:alice", *args).code == 0
    # DESCRIBE without DESCRIBE_CONFIGS: the describe says the configs are unknown, not that there are none
    described = kctl(*alice, "topics", "describe", topic, "--no-size", "-o", "json", env=env)
    assert described.code == 0, described
    [detail] = described.json
    assert detail["configs"] == {} and detail["configs_note"].startswith("unknown: "), detail
    assert "authoriz" in detail["configs_note"].lower() and "topic_configs_unknown" in described.stderr
    assert detail["partitions"][0]["high_watermark"] == 1  # the rest of the describe is unaffected
    denied = kctl(*alice, "--timeout", 8, "consume", topic, "--from", "beginning", "--until", "end", env=env)
    assert denied.code == 9, denied

    dry = kctl(*admin, "acls", "create", "--principal", "User:alice", "--operation", "read", "--resource-type", "topic",
               "--resource-name", topic, "--dry-run", "-o", "json")
    assert dry.code == 0 and dry.json["dry_run"] is True and len(dry.json["acls"]) == 1
    assert kctl(*alice, "--timeout", 8, "consume", topic, "--from", "beginning", "--until", "end", env=env).code == 9

    granted = kctl(*admin, "acls", "create", "--principal", "User:alice", "--operation", "read", "--resource-type",
                   "topic", "--resource-name", topic, "-o", "json")
    assert granted.code == 0 and granted.json["acls"][0]["operation"] == "read", granted
    listed = kctl(*admin, "acls", "list", "--principal", "User:alice", "-o", "json").json
    assert {(a["resource_type"], a["resource_name"], a["operation"]) for a in listed} >= {("topic", topic, "read"),
                                                                                           ("topic", topic, "describe")}
    allowed = kctl(*alice, "--timeout", 8, "consume", topic, "--from", "beginning", "--until", "end", env=env)
    assert allowed.code == 0 and "hello" in allowed.stdout, allowed

    refused = kctl(*admin, "acls", "delete", "--principal", "User:alice", "--resource-type", "topic", input="")
    assert refused.code == 2 and "--yes" in refused.stderr  # stdin is not a terminal
    deleted = kctl(*admin, "acls", "delete", "--principal", "User:alice", "--resource-type", "topic",
                   "--resource-name", topic, "--operation", "read", "--yes", "-o", "json")
    assert deleted.code == 0 and [a["operation"] for a in deleted.json["acls"]] == ["read"], deleted
    assert kctl(*alice, "--timeout", 8, "consume", topic, "--from", "beginning", "--until", "end", env=env).code == 9

    gone = kctl(*admin, "users", "delete", "alice", "--yes")
    assert gone.code == 0, gone
    assert kctl(*alice, "--timeout", 5, "topics", "list", env=env, timeout=30).code == 9


def test_consume_without_read_names_the_topic(secured):
    admin = ("--context", secured["context"])
    topic = "secured-name"
    assert kctl(*admin, "topics", "create", topic).code == 0
    # A record to fetch: an empty topic is answered from its watermarks (ListOffsets needs only DESCRIBE).
    assert kctl(*admin, "produce", topic, "--value", "x").code == 0
    kctl(*admin, "users", "create", "bob", "--password-env", "BOB_PW", env={"BOB_PW": ALICE_PW})
    ca = str(secured["state"] / "tls" / "ca.pem")
    kctl("config", "set-context", "bob", "-b", secured["up"]["bootstrap"], "--sasl-mechanism", "SCRAM-SHA-512",
         "--username", "bob", "--password-env", "BOB_PW", "--ca-file", ca)
    for args in (("--operation", "describe", "--resource-type", "topic", "--resource-name", topic),
                 ("--operation", "read", "--resource-type", "group", "--resource-name", "kctl-consume-",
                  "--pattern-type", "prefixed")):
        kctl(*admin, "acls", "create", "--principal", "User:bob", *args)
    denied = kctl("--context", "bob", "--timeout", 8, "consume", topic, "--from", "beginning", "--until", "end",
                  env={"BOB_PW": ALICE_PW})
    assert denied.code == 9 and topic in denied.stderr, denied


def test_state_as_code_round_trips_acls_and_users_on_the_secured_instance(secured, tmp_path):
    """export -> the ACLs and the user removed by hand -> diff names them (exit 8) -> apply puts them
    back -> diff is equal; the document never holds a credential, and apply reads the reference."""
    import yaml

    admin = ("--context", secured["context"])
    topic = "secured-state"
    assert kctl(*admin, "topics", "create", topic, "-p", 2).code == 0
    assert kctl(*admin, "users", "create", "erin", "--password-env", "ALICE_PW", env={"ALICE_PW": ALICE_PW}).code == 0
    for operation in ("read", "describe"):
        assert kctl(*admin, "acls", "create", "--principal", "User:erin", "--operation", operation, "--resource-type",
                    "topic", "--resource-name", topic).code == 0
    exported = kctl(*admin, "export", "--only", "topics,acls,users")
    assert exported.code == 0 and ALICE_PW not in exported.stdout, exported
    document = yaml.safe_load(exported.stdout)
    erin = next(u for u in document["users"] if u["name"] == "erin")
    assert erin == {"name": "erin", "mechanisms": ["SCRAM-SHA-512"]}
    erin["password"] = "${env:ERIN_PW}"
    path = tmp_path / "secured.yaml"
    path.write_text(yaml.safe_dump(document))
    env = {"ERIN_PW": ALICE_PW}
    assert kctl(*admin, "diff", "-f", path, env=env).code == 0

    assert kctl(*admin, "acls", "delete", "--principal", "User:erin", "--resource-type", "topic", "--yes").code == 0
    assert kctl(*admin, "users", "delete", "erin", "--yes").code == 0
    drift = kctl(*admin, "-o", "json", "diff", "-f", path, env=env)
    assert drift.code == 8, drift
    assert {(d["kind"], d["change"]) for d in drift.json["differences"]} == {("acls", "missing"), ("users", "missing")}
    applied = kctl(*admin, "-o", "json", "apply", "-f", path, "--yes", env=env)
    assert applied.code == 0, applied
    assert sorted(c["kind"] for c in applied.json["changes"]) == ["acls", "acls", "users"]
    assert kctl(*admin, "diff", "-f", path, env=env).code == 0
    # the credential apply set is the one the reference names: erin can log in with it
    assert kctl("config", "set-context", "erin", "-b", secured["up"]["bootstrap"], "--sasl-mechanism", "SCRAM-SHA-512",
                "--username", "erin", "--password-env", "ERIN_PW", "--ca-file",
                str(secured["state"] / "tls" / "ca.pem")).code == 0
    assert kctl("--context", "erin", "topics", "list", env=env).code == 0


def test_users_and_acls_list_without_describe_on_the_cluster_exit_9_naming_the_permission(secured):
    """librdkafka aborted the process ('munmap_chunk(): invalid pointer') parsing the broker's
    refusal of DescribeUserScramCredentials; kctl asks over kafka-python and says what is missing."""
    admin = ("--context", secured["context"])
    env = {"DAVE_PW": ALICE_PW}
    assert kctl(*admin, "users", "create", "dave", "--password-env", "DAVE_PW", env=env).code == 0
    ca = str(secured["state"] / "tls" / "ca.pem")
    assert kctl("config", "set-context", "dave", "-b", secured["up"]["bootstrap"], "--sasl-mechanism", "SCRAM-SHA-512",
                "--username", "dave", "--password-env", "DAVE_PW", "--ca-file", ca).code == 0
    for args in ((), ("dave",)):
        denied = kctl("--context", "dave", "users", "list", *args, env=env)
        assert denied.code == 9, denied
        [line] = [line for line in denied.stderr.splitlines() if line.strip()]
        assert line.startswith("kctl: error: ") and "DESCRIBE operation on the cluster" in line, denied
    # librdkafka read the refusal of DescribeAcls as "0 ACL(s)", exit 0.
    acls = kctl("--context", "dave", "acls", "list", env=env)
    assert acls.code == 9 and "DESCRIBE operation on the cluster" in acls.stderr, acls
    # The hint's grant is enough.
    grant = kctl(*admin, "acls", "create", "--principal", "User:dave", "--operation", "describe", "--resource-type",
                 "cluster", "--resource-name", "kafka-cluster")
    assert grant.code == 0, grant
    listed = kctl("--context", "dave", "users", "list", "-o", "json", env=env)
    assert listed.code == 0 and "dave" in {u["user"] for u in listed.json}, listed
    acls = kctl("--context", "dave", "acls", "list", "--principal", "User:dave", "-o", "json", env=env)
    assert acls.code == 0 and [a["operation"] for a in acls.json] == ["describe"], acls
