"""Port registry and target resolution.

Which registry file is read (first that exists wins):
  1. --registry PATH
  2. $KCTL_REGISTRY
  3. ./port_registry.yaml (current directory)
  4. <user config dir>/port_registry.yaml  ($XDG_CONFIG_HOME/kctl, default ~/.config/kctl)
  5. the registry packaged with kctl

Which brokers a command talks to (first that is set wins):
  1. --bootstrap/-b HOST:PORT[,HOST:PORT...]
  2. $KCTL_BOOTSTRAP
  3. --instance/-i N          (ports from the registry)
  4. $KCTL_INSTANCE
  5. the current context's bootstrap or instance (`kctl config use-context`)
  6. instance 0
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from kctl.config.addresses import check_bootstrap
from kctl.errors import ConfigError

PACKAGED_REGISTRY = Path(__file__).with_name("port_registry.yaml")


def user_config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "kctl"


@dataclass(frozen=True)
class Registry:
    path: str
    host: str
    broker_port: int
    controller_port: int
    instance_increment: int
    max_instances: int
    broker_stride: int
    ui_port: int
    temporal_frontend_port: int = 7233
    temporal_ui_port: int = 8233
    schema_registry_port: int = 8081
    schema_registry_management_port: int = 9081
    oidc_port: int = 8090
    connect_rest_port: int = 8083
    # A registry written before Connect had no `connect` section: its other ports were checked
    # without Connect's, and such a file must keep loading (8083 + 50·N can meet Temporal's UI port).
    connect_section: bool = True

    def check_instance(self, instance: int) -> None:
        if not 0 <= instance < self.max_instances:
            raise ConfigError(
                f"instance {instance} is out of range (0..{self.max_instances - 1})",
                hint=f"max_instances in {self.path}",
            )

    def broker_port_of(self, instance: int, broker: int = 0) -> int:
        self.check_instance(instance)
        return self.broker_port + instance * self.instance_increment + broker * self.broker_stride

    def controller_port_of(self, instance: int, broker: int = 0) -> int:
        self.check_instance(instance)
        return self.controller_port + instance * self.instance_increment + broker * self.broker_stride

    def ui_port_of(self, instance: int) -> int:
        self.check_instance(instance)
        return self.ui_port + instance * self.instance_increment

    def bootstrap_of(self, instance: int) -> str:
        return f"{self.host}:{self.broker_port_of(instance)}"

    def temporal_of(self, instance: int) -> "TemporalPorts":
        """The Temporal dev server's ports of an instance (`kctl local up --temporal`)."""
        self.check_instance(instance)
        offset = instance * self.instance_increment
        return TemporalPorts(self.host, self.temporal_frontend_port + offset, self.temporal_ui_port + offset)

    def schema_registry_of(self, instance: int) -> "SchemaRegistryPorts":
        """The local Schema Registry's ports of an instance (`kctl local up --schema-registry`)."""
        self.check_instance(instance)
        offset = instance * self.instance_increment
        return SchemaRegistryPorts(self.host, self.schema_registry_port + offset, self.schema_registry_management_port + offset)

    def oidc_of(self, instance: int) -> "OidcPorts":
        """The OIDC issuer's port of an instance (`kctl local up --security oauth`)."""
        self.check_instance(instance)
        return OidcPorts(self.host, self.oidc_port + instance * self.instance_increment)

    def connect_of(self, instance: int) -> "ConnectPorts":
        """The local Kafka Connect worker's REST port of an instance (`kctl local up --connect`)."""
        self.check_instance(instance)
        return ConnectPorts(self.host, self.connect_rest_port + instance * self.instance_increment)


@dataclass(frozen=True)
class OidcPorts:
    host: str
    port: int

    @property
    def issuer(self) -> str:
        """The issuer URL (the `iss` of its tokens); /token and /jwks below it."""
        return f"http://{self.host}:{self.port}/kctl"

    @property
    def token_url(self) -> str:
        return self.issuer + "/token"

    @property
    def jwks_url(self) -> str:
        return self.issuer + "/jwks"


@dataclass(frozen=True)
class ConnectPorts:
    host: str
    rest_port: int

    @property
    def url(self) -> str:
        """The worker's REST API: what `kctl connect --connect-url` takes."""
        return f"http://{self.host}:{self.rest_port}"


@dataclass(frozen=True)
class SchemaRegistryPorts:
    host: str
    port: int
    management_port: int

    @property
    def url(self) -> str:
        """The Confluent-compatible API: what `--schema-registry` takes."""
        return f"http://{self.host}:{self.port}/apis/ccompat/v7"

    @property
    def ready_url(self) -> str:
        return f"http://{self.host}:{self.management_port}/health/ready"


@dataclass(frozen=True)
class TemporalPorts:
    host: str
    frontend_port: int
    ui_port: int

    @property
    def address(self) -> str:
        """What a Temporal client connects to: `Client.connect(ports.address)`."""
        return f"{self.host}:{self.frontend_port}"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.ui_port}"


def find_registry_path(explicit: str | None = None) -> Path:
    """The registry file to read, by the lookup order in the module docstring."""
    for given, origin in ((explicit, ""), (os.environ.get("KCTL_REGISTRY"), " (from KCTL_REGISTRY)")):
        if not given:
            continue
        path = Path(given)
        if not path.exists():
            raise ConfigError(f"registry file not found: {given}{origin}")
        if not path.is_file():  # a folder, a FIFO (reading it would wait for a writer), a device
            raise ConfigError(f"cannot read registry {given}{origin}: not a regular file")
        return path
    for candidate in (Path.cwd() / "port_registry.yaml", user_config_dir() / "port_registry.yaml"):
        if candidate.is_file():
            return candidate
    return PACKAGED_REGISTRY


MAX_PORT = 65535


def _instance_ports(registry: "Registry"):
    """(port, what) of every port of every instance: Kafka first (up to 3 brokers each), then the UIs and Temporal."""
    step = registry.instance_increment
    for instance in range(registry.max_instances):
        for broker in range(3):
            offset = instance * step + broker * registry.broker_stride
            yield registry.broker_port + offset, f"broker port of instance {instance} broker {broker}"
            yield registry.controller_port + offset, f"controller port of instance {instance} broker {broker}"
    for instance in range(registry.max_instances):
        yield registry.ui_port + instance * step, f"Kafka UI port of instance {instance}"
        yield registry.temporal_frontend_port + instance * step, f"Temporal frontend port of instance {instance}"
        yield registry.temporal_ui_port + instance * step, f"Temporal UI port of instance {instance}"
        yield registry.schema_registry_port + instance * step, f"Schema Registry port of instance {instance}"
        yield (registry.schema_registry_management_port + instance * step,
               f"Schema Registry management port of instance {instance}")
        yield registry.oidc_port + instance * step, f"OIDC issuer port of instance {instance}"
        if registry.connect_section:
            yield registry.connect_rest_port + instance * step, f"Connect REST port of instance {instance}"


def _check_ports(registry: "Registry") -> None:
    """Every port of every instance must be a valid port and unique."""
    path = registry.path
    if registry.max_instances < 1 or registry.instance_increment < 1:
        raise ConfigError(f"malformed registry {path}: max_instances and instance_increment must be at least 1")
    if min(registry.broker_port, registry.controller_port, registry.ui_port,
           registry.temporal_frontend_port, registry.temporal_ui_port,
           registry.schema_registry_port, registry.schema_registry_management_port, registry.oidc_port,
           registry.connect_rest_port) < 1:
        raise ConfigError(f"malformed registry {path}: ports must be at least 1")
    seen: dict[int, str] = {}
    for port, where in _instance_ports(registry):
        if port > MAX_PORT:
            raise ConfigError(
                f"malformed registry {path}: the {where} would be {port}, above {MAX_PORT}",
                hint="lower max_instances, instance_increment or the base ports",
            )
        if port in seen:
            raise ConfigError(
                f"malformed registry {path}: the {where} ({port}) is also the {seen[port]}",
                hint="3 * broker_stride must not exceed instance_increment, and no two kinds of port may overlap",
            )
        seen[port] = where


_SIMPLE_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?: +(?P<value>[A-Za-z0-9_.:-]+))? *(?:#.*)?$")


_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "y", "n", "null"}


def _plain_scalar(value: str) -> int | str | None:
    """A scalar whose YAML type is certain: a decimal int, a dotted IPv4 address or a name."""
    if re.fullmatch(r"0|[1-9][0-9]*", value):
        return int(value)
    if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", value):
        return value
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9.-]*", value) and value.lower() not in _YAML_WORDS:
        return value
    return None  # booleans, floats, octals...: let yaml decide


def _parse_plain_registry(text: str) -> dict | None:
    """Parse the registry's usual shape (sections of `key: scalar`, comments) without yaml.

    Every command resolves the registry, and importing yaml costs more than the rest of the
    lookup; anything beyond this plain shape returns None and goes to the real YAML parser.
    """
    data: dict = {}
    section: dict | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _SIMPLE_LINE.match(line)
        if not match:
            return None
        key, value, indent = match.group("key"), match.group("value"), len(match.group("indent"))
        if indent == 0 and value is None and key not in data:
            section = data[key] = {}
        elif indent == 2 and value is not None and section is not None and key not in section:
            scalar = _plain_scalar(value)
            if scalar is None:
                return None
            section[key] = scalar
        else:
            return None
    return data


MAX_CONFIG_BYTES = 1 << 20  # kctl.decode.MAX_CONFIG_BYTES, without importing the decoder

# kctl.config.files.RegistryFile's fields, for the plain path: a file in the plain shape with only these
# keys and types is used as it is, without msgspec's import (~25 ms); any other goes to the decoder.
# tests/unit/test_config_files.py checks that the two agree.
PLAIN_FIELDS = {
    "kafka": {"host": str, "broker_port": int, "controller_port": int, "instance_increment": int,
              "max_instances": int, "broker_stride": int},
    "kafka_ui": {"ui_port": int},
    "temporal": {"frontend_port": int, "ui_port": int},
    "schema_registry": {"port": int, "management_port": int},
    "oidc": {"port": int},
    "connect": {"rest_port": int},
}
PLAIN_REQUIRED = {"broker_port", "controller_port", "instance_increment", "max_instances"}  # of kafka


def _plainly_valid(data: dict) -> bool:
    if not isinstance(data.get("kafka"), dict) or not PLAIN_REQUIRED <= data["kafka"].keys():
        return False
    for name, section in data.items():
        fields = PLAIN_FIELDS.get(name)
        if fields is None or not isinstance(section, dict):
            return False
        for key, value in section.items():
            if type(value) is not fields.get(key) or (type(value) is int and value < 0):
                return False
    return True


def load_registry(explicit: str | None = None) -> Registry:
    """The registry file (kctl.config.files.RegistryFile, decoded strictly: unknown keys and values of the
    wrong type are a ConfigError naming their path, exit 3), its ports checked to be valid and distinct."""
    path = find_registry_path(explicit)
    if path == PACKAGED_REGISTRY:
        # kctl's own file, in the plain shape: read without yaml and msgspec (every command resolves it).
        data = _parse_plain_registry(PACKAGED_REGISTRY.read_text())
        kafka, ui, temporal, schema_registry, oidc, connect = (data.get(k, {}) for k in PLAIN_FIELDS)
    else:
        from kctl.regular import read_regular_file  # not on topics list's path

        raw = read_regular_file(str(path), f"malformed registry {path}", ConfigError, limit=MAX_CONFIG_BYTES)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"cannot read registry {path}: not a UTF-8 text file") from None
        data = _parse_plain_registry(text)
        if data is None or not _plainly_valid(data):  # anything else: the strict decoder, its errors
            from kctl.config.files import decode_registry, parse_registry  # not on topics list's path

            file = decode_registry(parse_registry(text, str(path)) if data is None else data, str(path))
            data = {name: {f: getattr(section, f) for f in section.__struct_fields__}
                    for name, section in ((n, getattr(file, n)) for n in PLAIN_FIELDS) if section is not None}
        kafka, ui, temporal, schema_registry, oidc, connect = (data.get(k, {}) for k in PLAIN_FIELDS)
    has_connect = "connect" in data
    host = kafka.get("host", "127.0.0.1")
    if not host.strip() or any(c in host for c in " ,/"):
        raise ConfigError(f"malformed registry {path}: kafka.host must be a host name, got {host!r}")
    registry = Registry(
        path=str(path), host=host, broker_port=kafka["broker_port"], controller_port=kafka["controller_port"],
        instance_increment=kafka["instance_increment"], max_instances=kafka["max_instances"],
        broker_stride=kafka.get("broker_stride", 10), ui_port=ui.get("ui_port", 8080),
        temporal_frontend_port=temporal.get("frontend_port", 7233), temporal_ui_port=temporal.get("ui_port", 8233),
        schema_registry_port=schema_registry.get("port", 8081),
        schema_registry_management_port=schema_registry.get("management_port", 9081),
        oidc_port=oidc.get("port", 8090),
        connect_rest_port=connect.get("rest_port", 8083),
        connect_section=has_connect,
    )
    _check_ports(registry)
    return registry


@dataclass(frozen=True)
class Target:
    """Where a command connects, and why (for `kctl config view` and error messages)."""

    bootstrap: str
    instance: int | None
    source: str


def parse_instance(value: str | int, source: str) -> int:
    # Only whole numbers: int(True) == 1 and int(1.5) == 1 would silently pick an instance.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise ConfigError(f"instance must be a whole number, got {value!r} ({source})")


def resolve_target(
    bootstrap: str | None,
    instance: int | None,
    context: dict | None,
    registry_path: str | None = None,
    environ: dict | None = None,
) -> Target:
    """Resolve the bootstrap servers by the order in the module docstring."""
    env = os.environ if environ is None else environ
    if bootstrap:
        return Target(check_bootstrap(bootstrap, "--bootstrap"), None, "--bootstrap")
    if env.get("KCTL_BOOTSTRAP"):
        return Target(check_bootstrap(env["KCTL_BOOTSTRAP"], "KCTL_BOOTSTRAP"), None, "KCTL_BOOTSTRAP")
    chosen: tuple[int, str] | None = None
    if instance is not None:
        chosen = (instance, "--instance")
    elif env.get("KCTL_INSTANCE"):
        chosen = (parse_instance(env["KCTL_INSTANCE"], "KCTL_INSTANCE"), "KCTL_INSTANCE")
    elif context:
        name = context.get("name", "?")
        if context.get("bootstrap"):
            return Target(check_bootstrap(str(context["bootstrap"]), f"context {name}"), None, f"context {name}")
        if context.get("instance") is not None:
            chosen = (parse_instance(context["instance"], f"context {name}"), f"context {name}")
    if chosen is None:
        chosen = (0, "default instance 0")
    number, source = chosen
    registry = load_registry(registry_path)
    try:
        return Target(registry.bootstrap_of(number), number, source)
    except ConfigError as exc:
        raise ConfigError(f"{exc.message} (from {source})", exc.hint) from None
