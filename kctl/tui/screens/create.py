"""Create a topic: name, partitions, replication (empty: the broker's defaults)."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class CreateTopicScreen(ModalScreen):
    BINDINGS = [Binding("escape", "dismiss", "cancel")]

    def compose(self):
        yield Static("Create a topic (Enter in the last field asks for confirmation, Esc cancels)", id="form-title")
        yield Input(placeholder="name", id="name")
        yield Input(placeholder="partitions (empty: broker default)", id="partitions", type="integer")
        yield Input(placeholder="replication factor (empty: broker default)", id="replication", type="integer")
        yield Static("", id="form-result")

    def on_input_submitted(self, event) -> None:
        if event.input.id != "replication":
            self.focus_next()
            return
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.query_one("#form-result", Static).update("a name is needed")
            return
        parts = self.query_one("#partitions", Input).value.strip()
        repl = self.query_one("#replication", Input).value.strip()
        partitions, replication = (int(parts) if parts else None), (int(repl) if repl else None)
        self.app.confirm_then(
            f"Create topic {name!r} with {parts or 'default'} partitions, replication {repl or 'default'}?",
            lambda: self.app.data.create_topic(name, partitions, replication), f"created topic {name}",
            lambda _: self.dismiss(name))
