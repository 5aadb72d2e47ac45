"""Messages: browse a topic page by page from the beginning, the end, a time or an offset; per partition
or all; --match style filters; live tail; copy a record as the JSON envelope."""

from __future__ import annotations

import re
import threading

from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from kctl.errors import KctlError
from kctl.parsing import parse_int, parse_time
from kctl.services.consume.options import parse_matches
from kctl.tui import format as fmt
from kctl.tui.screens.base import KctlScreen
from kctl.tui.widgets import FilterBox, Table

PAGE = 100
TAIL_MAX = 1000  # rows a live tail keeps on screen (the oldest go)


def parse_filter(text: str):
    """The `/` box: --match rules (key=RE value=RE header.NAME=RE, space separated), or plain text
    searched in the value."""
    words = text.split()
    if words and all(w.split("=", 1)[0] in ("key", "value") or w.startswith("header.") for w in words if "=" in w) \
            and all("=" in w for w in words):
        return parse_matches(words)
    return parse_matches([f"value={re.escape(text)}"]) if text else ()


class MessagesScreen(KctlScreen):
    REFRESH_S = None
    HELP = [("b / e", "from the beginning / the end"), ("t", "from a time (ISO 8601, epoch ms, -1h)"),
            ("o", "from an offset"), ("a", "partition: all, 0, 1, …"), ("n / PgDn", "next page"),
            ("p / PgUp", "previous page"), ("f", "live tail on/off"),
            ("/", "filter: key=RE value=RE header.NAME=RE, or text in the value"),
            ("c", "copy the record as the JSON envelope"), ("Esc", "back")]
    BINDINGS = [
        Binding("b", "start('beginning')", "beginning"), Binding("e", "start('end')", "end"),
        Binding("t", "ask('time')", "time"), Binding("o", "ask('offset')", "offset"),
        Binding("a", "partition", "partition"), Binding("n,pagedown", "next", "next"),
        Binding("p,pageup", "prev", "prev"), Binding("f", "tail", "tail"), Binding("slash", "filter", "filter"),
        Binding("c", "copy", "copy"), Binding("escape", "back", "back"),
    ]

    def __init__(self, topic: str, partition: int | None = None):
        super().__init__()
        self.topic = topic
        self.partition = partition
        self.partition_ids: list[int] = []
        self.start = ("beginning", None)
        self.rules: tuple = ()
        self.filter_text = ""
        self.records: dict[str, object] = {}
        self.page = None
        self.page_number = 0
        self.tailing = False
        self.browser = None
        self._lock = threading.Lock()
        self._asking = None

    def compose_body(self):
        yield FilterBox(placeholder="filter: value=REGEX key=REGEX header.NAME=REGEX, or text; Enter applies",
                        id="filter")
        yield Input(id="prompt", classes="hidden")
        yield Static("", id="status", markup=False)
        yield Table(id="records", cursor_type="row", zebra_stripes=True)
        yield Static("", id="detail", markup=False)

    def on_mount(self) -> None:
        self.query_one("#records", DataTable).add_columns("partition", "offset", "timestamp", "key", "value", "headers")
        self._read(lambda b: b.first(self.start[0], self.start[1], PAGE))

    def on_unmount(self) -> None:
        self.tailing = False
        browser = self.browser
        if browser is not None:
            threading.Thread(target=lambda: self._close(browser), daemon=True).start()

    def _close(self, browser) -> None:
        with self._lock:
            browser.close()

    # -- reading (worker threads; one at a time on the consumer) --

    def _read(self, step, numbering: int = 0) -> None:
        self.tailing = False
        self.run_worker(lambda: self._read_worker(step, numbering), thread=True, group="read", exit_on_error=False)

    def _browser(self):
        if self.browser is None:
            self.browser = self.data.browser(self.topic, self.partition)
            self.partition_ids = list(self.browser.partitions)
        self.browser.rules = self.rules
        return self.browser

    def _read_worker(self, step, numbering: int) -> None:
        try:
            with self._lock:
                page = step(self._browser())
        except Exception as exc:  # noqa: BLE001 - the banner says it; the next key tries again
            self.app.call_from_thread(self._failed, getattr(exc, "message", None) or str(exc))
            return
        if page is not None:
            self.app.call_from_thread(self._show_page, page, numbering)

    def _show_page(self, page, numbering: int) -> None:
        from kctl.tui.widgets import Banner  # heavy: textual (via kctl.tui.widgets)

        self.query_one(Banner).clear()
        self.page = page
        self.page_number = 1 if numbering == 0 else max(1, self.page_number + numbering)
        table = self.query_one("#records", DataTable)
        table.clear()
        self.records = {}
        for record in page.records:
            self._add(table, record)
        self._status()

    def _add(self, table, record) -> None:
        key = f"{record.partition}:{record.offset}"
        if key in self.records:
            return
        self.records[key] = record
        table.add_row(record.partition, record.offset, fmt.timestamp(record.timestamp_ms), fmt.preview_cell(record.key),
                      fmt.preview_cell(record.value), fmt.headers_text(record.headers), key=key)

    def _status(self) -> None:
        page = self.page
        where = "all partitions" if self.partition is None else f"partition {self.partition}"
        start = self.start[0] if self.start[1] is None else f"{self.start[0]} {self.start[1]}"
        parts = [f"{self.topic} · {where} · from {start}"]
        if self.tailing:
            parts.append(f"LIVE TAIL · {len(self.records)} records")
        elif page is not None:
            parts.append(f"page {self.page_number} · {len(page.records)} records" + (" · end" if page.at_end else ""))
        if self.filter_text:
            parts.append(f"filter {self.filter_text!r}")
        if page is not None:
            parts += page.notes
        self.query_one("#status", Static).update("   ".join(parts))

    # -- keys --

    def action_start(self, mode: str) -> None:
        self.start = (mode, None)
        self._read(lambda b: b.first(mode, None, PAGE))

    def action_ask(self, kind: str) -> None:
        self._asking = kind
        prompt = self.query_one("#prompt", Input)
        prompt.placeholder = ("time: ISO 8601, epoch ms or relative (-1h); Enter reads from there" if kind == "time"
                              else "offset: Enter reads from there (in each partition shown)")
        prompt.value = ""
        prompt.remove_class("hidden")
        prompt.focus()

    def on_input_submitted(self, event) -> None:
        if event.input.id == "filter":
            self._apply_filter(event.value)
        elif event.input.id == "prompt":
            event.input.add_class("hidden")
            self.query_one("#records", DataTable).focus()
            self._from_prompt(event.value.strip())

    def _from_prompt(self, text: str) -> None:
        try:
            value = parse_time(text, option="time") if self._asking == "time" else parse_int(text, "offset")
        except KctlError as exc:
            self.notify(exc.message, severity="error")
            return
        self.start = (self._asking, value)
        self._read(lambda b: b.first(self._asking, value, PAGE))

    def _apply_filter(self, text: str) -> None:
        try:
            self.rules = parse_filter(text.strip())
        except KctlError as exc:
            self.notify(exc.message, severity="error")
            return
        self.filter_text = text.strip()
        self.query_one("#records", DataTable).focus()
        starts = dict(self.page.starts) if self.page is not None else None
        if starts is None:
            self._read(lambda b: b.first(self.start[0], self.start[1], PAGE))
        else:
            self._read(lambda b: b._read(starts, PAGE), numbering=0)

    def action_filter(self) -> None:
        self.query_one(FilterBox).open()

    def on_input_changed(self, event) -> None:
        if event.input.id == "filter" and not event.value and self.filter_text:
            self._apply_filter("")  # Esc (or clearing the box) drops the filter

    def action_partition(self) -> None:
        choices = [None] + self.partition_ids
        self.partition = choices[(choices.index(self.partition) + 1) % len(choices)] if self.partition in choices else None
        old, self.browser = self.browser, None
        if old is not None:
            threading.Thread(target=lambda: self._close(old), daemon=True).start()
        self._read(lambda b: b.first(self.start[0], self.start[1], PAGE))

    def action_next(self) -> None:
        self._read(lambda b: b.next(PAGE), numbering=1)

    def action_prev(self) -> None:
        if self.page_number > 1:
            self._read(lambda b: b.prev(PAGE), numbering=-1)

    def action_tail(self) -> None:
        if self.tailing:
            self.tailing = False
            self._status()
            return
        self.tailing = True
        self._status()
        self.run_worker(self._tail_worker, thread=True, group="tail", exit_on_error=False)

    def _tail_worker(self) -> None:
        try:
            with self._lock:
                browser = self._browser()
                browser.stop_tail()
            while self.tailing:
                with self._lock:
                    records = browser.tail(0.5)
                if records:
                    self.app.call_from_thread(self._append, records)
        except Exception as exc:  # noqa: BLE001 - the tail thread's end: the screen says why
            self.tailing = False
            self.app.call_from_thread(self._failed, getattr(exc, "message", None) or str(exc))
        finally:
            if self.browser is not None:
                self.browser.stop_tail()

    def _append(self, records) -> None:
        table = self.query_one("#records", DataTable)
        for record in records:
            self._add(table, record)
        while table.row_count > TAIL_MAX:
            first = table.coordinate_to_cell_key((0, 0)).row_key
            self.records.pop(first.value, None)
            table.remove_row(first)
        table.move_cursor(row=table.row_count - 1, animate=False)
        self._status()

    def selected(self):
        table = self.query_one("#records", DataTable)
        if not table.row_count:
            return None
        return self.records.get(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)

    def on_data_table_row_highlighted(self, event) -> None:
        record = self.selected()
        self.query_one("#detail", Static).update(fmt.detail(record) if record is not None else "")

    def action_copy(self) -> None:
        record = self.selected()
        if record is None:
            return
        text = fmt.envelope_json(record)
        self.app.copy_to_clipboard(text)
        self.notify(f"copied {record.topic}[{record.partition}]@{record.offset} as JSON", timeout=2)

    def action_back(self) -> None:
        self.tailing = False
        self.app.pop_screen()
