"""kctl ui against the real broker (instance 0), driven headless by Textual's pilot; one run in tmux."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid

import pytest

pytest.importorskip("textual")

from kctl.client import ConsumerClient, ProducerClient  # noqa: E402
from kctl.client.records import ProducerRecord  # noqa: E402
from kctl.tui.app import KctlApp  # noqa: E402
from kctl.tui.data import DataSource  # noqa: E402
from tests.helpers import poll_records, wait_until, wait_until_async  # noqa: E402

SIZE = (140, 45)


def until(pilot, condition, what: str, limit: float = 30.0):
    """Let the app run (the pilot's pauses) until condition() holds: a bound against hanging, not a timing assertion."""
    return wait_until_async(condition, limit, what, pilot.pause)


def _app(kafka, allow_writes=False, start="topics", conf=None):
    data = DataSource(conf or {"bootstrap.servers": kafka["bootstrap"]}, 10.0, f"instance {kafka['instance']}")
    return KctlApp(data, allow_writes=allow_writes, start=start)


def _produce(kafka, topic, records):
    with ProducerClient(bootstrap=kafka["bootstrap"]) as producer:
        for future in [producer.send(r) for r in records]:  # in flight together, in order (one partition each)
            future.get(10)


def _rows(table):
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def _filter(pilot, text: str, submit: bool = True):
    """`/`, then the text in the filter box (set at once: the pilot takes ~0.2 s a key on a loaded machine, and
    the names are long; typing itself is tested with a short filter in the messages test), then Enter."""
    await pilot.press("slash")
    pilot.app.screen.query_one("#filter").value = text
    await pilot.pause()
    if submit:
        await pilot.press("enter")


async def _open_topic(pilot, app, topic):
    screen = app.screen
    await until(pilot, lambda: getattr(screen, "populated", False), "topics table populated")
    await _filter(pilot, topic, submit=False)
    await until(pilot, lambda: screen.main_table.row_count == 1, "filter leaves the one topic")
    await pilot.press("enter", "enter")  # leave the filter box, open the row
    await until(pilot, lambda: type(app.screen).__name__ == "TopicScreen", "topic screen")
    return app.screen


def test_topics_topic_messages_show_the_records(kafka, new_topic):
    topic = new_topic(partitions=2)
    _produce(kafka, topic, [
        ProducerRecord(topic, value=b'{"n": 1, "kind": "even"}', key=b"k-one", headers=(("trace", b"t-1"),), partition=0),
        ProducerRecord(topic, value=b"plain text two", key=b"k-two", partition=1),
        ProducerRecord(topic, value=bytes([0, 1, 2, 255]), key=b"k-three", partition=1),
    ])

    async def run():
        app = _app(kafka)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open_topic(pilot, app, topic)
            parts = screen.query_one("#partitions")
            await until(pilot, lambda: parts.row_count == 2, "two partitions")
            rows = _rows(parts)
            assert [r[0] for r in rows] == ["0", "1"]
            assert [r[5] for r in rows] == ["1", "2"]  # high watermarks

            await pilot.press("m")
            await until(pilot, lambda: type(app.screen).__name__ == "MessagesScreen", "messages screen")
            messages = app.screen
            await until(pilot, lambda: len(messages.records) == 3, "three records")
            table = messages.query_one("#records")
            shown = {r[3]: r for r in _rows(table)}
            assert set(shown) == {"k-one", "k-two", "k-three"}
            assert shown["k-one"][4] == '{"n": 1, "kind": "even"}' and shown["k-one"][5] == "trace=t-1"
            assert shown["k-two"][4] == "plain text two"
            assert shown["k-three"][4] == "hex:000102ff"

            # The detail pane pretty-prints JSON; c copies the record as the JSON envelope.
            row = next(i for i in range(table.row_count) if str(table.get_row_at(i)[3]) == "k-one")
            table.move_cursor(row=row)
            await pilot.pause()
            detail = messages.query_one("#detail").content  # a rich Text: the JSON value coloured by token
            assert '"kind": "even"' in detail.plain and "\n  " in detail.plain and "header trace: t-1" in detail.plain
            key_at = detail.plain.index('"kind"')
            colours = {str(span.style.color.name) for span in detail.spans
                       if span.start <= key_at < span.end and getattr(span.style, "color", None) is not None}
            number_at = detail.plain.index(": 1,") + 2
            number_colours = {str(span.style.color.name) for span in detail.spans
                              if span.start <= number_at < span.end and getattr(span.style, "color", None) is not None}
            assert colours and number_colours and colours != number_colours  # keys and numbers coloured apart
            assert not [s for s in detail.spans if s.start < detail.plain.index("value:")]  # the header lines plain
            await pilot.press("c")
            copied = json.loads(app.clipboard)
            assert copied["key"] == "k-one" and copied["headers"] == [{"key": "trace", "value": "t-1"}]
            assert copied["topic"] == topic and copied["partition"] == 0 and copied["offset"] == 0

            # The --match filter: only the record whose value matches.
            await pilot.press("slash", *"value=plain", "enter")
            await until(pilot, lambda: set(messages.records) == {"1:0"}, "only the matching record")

            # One partition only (a: all -> 0).
            await pilot.press("slash", "ctrl+u", "enter")  # clear the filter
            await until(pilot, lambda: len(messages.records) == 3, "filter cleared")
            await pilot.press("a")
            await until(pilot, lambda: set(messages.records) == {"0:0"}, "partition 0 only")

    asyncio.run(run())


def test_messages_pages_and_tail(kafka, new_topic):
    topic = new_topic()
    _produce(kafka, topic, [ProducerRecord(topic, value=f"v{i}".encode(), partition=0) for i in range(250)])

    async def run():
        app = _app(kafka)
        async with app.run_test(size=SIZE) as pilot:
            await _open_topic(pilot, app, topic)
            await pilot.press("m")
            await until(pilot, lambda: type(app.screen).__name__ == "MessagesScreen", "messages screen")
            messages = app.screen
            await until(pilot, lambda: len(messages.records) == 100, "first page")
            assert min(r.offset for r in messages.records.values()) == 0
            await pilot.press("n")
            await until(pilot, lambda: min(r.offset for r in messages.records.values()) == 100, "second page")
            await pilot.press("p")
            await until(pilot, lambda: min(r.offset for r in messages.records.values()) == 0, "back to the first")
            await pilot.press("e")  # the last page
            await until(pilot, lambda: max(r.offset for r in messages.records.values()) == 249
                        and len(messages.records) == 100, "last page")
            await pilot.press("o", *"240", "enter")
            await until(pilot, lambda: sorted(r.offset for r in messages.records.values()) == list(range(240, 250)),
                        "from offset 240")
            await pilot.press("f")  # live tail: a record produced now appears
            await until(pilot, lambda: messages.browser is not None and getattr(messages.browser, "_tailing", False),
                        "tail started")
            _produce(kafka, topic, [ProducerRecord(topic, value=b"live!", partition=0)])
            await until(pilot, lambda: any(r.value == b"live!" for r in messages.records.values()), "tailed record")
            await pilot.press("f")

    asyncio.run(run())


def test_groups_lag_falls_as_the_consumer_catches_up(kafka, new_topic, unique_name):
    topic = new_topic()
    group = unique_name("g")
    _produce(kafka, topic, [ProducerRecord(topic, value=b"x", partition=0) for _ in range(20)])
    with ConsumerClient(bootstrap=kafka["bootstrap"], group_id=group) as consumer:
        consumer.commit({(topic, 0): 0}, timeout=10)  # lag 20

    async def run():
        app = _app(kafka, start="groups")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await _filter(pilot, group)

            def lag():
                rows = _rows(screen.main_table)
                return rows[0][3] if len(rows) == 1 else None

            await until(pilot, lambda: lag() == "20", "lag 20")
            with ConsumerClient(bootstrap=kafka["bootstrap"], group_id=group) as consumer:
                consumer.commit({(topic, 0): 15}, timeout=10)
                await until(pilot, lambda: lag() == "5", "lag 5")
                consumer.commit({(topic, 0): 20}, timeout=10)
                await until(pilot, lambda: lag() == "0", "lag 0")
            history = screen.history[group]
            assert history[0] == 20 and history[-1] == 0 and 5 in history
            assert history == sorted(history, reverse=True)  # it only fell
            assert screen.query_one("#spark").data[-1] == 0

    asyncio.run(run())


def test_write_actions_are_refused_without_allow_writes(kafka, new_topic, unique_name):
    topic = new_topic()
    group = unique_name("g")
    with ConsumerClient(bootstrap=kafka["bootstrap"], group_id=group) as consumer:
        consumer.commit({(topic, 0): 0}, timeout=10)

    async def run():
        app = _app(kafka)
        async with app.run_test(size=SIZE) as pilot:
            topics = app.screen
            screen = await _open_topic(pilot, app, topic)
            for key in ("p", "d"):
                await pilot.press(key)
                await pilot.pause(0.2)
                assert app.screen is screen  # no produce form, no confirmation
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is topics, "back on topics")
            for key in ("c", "d"):
                await pilot.press(key)
                await pilot.pause(0.2)
                assert app.screen is topics
            await pilot.press("3")
            await until(pilot, lambda: type(app.screen).__name__ == "GroupsScreen", "groups")
            groups = app.screen
            await _filter(pilot, group)
            await until(pilot, lambda: groups.main_table.row_count == 1, "the group")
            for key in ("e", "l", "t", "o", "m"):
                await pilot.press(key)
                await pilot.pause(0.2)
                assert app.screen is groups and groups.query_one("#prompt").has_class("hidden")  # no prompt either
            assert app.refused == [f"producing to {topic}", f"deleting topic {topic}", "creating a topic",
                                   f"deleting topic {topic}"] + [f"resetting the offsets of group {group}"] * 5
            assert any("read-only" in n.message and "--allow-writes" in n.message for n in app._notifications)

    asyncio.run(run())
    assert topic in {t.name for t in DataSource({"bootstrap.servers": kafka["bootstrap"]}).topics()}


def test_produce_and_delete_with_allow_writes(kafka, new_topic):
    topic = new_topic(partitions=3)

    async def run():
        app = _app(kafka, allow_writes=True)
        async with app.run_test(size=SIZE) as pilot:
            await _open_topic(pilot, app, topic)
            await pilot.press("p")
            await until(pilot, lambda: type(app.screen).__name__ == "ProduceScreen", "produce form")
            form = app.screen
            await pilot.press(*"k1", "enter", *"hello", "enter", *"h=v", "enter", "2", "enter")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "confirmation")
            question = app.screen.question
            assert topic in question and "partition 2" in question and "'k1'" in question
            await pilot.press("y")
            await until(pilot, lambda: form.last is not None, "record acknowledged")
            assert (form.last.partition, form.last.offset) == (2, 0)
            assert "partition 2 offset 0" in str(form.query_one("#form-result").render())
            await pilot.press("escape")
            await until(pilot, lambda: type(app.screen).__name__ == "TopicScreen", "back on the topic")
            await pilot.press("d")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "delete confirmation")
            assert f"Delete topic {topic!r}" in app.screen.question and f"(on instance {kafka['instance']})" in app.screen.question
            await pilot.press("n")  # cancelled: nothing changes
            await until(pilot, lambda: type(app.screen).__name__ == "TopicScreen", "cancelled")

    asyncio.run(run())
    with ConsumerClient(bootstrap=kafka["bootstrap"]) as consumer:
        consumer.assign({(topic, 2): ConsumerClient.OFFSET_BEGINNING})
        records = poll_records(consumer, 1, timeout=20, max_records=10)
    assert records[0].key == b"k1" and records[0].value == b"hello" and records[0].headers == (("h", b"v"),)
    assert topic in {t.name for t in DataSource({"bootstrap.servers": kafka["bootstrap"]}).topics()}


def test_a_cluster_that_does_not_answer_shows_a_banner_then_recovers(kafka):
    async def run():
        app = _app(kafka, start="cluster", conf={"bootstrap.servers": "127.0.0.1:1"})
        app.data.timeout = 1.0
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            banner = screen.query_one("#banner")
            await until(pilot, lambda: banner.shown, "banner")
            assert "retrying" in str(banner.render())
            app.data.conf = {"bootstrap.servers": kafka["bootstrap"]}  # the cluster is back
            app.data.timeout = 10.0
            await pilot.press("r")
            await until(pilot, lambda: not banner.shown and screen.main_table.row_count == 1, "recovered")
            await pilot.press("q")
        assert app.return_code in (0, None)

    asyncio.run(run())


def _pane(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


@pytest.mark.parametrize("key", ["q", "C-c"])
def test_draws_in_a_real_terminal_under_tmux_and_restores_it(kafka, new_topic, key):
    topic = new_topic()
    session = f"kctl-ui-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, PYTHONPATH=os.getcwd(), TERM="xterm-256color")
    # After kctl ui the shell prints its exit code on the normal screen and waits: what the pane shows then
    # is the restored terminal, not the UI.
    command = f"{sys.executable} -m kctl -b {kafka['bootstrap']} ui; echo kctl-exited-$?; sleep 60"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], env=env, check=True)
    try:
        screen = wait_until(lambda: topic in (pane := _pane(session)) and pane, 90,
                            lambda: f"the topic on the screen:\n{_pane(session)}", interval=0.2)
        assert "partitions" in screen and "replication" in screen and "read-only" in screen
        subprocess.run(["tmux", "send-keys", "-t", session, key], check=True)
        screen = wait_until(lambda: "kctl-exited-" in (pane := _pane(session)) and pane, 60,
                            lambda: f"kctl exited:\n{_pane(session)}")
        assert "kctl-exited-0" in screen, screen
        assert topic not in screen and "read-only" not in screen  # the alternate screen is gone
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def _committed(kafka, group, topic):
    with ConsumerClient(bootstrap=kafka["bootstrap"], group_id=group) as consumer:
        return consumer.committed([(topic, 0)], timeout=10)[(topic, 0)]


async def _select_group(pilot, screen, group):
    await _filter(pilot, group)
    await until(pilot, lambda: [r[0] for r in _rows(screen.main_table)] == [group], "the group alone")


def test_group_resets_to_a_time_an_offset_and_by_a_shift(kafka, new_topic, unique_name):
    topic = new_topic()
    group = unique_name("g")
    old = int(time.time() * 1000) - 2 * 3600 * 1000  # two hours ago: before `-1h`
    _produce(kafka, topic, [ProducerRecord(topic, value=b"old", partition=0, timestamp_ms=old + i) for i in range(5)]
             + [ProducerRecord(topic, value=b"new", partition=0) for _ in range(5)])
    with ConsumerClient(bootstrap=kafka["bootstrap"], group_id=group) as consumer:
        consumer.commit({(topic, 0): 10}, timeout=10)  # caught up

    async def refused():
        app = _app(kafka, start="groups")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await _select_group(pilot, screen, group)
            await pilot.press("t")
            await pilot.pause(0.2)
            assert app.screen is screen and screen.query_one("#prompt").has_class("hidden")
            assert app.refused == [f"resetting the offsets of group {group}"]

    async def applied():
        app = _app(kafka, allow_writes=True, start="groups")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await _select_group(pilot, screen, group)
            for keys, question_has, committed in (
                (("t", *"-1h"), ["to-datetime -1h", f"{topic}:0 10→5", "5 record(s) read again"], 5),
                (("o", "3"), ["to-offset 3", f"{topic}:0 5→3"], 3),
                (("m", *"+1"), ["shift-by +1", f"{topic}:0 3→4", "1 record(s) skipped"], 4),
            ):
                await pilot.press(*keys, "enter")
                await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", f"confirmation of {keys}")
                question = app.screen.question
                assert f"Reset group {group!r}" in question and all(part in question for part in question_has), question
                await pilot.press("y")
                await until(pilot, lambda lag=str(10 - committed): _rows(screen.main_table)[0][3] == lag, f"lag after {keys}")
                assert _committed(kafka, group, topic) == committed
            await pilot.press("t", "x", "enter")  # a bad value: one error, no confirmation, nothing moved
            await until(pilot, lambda: any(n.severity == "error" for n in app._notifications), "the error")
            assert type(app.screen).__name__ == "GroupsScreen"

    asyncio.run(refused())
    assert _committed(kafka, group, topic) == 10
    asyncio.run(applied())
    assert _committed(kafka, group, topic) == 4


def test_groups_screen_shows_consume_rate_and_eta(kafka, new_topic, unique_name):
    topic = new_topic()
    group = unique_name("g")
    _produce(kafka, topic, [ProducerRecord(topic, value=b"x", partition=0) for _ in range(100)])
    with ConsumerClient(bootstrap=kafka["bootstrap"], group_id=group) as consumer:
        consumer.commit({(topic, 0): 0}, timeout=10)

    async def run():
        app = _app(kafka, start="groups")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await _select_group(pilot, screen, group)
            row = lambda: _rows(screen.main_table)[0]  # noqa: E731
            await until(pilot, lambda: row()[3] == "100", "lag 100")
            with ConsumerClient(bootstrap=kafka["bootstrap"], group_id=group) as consumer:
                consumer.commit({(topic, 0): 40}, timeout=10)
                await until(pilot, lambda: row()[3] == "60" and row()[5] != "", "a consume rate")
                assert float(row()[5]) > 0 and row()[6].endswith(" s")  # 60 left at that rate: an ETA
                consumer.commit({(topic, 0): 100}, timeout=10)
                await until(pilot, lambda: row()[6] == "caught up", "caught up")

    asyncio.run(run())


def test_topics_screen_marks_each_topic_with_its_health(kafka, new_topic, unique_name):
    healthy = new_topic(prefix="hm")
    # One broker, replication 1, min.insync.replicas 2: the ISR can never reach it.
    short = new_topic(prefix="hm", config={"min.insync.replicas": "2"})

    async def run():
        app = _app(kafka)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await until(pilot, lambda: screen.populated, "topics")
            await _filter(pilot, "hm-test_topics_screen_marks")

            def markers():
                return {r[0]: r[5] for r in _rows(screen.main_table)}

            await until(pilot, lambda: all(markers().get(t) for t in (healthy, short)), "markers")
            assert (markers()[healthy], markers()[short]) == ("ok", "under-min-ISR")

    asyncio.run(run())


def test_switches_instance_and_context_without_leaving(kafka, kafka3, new_topic, unique_name, tmp_path, monkeypatch):
    from kctl.tui.targets import UiTarget

    topic = new_topic()  # on instance 0 only
    context = unique_name("ctx")
    config = tmp_path / "config.yaml"
    config.write_text(f"contexts:\n  {context}:\n    bootstrap: {kafka['bootstrap']}\n")
    monkeypatch.setenv("KCTL_CONFIG", str(config))

    async def run():
        target = UiTarget(kafka["bootstrap"], kafka["instance"])
        app = KctlApp(DataSource({"bootstrap.servers": kafka["bootstrap"]}, 10.0, target.label), start="cluster",
                      target=target)
        async with app.run_test(size=SIZE) as pilot:
            brokers = lambda: app.screen.query_one("#brokers").row_count  # noqa: E731
            await until(pilot, lambda: brokers() == 1, "instance 0's broker")
            assert app.sub_title.startswith(f"instance {kafka['instance']} ·")
            await pilot.press("2")  # the topics mode, on instance 0
            await until(pilot, lambda: getattr(app.screen, "populated", False), "topics of instance 0")
            assert topic in {t.name for t in app.screen.summaries}

            await pilot.press("1", "t")
            await until(pilot, lambda: type(app.screen).__name__ == "TargetPicker", "the picker")
            labels = [t.label for t in app.screen.targets]
            assert labels[:2] == ["instance 0", "instance 1"] and labels[-1] == f"context {context} · {kafka['bootstrap']}"
            await pilot.press("down", "enter")  # from the current (instance 0) to instance 1
            await until(pilot, lambda: type(app.screen).__name__ == "ClusterScreen" and brokers() == 3,
                        "instance 1's three brokers")
            assert app.sub_title.startswith(f"instance {kafka3['instance']} ·")
            await pilot.press("2")  # the topics mode starts anew against instance 1
            await until(pilot, lambda: getattr(app.screen, "populated", False), "topics of instance 1")
            assert topic not in {t.name for t in app.screen.summaries}

            await pilot.press("1", "t")
            await until(pilot, lambda: type(app.screen).__name__ == "TargetPicker", "the picker again")
            await pilot.press("end", "enter")  # the context, last
            await until(pilot, lambda: type(app.screen).__name__ == "ClusterScreen" and brokers() == 1, "the context")
            assert app.sub_title.startswith(f"context {context} · ")
            await pilot.press("2")
            await until(pilot, lambda: getattr(app.screen, "populated", False), "topics of the context")
            assert topic in {t.name for t in app.screen.summaries}

    asyncio.run(run())
