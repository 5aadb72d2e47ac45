"""KctlScreen: a screen with a banner, a periodic background refresh and the common keys."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header

from kctl.tui.widgets import Banner, HelpScreen

# A redraw adds a screenful of rows at once (at least FIRST_ROWS), then the rest CHUNK_ROWS per frame.
FIRST_ROWS = 50
CHUNK_ROWS = 250


class KctlScreen(Screen):
    """Subclasses implement load() (runs in a worker thread: I/O only) and show(data) (on the UI thread)."""

    AUTO_FOCUS = "DataTable"  # not the (hidden) filter box
    REFRESH_S: float | None = 5.0
    HELP: list[tuple[str, str]] = []
    BINDINGS = [Binding("question_mark", "help", "keys")]

    def compose_body(self):
        return []

    def compose(self):
        yield Header(show_clock=False)
        yield Banner(id="banner")
        yield from self.compose_body()
        yield Footer()

    @property
    def data(self):
        return self.app.data

    def on_mount(self) -> None:
        self.refresh_data()
        if self.REFRESH_S and self.app.background_refresh:
            self.set_interval(self.REFRESH_S, self.refresh_data)

    def refresh_data(self) -> None:
        self.run_worker(self._load, thread=True, group="refresh", exclusive=True, exit_on_error=False)

    def _load(self) -> None:
        """Worker: any failure becomes the banner, never a traceback; the next refresh tries again.
        What comes back after the target was switched is dropped."""
        source = self.data
        try:
            data = self.load()
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app goes on
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            self.app.call_from_thread(self._failed, message, source)
            return
        self.app.call_from_thread(self._loaded, data, source)

    def _failed(self, message: str, source=None) -> None:
        if source is not None and source is not self.data:
            return
        self.query_one(Banner).problem(message)
        self.app.last_error = message

    def _loaded(self, data, source=None) -> None:
        if source is not None and source is not self.data:
            return
        self.query_one(Banner).clear()
        self.show(data)

    def restart(self) -> None:
        """The target changed: forget what was shown and load again."""
        self.query_one(Banner).clear()
        self.refresh_data()

    def load(self):
        return None

    def show(self, data) -> None:
        pass

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.HELP + self.app.GLOBAL_HELP))


class ListScreen(KctlScreen):
    """A screen of tables: `/` filters every one of them, `s` (or a click on a header) sorts the first,
    Enter opens the selected row of the first. TABLES: {table id: column labels}."""

    TABLES: dict[str, tuple[str, ...]] = {"table": ()}
    BINDINGS = [Binding("slash", "filter", "filter"), Binding("s", "sort", "sort")]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._rows: dict[str, list[tuple[str, tuple]]] = {t: [] for t in self.TABLES}
        self._latest: dict[str, dict[str, tuple]] = {t: {} for t in self.TABLES}  # key -> its newest values
        self._drawing: dict[str, int] = dict.fromkeys(self.TABLES, 0)  # a redraw's number: older fills stop
        self.sort_column: int | None = None
        self.sort_reverse = False

    def compose_body(self):
        from kctl.tui.widgets import FilterBox, Table  # heavy: textual (via kctl.tui.widgets)

        yield FilterBox(placeholder="filter: type to narrow the list, Esc clears", id="filter")
        yield from self.compose_top()
        for table_id in self.TABLES:
            yield Table(id=table_id, cursor_type="row", zebra_stripes=True)
        yield from self.compose_bottom()

    def compose_top(self):
        return []

    def compose_bottom(self):
        return []

    def on_mount(self) -> None:
        from textual.widgets import DataTable  # heavy: textual

        self.column_keys = {t: self.query_one(f"#{t}", DataTable).add_columns(*columns)
                            for t, columns in self.TABLES.items()}
        super().on_mount()

    @property
    def main_table(self):
        from textual.widgets import DataTable  # heavy: textual

        return self.query_one(f"#{next(iter(self.TABLES))}", DataTable)

    def restart(self) -> None:
        for table_id in self.TABLES:
            self.set_rows(table_id, [])
        super().restart()

    def cell(self, table_id: str, column: int, value) -> str:
        return "" if value is None else str(value)

    def set_rows(self, table_id: str, rows: list[tuple[str, tuple]]) -> None:
        self._rows[table_id] = rows
        self._latest[table_id] = dict(rows)
        self.redraw(table_id)

    def update_cells(self, table_id: str, rows: list[tuple[str, tuple]], changed: dict[str, tuple]) -> None:
        """New values for some rows (key -> values) without rebuilding the table: cells are updated in place,
        unless the table is sorted (then it is redrawn in its order)."""
        from textual.widgets import DataTable  # heavy: textual

        self._rows[table_id] = rows
        self._latest[table_id] = dict(rows)
        if self.sort_column is not None and table_id == next(iter(self.TABLES)):
            self.redraw(table_id)
            return
        from rich.cells import cell_len  # heavy: rich

        table = self.query_one(f"#{table_id}", DataTable)
        keys = self.column_keys[table_id]
        cells = {key: [self.cell(table_id, i, v) for i, v in enumerate(values)]
                 for key, values in changed.items() if key in table.rows}
        # Only the widest new cell of each column resizes it: DataTable measures the whole column again
        # whenever a resizing update is narrower than the column (quadratic over 1,000 rows).
        widest = {i: max(cells, key=lambda k: cell_len(str(cells[k][i]))) for i in range(len(keys))} if cells else {}
        for key, row in cells.items():
            for i, text in enumerate(row):
                table.update_cell(key, keys[i], text, update_width=widest[i] == key)

    def redraw(self, table_id: str) -> None:
        from textual.widgets import DataTable  # heavy: textual

        from kctl.tui.widgets import FilterBox, keep  # heavy: textual (via kctl.tui.widgets)

        text = self.query_one(FilterBox).value
        table = self.query_one(f"#{table_id}", DataTable)
        rows = [r for r in self._rows[table_id] if keep(text, r[0], *r[1])]
        if table_id == next(iter(self.TABLES)) and self.sort_column is not None:
            col = self.sort_column
            rows.sort(key=lambda r: (r[1][col] is None, r[1][col] if r[1][col] is not None else 0),
                      reverse=self.sort_reverse)
        selected = None
        if table.row_count and table.cursor_row is not None:
            try:
                selected = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
            except Exception:  # noqa: BLE001 - no row under the cursor
                selected = None
        table.clear()
        self._drawing[table_id] += 1
        first = max(FIRST_ROWS, self.app.size.height)  # a screenful, whatever the terminal's height
        self._fill(table_id, self._drawing[table_id], [key for key, _ in rows], 0, first, selected)

    def _fill(self, table_id: str, drawing: int, keys: list[str], start: int, count: int, selected) -> None:
        """Add keys[start:start + count] to the table, then the next chunk after the screen has been painted:
        the first rows (a screenful and more) show at once, a list of thousands follows without freezing input."""
        from textual.widgets import DataTable  # heavy: textual

        if drawing != self._drawing[table_id] or not self.is_mounted:
            return  # a newer redraw (a filter, a sort, a refresh) took over
        table = self.query_one(f"#{table_id}", DataTable)
        latest = self._latest[table_id]
        for key in keys[start:start + count]:
            values = latest.get(key)
            if values is not None:
                table.add_row(*(self.cell(table_id, i, v) for i, v in enumerate(values)), key=key)
        end = start + count
        if end < len(keys):
            self.call_after_refresh(self._fill, table_id, drawing, keys, end, CHUNK_ROWS, selected)
            return
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected), animate=False)
        self.on_filled(table_id)

    def on_filled(self, table_id: str) -> None:
        """Every row of a redraw is in the table."""

    def filled(self, table_id: str | None = None) -> bool:
        """Are all the rows of the last redraw in the table?"""
        from kctl.tui.widgets import FilterBox, keep  # heavy: textual (via kctl.tui.widgets)

        table_id = table_id or next(iter(self.TABLES))
        text = self.query_one(FilterBox).value
        wanted = sum(1 for r in self._rows[table_id] if keep(text, r[0], *r[1]))
        return self.query_one(f"#{table_id}").row_count == wanted

    def on_input_changed(self, event) -> None:
        if event.input.id == "filter":
            for table_id in self.TABLES:
                self.redraw(table_id)

    def on_input_submitted(self, event) -> None:
        if event.input.id == "filter":
            self.main_table.focus()

    def action_filter(self) -> None:
        from kctl.tui.widgets import FilterBox  # heavy: textual (via kctl.tui.widgets)

        self.query_one(FilterBox).open()

    def action_sort(self) -> None:
        columns = self.TABLES[next(iter(self.TABLES))]
        if self.sort_column is None:
            self.sort_column, self.sort_reverse = 0, False
        elif not self.sort_reverse:
            self.sort_reverse = True
        else:
            self.sort_column, self.sort_reverse = (self.sort_column + 1) % len(columns), False
        self.notify(f"sorted by {columns[self.sort_column]} {'descending' if self.sort_reverse else 'ascending'}",
                    timeout=2)
        self.redraw(next(iter(self.TABLES)))

    def on_data_table_header_selected(self, event) -> None:
        if event.data_table is not self.main_table:
            return
        if self.sort_column == event.column_index:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = event.column_index, False
        self.redraw(next(iter(self.TABLES)))

    def on_data_table_row_selected(self, event) -> None:
        if event.data_table is self.main_table and event.row_key is not None:
            self.open(event.row_key.value)

    def selected_key(self) -> str | None:
        table = self.main_table
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value

    def open(self, key: str) -> None:
        pass
