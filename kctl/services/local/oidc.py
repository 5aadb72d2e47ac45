"""The OIDC issuer of a local instance (`kctl local up --security oauth`), run by the supervisor.

mock-oauth2-server (NAV's OAuth2/OIDC server on Maven Central: discovery, token endpoint, JWKS,
signed RS256 JWTs), fetched once by Maven from kctl/local/oidc-pom.xml into
$XDG_CACHE_HOME/kctl/mock-oauth2-server-<version>/ and run with the brokers' Java on loopback.
The brokers validate its tokens against its JWKS (Kafka's OAuthBearerValidatorCallbackHandler).

Its client-credentials tokens (issuer http://HOST:PORT/kctl) are decided by the requested scope:
    kafka           sub CLIENT_ID, aud AUDIENCE: what the brokers accept (the instance's OAuth user)
    expired         the same claims, already expired (tests: the broker must refuse it)
    wrong-audience  aud "not-kafka" (tests: the broker must refuse it)
    anything else   no audience, so the brokers refuse it.
It does not check client secrets (it is a test issuer): a wrong secret gets a token; the instance
makes one anyway (client.secret, mode 0600) so that its context logs in as a real one would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from kctl.config.registry import Registry
from kctl.local import OIDC_POM
from kctl.models import LocalOidc
from kctl.services.local.jars import find_java
from kctl.services.local.paths import cache_root, instance_dir
from kctl.services.local.processes import http_status
from kctl.services.local.supervisor import Run, Server, maven_fetch

MAIN = "no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt"
CONFIG_NAME = "issuer.json"
CLIENT_ID = "kctl-admin"  # the token's sub: the principal User:kctl-admin, a super user of the instance
AUDIENCE = "kafka"
SCOPE = "kafka"
HEAP = "128m"


def oidc_version() -> str:
    match = re.search(r"<oidc.version>([^<]+)</oidc.version>", OIDC_POM.read_text())
    return match.group(1) if match else "unknown"


def app_dir() -> Path:
    """The folder of mock-oauth2-server's jars; fetched by Maven on first use."""
    version = oidc_version()
    return maven_fetch(cache_root() / f"mock-oauth2-server-{version}", f"mock-oauth2-server {version}", OIDC_POM,
                       lambda folder: ["dependency:copy-dependencies", f"-DoutputDirectory={folder}",
                                       f"-Doidc.version={version}"],
                       "local_fetch_oidc", version=version)


def issuer_config() -> dict:
    """mock-oauth2-server's JSON_CONFIG: one issuer, tokens by scope (see the module docstring)."""
    claims = {"sub": CLIENT_ID, "aud": [AUDIENCE]}
    return {
        "interactiveLogin": False,
        "httpServer": "NettyWrapper",
        "tokenCallbacks": [{
            "issuerId": "kctl", "tokenExpiry": 3600,
            "requestMappings": [
                {"requestParam": "scope", "match": SCOPE, "claims": claims},
                {"requestParam": "scope", "match": "expired", "claims": {**claims, "exp": 1000}},
                {"requestParam": "scope", "match": "wrong-audience", "claims": {"sub": CLIENT_ID, "aud": ["not-kafka"]}},
            ],
        }],
    }


def client_secret_file(instance: int) -> Path:
    return instance_dir(instance) / "oauth-client.secret"


def _prepare(run: Run) -> None:
    (run.root / CONFIG_NAME).write_text(json.dumps(issuer_config(), indent=2) + "\n")


def _environment(run: Run) -> dict[str, str]:
    ports = run.registry.oidc_of(run.instance)
    return {"SERVER_HOSTNAME": ports.host, "SERVER_PORT": str(ports.port),
            "JSON_CONFIG_PATH": str(run.root / CONFIG_NAME), "LOG_LEVEL": "WARN"}


def server_command(run: Run) -> list[str]:
    return [run.tool, f"-Xmx{HEAP}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            f"-Dkctl.oidc.config={run.root / CONFIG_NAME}",  # the marker: this instance's issuer
            "-cp", f"{run.app}/*", MAIN]


def _ready(run: Run) -> bool:
    ports = run.registry.oidc_of(run.instance)
    return http_status(ports.issuer + "/.well-known/openid-configuration") == 200 and http_status(ports.jwks_url) == 200


def _describe(registry: Registry, instance: int, root: Path, pid: int | None) -> LocalOidc:
    ports = registry.oidc_of(instance)
    return LocalOidc(running=pid is not None, pid=pid, port=ports.port, issuer=ports.issuer, token_url=ports.token_url,
                     jwks_url=ports.jwks_url, log_file=str(root / SERVER.log_name))


def _ports(registry: Registry, instance: int) -> tuple[tuple[str, int], ...]:
    return (("OIDC issuer port", registry.oidc_of(instance).port),)


SERVER = Server(
    name="oidc", label="OIDC issuer", flag="--security oauth", log_name="oidc.log",
    program=MAIN, marker="-Dkctl.oidc.config={root}/" + CONFIG_NAME, ports=_ports, find_tool=find_java, fetch=lambda _instance: app_dir(),
    command=server_command, ready=_ready, describe=_describe, prepare=_prepare, environment=_environment, poll=0.1,
)
