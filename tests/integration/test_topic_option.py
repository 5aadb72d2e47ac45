"""-t/--topic wherever the topic is the argument (docs/cli.md "CLI grammar"), against a real broker."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_produce_and_consume_take_dash_t(k, new_topic):
    topic = new_topic()
    sent = k("produce", "-t", topic, input="one\ntwo\n")
    assert sent.code == 0, sent
    read = k("consume", "-t", topic, "--until", "end")
    assert read.code == 0, read
    assert read.stdout.splitlines() == ["one", "two"]


def test_the_same_topic_as_argument_and_dash_t_is_one_topic(k, new_topic):
    topic = new_topic()
    assert k("produce", topic, "-t", topic, "--value", "v").code == 0
    read = k("consume", topic, "--topic", topic, "--until", "end", "-o", "json")
    assert read.code == 0, read
    assert [r["value"] for r in read.json_lines] == ["v"]


def test_topics_and_txn_commands_take_dash_t(k, new_topic):
    a, b = new_topic(), new_topic()
    described = k("topics", "describe", "-t", a, "--topic", b, "--no-size", "-o", "json")
    assert described.code == 0, described
    assert sorted(t["name"] for t in described.json) == sorted([a, b])
    assert k("topics", "alter-config", "-t", a, "-c", "retention.ms=3600000").code == 0
    assert k("topics", "add-partitions", "-t", a, "--to", "2").code == 0
    partitions = k("topics", "partition-for", "-t", a, "k1", "k2", "-o", "json")
    assert partitions.code == 0, partitions
    assert [row["key"] for row in partitions.json] == ["k1", "k2"]
    producers = k("txn", "describe-producers", "-t", a, "-o", "json")
    assert producers.code == 0, producers
    assert sorted(row["partition"] for row in producers.json) == [0, 1]
