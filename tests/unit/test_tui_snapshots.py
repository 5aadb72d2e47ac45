"""Screen snapshots of `kctl ui` (SVGs under tests/unit/__snapshots__/), on deterministic fake data.

Update them after a deliberate change of the screens: pytest tests/unit/test_tui_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

pytest.importorskip("textual")
pytest.importorskip("pytest_textual_snapshot")

from kctl.tui.app import KctlApp  # noqa: E402
from tests.unit.tui_fake import FakeData  # noqa: E402

SIZE = (120, 36)


def _app(start="topics", allow_writes=False):
    return KctlApp(FakeData(), allow_writes=allow_writes, start=start, background_refresh=False)


async def _settle(pilot, condition=lambda app: True):
    """Run the app until condition holds (bounded, so a screen that never gets there fails here)."""
    for _ in range(1500):
        await pilot.pause(0.02)
        if condition(pilot.app):
            break
    else:
        raise AssertionError("the screen never got ready")
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def test_cluster_screen(snap_compare):
    async def ready(pilot):
        await _settle(pilot, lambda app: app.screen.main_table.row_count == 3)

    assert snap_compare(_app("cluster"), terminal_size=SIZE, run_before=ready)


def test_topics_screen_sorted_by_name(snap_compare):
    async def ready(pilot):
        await _settle(pilot, lambda app: len(app.screen.stats) == 3)
        await pilot.press("s")  # by name, ascending
        await _settle(pilot, lambda app: app.screen.sort_column == 0)

    assert snap_compare(_app("topics"), terminal_size=SIZE, run_before=ready)


def test_topic_screen(snap_compare):
    async def ready(pilot):
        await _settle(pilot, lambda app: len(app.screen.stats) == 3)
        await pilot.press("enter")
        await _settle(pilot, lambda app: type(app.screen).__name__ == "TopicScreen"
                      and app.screen.query_one("#groups").row_count == 2)

    assert snap_compare(_app("topics"), terminal_size=SIZE, run_before=ready)


def test_messages_screen(snap_compare):
    async def ready(pilot):
        await _settle(pilot, lambda app: len(app.screen.stats) == 3)
        await pilot.press("enter")
        await _settle(pilot, lambda app: type(app.screen).__name__ == "TopicScreen")
        await pilot.press("m")
        await _settle(pilot, lambda app: len(getattr(app.screen, "records", ())) == 3)

    assert snap_compare(_app("topics"), terminal_size=SIZE, run_before=ready)


def test_groups_screen_with_a_falling_lag(snap_compare):
    async def ready(pilot):
        await _settle(pilot, lambda app: app.screen.main_table.row_count == 2)
        screen = pilot.app.screen
        from kctl.tui.data import GroupRow

        for lag in (2400, 1800, 1100, 500, 120, 12):  # as refreshes would bring them
            screen.show([GroupRow("billing", "Stable", 2, lag, ("orders",)),
                         GroupRow("audit", "Empty", 0, 3000, ("orders", "payments"))])
        await _settle(pilot)

    assert snap_compare(_app("groups"), terminal_size=SIZE, run_before=ready)


def test_produce_screen(snap_compare):
    async def ready(pilot):
        await _settle(pilot, lambda app: len(app.screen.stats) == 3)
        await pilot.press("enter")
        await _settle(pilot, lambda app: type(app.screen).__name__ == "TopicScreen")
        await pilot.press("p")
        await _settle(pilot, lambda app: type(app.screen).__name__ == "ProduceScreen")
        await pilot.press(*"k1", "enter", *"hello", "enter", "ctrl+s")
        await _settle(pilot, lambda app: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await _settle(pilot, lambda app: getattr(app.screen, "last", None) is not None)
        pilot.app.screen.set_focus(None)  # no blinking cursor in the picture
        await _settle(pilot)

    assert snap_compare(_app("topics", allow_writes=True), terminal_size=SIZE, run_before=ready)


def test_help_screen(snap_compare):
    async def ready(pilot):
        await _settle(pilot, lambda app: len(app.screen.stats) == 3)
        await pilot.press("question_mark")
        await _settle(pilot, lambda app: type(app.screen).__name__ == "HelpScreen")

    assert snap_compare(_app("topics"), terminal_size=SIZE, run_before=ready)


def test_target_picker(snap_compare, tmp_path, monkeypatch):
    from pathlib import Path

    from kctl.tui.targets import UiTarget

    config = tmp_path / "config.yaml"
    config.write_text("contexts:\n  staging:\n    bootstrap: kafka.staging.example:9093\n  dev:\n    instance: 2\n")
    monkeypatch.setenv("KCTL_CONFIG", str(config))
    registry = str(Path(__file__).resolve().parents[2] / "port_registry.yaml")
    app = KctlApp(FakeData(), start="cluster", background_refresh=False, target=UiTarget("127.0.0.1:9092", 0),
                  registry=registry)

    async def ready(pilot):
        await _settle(pilot, lambda app: app.screen.main_table.row_count == 3)
        await pilot.press("t")
        await _settle(pilot, lambda app: type(app.screen).__name__ == "TargetPicker")

    assert snap_compare(app, terminal_size=SIZE, run_before=ready)
