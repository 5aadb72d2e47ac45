"""KctlApp: three modes (cluster, topics, groups), each with its own screen stack; global keys; the write guard;
switching the target (instance or context) without leaving."""

from __future__ import annotations

import threading

from textual.app import App
from textual.binding import Binding

from kctl.errors import KctlError
from kctl.tui.data import DataSource
from kctl.tui.targets import choices, client_conf


def _cluster():
    from kctl.tui.screens.cluster import ClusterScreen  # heavy: textual (via kctl.tui.screens.cluster)

    return ClusterScreen()


def _topics():
    from kctl.tui.screens.topics import TopicsScreen  # heavy: textual (via kctl.tui.screens.topics)

    return TopicsScreen()


def _groups():
    from kctl.tui.screens.groups import GroupsScreen  # heavy: textual (via kctl.tui.screens.groups)

    return GroupsScreen()


class KctlApp(App):
    CSS_PATH = "styles/kctl.tcss"
    TITLE = "kctl"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("1", "switch_mode('cluster')", "cluster"),
        Binding("2", "switch_mode('topics')", "topics"),
        Binding("3", "switch_mode('groups')", "groups"),
        Binding("q", "quit", "quit"),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True),
    ]
    MODES = {"cluster": _cluster, "topics": _topics, "groups": _groups}
    GLOBAL_HELP = [("1 / 2 / 3", "cluster / topics / groups"), ("?", "this help"), ("q, Ctrl-C", "quit")]

    def __init__(self, data: DataSource, allow_writes: bool = False, start: str = "topics", background_refresh: bool = True,
                 target=None, registry: str | None = None):
        self.DEFAULT_MODE = start  # the first screen; Textual reads it while it initialises
        if start == "topics":
            data.prefetch_topics()  # the metadata request overlaps Textual's start-up
        super().__init__()
        self.data = data
        self.allow_writes = allow_writes
        self.last_error: str | None = None
        self.background_refresh = background_refresh  # False: each screen loads once (snapshot tests)
        self.refused: list[str] = []  # the write actions refused for want of --allow-writes
        self.target = target  # the UiTarget shown (None: given as a bare conf)
        self.registry = registry  # the --registry of the invocation (the picker lists its instances)

    def on_mount(self) -> None:
        self._title()

    def _title(self) -> None:
        self.sub_title = f"{self.data.label} · {'writes allowed' if self.allow_writes else 'read-only'}"

    def on_unmount(self) -> None:
        self.data.close()

    # -- the target: the picker, then every screen against the new cluster --

    def pick_target(self) -> None:
        from kctl.tui.widgets import TargetPicker  # heavy: textual (via kctl.tui.widgets)

        found, problems = choices(self.registry)
        current = self.target.key if self.target is not None else None
        self.push_screen(TargetPicker(found, current, problems),
                         lambda chosen: chosen is not None and self.switch_target(chosen))

    def switch_target(self, target) -> None:
        """Point the UI at another cluster: the screens of the other modes start anew when next shown, the
        current mode goes back to its first screen and reloads."""
        try:
            conf = client_conf(target)
        except KctlError as exc:
            self.notify(f"{target.label}: {exc.message}", severity="error", timeout=6)
            return
        old, self.data = self.data, DataSource(conf, self.data.timeout, target.label)
        self.target = target
        threading.Thread(target=old.close, daemon=True).start()  # its lag monitor's client
        self._title()
        for mode, screen in self.MODES.items():
            if mode != self.current_mode:
                self.remove_mode(mode)
                self.add_mode(mode, screen)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.screen.restart()
        self.notify(f"now on {target.label}", timeout=3)

    # -- writes: --allow-writes, then a confirmation naming what changes, then a worker --

    def require_writes(self, what: str) -> bool:
        if self.allow_writes:
            return True
        self.refused.append(what)
        self.notify(f"read-only: {what} needs `kctl ui --allow-writes`", severity="warning", timeout=4)
        return False

    def confirm_then(self, question: str, action, done_message: str | None, after=None) -> None:
        from kctl.tui.widgets import ConfirmScreen  # heavy: textual (via kctl.tui.widgets)

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(lambda: self._write(action, done_message, after), thread=True, exit_on_error=False)

        if self.data.label:  # every destructive question names the cluster (docs/safety.md)
            question = f"{question} (on {self.data.label})"
        self.push_screen(ConfirmScreen(question), answered)

    def _write(self, action, done_message, after) -> None:
        try:
            result = action()
        except Exception as exc:  # noqa: BLE001 - shown; nothing else changes
            self.call_from_thread(self.notify, getattr(exc, "message", None) or str(exc), severity="error", timeout=6)
            return
        if done_message:
            self.call_from_thread(self.notify, done_message, timeout=3)
        if after is not None:
            self.call_from_thread(after, result)
