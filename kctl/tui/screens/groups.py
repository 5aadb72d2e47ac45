"""Groups: state, members, lag (and time lag, rate, ETA once the lag-watch service is plugged in);
a sparkline of the selected group's lag since the screen opened."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Sparkline, Static

from kctl.tui.screens.base import ListScreen

HISTORY = 120  # lag samples kept per group (one per refresh)


def _opt(value, fmt="{}"):
    return None if value is None else fmt.format(value)


class GroupsScreen(ListScreen):
    TABLES = {"groups": ("group", "state", "members", "lag", "time lag", "rate/s", "ETA", "topics")}
    HELP = [("/", "filter"), ("s", "sort"), ("e", "reset the group to earliest (--allow-writes)"),
            ("l", "reset the group to latest (--allow-writes)"), ("r", "refresh")]
    BINDINGS = [Binding("r", "refresh", "refresh"), Binding("e", "reset('earliest')", "reset→earliest"),
                Binding("l", "reset('latest')", "reset→latest")]
    REFRESH_S = 2.0

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[int]] = {}
        self.rows = []

    def compose_bottom(self):
        yield Static("lag since this screen opened: select a group", id="spark-title")
        yield Sparkline([], id="spark")

    def load(self):
        return self.data.groups()

    def show(self, rows) -> None:
        self.rows = rows
        for row in rows:
            samples = self.history.setdefault(row.group_id, [])
            samples.append(row.lag or 0)
            del samples[:-HISTORY]
        self.set_rows("groups", [
            (r.group_id, (r.group_id, r.state, r.members, r.lag, _opt(r.time_lag_ms, "{} ms"),
                          _opt(r.rate, "{:.1f}"), _opt(r.eta_s, "{:.0f} s"), ",".join(r.topics)))
            for r in rows])
        self._spark()

    def _spark(self) -> None:
        group = self.selected_key()
        samples = self.history.get(group, []) if group else []
        self.query_one("#spark-title", Static).update(
            f"lag of {group} since this screen opened: {samples[-1] if samples else '?'} "
            f"({len(samples)} samples; time lag, rate and ETA: the lag-watch service is not available in this build)"
            if group else "lag since this screen opened: select a group")
        self.query_one("#spark", Sparkline).data = list(samples)

    def on_data_table_row_highlighted(self, event) -> None:
        self._spark()

    def action_refresh(self) -> None:
        self.refresh_data()

    def action_reset(self, to: str) -> None:
        group = self.selected_key()
        if group is None or not self.app.require_writes(f"resetting the offsets of group {group}"):
            return
        self.run_worker(lambda: self._plan(group, to), thread=True, exit_on_error=False)

    def _plan(self, group: str, to: str) -> None:
        try:
            plan = self.data.reset_group(group, to, execute=False)
        except Exception as exc:  # noqa: BLE001 - shown, nothing changed
            self.app.call_from_thread(self.notify, getattr(exc, "message", str(exc)), severity="error")
            return
        moves = ", ".join(f"{p.name} {p.current_offset}→{p.new_offset}" for p in plan.partitions[:6])
        more = f" and {len(plan.partitions) - 6} more" if len(plan.partitions) > 6 else ""
        self.app.call_from_thread(
            self.app.confirm_then,
            f"Reset group {group!r} to {to} on {len(plan.partitions)} partition(s): {moves}{more}?",
            lambda: self.data.reset_group(group, to, execute=True), f"reset {group} to {to}",
            lambda _: self.refresh_data())
