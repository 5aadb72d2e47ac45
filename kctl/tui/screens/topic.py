"""Topic: partitions (leader, replicas, ISR, watermarks, size), non-default configs, groups reading it with lag."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Static

from kctl.tui.screens.base import ListScreen
from kctl.tui.widgets import human_bytes


def _ids(values) -> str:
    return ",".join(str(v) for v in values)


class TopicScreen(ListScreen):
    TABLES = {
        "partitions": ("partition", "leader", "replicas", "isr", "low", "high", "messages", "size"),
        "configs": ("config", "value", "source"),
        "groups": ("group", "state", "lag"),
    }
    HELP = [("m", "browse messages"), ("p", "produce a record (--allow-writes)"),
            ("d", "delete the topic (--allow-writes)"), ("/", "filter the tables"), ("Esc", "back")]
    BINDINGS = [Binding("m", "messages", "messages"), Binding("p", "produce", "produce"),
                Binding("d", "delete", "delete"), Binding("escape", "back", "back")]

    def __init__(self, name: str):
        super().__init__()
        self.topic_name = name

    def compose_top(self):
        yield Static(f"topic {self.topic_name}", id="summary", markup=False)

    def load(self):
        return self.data.topic(self.topic_name), self.data.topic_groups(self.topic_name)

    def show(self, data) -> None:
        detail, groups = data
        self.query_one("#summary", Static).update(
            f"topic {detail.name}   partitions {len(detail.partitions)}   replication {detail.replication_factor}   "
            f"messages {detail.messages}   size {human_bytes(detail.size_bytes) or detail.size_note or ''}")
        self.set_rows("partitions", [
            (str(p.partition), (p.partition, p.leader, _ids(p.replicas), _ids(p.isr), p.low_watermark,
                                p.high_watermark, p.messages, p.size_bytes))
            for p in detail.partitions])
        self.set_rows("configs", [(k, (k, v, detail.config_sources.get(k, ""))) for k, v in sorted(detail.configs.items())])
        self.set_rows("groups", [(g.group_id, (g.group_id, g.state, g.lag)) for g in groups])

    def cell(self, table_id, column, value) -> str:
        if table_id == "partitions" and column == 7:
            return human_bytes(value)
        return super().cell(table_id, column, value)

    def open(self, key: str) -> None:
        from kctl.tui.screens.messages import MessagesScreen  # heavy: textual (via kctl.tui.screens.messages)

        self.app.push_screen(MessagesScreen(self.topic_name, partition=int(key)))

    def action_messages(self) -> None:
        from kctl.tui.screens.messages import MessagesScreen  # heavy: textual (via kctl.tui.screens.messages)

        self.app.push_screen(MessagesScreen(self.topic_name))

    def action_produce(self) -> None:
        if not self.app.require_writes(f"producing to {self.topic_name}"):
            return
        from kctl.tui.screens.produce import ProduceScreen  # heavy: textual (via kctl.tui.screens.produce)

        self.app.push_screen(ProduceScreen(self.topic_name))

    def action_delete(self) -> None:
        name = self.topic_name
        if not self.app.require_writes(f"deleting topic {name}"):
            return
        self.app.confirm_then(f"Delete topic {name!r} and all its records?", lambda: self.data.delete_topic(name),
                              f"deleted topic {name}", lambda _: self.app.pop_screen())

    def action_back(self) -> None:
        self.app.pop_screen()
