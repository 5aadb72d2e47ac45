"""Cluster: id, controller, brokers, health findings; `t` switches to another instance or context."""

from __future__ import annotations

from textual.widgets import Static

from kctl.tui.screens.base import ListScreen


class ClusterScreen(ListScreen):
    TABLES = {"brokers": ("id", "host", "port", "controller")}
    HELP = [("t", "switch instance / context"), ("/", "filter brokers"), ("s", "sort"), ("r", "refresh now")]
    BINDINGS = [("r", "refresh", "refresh"), ("t", "target", "instance/context")]

    def compose_top(self):
        yield Static("loading…", id="summary", markup=False)

    def load(self):
        return self.data.cluster()

    def show(self, view) -> None:
        info = view.info
        lines = [f"cluster {info.cluster_id or '?'}   controller {info.controller_id}   "
                 f"brokers {len(info.brokers)}   topics {info.topic_count}"]
        lines += [f"! {f}" for f in view.findings] or ["health: no findings" if not view.notes else ""]
        lines += list(view.notes)
        self.query_one("#summary", Static).update("\n".join(line for line in lines if line))
        self.set_rows("brokers", [(str(b.id), (b.id, b.host, b.port, "yes" if b.is_controller else ""))
                                  for b in info.brokers])

    def action_refresh(self) -> None:
        self.refresh_data()

    def action_target(self) -> None:
        self.app.pick_target()

    def restart(self) -> None:
        self.query_one("#summary", Static).update("loading…")
        super().restart()
