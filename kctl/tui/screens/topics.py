"""Topics: name, partitions, replication, messages, size, health marker; sortable; Enter opens one.

The list draws first; sizes (one describe per chunk of topics) and the health markers (the cluster
health service) follow from background workers."""

from __future__ import annotations

import time

from textual.binding import Binding

from kctl.tui.screens.base import ListScreen
from kctl.tui.widgets import human_bytes

MARKER_TEXT = {"under-min-isr": "under-min-ISR"}
MARKER_STYLE = {"offline": "bold red", "under-min-isr": "red", "under-replicated": "yellow", "ok": "green"}
STATS_CHUNK = 200  # topics per describe: messages and sizes arrive in the background, chunk by chunk


class TopicsScreen(ListScreen):
    TABLES = {"topics": ("name", "partitions", "replication", "messages", "size", "health")}
    HELP = [("Enter", "open the topic"), ("/", "filter"), ("s", "sort (again: reverse, then next column)"),
            ("c", "create a topic (--allow-writes)"), ("d", "delete the topic (--allow-writes)"), ("r", "refresh")]
    BINDINGS = [Binding("r", "refresh", "refresh"), Binding("c", "create", "create"), Binding("d", "delete", "delete")]
    REFRESH_S = 15.0

    def __init__(self):
        super().__init__()
        self.summaries = []
        self.stats: dict = {}
        self.markers: dict[str, str] = {}
        self.populated = False
        self.painted_at: float | None = None  # time.perf_counter() of the first paint with the rows (bench)
        self._slow_pending = False

    def load(self):
        return self.data.topics()

    def restart(self) -> None:
        self.summaries, self.stats, self.markers, self.populated = [], {}, {}, False
        super().restart()

    def show(self, summaries) -> None:
        if self.painted_at is None:  # queued before the rows' own chunks: runs right after the first paint
            self.call_after_refresh(lambda: setattr(self, "painted_at", time.perf_counter()))
        self.summaries = summaries
        self._slow_pending = True
        self._draw()
        self.populated = True

    def on_filled(self, table_id: str) -> None:
        # The slow data starts once the whole list is in: its threads would compete with drawing it.
        if self._slow_pending:
            self._slow_pending = False
            self._load_slow_data()

    def _load_slow_data(self) -> None:
        self.run_worker(self._load_stats, thread=True, group="stats", exclusive=True, exit_on_error=False)
        self.run_worker(self._load_markers, thread=True, group="health", exclusive=True, exit_on_error=False)

    def _rows_now(self) -> list:
        rows = []
        for t in self.summaries:
            stats = self.stats.get(t.name)
            rows.append((t.name, (t.name, t.partitions, t.replication_factor,
                                  stats.messages if stats else None, stats.size_bytes if stats else None,
                                  self.markers.get(t.name))))
        return rows

    def _draw(self) -> None:
        self.set_rows("topics", self._rows_now())

    def _stats_arrived(self, found: dict) -> None:
        self.stats.update(found)
        self._changed(found)

    def _markers_arrived(self, found: dict) -> None:
        self.markers = found
        self._changed(found)

    def _changed(self, found: dict) -> None:
        rows = self._rows_now()
        changed = {key: values for key, values in rows if key in found}
        self.update_cells("topics", rows, changed)

    def cell(self, table_id, column, value):
        if column == 4:
            return human_bytes(value)
        if column == 5 and value is not None:
            from rich.text import Text  # heavy: rich

            return Text(MARKER_TEXT.get(value, value), style=MARKER_STYLE.get(value, ""))
        return super().cell(table_id, column, value)

    def _load_markers(self) -> None:
        try:
            found = self.data.topic_markers()
        except Exception:  # noqa: BLE001 - no markers this time; the next refresh tries again
            return
        self.app.call_from_thread(self._markers_arrived, found)

    def _load_stats(self) -> None:
        names = [t.name for t in self.summaries]
        for i in range(0, len(names), STATS_CHUNK):
            try:
                found = self.data.topic_stats(names[i:i + STATS_CHUNK])
            except Exception:  # noqa: BLE001 - the list stays; the next refresh tries again
                return
            self.app.call_from_thread(self._stats_arrived, found)

    def open(self, key: str) -> None:
        from kctl.tui.screens.topic import TopicScreen  # heavy: textual (via kctl.tui.screens.topic)

        self.app.push_screen(TopicScreen(key))

    def action_refresh(self) -> None:
        self.refresh_data()

    def action_create(self) -> None:
        if not self.app.require_writes("creating a topic"):
            return
        from kctl.tui.screens.create import CreateTopicScreen  # heavy: textual (via kctl.tui.screens.create)

        self.app.push_screen(CreateTopicScreen(), lambda _: self.refresh_data())

    def action_delete(self) -> None:
        name = self.selected_key()
        if name is None or not self.app.require_writes(f"deleting topic {name}"):
            return
        self.app.confirm_then(f"Delete topic {name!r} and all its records?",
                              lambda: self.data.delete_topic(name), f"deleted topic {name}", lambda _: self.refresh_data())
