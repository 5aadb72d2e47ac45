"""Issue 24: `kctl local up --security oauth` (SASL/OAUTHBEARER over TLS, tokens of the instance's own
OIDC issuer, validated by the broker against its JWKS with the expected audience and issuer) on
private instance 0 of tests/integration/login_helpers.py, and the logins over it: produce, consume,
topics list (librdkafka), txn list, log dirs, users list, features, broker defaults (kafka-python),
test-auth, refusals; and the same logins with a token command (kctl.config.token_sources) that
fetches its token from the instance's issuer, as a user's own script would.

The issuer (mock-oauth2-server) decides a token by its scope: kafka (the broker's audience),
expired, wrong-audience (kctl.services.local.oidc). It does not check client secrets, so a wrong
secret is not a case here (docs/security.md says so)."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
import time

import pytest

from tests.instances import port_of
from tests.integration.login_helpers import VERSIONS, Kctl, one_error_line, private_env

TIMEOUT = 5


@pytest.fixture(scope="module", params=list(VERSIONS), ids=lambda v: f"kafka-{v}")
def oauth(request, tmp_path_factory):
    version, instance = request.param, VERSIONS[request.param][0]
    root = tmp_path_factory.mktemp(f"oauth-{version}")
    kctl = Kctl(private_env(root))
    up = kctl("local", "up", "-i", instance, "--security", "oauth", "--kafka-version", version, "--heap", "256m",
              "--wait", 180, "-o", "json", timeout=300)
    assert up.code == 0, up
    state = root / "state" / "instances" / str(instance)
    try:
        yield {"kctl": kctl, "up": up.json, "state": state, "ctx": ("--context", up.json["context"]),
               "instance": instance, "version": version, "root": root}
    finally:
        kctl("local", "down", "-i", instance, "--grace", "10")
        secrets = [(state / name).read_text().strip() for name in ("oauth-client.secret", "admin.password")]
        assert kctl.leaks(secrets) == [], "a secret or a token appeared in the output of a command"


def test_up_starts_the_issuer_and_writes_the_context(oauth):
    up, state, instance = oauth["up"], oauth["state"], oauth["instance"]
    issuer = f"http://127.0.0.1:{port_of(__name__, 'oidc', 'port', instance)}/kctl"
    assert up["security"] == "oauth" and up["context"] == f"local-{instance}-oauth" and up["state"] == "up"
    assert up["kafka_version"] == oauth["version"]
    assert up["oidc"]["running"] and up["oidc"]["token_url"] == issuer + "/token", up["oidc"]
    assert stat.S_IMODE(os.stat(state / "oauth-client.secret").st_mode) == 0o600
    props = (state / "broker-1" / "server.properties").read_text()
    assert "sasl.oauthbearer.expected.audience=kafka" in props and "OAuthBearerValidatorCallbackHandler" in props
    assert f"sasl.oauthbearer.jwks.endpoint.url={issuer}/jwks" in props
    status = oauth["kctl"]("local", "status", "-i", instance, "-o", "json")
    assert status.code == 0 and status.json[0]["oidc"]["running"], status
    assert oauth["kctl"]("local", "logs", "-i", instance, "--oidc").code == 0


def test_produce_consume_and_list_over_oauth(oauth):
    kctl, ctx = oauth["kctl"], oauth["ctx"]
    topic = "oauth-records"
    assert kctl(*ctx, "topics", "create", topic, "--partitions", 2).code == 0
    produced = kctl(*ctx, "produce", topic, input="one\ntwo\n")
    assert produced.code == 0, produced
    consumed = kctl(*ctx, "consume", topic, "--from", "beginning", "--max-messages", 2, "--timeout", 20)
    assert consumed.code == 0 and sorted(consumed.stdout.split()) == ["one", "two"], consumed
    listed = kctl(*ctx, "topics", "list", "-o", "json")
    assert listed.code == 0 and topic in {t["name"] for t in listed.json}, listed
    # `-i N` on an oauth instance logs in as its context does
    by_instance = kctl("-i", oauth["instance"], "--timeout", TIMEOUT, "topics", "list", "-o", "json")
    assert by_instance.code == 0 and topic in {t["name"] for t in by_instance.json}, by_instance


def test_kafka_python_paths_log_in_with_the_same_token_endpoint(oauth):
    kctl, ctx = oauth["kctl"], oauth["ctx"]
    for command in KAFKA_PYTHON_COMMANDS:
        result = kctl(*ctx, "--timeout", 10, *command, "-o", "json")
        assert result.code == 0, (command, result)


# Commands whose requests go over kafka-python (confluent-kafka has no call for them).
KAFKA_PYTHON_COMMANDS = (("txn", "list"), ("cluster", "log-dirs"), ("users", "list"), ("quotas", "list"),
                         ("cluster", "features"),
                         ("configs", "alter", "broker", "--default", "-c", "log.cleaner.threads=1", "--validate-only"))


def test_config_view_redacts_the_client_secret(oauth):
    kctl, ctx = oauth["kctl"], oauth["ctx"]
    view = kctl(*ctx, "config", "view", "-o", "json")
    assert view.code == 0, view
    props = view.json["properties"]
    assert props["sasl.mechanism"] == "OAUTHBEARER" and props["sasl.oauthbearer.method"] == "oidc"
    assert props["sasl.oauthbearer.client.secret"].startswith("${file:"), props


def test_test_auth_reports_every_step_and_the_principal(oauth):
    result = oauth["kctl"]("config", "test-auth", oauth["up"]["context"], "-o", "json")
    assert result.code == 0, result
    report = result.json
    assert [s["step"] for s in report["steps"]] == ["dns", "tcp", "tls", "token", "login", "metadata"]
    assert all(s["ok"] for s in report["steps"]) and report["ok"]
    assert report["mechanism"] == "OAUTHBEARER" and report["principal"] == "kctl-admin"
    assert report["token_expires"] and "DESCRIBE" in report["cluster_operations"]


@pytest.mark.parametrize("scope, command", [
    ("wrong-audience", ("topics", "list")),
    ("wrong-audience", ("txn", "list")),  # kafka-python's path
    ("expired", ("topics", "list")),
    ("expired", ("produce", "oauth-refused")),
])
def test_a_token_the_broker_refuses_exits_9_within_the_timeout(oauth, scope, command):
    result = oauth["kctl"](*oauth["ctx"], "-X", f"sasl.oauthbearer.scope={scope}", "--timeout", TIMEOUT, *command,
                           input="x\n")
    assert result.code == 9 and one_error_line(result), result
    assert result.seconds < TIMEOUT + 5, result


@pytest.mark.parametrize("overrides, step, code", [
    (("sasl.oauthbearer.scope=wrong-audience",), "login", 9),
    (("sasl.oauthbearer.scope=expired",), "token", 9),
    (("sasl.oauthbearer.token.endpoint.url=http://127.0.0.1:31081/kctl/token",), "token", 6),  # the issuer is down
])
def test_test_auth_names_the_failing_step(oauth, overrides, step, code):
    args = [a for o in overrides for a in ("-X", o)]
    result = oauth["kctl"](*oauth["ctx"], *args, "--timeout", TIMEOUT, "config", "test-auth", "-o", "json")
    assert result.code == code and one_error_line(result), result
    assert f"the {step} step failed" in result.stderr and result.json["failed_step"] == step, result
    assert result.seconds < TIMEOUT + 5, result


def test_the_broker_checks_the_token_signature(oauth):
    """Kafka 4.1.1's default validator checks claims only: the instance names BrokerJwtValidator, so a
    token whose claims were changed after signing is refused (and a real one accepted); 3.9 checks
    signatures by itself."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    from kctl.config.oidc_token import fetch_token

    token, _ = fetch_token(oauth["up"]["oidc"]["token_url"], "kctl-admin", "unused", "kafka", 10)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged_payload = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "mallory"}).encode()).decode().rstrip("=")
    forged = ".".join((header, forged_payload, signature))

    def topics(value: str):
        admin = AdminClient({"bootstrap.servers": oauth["up"]["bootstrap"], "security.protocol": "SASL_SSL",
                             "sasl.mechanism": "OAUTHBEARER", "ssl.ca.location": str(oauth["state"] / "tls" / "ca.pem"),
                             "oauth_cb": lambda _config: (value, time.time() + 300), "log_level": 0})
        return set(admin.list_topics(timeout=TIMEOUT).topics)

    assert "__consumer_offsets" in topics(token)
    with pytest.raises(KafkaException):
        topics(forged)


# A user's token command: client credentials against the instance's issuer, the token as JSON on
# stdout, its own diagnostics (with the secret) on stderr, which kctl never shows.
FETCH_TOKEN = """
import base64, json, sys, urllib.parse, urllib.request
url, client, secret_file, scope = sys.argv[1:5]
secret = open(secret_file).read().strip()
sys.stderr.write("fetch-token: using secret " + secret + "\\n")
body = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": scope}).encode()
basic = base64.b64encode((client + ":" + secret).encode()).decode()
request = urllib.request.Request(url, data=body, headers={"Authorization": "Basic " + basic})
answer = json.load(urllib.request.urlopen(request, timeout=5))
print(json.dumps({"token": answer["access_token"], "expires_in": answer["expires_in"]}))
"""


@pytest.fixture(scope="module")
def token_command(oauth):
    """A context `tc` whose login is the token command above (set-context --token-command)."""
    script = oauth["root"] / "fetch_token.py"
    script.write_text(FETCH_TOKEN)
    state = oauth["state"]

    def command(scope: str = "kafka") -> str:
        return " ".join([sys.executable, str(script), oauth["up"]["oidc"]["token_url"], "kctl-admin",
                         str(state / "oauth-client.secret"), scope])

    made = oauth["kctl"]("config", "set-context", "tc", "-b", oauth["up"]["bootstrap"], "--token-command", command(),
                         "--ca-file", state / "tls" / "ca.pem")
    assert made.code == 0, made
    return command


def test_a_token_command_logs_in_on_librdkafka_and_kafka_python(oauth, token_command):
    kctl = oauth["kctl"]
    view = kctl("--context", "tc", "config", "view", "-o", "json")
    assert view.code == 0 and view.json["properties"]["kctl.oauthbearer.method"] == "command", view
    topic = "token-command-records"
    assert kctl("--context", "tc", "topics", "create", topic).code == 0
    produced = kctl("--context", "tc", "produce", topic, input="a\nb\n")
    assert produced.code == 0, produced
    consumed = kctl("--context", "tc", "consume", topic, "--from", "beginning", "--max-messages", 2, "--timeout", 20)
    assert consumed.code == 0 and sorted(consumed.stdout.split()) == ["a", "b"], consumed
    for command in KAFKA_PYTHON_COMMANDS:
        result = kctl("--context", "tc", "--timeout", 10, *command, "-o", "json")
        assert result.code == 0, (command, result)
    auth = kctl("config", "test-auth", "tc", "-o", "json")
    assert auth.code == 0 and auth.json["principal"] == "kctl-admin" and auth.json["token_expires"], auth
    token_step = next(s for s in auth.json["steps"] if s["step"] == "token")
    assert token_step["detail"].startswith(f"token from the token command {os.path.basename(sys.executable)}: sub kctl-admin")
    # the global option, without a context: as -X properties
    one_run = kctl("-b", oauth["up"]["bootstrap"], "-X", "security.protocol=SASL_SSL",
                   "-X", f"ssl.ca.location={oauth['state'] / 'tls' / 'ca.pem'}", "--token-command", token_command(),
                   "--timeout", 10, "cluster", "log-dirs", "-o", "json")
    assert one_run.code == 0 and one_run.json, one_run


@pytest.mark.parametrize("command, code, says", [
    ("{python} -c 'import time; time.sleep(60)'", 3, "did not finish within"),
    ("{python} -c 'print(\"not a token\")'", 3, "printed neither JSON nor a JWT"),
    ("{python} -c 'import sys; sys.exit(7)'", 3, "exited with status 7"),
    ("wrong-audience", 9, "authentication failed"),  # a token the broker refuses
    ("expired", 9, "expired at"),
], ids=["hangs", "garbage", "fails", "refused", "expired"])
@pytest.mark.parametrize("kctl_command", [("topics", "list"), ("txn", "list")], ids=["librdkafka", "kafka-python"])
def test_a_token_command_that_fails_is_one_line_within_the_timeout(oauth, token_command, command, code, says,
                                                                    kctl_command):
    line = token_command(command) if command in ("wrong-audience", "expired") else command.format(python=sys.executable)
    result = oauth["kctl"]("--context", "tc", "-X", f"kctl.oauthbearer.token.command={line}", "--timeout", TIMEOUT,
                           *kctl_command)
    assert result.code == code and one_error_line(result) and says in result.stderr, result
    assert result.seconds < TIMEOUT + 5, result
    secret = (oauth["state"] / "oauth-client.secret").read_text().strip()
    assert secret not in result.stderr and "fetch-token:" not in result.stderr, result
