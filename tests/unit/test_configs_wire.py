"""DescribeConfigs v1 of topics on the wire (kctl.kafka.configs_wire): the request bytes and the
answer's decoding, against byte strings laid out as in Kafka's DescribeConfigs schema."""

from __future__ import annotations

import struct

import pytest

from kctl.kafka import configs_wire
from kctl.models.admin import ConfigEntry


def _s(text: str | None) -> bytes:
    if text is None:
        return struct.pack(">h", -1)
    return struct.pack(">h", len(text.encode())) + text.encode()


def _entry(name: str, value: str | None, source: int, read_only=False, sensitive=False, synonyms=()) -> bytes:
    out = _s(name) + _s(value) + struct.pack(">?b?i", read_only, source, sensitive, len(synonyms))
    return out + b"".join(_s(n) + _s(v) + struct.pack(">b", src) for n, v, src in synonyms)


def _result(topic: str, entries: list[bytes], error: int = 0, message: str | None = None) -> bytes:
    return struct.pack(">h", error) + _s(message) + struct.pack(">b", 2) + _s(topic) \
        + struct.pack(">i", len(entries)) + b"".join(entries)


def _answer(*results: bytes, correlation_id: int = 1) -> bytes:
    return struct.pack(">iii", correlation_id, 0, len(results)) + b"".join(results)


def test_request_asks_every_config_of_each_topic_without_synonyms():
    framed = configs_wire.request(["t1", "tö"], correlation_id=7, client_id="kctl")
    (size,) = struct.unpack_from(">i", framed)
    assert size == len(framed) - 4
    assert framed[4:] == (struct.pack(">hhi", 32, 1, 7) + _s("kctl") + struct.pack(">i", 2)
                          + b"\x02" + _s("t1") + struct.pack(">i", -1)
                          + b"\x02" + _s("tö") + struct.pack(">i", -1) + b"\x00")


def test_parse_keeps_the_wanted_sources_sorted_and_hides_sensitive_values():
    data = _answer(
        _result("t1", [
            _entry("retention.ms", "12345", 1),
            _entry("cleanup.policy", "compact,delete", 1),
            _entry("segment.bytes", "1073741824", 5),  # Kafka's default: not wanted
            _entry("min.insync.replicas", "2", 3, synonyms=[("min.insync.replicas", "2", 3)]),
            _entry("secret", "x", 1, sensitive=True),
            _entry("odd", None, 4, read_only=True),
        ]),
        _result("gone", [], error=3, message="This server does not host this topic-partition."),
    )
    parsed = configs_wire.parse(data, frozenset({"topic", "broker-default", "static"}))
    assert parsed["gone"] == (3, ())
    error, entries = parsed["t1"]
    assert error == 0
    assert entries == (
        ConfigEntry("cleanup.policy", "compact,delete", "topic", False, read_only=False, is_default=False),
        ConfigEntry("min.insync.replicas", "2", "broker-default", False),
        ConfigEntry("odd", None, "static", False, read_only=True),
        ConfigEntry("retention.ms", "12345", "topic", False),
        ConfigEntry("secret", None, "topic", True),
    )


def test_parse_without_a_filter_keeps_defaults_and_names_unknown_sources():
    data = _answer(_result("t1", [_entry("segment.bytes", "1", 5), _entry("x", "y", 6)]))
    assert configs_wire.parse(data)["t1"][1] == (
        ConfigEntry("segment.bytes", "1", "default", False, is_default=True),
        ConfigEntry("x", "y", "unknown", False),
    )
    assert configs_wire.parse(data, frozenset({"unknown"}))["t1"][1] == (ConfigEntry("x", "y", "unknown", False),)


def test_parse_refuses_another_correlation_id_and_a_cut_answer():
    data = _answer(_result("t1", [_entry("a", "b", 1)]))
    with pytest.raises(ValueError):
        configs_wire.parse(data, correlation_id=2)
    with pytest.raises(struct.error):
        configs_wire.parse(data[:-5])
