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
from kctl.outputs import Output, _warn_deserialize, json_lines, make_output


def schema_output(output: str, fmt: str | None, key_deserializer: str | None, value_deserializer: str | None,
                  pretty: bool, key_decoder=None, value_decoder=None) -> Output:
    variants: dict[tuple[bool, bool], Output] = {}
    extras: dict[int, dict] = {}  # id(decoded record) -> the envelope fields of its decoded parts

    def variant(key_done: bool, value_done: bool) -> Output:
        chosen = variants.get((key_done, value_done))
        if chosen is None:
            # A decoded part arrives as JSON text already: shown as it is (parsed again only for --pretty).
            done = "json" if pretty else None
            kd = done if key_done else key_deserializer
            vd = done if value_done else value_deserializer
            if output == "json":
                chosen = json_lines(key_deserializer, value_deserializer, pretty,
                                    extra=lambda msg: extras.pop(id(msg), {}))
            else:
                chosen = make_output(output, fmt, kd, vd, pretty)
            variants[(key_done, value_done)] = chosen
        return chosen

    def decode(decoder, msg, data, what):
        if decoder is None or data is None:
            return None
        try:
            return decoder.decode(data, msg.topic)
        except serde.SerdeError as exc:
            _warn_deserialize(msg, what, exc)
            return None

    as_json = output == "json"

    def render(msg) -> bytes:
        key = decode(key_decoder, msg, msg.key, "key")
        value = decode(value_decoder, msg, msg.value, "value")
        if key is None and value is None:
            return variant(False, False).render(msg)
        changes, extra = {}, {}
        for name, part in (("key", key), ("value", value)):
            if part is None:
                continue
            if as_json:  # the envelope embeds the decoded value itself
                changes[name] = None
                extra.update({name: part[0], f"{name}_encoding": "json", f"{name}_schema_id": part[1]})
            else:
                changes[name] = _text(part[0])
        decoded = replace(msg, **changes)
        if not as_json:
            return variant(key is not None, value is not None).render(decoded)
        extras[id(decoded)] = extra
        try:
            return variant(key is not None, value is not None).render(decoded)
        finally:
            extras.pop(id(decoded), None)

    make_output(output, fmt, key_deserializer, value_deserializer, pretty)  # the usage checks, up front
    return Output(render, name="schema")


def _text(value) -> bytes:
    """A decoded value as the value column shows it: text as it is, anything else as JSON."""
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, ensure_ascii=False).encode("utf-8")
