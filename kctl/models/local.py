"""Models of `kctl local`."""

from __future__ import annotations

from dataclasses import dataclass

# LocalInstance.state: every broker runs / some do / none does.
UP, DEGRADED, DOWN = "up", "degraded", "down"


@dataclass(frozen=True)
class LocalBroker:
    node_id: int
    port: int
    controller_port: int
    pid: int | None
    running: bool
    data_dir: str
    log_file: str


@dataclass(frozen=True)
class LocalTemporal:
    """The instance's Temporal dev server (`kctl local up --temporal`)."""

    running: bool
    pid: int | None
    frontend_port: int
    ui_port: int
    db_file: str
    log_file: str
    address: str  # host:frontend_port, what a Temporal client connects to
    ui_url: str


@dataclass(frozen=True)
class LocalSchemaRegistry:
    """The instance's Schema Registry (`kctl local up --schema-registry`: Apicurio, Confluent API)."""

    running: bool
    pid: int | None
    port: int
    management_port: int
    url: str  # what --schema-registry takes: http://HOST:PORT/apis/ccompat/v7
    db_file: str
    log_file: str


@dataclass(frozen=True)
class LocalOidc:
    """The instance's OIDC issuer (`kctl local up --security oauth`: mock-oauth2-server)."""

    running: bool
    pid: int | None
    port: int
    issuer: str  # the `iss` of its tokens; what the brokers expect
    token_url: str  # client credentials: what a context's --oauth-token-url takes
    jwks_url: str  # the brokers' sasl.oauthbearer.jwks.endpoint.url
    log_file: str


@dataclass(frozen=True)
class LocalConnect:
    """The instance's Kafka Connect worker (`kctl local up --connect`: distributed mode)."""

    running: bool
    pid: int | None
    rest_port: int
    url: str  # its REST API: what `kctl connect --connect-url` takes
    group_id: str
    config_file: str  # the worker.properties kctl wrote
    log_file: str


@dataclass(frozen=True)
class LocalInstance:
    instance: int
    bootstrap: str
    running: bool  # every broker runs (state == "up")
    brokers: tuple[LocalBroker, ...]
    kafka_version: str | None = None
    already_running: bool = False
    state: str = DOWN  # up | degraded | down
    started: tuple[int, ...] = ()  # node ids of the brokers this command started
    temporal: LocalTemporal | None = None  # None: Temporal was never started for this instance
    security: str = "none"  # none | scram | oauth | mtls (`kctl local up --security MODE`)
    context: str | None = None  # the kctl context of the super user of a secured instance
    schema_registry: LocalSchemaRegistry | None = None  # None: never started for this instance
    oidc: LocalOidc | None = None  # None: the instance is not an `--security oauth` one
    connect: LocalConnect | None = None  # None: never started for this instance

    @property
    def down_brokers(self) -> tuple[int, ...]:
        return tuple(b.node_id for b in self.brokers if not b.running)


def state_of(brokers: tuple[LocalBroker, ...]) -> str:
    running = sum(1 for b in brokers if b.running)
    if brokers and running == len(brokers):
        return UP
    return DEGRADED if running else DOWN
