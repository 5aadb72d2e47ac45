"""Widgets shared by the screens: the unavailable-cluster banner, the `/` filter box, the key help."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static


class Table(DataTable):
    """A DataTable whose columns grow to their content on screen as rows arrive.

    Textual's DataTable measures new rows and updated cells when it is next idle, but a line it
    painted in between stays in its line cache at the old column widths (the header's, for a new
    table): `high 6719` for 67195 until a resize cleared the cache. Columns that grew mean every
    cached line is stale."""

    def _widths(self) -> list[int]:
        return [column.content_width for column in self.columns.values()]

    def _update_dimensions(self, new_rows) -> None:
        before = self._widths()
        super()._update_dimensions(new_rows)
        self._repaint_if_grown(before)

    def _update_column_widths(self, updated_cells) -> None:
        before = self._widths()
        super()._update_column_widths(updated_cells)
        self._repaint_if_grown(before)

    def _repaint_if_grown(self, before: list[int]) -> None:
        if self._widths() != before:
            self._clear_caches()
            self.refresh()


class Banner(Static):
    """Shown while the cluster does not answer; hidden again by the next refresh that works."""

    DEFAULT_CLASSES = "hidden"

    def problem(self, message: str) -> None:
        self.update(f"⚠ {message} — retrying in the background")
        self.remove_class("hidden")

    def clear(self) -> None:
        self.add_class("hidden")

    @property
    def shown(self) -> bool:
        return not self.has_class("hidden")


class FilterBox(Input):
    """The `/` filter of a list: substring match (case-insensitive); Escape clears and hides it."""

    BINDINGS = [Binding("escape", "close", "close filter", show=False)]
    DEFAULT_CLASSES = "hidden"

    def open(self) -> None:
        self.remove_class("hidden")
        self.focus()

    def action_close(self) -> None:
        self.value = ""
        self.add_class("hidden")
        self.screen.focus_next()


def keep(text: str, *cells) -> bool:
    """Does a row pass the filter `text`?"""
    if not text:
        return True
    needle = text.lower()
    return any(needle in str(c).lower() for c in cells)


class HelpScreen(ModalScreen):
    """`?`: the keys of the screen below and the global ones."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close")]

    def __init__(self, keys: list[tuple[str, str]]):
        super().__init__()
        self._keys = keys

    def compose(self):
        lines = ["Keys", ""] + [f"  {k:<12} {what}" for k, what in self._keys] + ["", "Esc closes this help"]
        yield Static("\n".join(lines), id="help", markup=False)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question that names what will change; y confirms, n/Escape cancels."""

    BINDINGS = [Binding("y", "answer(True)", "yes"), Binding("n,escape", "answer(False)", "no")]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self):
        yield Static(f"{self.question}\n\n[y] yes   [n] no", id="confirm", markup=False)

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


def human_bytes(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)


class TargetPicker(ModalScreen):
    """The instances of the port registry and the config's contexts; Enter switches, Escape stays."""

    BINDINGS = [Binding("escape", "dismiss", "cancel")]

    def __init__(self, targets: list, current_key: str | None, problems: list[str]):
        super().__init__()
        self.targets = targets
        self.current_key = current_key
        self.problems = problems

    def compose(self):
        from textual.widgets import OptionList  # heavy: textual
        from textual.widgets.option_list import Option  # heavy: textual

        title = "Switch to (Enter), Esc stays" + "".join(f"\n! {p}" for p in self.problems)
        yield Static(title, id="picker-title", markup=False)
        yield OptionList(*(Option(("● " if t.key == self.current_key else "  ") + t.label
                                  + (f"   {t.bootstrap}" if t.instance is not None else ""), id=t.key)
                           for t in self.targets), id="targets")

    def on_mount(self) -> None:
        from textual.widgets import OptionList  # heavy: textual

        keys = [t.key for t in self.targets]
        if self.current_key in keys:
            self.query_one(OptionList).highlighted = keys.index(self.current_key)

    def on_option_list_option_selected(self, event) -> None:
        self.dismiss(next(t for t in self.targets if t.key == event.option.id))
