"""Security against real brokers: a SASL broker (instance 8, started here), secrets that never
show up in output, logs or errors, and topic-name completion against the shared broker.

The SASL broker is Apache Kafka from the same jars as `kctl local`, with a SASL_PLAINTEXT
listener offering PLAIN (users in its JAAS config) and SCRAM-SHA-256 (credentials written into
the metadata log when storage is formatted). It is stopped at the end of the module.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from kctl.config.registry import load_registry
from kctl.services import local
from tests.helpers import run_kctl, wait_until
from tests.instances import instance_of

SASL_INSTANCE = instance_of(__name__)
ALICE_PASSWORD = "alice-" + uuid.uuid4().hex[:12]  # unique: a leak is unambiguous in any output
WRONG_PASSWORD = "wrong-" + uuid.uuid4().hex[:12]
ROOT = Path(__file__).resolve().parents[2]


def _server_properties(port: int, controller_port: int, data: Path) -> str:
    plain = (
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" '
        f'user_admin="admin-secret" user_alice="{ALICE_PASSWORD}";'
    )
    scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="admin-secret";'
    return f"""process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller_port}
listeners=SASL_PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256
sasl.mechanism.inter.broker.protocol=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config={plain}
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config={scram}
log.dirs={data}
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
num.network.threads=1
num.io.threads=2
"""


def _sasl_ready(bootstrap: str) -> bool:
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    client = AdminClient({"bootstrap.servers": bootstrap, "security.protocol": "SASL_PLAINTEXT",
                          "sasl.mechanism": "PLAIN", "sasl.username": "admin", "sasl.password": "admin-secret",
                          "log_level": 0})
    try:
        return bool(client.list_topics(timeout=2).brokers)
    except KafkaException:
        return False


@pytest.fixture(scope="module")
def sasl_broker(tmp_path_factory):
    """A SASL_PLAINTEXT broker on instance 8's ports: {'bootstrap': ...}."""
    registry = load_registry()
    port, controller_port = registry.broker_port_of(SASL_INSTANCE), registry.controller_port_of(SASL_INSTANCE)
    for p in (port, controller_port):
        if not local._port_free(registry.host, p):
            pytest.fail(f"port {p} of instance {SASL_INSTANCE} is taken: is an earlier SASL broker still running?",
                        pytrace=False)
    paths = local.BrokerPaths(1, tmp_path_factory.mktemp("sasl-broker"))
    paths.data.mkdir()
    paths.properties.write_text(_server_properties(port, controller_port, paths.data))
    java, libs = local.find_java(), local.kafka_libs()
    fmt = subprocess.run(
        local._java_base(java, libs) + [
            "-Xmx256m", f"-Dlog4j2.configurationFile={local.LOG4J_TEMPLATE}", "kafka.tools.StorageTool", "format",
            "-t", local._cluster_id(), "-c", str(paths.properties),
            "--add-scram", f"SCRAM-SHA-256=[name=alice,password={ALICE_PASSWORD}]",
        ],
        capture_output=True, text=True,
    )
    assert fmt.returncode == 0, fmt.stdout[-2000:] + fmt.stderr[-2000:]
    proc = local._start_broker(java, libs, paths, "256m")
    bootstrap = f"{registry.host}:{port}"
    try:
        wait_until(lambda: _sasl_ready(bootstrap), 120,
                   lambda: f"the SASL broker started: {' | '.join(local.log_tail(paths.log, 5))}", interval=0.5, process=proc)
        yield {"bootstrap": bootstrap}
    finally:
        local._stop_pid(paths, 20.0)
        if proc.poll() is None:
            proc.kill()
        proc.wait()


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    for var in ("KCTL_BOOTSTRAP", "KCTL_INSTANCE", "KCTL_SASL_PASSWORD", "KCTL_REGISTRY"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "config.yaml"
    monkeypatch.setenv("KCTL_CONFIG", str(path))
    return path


def set_context(name: str, bootstrap: str, mechanism: str, *extra: str):
    result = run_kctl("config", "set-context", name, "-b", bootstrap, "--sasl-mechanism", mechanism,
                      "--username", "alice", *extra)
    assert result.code == 0, result


def assert_no_secret(result, *secrets):
    for secret in secrets:
        assert secret not in result.stdout and secret not in result.stderr, result


# ---------------------------------------------------------------- authenticating for real


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_password_from_env_var_authenticates(sasl_broker, config_file, mechanism):
    set_context("s", sasl_broker["bootstrap"], mechanism, "--password-env", "KCTL_IT_PW")
    assert ALICE_PASSWORD not in config_file.read_text()  # only the reference is stored
    result = run_kctl("topics", "list", "--context", "s", "-o", "json", "-vv", env={"KCTL_IT_PW": ALICE_PASSWORD})
    assert result.code == 0, result
    assert isinstance(result.json, list)
    assert_no_secret(result, ALICE_PASSWORD)


def test_wrong_password_makes_produce_exit_9_not_a_timeout(sasl_broker, config_file):
    # issue 12: the producer's own error collector sees the rejected login (it used to end in exit 6)
    set_context("s", sasl_broker["bootstrap"], "PLAIN", "--password-env", "KCTL_IT_PW")
    result = run_kctl("produce", "any-topic", "--value", "x", "--context", "s", "--timeout", "10",
                      env={"KCTL_IT_PW": WRONG_PASSWORD})
    assert result.code == 9, result
    errors = [line for line in result.stderr.splitlines() if line.startswith("kctl: error:")]
    assert len(errors) == 1 and "authentication failed" in errors[0], result.stderr
    assert_no_secret(result, WRONG_PASSWORD, ALICE_PASSWORD)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_wrong_password_is_exit_9_with_one_line(sasl_broker, config_file, mechanism):
    set_context("s", sasl_broker["bootstrap"], mechanism, "--password-env", "KCTL_IT_PW")
    result = run_kctl("topics", "list", "--context", "s", "--timeout", "10", "-vv", env={"KCTL_IT_PW": WRONG_PASSWORD})
    assert result.code == 9, result
    errors = [line for line in result.stderr.splitlines() if line.startswith("kctl: error:")]
    assert len(errors) == 1 and "authentication failed" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert_no_secret(result, WRONG_PASSWORD, ALICE_PASSWORD)
    quiet = run_kctl("topics", "list", "--context", "s", "--timeout", "10", env={"KCTL_IT_PW": WRONG_PASSWORD})
    assert quiet.code == 9 and len(quiet.stderr.strip().splitlines()) == 1, quiet


@pytest.mark.parametrize("args", [
    ["txn", "list"],
    ["txn", "describe", "tx-x"],
    ["groups", "delete-offsets", "g", "--topic", "t"],
    ["topics", "describe", "t"],
], ids=["txn-list", "txn-describe", "groups-delete-offsets", "topics-describe"])
def test_wrong_password_is_exit_9_from_the_kafka_python_commands_too(sasl_broker, config_file, args):
    """txn, log dirs and OffsetDelete run over kafka-python: a rejected login is the same exit 9
    and the same one line as `kctl topics list` gives (it was exit 6 from txn)."""
    set_context("s", sasl_broker["bootstrap"], "PLAIN", "--password-env", "KCTL_IT_PW")
    env = {"KCTL_IT_PW": WRONG_PASSWORD}
    reference = run_kctl("topics", "list", "--context", "s", "--timeout", "10", env=env)
    result = run_kctl(*args, "--context", "s", "--timeout", "10", env=env)
    assert result.code == 9, result
    assert result.stderr.strip().splitlines() == reference.stderr.strip().splitlines(), (result, reference)
    assert_no_secret(result, WRONG_PASSWORD, ALICE_PASSWORD)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_kafka_python_commands_authenticate_with_the_context(sasl_broker, config_file, mechanism):
    """The one kafka-python setup takes SASL from the same properties: txn list answers, topic
    sizes (DescribeLogDirs) are known, OffsetDelete reaches the broker."""
    set_context("s", sasl_broker["bootstrap"], mechanism, "--password-env", "KCTL_IT_PW")
    env = {"KCTL_IT_PW": ALICE_PASSWORD}
    topic = "sasl-" + uuid.uuid4().hex[:8]
    assert run_kctl("topics", "create", topic, "--context", "s", env=env).code == 0
    try:
        listed = run_kctl("txn", "list", "--context", "s", "-o", "json", env=env)
        assert listed.code == 0 and isinstance(listed.json, list), listed
        described = run_kctl("topics", "describe", topic, "--context", "s", "-o", "json", env=env)
        assert described.code == 0, described
        assert described.json[0]["size_bytes"] == 0 and described.json[0]["size_note"] is None
        unknown = run_kctl("groups", "delete-offsets", "no-such-group", "--topic", topic, "--context", "s", env=env)
        assert unknown.code == 4, unknown
    finally:
        run_kctl("topics", "delete", topic, "--yes", "--context", "s", env=env)


def test_wrong_password_on_consume_is_exit_9_as_cli_and_client(sasl_broker, config_file):
    """consume (and the ConsumerClient under it) said exit 6 'cannot reach the cluster' for a wrong password."""
    set_context("s", sasl_broker["bootstrap"], "PLAIN", "--password-env", "KCTL_IT_PW")
    result = run_kctl("consume", "anything", "--context", "s", "--timeout", "10", env={"KCTL_IT_PW": WRONG_PASSWORD})
    assert result.code == 9, result
    assert len(result.stderr.strip().splitlines()) == 1 and "authentication failed" in result.stderr, result
    assert_no_secret(result, WRONG_PASSWORD, ALICE_PASSWORD)
    from kctl.client import ConsumerClient
    from kctl.errors import AuthError

    conf = {"bootstrap.servers": sasl_broker["bootstrap"], "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "PLAIN", "sasl.username": "alice", "sasl.password": WRONG_PASSWORD}
    with ConsumerClient(conf) as consumer:
        with pytest.raises(AuthError):
            consumer.topics(timeout=10)
def test_e2e_run_with_a_wrong_password_exits_9_with_the_line_topics_list_prints(sasl_broker, config_file):
    """`kctl e2e run` tells a rejected login like every other command: exit 9, the one error line
    of `kctl topics list`, the connect step failed and nothing else attempted."""
    set_context("s", sasl_broker["bootstrap"], "PLAIN", "--password-env", "KCTL_IT_PW")
    env = {"KCTL_IT_PW": WRONG_PASSWORD}
    listed = run_kctl("topics", "list", "--context", "s", "--timeout", "10", env=env)
    checked = run_kctl("e2e", "run", "--context", "s", "--timeout", "10", "-o", "json", env=env)
    assert listed.code == 9, listed
    assert checked.code == 9, checked
    lines = checked.stderr.strip().splitlines()
    assert len(lines) == 1 and lines == listed.stderr.strip().splitlines(), (checked.stderr, listed.stderr)
    assert lines[0].startswith("kctl: error: authentication failed")
    steps = {s["name"]: s["status"] for s in checked.json["steps"]}
    assert checked.json["exit_code"] == 9 and steps["connect"] == "failed"
    assert all(status == "skipped" for name, status in steps.items() if name != "connect"), steps
    assert_no_secret(checked, WRONG_PASSWORD, ALICE_PASSWORD)


def test_password_from_file_authenticates(sasl_broker, config_file, tmp_path):
    secret = tmp_path / "alice.pw"
    secret.write_text(ALICE_PASSWORD + "\n")
    set_context("f", sasl_broker["bootstrap"], "PLAIN", "--password-file", str(secret))
    result = run_kctl("topics", "list", "--context", "f", "-o", "json", "--log-file", str(tmp_path / "kctl.log"), "-vv")
    assert result.code == 0, result
    assert ALICE_PASSWORD not in (tmp_path / "kctl.log").read_text()
    view = run_kctl("config", "view", "--context", "f", "-o", "yaml")
    assert view.code == 0 and "${file:" in view.stdout
    assert_no_secret(view, ALICE_PASSWORD)


def test_ask_password_at_a_terminal_prompt(sasl_broker, config_file):
    """A real pseudo-terminal: kctl prompts on it without echo, and the password works."""
    set_context("p", sasl_broker["bootstrap"], "PLAIN")
    env = {**os.environ, "KCTL_CONFIG": str(config_file), "PYTHONPATH": str(ROOT)}
    pid, fd = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        os.chdir(ROOT)
        os.execvpe(sys.executable, [sys.executable, "-m", "kctl", "topics", "list", "--context", "p",
                                    "--ask-password", "-o", "json", "-vv"], env)
    output, sent = b"", False
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if not sent and b"Password:" in output:
            os.write(fd, ALICE_PASSWORD.encode() + b"\n")
            sent = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = output.decode(errors="replace")
    assert sent, text
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert ALICE_PASSWORD not in text  # not echoed, not logged
    assert text.rstrip().endswith("]")  # the JSON list of topics


def test_prompted_password_never_appears_in_a_failure(sasl_broker, config_file):
    """--ask-password from stdin (no terminal), wrong password: exit 9, the typed text nowhere."""
    set_context("p", sasl_broker["bootstrap"], "PLAIN")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KCTL_")}
    env.update(KCTL_CONFIG=str(config_file), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "kctl", "topics", "list", "--context", "p", "--ask-password", "-vv"],
                          input=WRONG_PASSWORD + "\n", capture_output=True, text=True, env=env, cwd=ROOT,
                          start_new_session=True, timeout=90)
    assert proc.returncode == 9, proc
    assert WRONG_PASSWORD not in proc.stdout + proc.stderr


# ---------------------------------------------------------------- secrets against the plaintext broker


def test_sasl_against_a_plaintext_broker_fails_without_leaking(kafka, config_file, tmp_path):
    set_context("mismatch", kafka["bootstrap"], "PLAIN", "--password-env", "KCTL_IT_PW")
    log_file = tmp_path / "kctl.log"
    for fmt in ("logfmt", "json"):
        result = run_kctl("topics", "list", "--context", "mismatch", "--timeout", "5", "-vv", "--log-format", fmt,
                          "-X", "debug=security,broker", env={"KCTL_IT_PW": ALICE_PASSWORD})
        assert result.code in (6, 9), result
        errors = [line for line in result.stderr.splitlines() if line.startswith("kctl: error:")]
        assert len(errors) == 1, result.stderr
        assert "event=librdkafka" in result.stderr or '"event": "librdkafka"' in result.stderr  # logs did flow
        assert_no_secret(result, ALICE_PASSWORD)
    result = run_kctl("topics", "list", "--context", "mismatch", "--timeout", "5", "--log-file", str(log_file),
                      "-X", "debug=all", env={"KCTL_IT_PW": ALICE_PASSWORD})
    assert result.code in (6, 9)
    assert log_file.read_text() and ALICE_PASSWORD not in log_file.read_text()


def test_config_view_never_shows_resolved_secrets(kafka, config_file, tmp_path):
    secret_file = tmp_path / "key.pw"
    secret_file.write_text("file-secret-" + ALICE_PASSWORD)
    set_context("v", kafka["bootstrap"], "PLAIN", "--password-env", "KCTL_IT_PW",
                "--key-password-file", str(secret_file))
    props = tmp_path / "extra.properties"
    props.write_text(f"ssl.keystore.password={ALICE_PASSWORD}\n")
    for fmt in ("table", "json", "yaml"):
        result = run_kctl("config", "view", "--context", "v", "--command-config", str(props), "-o", fmt, "-vv",
                          env={"KCTL_IT_PW": ALICE_PASSWORD})
        assert result.code == 0, result
        assert_no_secret(result, ALICE_PASSWORD)


# ---------------------------------------------------------------- dynamic completion


def test_topic_names_complete_from_the_cluster(kafka, new_topic, config_file):
    import typer.main

    from kctl.cli.app import app
    from kctl.cli.complete import complete_topics

    name = new_topic(prefix="complete-me")
    cli = typer.main.get_command(app)
    ctx = cli.make_context("kctl", ["-b", kafka["bootstrap"], "topics"], resilient_parsing=True)
    assert name in complete_topics(ctx, None, "complete-me")
    assert name not in complete_topics(ctx, None, "other-prefix")
    assert all(not t.startswith("__") for t in complete_topics(ctx, None, ""))
    assert all(t.startswith("__") for t in complete_topics(ctx, None, "__"))  # internal ones only when asked
    by_instance = cli.make_context("kctl", ["-i", str(kafka["instance"]), "topics"], resilient_parsing=True)
    assert name in complete_topics(by_instance, None, "complete-me")
