"""DescribeConfigs v1 of topics over a plain TCP connection, for clusters without TLS or SASL.

confluent-kafka turns every config entry of the answer into a Python ConfigEntry (a kwargs dict
and a Python __init__ per entry, in its background thread, holding the GIL): for a describe of
1,000 topics that is ~33,000 entries and ~0.2 s of CPU, twice the broker's own time, although
`topics describe` shows only the few that are not Kafka's defaults. Here the answer is read with
struct and only the entries from the wanted sources become models (~20 ms). v1 is the oldest
version Kafka 4 serves and the newest without tagged fields; synonyms are not asked for. Any other
setup (TLS, SASL), any failure and any topic the broker answers with an error go to
confluent-kafka (kctl.client.admin falls back), so errors read the same either way.
"""

from __future__ import annotations

import struct

from kctl.deadline import Deadline
from kctl.kafka.wire import exchange, frame, string
from kctl.models.admin import ConfigEntry

API_KEY, API_VERSION = 32, 1
TOPIC_RESOURCE = 2
# The protocol's ConfigSource numbers -> kctl's names (as kctl.kafka.topic_admin names librdkafka's,
# which are the same numbers).
SOURCES = {0: "unknown", 1: "topic", 2: "broker", 3: "broker-default", 4: "static", 5: "default", 8: "group"}
DEFAULT_SOURCE = 5

_unpack_from = struct.unpack_from


def request(topics: list[str], correlation_id: int = 1, client_id: str = "kctl") -> bytes:
    """The framed request: every config of each topic (null key list), no synonyms."""
    body = [struct.pack(">i", len(topics))]
    body += [struct.pack(">b", TOPIC_RESOURCE) + string(name) + struct.pack(">i", -1) for name in topics]
    body.append(b"\x00")  # include_synonyms: false
    return frame(API_KEY, API_VERSION, b"".join(body), correlation_id, client_id)


def parse(data: bytes, sources: frozenset[str] | None = None,
          correlation_id: int = 1) -> dict[str, tuple[int, tuple[ConfigEntry, ...]]]:
    """{topic: (error code, its entries from the wanted sources (None: all), sorted by name)} of a
    v1 response without its size prefix; ValueError for another correlation id."""
    (got, _throttle, count), pos = _unpack_from(">iii", data), 12
    if got != correlation_id:
        raise ValueError(f"correlation id {got}, expected {correlation_id}")
    wanted = None if sources is None else {n for n, s in SOURCES.items() if s in sources}
    if sources is not None and "unknown" in sources:  # a number kctl has no name for shows as unknown
        wanted |= set(range(-128, 128)) - set(SOURCES)
    out = {}
    for _ in range(count):
        error, message_length = _unpack_from(">hh", data, pos)
        pos += 4 + max(message_length, 0)
        _type, length = _unpack_from(">bh", data, pos)
        name = data[pos + 3:pos + 3 + length].decode("utf-8", "replace")
        (entries,) = _unpack_from(">i", data, pos + 3 + length)
        pos += 7 + length
        kept = []
        for _ in range(max(entries, 0)):
            # The hot loop (~33 entries per topic): offsets by hand, text decoded only for a kept entry.
            (key_length,) = _unpack_from(">h", data, pos)
            key_at = pos + 2
            (value_length,) = _unpack_from(">h", data, key_at + key_length)
            value_at = key_at + key_length + 2
            pos = value_at + value_length if value_length > 0 else value_at
            read_only, source, sensitive, synonyms = _unpack_from(">?b?i", data, pos)
            pos += 7
            for _ in range(max(synonyms, 0)):  # none asked for; skipped if a broker sends them anyway
                (length,) = _unpack_from(">h", data, pos)
                (value_length_,) = _unpack_from(">h", data, pos + 2 + length)
                pos += 2 + length + 2 + max(value_length_, 0) + 1
            if wanted is not None and source not in wanted:
                continue
            value = None if sensitive or value_length < 0 else data[value_at:value_at + value_length].decode("utf-8", "replace")
            kept.append(ConfigEntry(data[key_at:key_at + key_length].decode("utf-8", "replace"), value,
                                    SOURCES.get(source, "unknown"), sensitive, read_only=read_only,
                                    is_default=source == DEFAULT_SOURCE))
        kept.sort(key=lambda entry: entry.name)
        out[name] = (error, tuple(kept))
    return out


def describe_topic_configs(host: str, port: int, topics: list[str], deadline: Deadline,
                           sources: frozenset[str] | None = None) -> dict[str, tuple[int, tuple[ConfigEntry, ...]]]:
    """Ask the broker at host:port for the topics' configs (see parse). OSError, ValueError or
    struct.error when that fails: the caller asks confluent-kafka instead."""
    return parse(exchange(host, port, request(topics), deadline), sources)
