"""kctl.config.token_sources: the bearer tokens of OAUTHBEARER logins (issue 24) without a broker:
a token command's output, failures and time bound; the kctl.* properties librdkafka never sees;
the contexts file's token_command / aws_msk_iam keys; AWS MSK IAM signing with fake static
credentials (no AWS account here: the signer's own token format is checked, no network)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from kctl.config import token_sources as ts
from kctl.errors import AuthError, ConfigError
from tests.bad_input_table import one_error_line
from tests.helpers import run_kctl

SECRET = "s3cr3t-ARG-and-stderr"
PY = sys.executable


def jwt(claims: dict) -> str:
    part = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{part}.c2ln"


@pytest.fixture(autouse=True)
def empty_cache():
    ts._cache.clear()
    yield
    ts._cache.clear()


def script(tmp_path, body: str) -> list[str]:
    path = tmp_path / "tok.py"
    path.write_text(body)
    return [PY, str(path), SECRET]


# -- a token command's output ---------------------------------------------------------------------

def good_jwt() -> str:
    return jwt({"sub": "alice", "exp": int(time.time()) + 600})


@pytest.mark.parametrize("output, lifetime, principal", [
    (lambda: json.dumps({"token": "opaque-token-1", "expires_in": 300}), 300, "kctl"),
    (lambda: json.dumps({"access_token": "opaque-token-2", "expires_in": 60.5, "token_type": "Bearer"}), 60.5, "kctl"),
    (lambda: good_jwt() + "\n", 600, "alice"),
    (lambda: json.dumps({"token": good_jwt()}), 600, "alice"),  # no expires_in: the JWT's exp
], ids=["json", "oauth-response", "bare-jwt", "json-jwt-exp"])
def test_a_token_command_prints_json_or_a_jwt(output, lifetime, principal):
    output = output()
    token = ts.parse_token_output(output.encode(), "the token command t")
    assert token.value and token.value in output and token.principal == principal
    assert abs(token.expires_at - time.time() - lifetime) < 5


BAD_OUTPUTS = [
    ("nothing", b"  \n", "printed nothing"),
    ("not-utf8", b"\xff\xfe tok", "not UTF-8"),
    ("malformed-json", b'{"token": "tok-x1", ', "malformed JSON"),
    ("json-without-token", b'{"expires_in": 30}', 'without a "token"'),
    ("token-not-a-string", b'{"token": 12345, "expires_in": 30}', 'without a "token"'),
    ("json-list", b'[{"token": "tok-x2"}]', "neither JSON nor a JWT"),
    ("expires-in-text", b'{"token": "tok-x3", "expires_in": "soon"}', '"expires_in"'),
    ("expires-in-bool", b'{"token": "tok-x4", "expires_in": true}', '"expires_in"'),
    ("no-expiry", b'{"token": "opaque-tok-x5"}', "without an expiry"),
    ("bare-word", b"opaque-tok-x6", "neither JSON nor a JWT"),
    ("two-words", b"tok-x7 tok-x8", "neither JSON nor a JWT"),
    ("jwt-without-exp", jwt({"sub": "a"}).encode(), "without an expiry"),
    ("control-chars", b'{"token": "tok\\u0001x9", "expires_in": 30}', "control characters"),
    ("spaces-in-token", b'{"token": "tok x10", "expires_in": 30}', "spaces"),
]


@pytest.mark.parametrize("output, says", [(o, s) for _, o, s in BAD_OUTPUTS], ids=[i for i, _, _ in BAD_OUTPUTS])
def test_a_bad_token_command_output_is_exit_3_without_the_output(output, says):
    with pytest.raises(ConfigError) as caught:
        ts.parse_token_output(output, "the token command t")
    message = str(caught.value) + (caught.value.hint or "")
    assert says in message and message.startswith("the token command t")
    assert "tok-x" not in message and "opaque" not in message and "eyJ" not in message


def test_an_expired_token_is_exit_9(tmp_path):
    argv = script(tmp_path, "import json; print(json.dumps({'token': 'old-tok-1', 'expires_in': -5}))")
    with pytest.raises(AuthError, match="expired at") as caught:
        ts.cached_token(ts.CommandSource({ts.COMMAND: argv}), 5)
    assert "old-tok-1" not in str(caught.value)


# -- running the command --------------------------------------------------------------------------

@pytest.mark.parametrize("body, says", [
    (f"import sys; sys.stderr.write('{SECRET} leaked?'); print('tok-abc'); sys.exit(4)", "exited with status 4"),
    ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "ended by signal 9"),
    ("import sys; sys.stdout.write('x' * (80 * 1024))", "more than 64 KiB"),
], ids=["exit-status", "killed", "too-much-output"])
def test_a_failing_token_command_is_one_line_naming_only_its_program(tmp_path, body, says):
    argv = script(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        ts.CommandSource({ts.COMMAND: argv}).fetch(10)
    message = str(caught.value) + (caught.value.hint or "")
    assert says in message and message.startswith(f"the token command {os.path.basename(PY)} ")
    assert SECRET not in message and "tok-abc" not in message and str(tmp_path) not in message


def test_a_program_that_does_not_exist_is_exit_3():
    with pytest.raises(ConfigError, match="the token command no-such-kctl-token-program cannot be run"):
        ts.CommandSource({ts.COMMAND: "no-such-kctl-token-program --flag " + SECRET}).fetch(5)


def test_a_hanging_token_command_ends_at_the_timeout_with_its_children(tmp_path):
    pid_file = tmp_path / "child.pid"
    argv = script(tmp_path, "import subprocess, sys, time\n"
                            f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                            f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
                            "time.sleep(60)\n")
    started = time.monotonic()
    with pytest.raises(ConfigError, match="did not finish within 1s"):
        ts.CommandSource({ts.COMMAND: argv}).fetch(1)
    assert time.monotonic() - started < 3
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)  # the kill is sent; the child's reaping by init is not ours to wait on
    assert not _alive(child), "the token command's child outlived it"


@pytest.mark.parametrize("signal_number, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_kctl_and_its_hanging_token_command_within_2_s(tmp_path, signal_number, code):
    pid_file = tmp_path / "command.pid"
    command = script(tmp_path, f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n")
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "KCTL_CONFIG": os.devnull}
    proc = subprocess.Popen([PY, "-m", "kctl", "-b", "127.0.0.1:1", "--timeout", "60", "-X", "security.protocol=SASL_SSL",
                             "-X", "sasl.mechanism=OAUTHBEARER", "-X", "kctl.oauthbearer.method=command",
                             "-X", f"kctl.oauthbearer.token.command={' '.join(command)}", "topics", "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        started = time.monotonic()
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() - started < 30:
            time.sleep(0.05)  # until the token command runs
        assert pid_file.exists(), proc.stderr
        proc.send_signal(signal_number)
        sent = time.monotonic()
        proc.wait(timeout=10)
        assert time.monotonic() - sent < 2 and proc.returncode == code, proc.stderr.read()
        assert "Traceback" not in proc.stderr.read().decode()
    finally:
        proc.kill()
        proc.wait()
    assert not _alive(int(pid_file.read_text())), "the token command outlived kctl"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_tokens_are_kept_until_80_percent_of_their_life(tmp_path):
    runs = tmp_path / "runs"
    argv = script(tmp_path, f"import json\nopen({str(runs)!r}, 'a').write('x')\n"
                            "print(json.dumps({'token': 'tok-cached', 'expires_in': 100}))\n")
    source = ts.CommandSource({ts.COMMAND: argv})
    first, second = ts.cached_token(source, 5), ts.cached_token(source, 5)
    assert first is second and runs.read_text() == "x"
    token, refresh_at = ts._cache[source.key()]
    assert 75 < refresh_at - time.time() <= 80
    ts._cache[source.key()] = (token, time.time() - 1)  # past its refresh time
    assert ts.cached_token(source, 5).value == "tok-cached" and runs.read_text() == "xx"


def test_every_token_is_remembered_as_a_secret(tmp_path):
    from kctl.redact import redact_text

    argv = script(tmp_path, "import json; print(json.dumps({'token': 'tok-remembered-42', 'expires_in': 100}))")
    ts.cached_token(ts.CommandSource({ts.COMMAND: argv}), 5)
    assert "tok-remembered-42" not in redact_text("librdkafka said: tok-remembered-42")


# -- properties: what librdkafka and kafka-python get ---------------------------------------------

BASE = {"bootstrap.servers": "h:9093", "security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER"}


def test_librdkafka_gets_an_oauth_cb_and_no_kctl_property(tmp_path):
    argv = script(tmp_path, "import json; print(json.dumps({'token': 'tok-cb', 'expires_in': 100}))")
    conf = {**BASE, ts.METHOD: "command", ts.COMMAND: " ".join(argv), ts.TIMEOUT_MS: "4000"}
    out = ts.librdkafka_conf(conf)
    assert not [k for k in out if k.startswith("kctl.")] and out["security.protocol"] == "SASL_SSL"
    value, expires_at, principal = out["oauth_cb"]("")
    assert value == "tok-cb" and 90 < expires_at - time.time() <= 100 and principal == "kctl"
    from kctl.kafka.kafka_python import kafka_python_kwargs

    provider = kafka_python_kwargs(conf, 3)["sasl_oauth_token_provider"]
    assert provider.token() == "tok-cb" and provider.timeout == 4.0


def test_librdkafka_fetches_oidc_tokens_itself():
    conf = {**BASE, "sasl.oauthbearer.method": "oidc", "sasl.oauthbearer.token.endpoint.url": "http://127.0.0.1:1/t",
            "sasl.oauthbearer.client.id": "c"}
    assert ts.librdkafka_conf(conf) == conf  # unchanged: no token fetched, no callback
    assert isinstance(ts.token_source(conf), ts.OidcSource)


def test_kafka_python_with_a_token_command_needs_no_oidc_setting():
    from kctl.kafka.kafka_python import kafka_python_kwargs

    kwargs = kafka_python_kwargs({**BASE, ts.METHOD: "command", ts.COMMAND: "t"}, 3)
    assert kwargs["sasl_mechanism"] == "OAUTHBEARER" and kwargs["sasl_oauth_token_provider"].source.argv == ["t"]
    assert not [k for k in kwargs if "kctl" in k]


BAD_PROPERTIES = [
    ("unknown-method", {**BASE, ts.METHOD: "magic"}, "must be one of command, aws_msk_iam"),
    ("not-oauthbearer", {**BASE, "sasl.mechanism": "PLAIN", ts.METHOD: "command", ts.COMMAND: "t"}, "needs sasl.mechanism"),
    ("two-sources", {**BASE, "sasl.oauthbearer.method": "oidc", ts.METHOD: "command", ts.COMMAND: "t"}, "two token sources"),
    ("no-command", {**BASE, ts.METHOD: "command"}, f"needs {ts.COMMAND}"),
    ("empty-command", {**BASE, ts.METHOD: "command", ts.COMMAND: "  "}, "is empty"),
    ("unsplittable", {**BASE, ts.METHOD: "command", ts.COMMAND: "a 'b"}, "cannot split"),
    ("stray-aws-key", {**BASE, ts.AWS_REGION: "eu-west-1"}, f"needs {ts.METHOD}"),
    ("plaintext", {**BASE, "security.protocol": "PLAINTEXT", ts.METHOD: "command", ts.COMMAND: "t"}, "SASL_SSL"),
    ("bad-timeout", {**BASE, ts.METHOD: "command", ts.COMMAND: "t", ts.TIMEOUT_MS: "soon"}, "milliseconds"),
    ("zero-timeout", {**BASE, ts.METHOD: "command", ts.COMMAND: "t", ts.TIMEOUT_MS: "0"}, "above 0"),
]


@pytest.mark.parametrize("conf, says", [(c, s) for _, c, s in BAD_PROPERTIES], ids=[i for i, _, _ in BAD_PROPERTIES])
def test_contradicting_token_settings_are_exit_3(conf, says):
    with pytest.raises(ConfigError, match=None) as caught:
        ts.librdkafka_conf(conf)
    assert says in str(caught.value)


@pytest.mark.parametrize("argv, says", [
    (["-X", "kctl.oauthbearer.method=command", "-X", "kctl.oauthbearer.token.command=false"], "exited with status 1"),
    (["-X", "kctl.oauthbearer.method=nope"], "must be one of"),
    (["-X", "kctl.oauthbearer.aws.region=eu-west-1"], "needs kctl.oauthbearer.method"),
], ids=["failing-command", "unknown-method", "stray-key"])
def test_the_cli_refuses_them_in_one_line_within_the_timeout(argv, says):
    started = time.monotonic()
    result = run_kctl("-b", "127.0.0.1:1", "--timeout", "2", "-X", "security.protocol=SASL_SSL",
                      "-X", "sasl.mechanism=OAUTHBEARER", *argv, "topics", "list")
    one_error_line(result, 3, says)
    assert time.monotonic() - started < 7


def test_the_global_token_command_option_is_its_properties(tmp_path):
    argv = script(tmp_path, "import sys; sys.exit(5)")
    result = run_kctl("-b", "127.0.0.1:1", "--timeout", "2", "-X", "security.protocol=SASL_SSL", "--token-command",
                      " ".join(argv), "topics", "list")
    one_error_line(result, 3, "exited with status 5")
    view = run_kctl("-b", "127.0.0.1:1", "--token-command", "fetch-token --aud kafka", "config", "view", "-o", "json")
    props = json.loads(view.stdout)["properties"]
    assert props[ts.COMMAND] == "fetch-token --aud kafka" and props["sasl.mechanism"] == "OAUTHBEARER"
    one_error_line(run_kctl("-b", "127.0.0.1:1", "--timeout", "2", "--token-command", "t", "topics", "list"), 3,
                   "needs security.protocol SASL_SSL")


# -- the contexts file ----------------------------------------------------------------------------

@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.yaml"
    monkeypatch.setenv("KCTL_CONFIG", str(path))
    return path


@pytest.mark.parametrize("context, says", [
    ({"bootstrap": "h:1", "token_command": 7}, "contexts.p.token_command"),
    ({"bootstrap": "h:1", "token_command": ["a", 1]}, "contexts.p.token_command"),
    ({"bootstrap": "h:1", "aws_msk_iam": {"regoin": "eu-west-1"}}, "contexts.p.aws_msk_iam"),
    ({"bootstrap": "h:1", "aws_msk_iam": "eu-west-1"}, "contexts.p.aws_msk_iam"),
    ({"bootstrap": "h:1", "token_command": ["t"], "aws_msk_iam": {}}, "both token_command and aws_msk_iam"),
    ({"bootstrap": "h:1", "token_command": []}, "is empty"),
], ids=["command-int", "command-list-int", "aws-unknown-key", "aws-not-a-mapping", "both", "empty-command"])
def test_a_bad_login_key_in_the_contexts_file_is_exit_3_naming_its_path(config, context, says):
    config.write_text(yaml.safe_dump({"current-context": "p", "contexts": {"p": context}}))
    one_error_line(run_kctl("--timeout", "1", "topics", "list"), 3, says)


def test_context_login_keys_become_kctl_properties(config):
    config.write_text(yaml.safe_dump({"contexts": {
        "cmd": {"bootstrap": "h:1", "token_command": ["fetch-token", "--aud", "k a"],
                "properties": {"security.protocol": "SASL_PLAINTEXT"}},
        "msk": {"bootstrap": "h:1", "aws_msk_iam": {"region": "eu-west-1", "role_arn": "arn:aws:iam::1:role/r"}}}}))
    cmd = run_kctl("--context", "cmd", "config", "view", "-o", "json")
    assert cmd.code == 0, cmd
    props = json.loads(cmd.stdout)["properties"]
    assert props[ts.COMMAND] == "fetch-token --aud 'k a'" and props[ts.METHOD] == "command"
    assert props["security.protocol"] == "SASL_PLAINTEXT" and props["sasl.mechanism"] == "OAUTHBEARER"
    msk = json.loads(run_kctl("--context", "msk", "config", "view", "-o", "json").stdout)["properties"]
    assert msk[ts.METHOD] == "aws_msk_iam" and msk[ts.AWS_REGION] == "eu-west-1"
    assert msk[ts.AWS_ROLE_ARN] == "arn:aws:iam::1:role/r" and msk["security.protocol"] == "SASL_SSL"


def test_set_context_writes_the_login_keys(config):
    assert run_kctl("config", "set-context", "c", "-b", "h:1", "--token-command", "fetch-token --aud 'k a'").code == 0
    context = yaml.safe_load(config.read_text())["contexts"]["c"]
    assert context["token_command"] == ["fetch-token", "--aud", "k a"]
    assert context["properties"] == {"sasl.mechanism": "OAUTHBEARER", "security.protocol": "SASL_SSL"}
    assert run_kctl("config", "set-context", "c", "--sasl-mechanism", "AWS_MSK_IAM", "--aws-profile", "prod").code == 0
    context = yaml.safe_load(config.read_text())["contexts"]["c"]
    assert context["aws_msk_iam"] == {"profile": "prod"} and "token_command" not in context


@pytest.mark.parametrize("argv, says", [
    (["--aws-region", "eu-west-1"], "need --sasl-mechanism AWS_MSK_IAM"),
    (["--token-command", "t", "--sasl-mechanism", "PLAIN"], "not PLAIN"),
    (["--token-command", "a 'b"], "--token-command: cannot split"),
    (["--token-command", "t", "--username", "u"], "no --username"),
    (["--sasl-mechanism", "AWS_MSK_IAM", "--token-command", "t"], "not AWS_MSK_IAM"),
    (["--sasl-mechanism", "AWS_MSK_IAM", "--username", "u"], "signs with AWS credentials"),
], ids=["aws-without-mechanism", "command-with-plain", "unsplittable", "command-with-user", "aws-with-command",
                                   "aws-with-user"])
def test_set_context_refuses_mixed_login_options(config, argv, says):
    one_error_line(run_kctl("config", "set-context", "c", "-b", "h:1", *argv), 2, says)
    assert not config.exists()


# -- AWS MSK IAM ----------------------------------------------------------------------------------

FAKE_KEY_ID, FAKE_SECRET = "AKIDKCTLTESTEXAMPLE", "kctlTESTsecretKEYnotREAL0123456789abcdef"


@pytest.fixture
def aws_env(tmp_path, monkeypatch):
    """Fake static credentials and no AWS files, no instance metadata: nothing reaches the network."""
    pytest.importorskip("aws_msk_iam_sasl_signer")
    for var in [v for v in os.environ if v.startswith("AWS_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    return monkeypatch


MSK = {**BASE, "bootstrap.servers": "b-1.demo.abc123.c2.kafka.eu-west-1.amazonaws.com:9098", ts.METHOD: "aws_msk_iam"}


def test_the_msk_iam_token_is_the_signers_signed_url(aws_env):
    out = ts.librdkafka_conf(MSK)
    value, expires_at, principal = out["oauth_cb"]("")
    url = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.scheme == "https" and parts.netloc == "kafka.eu-west-1.amazonaws.com"  # the region of the bootstrap host
    assert query["Action"] == ["kafka-cluster:Connect"] and query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].startswith(f"{FAKE_KEY_ID}/") and "/eu-west-1/kafka-cluster/" in query["X-Amz-Credential"][0]
    assert query["X-Amz-Expires"] == ["900"] and len(query["X-Amz-Signature"][0]) == 64
    assert query["User-Agent"][0].startswith("aws-msk-iam-sasl-signer-python/")
    assert "=" not in value and FAKE_SECRET not in url
    assert 800 < expires_at - time.time() <= 900 and principal == "aws-msk-iam"
    from kctl.kafka.kafka_python import kafka_python_kwargs

    assert kafka_python_kwargs(MSK, 3)["sasl_oauth_token_provider"].token() == value  # the cached token


def test_the_region_setting_wins_over_the_environment_and_the_host(aws_env):
    aws_env.setenv("AWS_REGION", "us-east-2")
    assert ts.AwsMskIamSource(MSK).region == "us-east-2"
    assert ts.AwsMskIamSource({**MSK, ts.AWS_REGION: "ap-south-1"}).region == "ap-south-1"
    value = ts.AwsMskIamSource({**MSK, ts.AWS_REGION: "ap-south-1"}).fetch(10).value
    assert "kafka.ap-south-1.amazonaws.com" in base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()


@pytest.mark.parametrize("change, says", [
    ({"bootstrap.servers": "kafka.example.com:9098"}, "needs a region"),
    ({ts.AWS_PROFILE: "no-such-profile"}, "no AWS profile 'no-such-profile'"),
    ({"unset": True}, "no AWS credentials found"),
], ids=["no-region", "no-profile", "no-credentials"])
def test_msk_iam_without_what_it_needs_is_exit_3(aws_env, change, says):
    if change.pop("unset", False):
        aws_env.delenv("AWS_ACCESS_KEY_ID")
        aws_env.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(ConfigError) as caught:
        ts.librdkafka_conf({**MSK, **change})
    assert says in str(caught.value) and FAKE_SECRET not in str(caught.value)


def test_msk_iam_hosts_name_their_region():
    assert ts.msk_region("b-2.x.y.c3.kafka.us-west-2.amazonaws.com:9098,b-1.x.y.c3.kafka.us-west-2.amazonaws.com:9098") \
        == "us-west-2"
    assert ts.msk_region("boot-abc.c1.kafka-serverless.eu-central-1.amazonaws.com:9098") == "eu-central-1"
    assert ts.msk_region("kafka.example.com:9092") is None
