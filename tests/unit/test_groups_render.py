"""Renderers of the consumer group models: tables on a fixed-width console, JSON and YAML shapes."""

import io
import json

import yaml
from rich.console import Console

from kctl.models import GroupDetail, GroupMember, GroupPartitionOffset, GroupSummary, OffsetReset, OffsetResetResult
from kctl.render import render
from kctl.render.blocks import to_rich
from kctl.render.view import build_table

MEMBER = GroupMember("consumer-1-abc", "billing-app", "/10.0.0.7", None, {"orders": (0, 1)})
DETAIL = GroupDetail(
    group_id="billing",
    state="Stable",
    type="Classic",
    simple=False,
    coordinator=2,
    coordinator_host="kafka-2:9092",
    assignment_strategy="range",
    members=(MEMBER,),
    offsets=(
        GroupPartitionOffset("orders", 0, 40, 45, 5, "consumer-1-abc", "billing-app", "/10.0.0.7"),
        GroupPartitionOffset("orders", 1, None, 12, None, "consumer-1-abc", "billing-app", "/10.0.0.7"),
        GroupPartitionOffset("payments", 0, 7, 10, 3),
    ),
)
EMPTY = GroupDetail("idle", "Empty", "Consumer", False, None, None, None, (), ())
PLAN = OffsetResetResult(
    group_id="billing",
    strategy="to-offset 100",
    executed=False,
    partitions=(
        OffsetReset("orders", 0, 40, 45, detail="clamped: 100 is past the log end"),
        OffsetReset("orders", 1, None, None, ok=False, error="no committed offset to shift", exit_code=2),
    ),
)


def _text(data, kind=None) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=160, color_system=None, highlight=False).print(to_rich(build_table(data, kind)))
    return buffer.getvalue()


def _line_with(text: str, *needles: str) -> str:
    lines = [line for line in text.splitlines() if all(n in line for n in needles)]
    assert len(lines) == 1, (needles, text)
    return lines[0]


def _json(data) -> object:
    buffer = io.StringIO()
    render(data, "json", file=buffer)
    return json.loads(buffer.getvalue())


def test_group_list_table():
    text = _text([GroupSummary("billing", "Stable", "Classic"), GroupSummary("offsets-only", "Empty", "Classic", simple=True)])
    assert text.split()[:3] == ["GROUP", "STATE", "TYPE"]
    assert _line_with(text, "billing").split() == ["billing", "Stable", "Classic"]
    assert _line_with(text, "offsets-only").split() == ["offsets-only", "Empty", "Classic", "(simple)"]


def test_empty_group_list_has_a_header():
    assert "GROUP" in _text([], GroupSummary)


def test_group_detail_table_heading_offsets_and_members():
    text = _text([DETAIL])
    heading = _line_with(text, "group billing:")
    assert "Stable" in heading and "coordinator 2 (kafka-2:9092)" in heading and "strategy range" in heading
    assert "1 member(s)" in heading and "total lag 8" in heading
    assert _line_with(text, "orders", " 0 ", "40").split() == ["orders", "0", "40", "45", "5", "-", "consumer-1-abc", "/10.0.0.7", "billing-app"]
    # Nothing committed: committed and lag are shown as '-'.
    assert _line_with(text, "orders", " 1 ", "12").split()[:5] == ["orders", "1", "-", "12", "-"]
    assert _line_with(text, "payments", " 7 ").split() == ["payments", "0", "7", "10", "3", "-", "-", "-", "-"]
    # The per-topic rollup: partitions, summed lag, max time lag.
    assert _line_with(text, "payments", " 1 ", " 3 ").split() == ["payments", "1", "3", "-"]
    assert _line_with(text, "orders", " 2 ", " 5 ").split() == ["orders", "2", "5", "-"]
    assert _line_with(text, "billing-app", "orders:0,1").split() == ["consumer-1-abc", "billing-app", "/10.0.0.7", "-", "orders:0,1"]


def test_group_detail_without_members_or_coordinator():
    text = _text(EMPTY)
    assert "coordinator -" in text and "0 member(s)" in text and "total lag -" in text
    assert "CLIENT-ID" in text and "INSTANCE-ID" not in text  # no members table


def test_group_detail_json_shape():
    (data,) = _json([DETAIL])
    assert list(data) == ["group_id", "state", "type", "simple", "coordinator", "coordinator_host", "assignment_strategy",
                          "members", "offsets", "measured_at_ms", "group_epoch", "assignment_epoch", "total_lag",
                          "max_time_lag_ms", "topics"]
    assert data["group_epoch"] is None and data["assignment_epoch"] is None  # a classic group
    assert data["total_lag"] == 8
    assert data["members"] == [{"member_id": "consumer-1-abc", "client_id": "billing-app", "host": "/10.0.0.7",
                                "group_instance_id": None, "assignment": {"orders": [0, 1]},
                                "target_assignment": None, "member_epoch": None}]
    assert data["offsets"][1] == {"topic": "orders", "partition": 1, "committed_offset": None, "log_end_offset": 12,
                                  "lag": None, "member_id": "consumer-1-abc", "client_id": "billing-app", "host": "/10.0.0.7",
                                  "time_lag_ms": None, "next_timestamp_ms": None, "start_offset": None}
    assert _json(EMPTY)["total_lag"] is None


KIP848 = GroupDetail(
    "orders-app", "Reconciling", "Consumer", False, 1, "b1:9092", "uniform",
    (GroupMember("m-1", "app", "/10.0.0.8", None, {"orders": (0, 1)}, {"orders": (0,)}, 6),
     GroupMember("m-2", "app", "/10.0.0.9", None, {}, {"orders": (1,)}, 7)),
    (), group_epoch=7, assignment_epoch=7)


def test_a_consumer_protocol_group_shows_epochs_and_targets():
    text = _text(KIP848)
    assert "group epoch 7, assignment epoch 7" in " ".join(text.split())  # the heading may wrap
    assert "EPOCH" in text and "TARGET" in text
    assert _line_with(text, "m-1").split() == ["m-1", "app", "/10.0.0.8", "-", "6", "orders:0,1", "orders:0"]
    assert _line_with(text, "m-2").split() == ["m-2", "app", "/10.0.0.9", "-", "7", "-", "orders:1"]
    (data,) = _json([KIP848])
    assert data["members"][0]["target_assignment"] == {"orders": [0]} and data["members"][0]["member_epoch"] == 6
    assert (data["group_epoch"], data["assignment_epoch"]) == (7, 7)
    assert "EPOCH" not in _text(DETAIL)  # a classic group's members table is as before


SHARE = GroupDetail(
    "workers", "Stable", "Share", False, None, None, "simple",
    (GroupMember("m-1", "rdkafka", "/10.0.0.8", None, {"jobs": (0, 1)}, None, 3),),
    (GroupPartitionOffset("jobs", 0, None, None, 0, start_offset=4000),
     GroupPartitionOffset("jobs", 1, None, None, 12, start_offset=3988)),
    group_epoch=3, assignment_epoch=3)


def test_a_share_group_shows_start_offsets_instead_of_committed_ones():
    text = _text(SHARE)
    assert "type Share" in text and "total lag 12" in " ".join(text.split())
    assert "START" in text and "COMMITTED" not in text
    assert _line_with(text, "jobs", "3988").split()[:5] == ["jobs", "1", "3988", "-", "12"]
    assert "COMMITTED" in _text(DETAIL) and "START" not in _text(DETAIL)
    (data,) = _json([SHARE])
    assert [(o["start_offset"], o["committed_offset"], o["lag"]) for o in data["offsets"]] == [(4000, None, 0),
                                                                                              (3988, None, 12)]


def test_group_detail_yaml_matches_json():
    buffer = io.StringIO()
    render([DETAIL], "yaml", file=buffer)
    assert yaml.safe_load(buffer.getvalue()) == _json([DETAIL])


def test_reset_table_dry_run():
    text = _text(PLAN)
    assert "reset offsets of billing to-offset 100 (plan: nothing changed, --yes/--execute applies it)" in text
    assert _line_with(text, "clamped").split() == ["orders", "0", "40", "45", "-", "-", "-", "-", "ok", "clamped:", "100",
                                                   "is", "past", "the", "log", "end"]
    assert _line_with(text, "no committed offset").split()[:9] == ["orders", "1", "-", "-", "-", "-", "-", "-", "failed"]
    assert "total: 0 record(s) re-read" in text and "SKIPPED:" not in text


def test_reset_table_totals_and_highlights_skipping():
    from kctl.models import OffsetReset

    rows = (OffsetReset("orders", 0, 40, 30, reread=10, from_timestamp_ms=1_700_000_000_000, to_timestamp_ms=1_700_000_009_000),
            OffsetReset("orders", 1, 5, 12, skipped=7, from_timestamp_ms=1_700_000_001_000, to_timestamp_ms=1_700_000_020_000))
    result = OffsetResetResult("g", "from-file f.csv", False, rows)
    text = _text(result)
    assert _line_with(text, "orders", " 0 ").split()[:8] == ["orders", "0", "40", "30", "10", "-", "2023-11-14T22:13:20.000Z",
                                                           "2023-11-14T22:13:29.000Z"]
    assert "total: 10 record(s) re-read, records from 2023-11-14T22:13:20.000Z to 2023-11-14T22:13:40.000Z" in text
    assert "SKIPPED: 7 record(s) will never be consumed by this group" in text
    data = _json(result)
    assert (data["records_reread"], data["records_skipped"]) == (10, 7)
    assert (data["from_timestamp_ms"], data["to_timestamp_ms"]) == (1_700_000_000_000, 1_700_000_020_000)


def test_reset_table_says_executed_or_that_members_block_it():
    executed = OffsetResetResult("g", "to-earliest", True, PLAN.partitions[:1])
    assert "(executed)" in _text(executed)
    blocked = OffsetResetResult("g", "to-earliest", False, PLAN.partitions[:1], active_members=2)
    assert "2 active member(s): applying it would be refused" in _text(blocked)


def test_reset_json_shape():
    data = _json(PLAN)
    assert list(data) == ["group_id", "strategy", "executed", "partitions", "active_members", "snapshot_id",
                          "records_reread", "records_skipped", "from_timestamp_ms", "to_timestamp_ms"]
    assert data["partitions"][0] == {"topic": "orders", "partition": 0, "current_offset": 40, "new_offset": 45, "ok": True,
                                     "detail": "clamped: 100 is past the log end", "error": None, "exit_code": 0,
                                     "reread": None, "skipped": None, "from_timestamp_ms": None, "to_timestamp_ms": None,
                                     "delete": False}


def test_group_names_with_markup_are_shown_verbatim():
    text = _text([GroupSummary("[bold]x[/bold]", "Empty", "Classic")])
    assert "[bold]x[/bold]" in text
