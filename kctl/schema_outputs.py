"""`kctl consume --value-format/--key-format`: Schema Registry records decoded to JSON before they
are rendered (value column, --format tokens, the -o json envelope with value_schema_id/key_schema_id).

A decoder (kctl.client.schema_registry.SchemaDecoder, passed in: this module imports no Kafka code)
returns (JSON value, schema id), or None for a record that is not Confluent-framed under `auto`
(shown as it is). A record a fixed format cannot decode is shown as it is, with a warning (-v); an
unknown schema id or an unreachable registry ends the command (its KctlError)."""

from __future__ import annotations

import json
from dataclasses import replace

from kctl import serde
from kctl.outputs import Output, _warn_deserialize, make_output


def schema_output(output: str, fmt: str | None, key_deserializer: str | None, value_deserializer: str | None,
                  pretty: bool, key_decoder=None, value_decoder=None) -> Output:
    variants: dict[tuple[bool, bool], Output] = {}

    def variant(key_done: bool, value_done: bool, ids: dict) -> Output:
        chosen = variants.get((key_done, value_done))
        if chosen is None:
            kd = "json" if key_done else key_deserializer
            vd = "json" if value_done else value_deserializer
            if output == "json":
                from kctl.outputs import json_lines

                chosen = json_lines(kd, vd, pretty, extra=lambda msg: ids.pop(id(msg), {}))
            else:
                chosen = make_output(output, fmt, kd, vd, pretty)
            variants[(key_done, value_done)] = chosen
        return chosen

    ids: dict = {}

    def decode(decoder, msg, data, what):
        if decoder is None or data is None:
            return None
        try:
            return decoder.decode(data, msg.topic)
        except serde.SerdeError as exc:
            _warn_deserialize(msg, what, exc)
            return None

    def render(msg) -> bytes:
        key = decode(key_decoder, msg, msg.key, "key")
        value = decode(value_decoder, msg, msg.value, "value")
        if key is None and value is None:
            return variant(False, False, ids).render(msg)
        changes, extra = {}, {}
        if key is not None:
            changes["key"] = _json_bytes(key[0])
            extra["key_schema_id"] = key[1]
        if value is not None:
            changes["value"] = _json_bytes(value[0])
            extra["value_schema_id"] = value[1]
        decoded = replace(msg, **changes)
        ids[id(decoded)] = extra
        try:
            return variant(key is not None, value is not None, ids).render(decoded)
        finally:
            ids.pop(id(decoded), None)

    make_output(output, fmt, key_deserializer, value_deserializer, pretty)  # the usage checks, up front
    return Output(render, name="schema")


def _json_bytes(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
