"""kctl ui, pure pieces (no broker, no app): health markers, the groups screen's ETA and reset confirmation,
JSON highlighting, the target picker's choices, reset targets."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from kctl.errors import UsageError  # noqa: E402
from kctl.models import OffsetReset, OffsetResetResult  # noqa: E402
from kctl.models.admin import PartitionInfo, TopicInfo  # noqa: E402
from kctl.services import health  # noqa: E402
from kctl.tui import format as fmt  # noqa: E402
from kctl.tui import targets  # noqa: E402
from kctl.tui.data import GroupRow, reset_strategy  # noqa: E402
from kctl.tui.screens.groups import eta_text, reset_question  # noqa: E402


def _topic(*parts):
    return TopicInfo("t", tuple(PartitionInfo(i, leader, tuple(r), tuple(isr)) for i, (leader, r, isr) in enumerate(parts)))


@pytest.mark.parametrize("parts, min_isr, marker", [
    ([(1, (1, 2, 3), (1, 2, 3))], 2, "ok"),
    ([(1, (1, 2, 3), (1, 2, 3)), (2, (2, 3, 1), (2, 3))], 2, "under-replicated"),  # at min ISR too: not a marker
    ([(1, (1, 2, 3), (1,)), (2, (2, 3, 1), (2, 3))], 2, "under-min-isr"),
    ([(None, (1, 2, 3), ()), (1, (1, 2, 3), (1,))], 2, "offline"),  # the worst partition decides
    ([(1, (1,), (1,))], 2, "under-min-isr"),  # replication 1 with min.insync.replicas 2
])
def test_topic_marker_is_the_worst_partition(parts, min_isr, marker):
    assert health.topic_marker(_topic(*parts), min_isr, {1, 2, 3}) == marker


@pytest.mark.parametrize("row, text", [
    (GroupRow("g", "Stable", 1, 0, trend="caught-up", eta_s=0.0), "caught up"),
    (GroupRow("g", "Stable", 1, 600, rate=20.0, eta_s=30.0, trend="catching-up"), "30 s"),
    (GroupRow("g", "Stable", 1, 600, rate=1.0, trend="falling-behind"), "never (falling behind)"),
    (GroupRow("g", "Stable", 1, 600, rate=0.0, trend="steady"), "never (steady)"),
    (GroupRow("g", "Stable", 1, 600), None),  # one sample: nothing known yet
])
def test_eta_cell(row, text):
    assert eta_text(row) == text


def test_reset_question_names_every_move_and_the_impact():
    rows = tuple(OffsetReset("orders", p, 10, 5, reread=5) for p in range(8))
    question = reset_question(OffsetResetResult("billing", "to-datetime -1h", False, rows))
    assert question.startswith("Reset group 'billing' (to-datetime -1h) on 8 partition(s): orders:0 10→5, ")
    assert "orders:5 10→5 and 2 more" in question and "40 record(s) read again" in question
    fresh = reset_question(OffsetResetResult("g", "to-offset 3", False, (OffsetReset("t", 0, None, 3),)))
    assert "t:0 none→3" in fresh and "read again" not in fresh


def test_reset_strategies_parse_once_and_refuse_bad_values():
    assert reset_strategy("time", "2026-01-01T00:00:00Z").value == 1767225600000
    assert reset_strategy("offset", "7").value == 7
    assert reset_strategy("shift", "+3").value == 3 and reset_strategy("shift", "-3").value == -3
    assert reset_strategy("earliest").kind == "earliest"
    for how, value in (("time", "yesterday"), ("offset", "-1"), ("offset", "x"), ("shift", "1.5"), ("time", "")):
        with pytest.raises(UsageError):
            reset_strategy(how, value)


def test_json_is_highlighted_by_token_and_other_values_are_not():
    text = fmt.highlighted('{"id": 1, "ok": true, "name": "x", "none": null}')
    styled = {text.plain[s.start:s.end]: s.style for s in text.spans}
    assert styled['"id"'].color != styled["1"].color and styled["true"].color is not None
    assert all(not isinstance(s.style, str) for s in text.spans)  # concrete colours, no theme names
    assert not isinstance(fmt.preview_cell(b"plain text"), type(text)) and fmt.preview_cell(b"{oops") == "{oops"
    assert fmt.preview_cell(b'{"a": 1}').plain == '{"a": 1}'


def test_target_choices_list_instances_then_contexts(tmp_path, monkeypatch):
    registry = tmp_path / "port_registry.yaml"
    registry.write_text("kafka:\n  host: 127.0.0.1\n  broker_port: 9092\n  controller_port: 19093\n"
                        "  instance_increment: 100\n  max_instances: 2\n  broker_stride: 10\n")
    config = tmp_path / "config.yaml"
    config.write_text("contexts:\n  prod:\n    bootstrap: k1:9093\n  dev:\n    instance: 1\n  odd: {}\n")
    monkeypatch.setenv("KCTL_CONFIG", str(config))
    found, problems = targets.choices(str(registry))
    assert [t.label for t in found] == ["instance 0", "instance 1", "context dev · instance 1", "context prod · k1:9093"]
    assert found[2].bootstrap == "127.0.0.1:9192" and problems == ["context odd: names neither a bootstrap nor an instance"]
    assert len({t.key for t in found}) == 4


def test_target_conf_resolves_context_references(tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text("contexts:\n  prod:\n    bootstrap: k1:9093\n    properties:\n      sasl.username: alice\n"
                      "      sasl.password: ${env:UI_TEST_PASSWORD}\n")
    monkeypatch.setenv("KCTL_CONFIG", str(config))
    monkeypatch.setenv("UI_TEST_PASSWORD", "s3cret")
    conf = targets.client_conf(targets.UiTarget("k1:9093", None, "prod"))
    assert conf["bootstrap.servers"] == "k1:9093" and conf["sasl.password"] == "s3cret"
    assert targets.client_conf(targets.UiTarget("127.0.0.1:9092", 0)) == {"bootstrap.servers": "127.0.0.1:9092"}


def test_the_reset_prompt_closes_with_escape_and_a_bad_value_asks_nothing():
    import asyncio

    from kctl.tui.app import KctlApp
    from tests.unit.tui_fake import FakeData

    async def run():
        app = KctlApp(FakeData(), allow_writes=True, start="groups", background_refresh=False)
        async with app.run_test(size=(120, 36)) as pilot:
            screen = app.screen
            for _ in range(200):
                await pilot.pause(0.02)
                if screen.main_table.row_count == 2:
                    break
            prompt = screen.query_one("#prompt")
            await pilot.press("t")
            assert not prompt.has_class("hidden") and "billing" in prompt.placeholder
            await pilot.press("escape")
            assert prompt.has_class("hidden") and screen._asking is None
            await pilot.press("o", "x", "enter")  # not an offset: an error notice, no plan, no confirmation
            await pilot.pause(0.1)
            assert app.screen is screen and [n.severity for n in app._notifications] == ["error"]

    asyncio.run(run())


def test_a_long_list_draws_a_screenful_first_and_a_filter_mid_way_stops_the_old_fill(monkeypatch):
    import asyncio

    from kctl.models import TopicSummary
    from kctl.tui.app import KctlApp
    from kctl.tui.screens.base import ListScreen
    from tests.unit.tui_fake import FakeData

    # The chunks each fill adds, recorded as they are asked for: how many rows the first paint has
    # does not depend on how many frames a loaded machine draws while the test sleeps.
    chunks: list[tuple[str, int, int]] = []
    fill = ListScreen._fill

    def recording_fill(self, table_id, drawing, keys, start, count, selected):
        chunks.append((table_id, start, min(count, len(keys) - start)))
        return fill(self, table_id, drawing, keys, start, count, selected)

    monkeypatch.setattr(ListScreen, "_fill", recording_fill)

    class Many(FakeData):
        def topics(self):
            return [TopicSummary(f"topic-{i:04d}", 1, 1) for i in range(1000)]

        def topic_stats(self, names):
            return {}

    async def run():
        app = KctlApp(Many(), background_refresh=False)
        async with app.run_test(size=(120, 36)) as pilot:
            screen = app.screen
            while not screen.populated:
                await pilot.pause(0.01)
            while not screen.filled():
                await pilot.pause(0.01)
            table_id = screen.main_table.id
            sizes = [size for table, _, size in chunks if table == table_id]
            assert chunks[0][1] == 0 and 50 <= sizes[0] < 1000  # a screenful first...
            assert len(sizes) > 1 and sum(sizes) == 1000  # ...then the rest, a chunk per frame
            # The filled list starts the slow loads (sizes, markers); on a sorted list their arrival
            # redraws it, so let them finish before sorting.
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert [screen.main_table.get_row_at(i)[0] for i in (0, 999)] == ["topic-0000", "topic-0999"]
            screen.action_sort()  # ascending by name: a redraw
            screen.action_sort()  # descending: another, before the first one's fill is done
            screen.query_one("#filter").value = "topic-09"  # and a filter: 100 rows, nothing of the older fills
            while not screen.filled():
                await pilot.pause(0.01)
            await pilot.pause(0.2)
            rows = [screen.main_table.get_row_at(i)[0] for i in range(screen.main_table.row_count)]
            assert rows == [f"topic-{i:04d}" for i in range(999, 899, -1)]

    asyncio.run(run())


def test_a_value_longer_than_its_header_is_shown_whole():
    """DataTable measures new rows when it is next idle; a line painted before that (the screen
    draws between the two) kept the header's width: `high 6719` for 67195 until a resize."""
    import asyncio

    from kctl.tui.app import KctlApp
    from tests.unit.tui_fake import FakeData

    async def run():
        app = KctlApp(FakeData(), background_refresh=False)
        async with app.run_test(size=(160, 40)) as pilot:
            while app.screen.main_table.row_count < 3:
                await pilot.pause(0.01)
            await pilot.press("enter")
            while type(app.screen).__name__ != "TopicScreen" or app.screen.query_one("#partitions").row_count < 3:
                await pilot.pause(0.01)
            screen = app.screen
            table = screen.query_one("#partitions")
            screen.set_rows("partitions", [("0", (0, 1, "1,2,3", "1,2,3", 0, 67195, 67195, 400_000))])
            table.render_line(1)  # painted before the table is idle
            await pilot.pause(0.1)
            cells = "".join(segment.text for segment in table.render_line(1)).split()
            assert cells[:7] == ["0", "1", "1,2,3", "1,2,3", "0", "67195", "67195"], cells

    asyncio.run(run())
