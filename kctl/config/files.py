"""The shapes of kctl's configuration files, as kctl.decode Strict structs: the contexts file
(kctl.config.contexts), a port registry (kctl.config.registry) and a YAML --command-config
(kctl.config.client_conf). Unknown keys are refused and an error names the path of the bad
value (`malformed config file F: contexts.prod.bootstrap: expected `str`, got `int``), exit 3.

Imported only when such a file is read: msgspec's import (~15 ms with typing_extensions) stays
off the start-up path of runs that have none (ARCHITECTURE.md, "The start-up rule").
"""

from __future__ import annotations

from typing import Annotated, Any, Union

import msgspec

from kctl.decode import MAX_CONFIG_BYTES, Strict, decode, decode_dict, parse_yaml, read_regular_file
from kctl.errors import ConfigError

# A librdkafka property's value as YAML gives it: kctl passes it on as text (true/false for booleans).
PropertyValue = Union[str, int, float, bool]
Port = Annotated[int, msgspec.Meta(ge=0)]


class SchemaRegistryEntry(Strict):
    url: str
    user: Union[str, None] = None
    password: Union[str, None] = None  # a ${env:VAR} or ${file:PATH} reference (or, by hand, the secret)
    ca_file: Union[str, None] = None


class AwsMskIam(Strict, omit_defaults=True):
    """A context's Amazon MSK IAM login (kctl.config.token_sources): each from the AWS environment when absent."""
    region: Union[str, None] = None
    profile: Union[str, None] = None
    role_arn: Union[str, None] = None


class Context(Strict, omit_defaults=True):
    bootstrap: Union[str, None] = None
    instance: Union[int, str, None] = None  # a whole number; "2" as text too (kctl.config.registry.parse_instance)
    properties: Union[dict[str, Any], None] = None  # each value a PropertyValue (decode_dict names the key)
    schema_registry: Union[str, SchemaRegistryEntry, None] = None
    connect_url: Union[str, None] = None  # a Kafka Connect worker's REST API (`kctl connect`)
    token_command: Union[list[str], str, None] = None  # OAUTHBEARER: argv (or shell words) printing a token
    aws_msk_iam: Union[AwsMskIam, None] = None  # OAUTHBEARER with an MSK IAM signed token


class ContextsFile(Strict, omit_defaults=True):
    current_context: Union[str, None] = msgspec.field(default=None, name="current-context")
    contexts: Union[dict[str, Any], None] = None  # each a Context (decode_dict names the context)


def load_contexts(path: str) -> dict:
    """The contexts file as plain values (what save_config writes back), after a strict decode."""
    source = f"malformed config file {path}"
    data = parse_yaml(read_regular_file(path, source, ConfigError, limit=MAX_CONFIG_BYTES), source, ConfigError)
    document = decode({} if data is None else data, ContextsFile, source, ConfigError)
    for name, context in decode_dict(document.contexts or {}, Context, source, ConfigError, "contexts").items():
        decode_dict(context.properties or {}, PropertyValue, source, ConfigError, f"contexts.{name}.properties")
    data = dict(data or {})
    if data.get("contexts") is None:
        data["contexts"] = {}
    return data


class KafkaPorts(Strict, kw_only=True):
    host: str = "127.0.0.1"
    broker_port: Port
    controller_port: Port
    instance_increment: Port
    max_instances: Port
    broker_stride: Port = 10


class KafkaUiPorts(Strict):
    ui_port: Port = 8080


class TemporalPorts(Strict):
    frontend_port: Port = 7233
    ui_port: Port = 8233


class SchemaRegistryPorts(Strict):
    port: Port = 8081
    management_port: Port = 9081


class OidcPorts(Strict):
    port: Port = 8090


class ConnectPorts(Strict):
    rest_port: Port = 8083


class RegistryFile(Strict):
    kafka: KafkaPorts
    kafka_ui: Union[KafkaUiPorts, None] = None
    temporal: Union[TemporalPorts, None] = None
    schema_registry: Union[SchemaRegistryPorts, None] = None
    oidc: Union[OidcPorts, None] = None
    connect: Union[ConnectPorts, None] = None


def decode_registry(data: Any, path: str) -> RegistryFile:
    source = f"malformed registry {path}"
    if not isinstance(data, dict) or not isinstance(data.get("kafka"), dict):
        raise ConfigError(f"{source}: no 'kafka' mapping", hint="see the port_registry.yaml packaged with kctl, and kctl's docs/contexts.md")
    return decode(data, RegistryFile, source, ConfigError)


def parse_registry(text: str, path: str) -> Any:
    return parse_yaml(text, f"malformed registry {path}", ConfigError)


def load_command_config(path: str) -> dict[str, PropertyValue]:
    """A YAML --command-config: a mapping of librdkafka properties (an empty file: none)."""
    source = f"malformed --command-config {path}"
    data = parse_yaml(read_regular_file(path, source, ConfigError, limit=MAX_CONFIG_BYTES), source, ConfigError)
    return decode_dict({} if data is None else data, PropertyValue, source, ConfigError)
