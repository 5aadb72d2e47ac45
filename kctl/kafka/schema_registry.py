"""Schema Registry adapter: confluent-kafka's own registry client and Avro / JSON Schema
serializers, behind kctl objects (imported only when a schema format is used).

    RegistrySettings      url, basic auth, TLS CA, timeout
    SchemaSerializer      kctl Serializer protocol (.name, .serialize(value) -> bytes): JSON in,
                          Confluent wire format out (magic 0, 4-byte schema id, payload)
    SchemaDecoder         bytes -> (JSON-able value, schema id) or None when not Confluent-framed
    registry_error()      SchemaRegistryError / httpx errors -> the KctlError of kctl/errors.py
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

from kctl.config.client_conf import split_userinfo
from kctl.deadline import raise_deferred_interrupt, run_bounded
from kctl.errors import AuthError, BrokerUnavailable, KctlError, NotFoundError, UsageError
from kctl.kafka import protobuf_schema
from kctl.kafka.lib import confluent_module
from kctl.kafka.protobuf_schema import ProtobufDecoder
from kctl.models.choices import SCHEMA_FORMATS, SUBJECT_STRATEGIES
from kctl.redact import remember_secret
from kctl.serde import SerdeError

FORMATS = SCHEMA_FORMATS
SCHEMA_TYPES = {"avro": "AVRO", "protobuf": "PROTOBUF", "json-schema": "JSON", "json": "JSON"}
STRATEGIES = SUBJECT_STRATEGIES
MAGIC = 0


@dataclass(frozen=True)
class RegistrySettings:
    url: str
    user: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout: float = 10.0

    def __post_init__(self):
        # http://user:password@host: the credentials become basic auth, and the URL kctl shows has none.
        url, user, password = split_userinfo(self.url)
        if url != self.url:
            object.__setattr__(self, "url", url)
            if self.user is None:
                object.__setattr__(self, "user", user)
                object.__setattr__(self, "password", password)
        if self.password:
            remember_secret(self.password)

    def conf(self) -> dict:
        conf: dict = {"url": self.url, "timeout": max(1, int(self.timeout)), "max.retries": 1,
                      "retries.wait.ms": 200, "retries.max.wait.ms": 1000}
        if self.user is not None:
            conf["basic.auth.user.info"] = f"{self.user}:{self.password or ''}"
        if self.ca_file:
            conf["ssl.ca.location"] = self.ca_file
        return conf


def connect(settings: RegistrySettings):
    SchemaRegistryClient = confluent_module("schema_registry").SchemaRegistryClient

    try:
        return SchemaRegistryClient(settings.conf())
    except ValueError as exc:
        raise UsageError(f"--schema-registry {settings.url}: {exc}") from None


def registry_error(exc: Exception, url: str, what: str = "") -> KctlError:
    """One kctl error (and exit code) for a registry failure."""
    SchemaRegistryError = confluent_module("schema_registry.error").SchemaRegistryError

    where = f"{what}: " if what else ""
    if isinstance(exc, KctlError):
        return exc
    if isinstance(exc, SchemaRegistryError):
        status, message = exc.http_status_code, exc.error_message
        if status == 409 or exc.error_code in (409, 42201, 42202):
            return UsageError(f"{where}the schema registry refused the schema: {message}",
                              hint="check it with `kctl schemas check SUBJECT FILE`")
        if status == 422:
            return UsageError(f"{where}the schema registry refused the schema: {message}")
        if status == 404:
            return NotFoundError(f"{where}{message}")
        if status in (401, 403):
            return AuthError(f"{where}the schema registry at {url} refused the credentials ({status}): {message}")
        return BrokerUnavailable(f"{where}the schema registry at {url} answered {status}: {message}")
    text = str(exc) or type(exc).__name__
    return BrokerUnavailable(f"{where}the schema registry at {url} is unreachable: {text}",
                             hint="check --schema-registry (or `kctl local up --schema-registry`)")


def bounded(fn, settings: RegistrySettings, what: str = ""):
    """fn() (a registry request) within --timeout, and giving way to Ctrl-C/SIGTERM at once, also
    while consume defers them: the HTTP client's own timeout applies per attempt and per phase."""
    def timed_out() -> KctlError:
        where = f"{what}: " if what else ""
        return BrokerUnavailable(f"{where}the schema registry at {settings.url} did not answer within {settings.timeout:g}s",
                                 hint="check --schema-registry (or `kctl local up --schema-registry`)")

    return run_bounded(fn, settings.timeout, "schema-registry", watch=raise_deferred_interrupt, timeout_error=timed_out)


def call(fn, settings: RegistrySettings, what: str = ""):
    """fn() (bounded) with every registry/transport failure as a KctlError."""
    try:
        return bounded(fn, settings, what)
    except (KeyboardInterrupt, SystemExit, SerdeError):
        raise
    except Exception as exc:  # noqa: BLE001 - httpx, SchemaRegistryError, ValueError...: mapped to exit codes
        raise registry_error(exc, settings.url, what) from None


def schema_type_of_file(path: str, explicit: str | None = None) -> str:
    """The registry's schema type (AVRO, PROTOBUF, JSON) of a schema file."""
    if explicit:
        try:
            return SCHEMA_TYPES[explicit]
        except KeyError:
            raise UsageError(f"unknown schema type {explicit!r} (avro, protobuf or json)") from None
    suffix = Path(path).suffix.lower()
    return {".avsc": "AVRO", ".proto": "PROTOBUF", ".json": "JSON"}.get(suffix, "AVRO")


def read_schema_file(path: str, kind: str = "PROTOBUF") -> str:
    """A regular file's text (a FIFO blocked, /dev/zero filled the memory), not blank, JSON for
    Avro and JSON Schema: checked before the registry is asked."""
    from kctl.decode import read_regular_file  # heavy: msgspec (via kctl.decode)

    try:
        text = read_regular_file(path, f"cannot read schema file {path}").decode()
    except UnicodeDecodeError:
        raise UsageError(f"schema file {path} is not UTF-8 text") from None
    if not text.strip():
        raise UsageError(f"schema file {path} is empty")
    if kind in ("AVRO", "JSON"):
        try:
            json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise UsageError(f"schema file {path} is not valid JSON ({exc})") from None
    return text


def schema_of(text: str, schema_type: str, references: list[tuple[str, str, int]] = ()):
    """A confluent Schema from its text, type and (name, subject, version) references."""
    module = confluent_module("schema_registry")
    return module.Schema(text, schema_type, references=[module.SchemaReference(*r) for r in references])


def new_schema(path: str, schema_type: str | None = None, client=None, register_imports: bool = False):
    """A confluent Schema from a schema file (type from --type or the file's suffix). A .proto file
    (with a client) is compiled first, so that protoc's complaint is the error, and its own imports
    become references (registered first with register_imports)."""
    Schema = confluent_module("schema_registry").Schema

    kind = schema_type_of_file(path, schema_type)
    text = read_schema_file(path, kind)
    if kind != "PROTOBUF" or client is None:
        return Schema(text, kind)
    compiled = protobuf_schema.compile_file(path)
    return protobuf_schema.with_references(client, compiled, text, register_imports)


def _record_name(schema_type: str, text: str) -> str | None:
    """The fully qualified record name (for the record strategies)."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    if schema_type == "AVRO":
        name, namespace = parsed.get("name"), parsed.get("namespace")
        if name and namespace and "." not in name:
            return f"{namespace}.{name}"
        return name
    return parsed.get("title")


def subject_for(strategy: str, topic: str, field: str, record_name: str | None) -> str:
    if strategy == "topic":
        return f"{topic}-{field}"
    if not record_name:
        raise UsageError(f"--subject-strategy {strategy} needs a named record (Avro name, JSON Schema title)")
    return record_name if strategy == "record" else f"{topic}-{record_name}"


class SchemaSerializer:
    """JSON input -> a schema-encoded record, with the schema chosen once at construction:
    a file (registered under the subject if new: an incompatible one is a UsageError), a schema
    id, or the subject's latest version."""

    def __init__(self, fmt: str, settings: RegistrySettings, topic: str, field: str, *,
                 schema_file: str | None = None, subject: str | None = None, schema_id: int | None = None,
                 strategy: str = "topic", client=None, message: str | None = None):
        Schema = confluent_module("schema_registry").Schema

        if fmt not in FORMATS:
            raise UsageError(f"unknown schema format {fmt!r} (one of: {', '.join(FORMATS)})")
        if message is not None and fmt != "protobuf":
            raise UsageError(f"--{field}-message names a protobuf message: it needs --{field}-format protobuf")
        if strategy not in STRATEGIES:
            raise UsageError(f"unknown subject strategy {strategy!r} (one of: {', '.join(STRATEGIES)})")
        self.name = fmt
        self.settings = settings
        self.field = field
        self.topic = topic
        self.client = client or connect(settings)
        schema_type = SCHEMA_TYPES[fmt]
        self._message, self._compiled = message, None
        if schema_id is not None:
            schema = call(lambda: self.client.get_schema(schema_id), settings, f"schema id {schema_id}")
            self.schema_id = schema_id
            subjects = call(lambda: self.client.get_subjects_by_schema_id(schema_id), settings, f"schema id {schema_id}")
            self.subject = subject or (subjects[0] if subjects else f"{topic}-{field}")
        elif schema_file is not None and fmt == "protobuf":
            schema = self._register_proto(schema_file, subject, strategy)
        elif schema_file is not None:
            text = read_schema_file(schema_file)
            schema = Schema(text, schema_type)
            self.subject = subject or subject_for(strategy, topic, field, _record_name(schema_type, text))
            self.schema_id = call(lambda: self.client.register_schema(self.subject, schema), settings,
                                  f"registering {schema_file} under {self.subject}")
        else:
            name = subject or (f"{topic}-{field}" if strategy == "topic" else None)
            if name is None:
                raise UsageError(f"--{field}-subject is needed with --subject-strategy {strategy} and no schema file")
            latest = call(lambda: self.client.get_latest_version(name), settings, f"subject {name}")
            schema, self.schema_id, self.subject = latest.schema, latest.schema_id, name
        if (schema.schema_type or "AVRO") != schema_type:
            raise UsageError(f"schema {self.schema_id} is {schema.schema_type}, not {fmt}")
        self._encode = self._make_encoder(schema)
        MessageField = confluent_module("serialization").MessageField
        SerializationContext = confluent_module("serialization").SerializationContext

        self._ctx = SerializationContext(topic, MessageField.KEY if field == "key" else MessageField.VALUE)
        self._warm = False

    def _register_proto(self, schema_file: str, subject: str | None, strategy: str):
        text = read_schema_file(schema_file)
        self._compiled = compiled = protobuf_schema.compile_file(schema_file)
        descriptor = protobuf_schema.message_descriptor(compiled, compiled.pool(), self._message, schema_file)
        self.subject = subject or subject_for(strategy, self.topic, self.field, descriptor.full_name)
        schema, self.schema_id = call(lambda: protobuf_schema.register(self.client, self.subject, compiled, text),
                                      self.settings, f"registering {schema_file} under {self.subject}")
        return schema

    def _make_encoder(self, schema):
        # The schema is registered (or looked up) already: the serializer looks it up under our subject once.
        subject = self.subject
        conf = {"auto.register.schemas": False, "subject.name.strategy": lambda ctx, record_name: subject}
        if self.name == "protobuf":
            what = f"schema {self.schema_id}"
            compiled = self._compiled or call(lambda: protobuf_schema.from_registry(self.client, schema, what),
                                              self.settings, what)
            return call(lambda: protobuf_schema.ProtobufEncoder(self.client, compiled, subject, self.schema_id, schema,
                                                                self._message, what), self.settings, what)
        if self.name == "avro":
            AvroSerializer = confluent_module("schema_registry.avro").AvroSerializer

            return AvroSerializer(self.client, schema.schema_str, conf=conf)
        JSONSerializer = confluent_module("schema_registry.json_schema").JSONSerializer

        return JSONSerializer(schema.schema_str, self.client, conf=conf)

    def serialize(self, value) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, (bytes, bytearray, str)):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise SerdeError(f"invalid JSON: {exc}") from None
        try:
            if self._warm:
                return self._encode(value, self._ctx)
            data = bounded(lambda: self._encode(value, self._ctx), self.settings, f"schema {self.schema_id}")
            self._warm = True  # the serializer has what it needs from the registry: no thread per record
            return data
        except (KeyboardInterrupt, SystemExit, KctlError):
            raise
        except Exception as exc:  # noqa: BLE001 - fastavro / jsonschema complaints: the record does not fit
            SchemaRegistryError = confluent_module("schema_registry.error").SchemaRegistryError

            if isinstance(exc, SchemaRegistryError) or "httpx" in type(exc).__module__:
                raise registry_error(exc, self.settings.url) from None
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SerdeError(f"does not fit schema {self.schema_id} ({self.name}): {text}") from None

    def __repr__(self) -> str:
        return f"SchemaSerializer({self.name!r}, id={self.schema_id})"


def json_safe(value):
    """Avro values -> JSON: bytes as ISO-8859-1 text (Avro's JSON encoding), dates ISO 8601."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if type(value).__name__ in ("Decimal", "UUID"):
        return str(value)
    return value


class SchemaDecoder:
    """Confluent-framed bytes -> (JSON-able value, schema id). fmt avro/json-schema/protobuf
    insists on the framing (else SerdeError); auto returns None for unframed data. Each schema id
    is fetched once (the client's cache); an unknown id is NotFoundError, an unreachable
    registry BrokerUnavailable."""

    def __init__(self, fmt: str, settings: RegistrySettings, field: str, client=None):
        if fmt not in FORMATS + ("auto",):
            raise UsageError(f"unknown schema format {fmt!r} (one of: {', '.join(FORMATS)}, auto)")
        self.name = fmt
        self.settings = settings
        self.field = field
        self.client = client or connect(settings)
        self._decoders: dict[str, object] = {}
        self._types: dict[int, str] = {}
        self._avro: dict[int, object] = {}  # schema id -> fastavro parsed schema (None: use confluent's path)
        self._proto = None  # the ProtobufDecoder, made on the first Protobuf record
        self._warm: set[int] = set()  # schema ids decoded once already (through the registry client)

    def _schema(self, schema_id: int):
        return call(lambda: self.client.get_schema(schema_id), self.settings, f"schema id {schema_id}")

    def _type_of(self, schema_id: int) -> str:
        kind = self._types.get(schema_id)
        if kind is None:
            schema = self._schema(schema_id)
            kind = self._types[schema_id] = schema.schema_type or "AVRO"
            if kind == "AVRO":
                self._avro[schema_id] = _plain_avro(schema)
        return kind

    def _decoder(self, kind: str):
        decoder = self._decoders.get(kind)
        if decoder is None:
            # The writer's schema comes from the id in each record. The subject (for data-contract rules) is
            # the topic's, as confluent-kafka chose before 2.16; since then its default first asks the
            # registry for the topic's "associations", a request registries without that API may answer
            # slowly or never (Apicurio once left it unanswered until the client's timeout).
            conf = {"subject.name.strategy": confluent_module("schema_registry").topic_subject_name_strategy}
            if kind == "AVRO":
                AvroDeserializer = confluent_module("schema_registry.avro").AvroDeserializer

                decoder = AvroDeserializer(self.client, conf=conf)
            elif kind == "JSON":
                JSONDeserializer = confluent_module("schema_registry.json_schema").JSONDeserializer

                decoder = JSONDeserializer(None, conf=conf, schema_registry_client=self.client)
            else:
                raise UsageError(f"decoding {kind} records is not supported", hint="use --value-format auto to show them as they are")
            self._decoders[kind] = decoder
        return decoder

    def decode(self, data: bytes | None, topic: str):
        if data is None:
            return None
        if len(data) < 5 or data[0] != MAGIC:
            if self.name == "auto":
                return None
            raise SerdeError(f"not Confluent-framed {self.name} (no magic byte 0)")
        schema_id = int.from_bytes(data[1:5], "big")
        kind = self._type_of(schema_id)
        if self.name != "auto" and kind != SCHEMA_TYPES[self.name]:
            raise SerdeError(f"schema {schema_id} is {kind}, not {self.name}")
        parsed = self._avro.get(schema_id)
        if parsed is not None:
            # The hot path: a self-contained Avro schema read with fastavro directly (what
            # confluent's AvroDeserializer does after its per-record rule and tag bookkeeping).
            from fastavro import schemaless_reader  # heavy: fastavro

            try:
                return json_safe(schemaless_reader(io.BytesIO(data[5:]), parsed, None)), schema_id
            except Exception as exc:  # noqa: BLE001 - truncated or corrupt payloads
                raise SerdeError(f"cannot decode with schema {schema_id}: {str(exc) or type(exc).__name__}") from None
        if kind == "PROTOBUF":
            if self._proto is None:
                self._proto = ProtobufDecoder(self.client, self._schema)
            decode = self._proto.decode
            return call(lambda: decode(data, schema_id), self.settings, f"schema id {schema_id}"), schema_id
        MessageField = confluent_module("serialization").MessageField
        SerializationContext = confluent_module("serialization").SerializationContext

        ctx = SerializationContext(topic, MessageField.KEY if self.field == "key" else MessageField.VALUE)
        decoder = self._decoder(kind)
        try:
            if schema_id in self._warm:
                return json_safe(decoder(data, ctx)), schema_id
            value = bounded(lambda: decoder(data, ctx), self.settings, f"schema id {schema_id}")
            self._warm.add(schema_id)  # the deserializer caches what it fetched: no thread per record
            return json_safe(value), schema_id
        except (KeyboardInterrupt, SystemExit, KctlError):
            raise
        except Exception as exc:  # noqa: BLE001 - the deserializer's complaints, sorted below
            SchemaRegistryError = confluent_module("schema_registry.error").SchemaRegistryError

            if isinstance(exc, SchemaRegistryError) or "httpx" in type(exc).__module__:
                raise registry_error(exc, self.settings.url, f"schema id {schema_id}") from None
            raise SerdeError(f"cannot decode with schema {schema_id}: {exc}") from None


def _plain_avro(schema):
    """fastavro's parsed form of an Avro schema without references or rules, else None."""
    if schema.references or getattr(schema, "rule_set", None):
        return None
    try:
        from fastavro import parse_schema  # heavy: fastavro

        return parse_schema(json.loads(schema.schema_str))
    except Exception:  # noqa: BLE001 - anything unusual goes through confluent's deserializer
        return None
