"""Protobuf records for the Schema Registry adapter (kctl/kafka/schema_registry.py), imported only
when the protobuf format is used.

    compile_file(path)        a .proto file -> CompiledProto (descriptors of it and its imports)
    from_registry(client, s)  a registered schema (and its references) -> CompiledProto
    register(client, subj, c) registers a compiled file's imports, then the file: (schema, id)
    with_references(...)      the Schema of a compiled file, with references to its own imports
    ProtobufEncoder           JSON -> message -> confluent's ProtobufSerializer (Confluent framing)
    ProtobufDecoder           Confluent-framed bytes -> confluent's ProtobufDeserializer -> JSON

There is no protoc on the machines: the grpcio-tools package (`pip install 'kctl-kafka[protobuf]'`)
ships it as the Python module grpc_tools.protoc, run in a subprocess (its messages go to the
process's stderr) on a temporary folder. Message classes come from the compiled descriptors
(google.protobuf's message_factory), so neither produce nor consume needs generated code.

Why compile the registered text rather than take the registry's descriptor: Apicurio's ccompat
API stores a Protobuf schema as it was given (the .proto text kctl registers, or the base64
FileDescriptorProto confluent's own serializer registers) and answers `format=serialized` with
the descriptor's bytes as raw characters, not base64 as Confluent's registry does. So a schema is
read in its default format and either parsed (base64) or compiled (text); references are fetched
by subject and version and written beside it under their import names.

The wire format is confluent-kafka's: magic byte 0, the 4-byte schema id, the zigzag varint
message indexes (the message's path in the file; [0], the first message, is one byte 0), then the
message. confluent's ProtobufSerializer looks the schema up by its base64 descriptor, which
Apicurio does not match to registered text, so it is handed a registry view that answers those
look-ups with the ids kctl registered or chose (_KnownSchemas).
"""

from __future__ import annotations

import base64
import binascii
import importlib
import io
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kctl import install_hint
from kctl.errors import ConfigError, UsageError
from kctl.kafka.lib import confluent_module
from kctl.serde import SerdeError

INSTALL_HINT = f"{install_hint('protobuf')} (or pip install grpcio-tools)"
MAIN = "schema.proto"  # the file name a registered schema's text is compiled under
WELL_KNOWN = "google/protobuf/"
PROTOC_TIMEOUT = 60


@dataclass
class CompiledProto:
    """The descriptors of one .proto file and its imports, dependencies first."""

    files: list  # FileDescriptorProto, the main file last
    sources: dict = field(default_factory=dict)  # import name -> .proto text (the user's imports)

    @property
    def main(self):
        return self.files[-1]

    def pool(self):
        from google.protobuf import descriptor_pool  # heavy: google.protobuf

        pool = descriptor_pool.DescriptorPool()
        for proto in self.files:
            pool.Add(proto)
        return pool

    def message_names(self) -> list[str]:
        package = self.main.package
        return [f"{package}.{m.name}" if package else m.name for m in self.main.message_type]


def _protoc(include_dirs: list[str], target: str, shown_as: str) -> bytes:
    """Compile `target` (relative to the first include dir) to a FileDescriptorSet with its imports."""
    try:
        import grpc_tools  # noqa: F401 - heavy: grpc_tools; only to say what is missing before running it
    except ImportError:
        raise ConfigError("compiling .proto schemas needs protoc, from the grpcio-tools package",
                          hint=INSTALL_HINT) from None
    with tempfile.TemporaryDirectory(prefix="kctl-protoc-") as tmp:
        out = os.path.join(tmp, "set.desc")
        args = [sys.executable, "-m", "grpc_tools.protoc", *(f"-I{d}" for d in include_dirs),
                "--include_imports", f"--descriptor_set_out={out}", target]
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=PROTOC_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise UsageError(f"{shown_as}: protoc did not finish within {PROTOC_TIMEOUT} s") from None
        if done.returncode != 0 or not os.path.exists(out):
            lines = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
            text = "; ".join(lines) or f"protoc exited {done.returncode}"
            raise UsageError(f"{shown_as} does not compile: {text}")
        with open(out, "rb") as fh:
            return fh.read()


def _parse_set(data: bytes, sources: dict) -> CompiledProto:
    from google.protobuf import descriptor_pb2  # heavy: google.protobuf

    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(data)
    return CompiledProto(list(fds.file), sources)


def compile_file(path: str) -> CompiledProto:
    """A .proto file, with its imports from its own folder (and the well-known google/protobuf ones)."""
    source = Path(path)
    if not source.is_file():
        raise UsageError(f"cannot read schema file {path}: no such file")
    compiled = _parse_set(_protoc([str(source.parent.resolve())], source.name, path), {})
    for proto in compiled.files[:-1]:
        if not proto.name.startswith(WELL_KNOWN):
            try:
                compiled.sources[proto.name] = (source.parent / proto.name).read_text()
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read {proto.name} (imported by {path}): {exc}") from None
    return compiled


def compile_text(text: str, imports: dict[str, str], shown_as: str) -> CompiledProto:
    """.proto text (a registered schema) and the texts of the files it imports, by import name."""
    with tempfile.TemporaryDirectory(prefix="kctl-proto-") as tmp:
        for name, body in {**imports, MAIN: text}.items():
            target = Path(tmp, name)
            if not target.resolve().is_relative_to(Path(tmp).resolve()):
                raise UsageError(f"{shown_as}: reference name {name!r} leaves its folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body)
        return _parse_set(_protoc([tmp], MAIN, shown_as), dict(imports))


def _descriptor_of_base64(text: str):
    """A FileDescriptorProto when `text` is a base64 descriptor (confluent's serializer registers that), else None."""
    from google.protobuf import descriptor_pb2  # heavy: google.protobuf
    from google.protobuf.message import DecodeError  # heavy: google.protobuf

    stripped = "".join(text.split())
    if not stripped or any(c in stripped for c in ";{}\""):
        return None
    try:
        proto = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(stripped, validate=True))
    except (binascii.Error, ValueError, DecodeError):
        return None
    return proto if proto.message_type or proto.enum_type or proto.name else None


def from_registry(client, schema, shown_as: str) -> CompiledProto:
    """The CompiledProto of a registered Protobuf schema, its references fetched by subject/version
    (each once, however many files import it) and compiled with it in one protoc run."""
    texts: dict[str, str] = {}
    described: dict = {}
    _collect_references(client, schema, texts, described)
    proto = _descriptor_of_base64(schema.schema_str)
    if proto is None:
        return compile_text(schema.schema_str, texts, shown_as)
    return _with_well_known(list(described.values()), proto, texts)


def _collect_references(client, schema, texts: dict, described: dict) -> None:
    """The referenced files, dependencies first: .proto text by import name, or base64 descriptors."""
    for ref in schema.references or ():
        if ref.name.startswith(WELL_KNOWN) or ref.name in texts or ref.name in described:
            continue
        registered = client.get_version(ref.subject, ref.version)
        _collect_references(client, registered.schema, texts, described)
        proto = _descriptor_of_base64(registered.schema.schema_str)
        if proto is None:
            texts[ref.name] = registered.schema.schema_str
        else:
            proto.name = ref.name  # the name the importing descriptor depends on (as confluent's deserializer does)
            described[ref.name] = proto


def _with_well_known(described: list, proto, sources: dict) -> CompiledProto:
    """A base64 descriptor's file after the well-known files it imports (and its described references)."""
    from google.protobuf import descriptor_pb2, descriptor_pool  # heavy: google.protobuf

    files, names = [], set()
    default = descriptor_pool.Default()

    def add(file_proto):
        if file_proto.name in names:
            return
        for dep in file_proto.dependency:
            if dep.startswith(WELL_KNOWN) and dep not in names:
                importlib.import_module(dep[:-len(".proto")].replace("/", ".") + "_pb2")  # into the default pool
                wk = descriptor_pb2.FileDescriptorProto()
                default.FindFileByName(dep).CopyToProto(wk)
                add(wk)
        names.add(file_proto.name)
        files.append(file_proto)

    for item in described:
        add(item)
    add(proto)
    return CompiledProto(files, sources)


def register(client, subject: str, compiled: CompiledProto, text: str):
    """Registers the file's own imports, then the file with references to them: (Schema, schema id)."""
    schema = with_references(client, compiled, text, register_imports=True)
    return schema, client.register_schema(subject, schema)


def with_references(client, compiled: CompiledProto, text: str, register_imports: bool = False):
    """The file's Schema with references to its own imports (not google/protobuf/), each under its import
    name as the subject (as confluent's serializer names reference subjects); registered first when
    register_imports, else looked up (a compatibility check)."""
    sr = confluent_module("schema_registry")

    refs = []
    for proto in compiled.files[:-1]:
        if proto.name in compiled.sources:
            dep = sr.Schema(compiled.sources[proto.name], "PROTOBUF", _refs_of(proto, refs))
            if register_imports:
                client.register_schema(proto.name, dep)
            refs.append(sr.SchemaReference(proto.name, proto.name, client.lookup_schema(proto.name, dep).version))
    return sr.Schema(text, "PROTOBUF", _refs_of(compiled.main, refs))


def _refs_of(proto, refs: list) -> list:
    return [r for r in refs if r.name in set(proto.dependency)]


def message_descriptor(compiled: CompiledProto, pool, name: str | None, shown_as: str):
    names = compiled.message_names()
    if not names:
        raise UsageError(f"{shown_as} defines no message")
    if name is None:
        return pool.FindMessageTypeByName(names[0])
    wanted = [n for n in _all_messages(compiled) if n == name or n.endswith("." + name)]
    if not wanted:
        raise UsageError(f"{shown_as} has no message {name!r}", hint=f"its messages: {', '.join(names)}")
    return pool.FindMessageTypeByName(wanted[0])


def _all_messages(compiled: CompiledProto) -> list[str]:
    package = compiled.main.package
    out = []

    def walk(prefix, messages):
        for m in messages:
            full = f"{prefix}.{m.name}" if prefix else m.name
            out.append(full)
            walk(full, m.nested_type)

    walk(package, compiled.main.message_type)
    return out


def to_json(message):
    from google.protobuf import json_format  # heavy: google.protobuf

    try:
        return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                         always_print_fields_with_no_presence=True, unquote_int64_if_possible=True)
    except TypeError:  # an older protobuf without unquote_int64_if_possible: int64 as strings (proto3 JSON)
        return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                         always_print_fields_with_no_presence=True)


class _KnownSchemas:
    """The registry as confluent's ProtobufSerializer sees it: its look-ups by subject answered with
    what kctl registered or chose (Apicurio matches no base64 descriptor to registered text)."""

    def __init__(self, client, known: dict):
        self._client = client
        self._known = known  # subject -> RegisteredSchema

    def lookup_schema(self, subject, schema, *args, **kwargs):
        known = self._known.get(subject)
        if known is None:
            return self._client.lookup_schema(subject, schema, *args, **kwargs)
        return known

    def register_schema(self, subject, schema, *args, **kwargs):
        raise UsageError(f"unexpected registration under {subject}")

    def __getattr__(self, name):
        return getattr(self._client, name)


class ProtobufEncoder:
    """JSON -> the chosen message -> confluent's ProtobufSerializer, under a schema id chosen already."""

    def __init__(self, client, compiled: CompiledProto, subject: str, schema_id: int, schema,
                 message: str | None, shown_as: str):
        from google.protobuf import message_factory  # heavy: google.protobuf

        sr = confluent_module("schema_registry")
        ProtobufSerializer = confluent_module("schema_registry.protobuf").ProtobufSerializer

        pool = compiled.pool()
        self.descriptor = message_descriptor(compiled, pool, message, shown_as)
        self._cls = message_factory.GetMessageClass(self.descriptor)
        known = {subject: sr.RegisteredSchema(subject=subject, version=None, schema_id=schema_id, guid=None, schema=schema)}
        for ref in schema.references or ():  # the serializer looks imports up under their import names
            known[ref.name] = client.get_version(ref.subject, ref.version)
        self._serializer = ProtobufSerializer(self._cls, _KnownSchemas(client, known), conf={
            "auto.register.schemas": False, "subject.name.strategy": lambda ctx, record_name: subject})

    def __call__(self, value, ctx) -> bytes:
        from google.protobuf import json_format  # heavy: google.protobuf

        if not isinstance(value, dict):
            raise SerdeError(f"a {self.descriptor.full_name} record is a JSON object, not {type(value).__name__}")
        try:
            message = json_format.ParseDict(value, self._cls())
        except json_format.ParseError as exc:
            raise SerdeError(f"{exc}") from None
        return self._serializer(message, ctx)


class ProtobufDecoder:
    """Confluent-framed Protobuf bytes -> JSON, per schema id (compiled once) and message index path."""

    def __init__(self, client, fetch_schema):
        self._client = client
        self._fetch = fetch_schema  # schema id -> confluent Schema (cached by the caller's client)
        self._compiled: dict[int, tuple] = {}
        self._deserializers: dict[tuple, object] = {}

    def _deserializer(self, schema_id: int, indexes: tuple):
        key = (schema_id, indexes)
        found = self._deserializers.get(key)
        if found is None:
            from google.protobuf import message_factory  # heavy: google.protobuf

            ProtobufDeserializer = confluent_module("schema_registry.protobuf").ProtobufDeserializer

            if schema_id not in self._compiled:
                compiled = from_registry(self._client, self._fetch(schema_id), f"schema {schema_id}")
                self._compiled[schema_id] = (compiled, compiled.pool())
            compiled, pool = self._compiled[schema_id]
            descriptor = _by_indexes(compiled, pool, indexes, schema_id)
            # No registry client: the framing was read already and the class is the writer's.
            found = self._deserializers[key] = ProtobufDeserializer(message_factory.GetMessageClass(descriptor),
                                                                    {"use.deprecated.format": False})
        return found

    def decode(self, data: bytes, schema_id: int):
        SchemaId = confluent_module("schema_registry.common.serde").SchemaId

        framing = SchemaId("PROTOBUF")
        try:
            framing.from_bytes(io.BytesIO(data))
        except Exception as exc:  # noqa: BLE001 - EOF or a bad index array: a corrupt record
            raise SerdeError(f"cannot read the message indexes of schema {schema_id}: {exc}") from None
        deserializer = self._deserializer(schema_id, tuple(framing.message_indexes or (0,)))
        try:
            return to_json(deserializer(data, None))
        except Exception as exc:  # noqa: BLE001 - DecodeError / SerializationError: the payload does not parse
            raise SerdeError(f"cannot decode with schema {schema_id}: {exc}") from None


def _by_indexes(compiled: CompiledProto, pool, indexes: tuple, schema_id: int):
    messages, path = compiled.main.message_type, compiled.main.package
    found = None
    for index in indexes:
        if not 0 <= index < len(messages):
            raise SerdeError(f"message index {list(indexes)} is not in schema {schema_id}")
        found = messages[index]
        path = f"{path}.{found.name}" if path else found.name
        messages = found.nested_type
    return pool.FindMessageTypeByName(path)
