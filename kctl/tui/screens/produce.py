"""Produce one record: key, value, headers (k=v,k=v), partition; shows where it landed."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from kctl.tui.widgets import Banner


def parse_headers(text: str) -> list[tuple[str, str]]:
    """'a=1,b=2' -> [('a', '1'), ('b', '2')]; a name without '=' gets an empty value."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        out.append((name, value))
    return out


class ProduceScreen(Screen):
    BINDINGS = [Binding("ctrl+s", "send", "send"), Binding("escape", "back", "back")]

    def __init__(self, topic: str):
        super().__init__()
        self.topic = topic
        self.last = None

    def compose(self):
        yield Header(show_clock=False)
        yield Banner(id="banner")
        yield Static(f"Produce one record to {self.topic} (Enter moves on; Ctrl-S or Enter in the last field sends)",
                     id="form-title")
        yield Input(placeholder="key (empty: null)", id="key")
        yield Input(placeholder="value", id="value")
        yield Input(placeholder="headers: name=value,name=value", id="headers")
        yield Input(placeholder="partition (empty: the partitioner decides)", id="partition", type="integer")
        yield Static("", id="form-result")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#key", Input).focus()

    def on_input_submitted(self, event) -> None:
        if event.input.id == "partition":
            self.action_send()
        else:
            self.focus_next()

    def action_send(self) -> None:
        key = self.query_one("#key", Input).value or None
        value = self.query_one("#value", Input).value
        headers = parse_headers(self.query_one("#headers", Input).value)
        text = self.query_one("#partition", Input).value.strip()
        partition = int(text) if text else None
        where = f"partition {partition}" if partition is not None else "the partition its key picks"
        self.app.confirm_then(
            f"Produce 1 record to {self.topic!r} ({where}), key {key!r}, {len(headers)} header(s)?",
            lambda: self.app.data.produce(self.topic, key, value, headers, partition), None, self._done)

    def _done(self, metadata=None) -> None:
        self.last = metadata
        if metadata is not None:
            self.query_one("#form-result", Static).update(
                f"sent: {metadata.topic} partition {metadata.partition} offset {metadata.offset}")

    def action_back(self) -> None:
        self.app.pop_screen()
