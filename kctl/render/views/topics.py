"""Views of kctl.models.topics: topics list (with --sizes) and describe."""

from __future__ import annotations

from kctl.render.blocks import Styled
from kctl.render.view import Column, Each, Lines, Section, View, item, text
from kctl.render.views.common import ids


def _name(topic) -> str:
    return f"{topic.name} (internal)" if topic.internal else topic.name


TopicSummary = View((
    Section("topics", (
        Column("TOPIC", _name, shorten=1),
        Column("PARTITIONS", "partitions"),
        Column("REPLICATION", "replication_factor"),
    )),
))

TopicSize = View((
    Section("topics", (
        Column("TOPIC", _name, shorten=1),
        Column("PARTITIONS", "partitions"),
        Column("REPLICATION", "replication_factor"),
        Column("SIZE", lambda t: str(t.size_bytes) if t.size_bytes is not None else (t.size_note or "?")),
    )),
))


def _summary(topic) -> str:
    size = f", {topic.size_bytes} bytes" if topic.size_bytes is not None else ""
    return (f"{topic.name}: {len(topic.partitions)} partitions, replication {topic.replication_factor}, "
            f"{text(topic.messages)} messages{size}")


def _configs_note(topic):
    return Styled(f"configs: {topic.configs_note}", "yellow") if not topic.configs and topic.configs_note else None


TopicDetail = View((
    Each((
        Lines(_summary),
        Section("partitions", (
            Column("PARTITION", "partition"),
            Column("LEADER", "leader"),
            Column("REPLICAS", lambda p: ids(p.replicas)),
            Column("ISR", lambda p: ids(p.isr)),
            Column("LOW", "low_watermark"),
            Column("HIGH", "high_watermark"),
            Column("MESSAGES", "messages"),
            Column("SIZE", "size_bytes"),
        ), rows=lambda t: t.partitions),
        Section("configs", (Column("CONFIG", item(0)), Column("VALUE", item(1)), Column("SOURCE", item(2))),
                rows=lambda t: [(k, v, t.config_sources.get(k, "")) for k, v in sorted(t.configs.items())],
                when=lambda t: bool(t.configs)),
        Lines(_configs_note),
    ), keys=(Column("TOPIC", "name"),)),
))
