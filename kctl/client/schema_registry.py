"""The Schema Registry part of the client API (built on kctl/kafka/schema_registry.py, the only module that
imports the Schema Registry library). Import this module only when a schema format is used."""

from kctl.kafka.schema_registry import (
    FORMATS,
    STRATEGIES,
    RegistrySettings,
    SchemaDecoder,
    SchemaSerializer,
    call,
    connect,
    new_schema,
    read_schema_file,
    schema_of,
    schema_type_of_file,
)

__all__ = ["FORMATS", "STRATEGIES", "RegistrySettings", "SchemaDecoder", "SchemaSerializer", "call", "connect", "new_schema",
           "read_schema_file", "schema_of", "schema_type_of_file"]
