"""Groups: state, members, lag, time lag, consume rate and ETA (the lag-watch service: rates over its
last samples, one per refresh), a sparkline of the selected group's lag since the screen opened, and
offset resets (--allow-writes, a plan first, then a confirmation that names the moves)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input, Sparkline, Static

from kctl.errors import KctlError
from kctl.tui.data import reset_strategy
from kctl.tui.screens.base import ListScreen

HISTORY = 120  # lag samples kept per group (one per refresh)
MOVES_SHOWN = 6  # partition moves named in a reset's confirmation (then "and N more")
PROMPTS = {
    "time": "reset to a time: ISO 8601, epoch ms or relative (-1h); Enter plans it, Esc cancels",
    "offset": "reset to an offset (in every partition of the group); Enter plans it, Esc cancels",
    "shift": "shift every partition by N records (-10 re-reads ten, +10 skips ten); Enter plans it, Esc cancels",
}


def _opt(value, fmt="{}"):
    return None if value is None else fmt.format(value)


def eta_text(row) -> str | None:
    """The ETA cell: seconds to catch up, or why there is none (the lag-watch service's trend)."""
    if row.lag == 0:
        return "caught up"
    if row.eta_s is not None:
        return f"{row.eta_s:.0f} s"
    return {"falling-behind": "never (falling behind)", "steady": "never (steady)"}.get(row.trend)


class GroupsScreen(ListScreen):
    TABLES = {"groups": ("group", "state", "members", "lag", "time lag", "rate/s", "ETA", "topics")}
    HELP = [("/", "filter"), ("s", "sort"), ("e / l", "reset the group to earliest / latest (--allow-writes)"),
            ("t", "reset the group to a time: -1h, ISO 8601 (--allow-writes)"),
            ("o", "reset the group to an offset (--allow-writes)"),
            ("m", "move (shift) the group's offsets by N (--allow-writes)"), ("r", "refresh")]
    BINDINGS = [Binding("r", "refresh", "refresh"), Binding("e", "reset('earliest')", "→earliest"),
                Binding("l", "reset('latest')", "→latest"), Binding("t", "reset('time')", "→time"),
                Binding("o", "reset('offset')", "→offset"), Binding("m", "reset('shift')", "shift")]
    REFRESH_S = 2.0

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[int]] = {}
        self.rows = []
        self._asking: tuple[str, str] | None = None  # (group, how) while the reset prompt is open

    def compose_top(self):
        yield Input(id="prompt", classes="hidden")

    def compose_bottom(self):
        yield Static("lag since this screen opened: select a group", id="spark-title")
        yield Sparkline([], id="spark")

    def load(self):
        return self.data.groups()

    def restart(self) -> None:
        self.history, self.rows = {}, []
        super().restart()

    def show(self, rows) -> None:
        self.rows = rows
        for row in rows:
            samples = self.history.setdefault(row.group_id, [])
            samples.append(row.lag or 0)
            del samples[:-HISTORY]
        self.set_rows("groups", [
            (r.group_id, (r.group_id, r.state, r.members, r.lag, _opt(r.time_lag_ms, "{} ms"),
                          _opt(r.rate, "{:.1f}"), eta_text(r), ",".join(r.topics)))
            for r in rows])
        self._spark()

    def _spark(self) -> None:
        group = self.selected_key()
        samples = self.history.get(group, []) if group else []
        self.query_one("#spark-title", Static).update(
            f"lag of {group} since this screen opened: {samples[-1] if samples else '?'} ({len(samples)} samples)"
            if group else "lag since this screen opened: select a group")
        self.query_one("#spark", Sparkline).data = list(samples)

    def on_data_table_row_highlighted(self, event) -> None:
        self._spark()

    def action_refresh(self) -> None:
        self.refresh_data()

    # -- resets: --allow-writes, the target (a prompt for time/offset/shift), the plan, a confirmation --

    def action_reset(self, how: str) -> None:
        group = self.selected_key()
        if group is None or not self.app.require_writes(f"resetting the offsets of group {group}"):
            return
        if how in ("earliest", "latest"):
            self._planned(group, how, None)
            return
        self._asking = (group, how)
        prompt = self.query_one("#prompt", Input)
        prompt.placeholder = f"{group}: {PROMPTS[how]}"
        prompt.value = ""
        prompt.remove_class("hidden")
        prompt.focus()

    def on_input_submitted(self, event) -> None:
        if event.input.id != "prompt":
            super().on_input_submitted(event)
            return
        self._close_prompt()
        if self._asking is not None:
            (group, how), self._asking = self._asking, None
            self._planned(group, how, event.value.strip())

    def key_escape(self) -> None:
        if self._asking is not None:
            self._asking = None
            self._close_prompt()

    def _close_prompt(self) -> None:
        self.query_one("#prompt", Input).add_class("hidden")
        self.main_table.focus()

    def _planned(self, group: str, how: str, value: str | None) -> None:
        try:
            strategy = reset_strategy(how, value)  # parsed once: "-1h" means the same in plan and reset
        except KctlError as exc:
            self.notify(exc.message, severity="error")
            return
        self.run_worker(lambda: self._plan(group, strategy), thread=True, exit_on_error=False)

    def _plan(self, group: str, strategy) -> None:
        try:
            plan = self.data.reset_group(group, strategy, execute=False)
        except Exception as exc:  # noqa: BLE001 - shown, nothing changed
            self.app.call_from_thread(self.notify, getattr(exc, "message", str(exc)), severity="error")
            return
        self.app.call_from_thread(
            self.app.confirm_then, reset_question(plan),
            lambda: self.data.reset_group(group, strategy, execute=True), f"reset {group}: {strategy.label}",
            lambda _: self.refresh_data())


def reset_question(plan) -> str:
    """The confirmation of a reset: the group, the target and each partition's move (what changes)."""
    moves = ", ".join(f"{p.name} {'none' if p.current_offset is None else p.current_offset}→{p.new_offset}"
                      for p in plan.partitions[:MOVES_SHOWN])
    more = f" and {len(plan.partitions) - MOVES_SHOWN} more" if len(plan.partitions) > MOVES_SHOWN else ""
    impact = []
    if plan.records_reread:
        impact.append(f"{plan.records_reread} record(s) read again")
    if plan.records_skipped:
        impact.append(f"{plan.records_skipped} record(s) skipped")
    return (f"Reset group {plan.group_id!r} ({plan.strategy}) on {len(plan.partitions)} partition(s): {moves}{more}"
            f"{' — ' + ', '.join(impact) if impact else ''}?")
