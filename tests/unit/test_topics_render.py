"""Renderers of the topics/cluster models: tables on a fixed-width console, JSON and YAML shapes."""

import io
import json

import yaml
from rich.console import Console

from kctl.models import (
    BrokerInfo, ClusterInfo, ItemResult, OperationResult, PartitionDetail, TopicDetail,
)
from kctl.render import render
from kctl.render.blocks import to_rich
from kctl.render.view import build_table

DETAIL = TopicDetail(
    name="orders",
    topic_id="ln_cE6-uRnm84wxBDicKOA",
    internal=False,
    partitions=(
        PartitionDetail(0, 1, (1, 2, 3), (1, 2, 3), 0, 10, 10, 700),
        PartitionDetail(1, 2, (2, 3, 1), (2, 3), 5, 7, 2, 140),
    ),
    configs={"retention.ms": "60000", "min.insync.replicas": "2"},
    size_bytes=840,
    config_sources={"retention.ms": "topic", "min.insync.replicas": "broker-default"},
)

RESULT = OperationResult(
    "create",
    (
        ItemResult("orders", True, "created: partitions=6 replication=3"),
        ItemResult("bad name!", False, error="Topic name is invalid", exit_code=2),
    ),
)


def _text(data, kind=None) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=120, color_system=None, highlight=False).print(to_rich(build_table(data, kind)))
    return buffer.getvalue()


def _line_with(text: str, needle: str) -> str:
    lines = [line for line in text.splitlines() if needle in line]
    assert len(lines) == 1, (needle, text)
    return lines[0]


def test_operation_table_has_one_row_per_item_with_status():
    text = _text(RESULT)
    assert _line_with(text, "orders").split() == ["orders", "ok", "created:", "partitions=6", "replication=3"]
    bad = _line_with(text, "bad name!")
    assert "failed" in bad and "Topic name is invalid" in bad
    assert "dry run" not in text


def test_operation_table_title_says_dry_run():
    text = _text(OperationResult("create", RESULT.items[:1], dry_run=True))
    assert text.lstrip().startswith("create (dry run)")


def test_topic_detail_table_shows_partitions_configs_and_sources():
    text = _text([DETAIL], TopicDetail)
    assert "orders: 2 partitions, replication 3, 12 messages, 840 bytes" in text
    assert _line_with(text, "700").split() == ["0", "1", "1,2,3", "1,2,3", "0", "10", "10", "700"]
    assert _line_with(text, "140").split() == ["1", "2", "2,3,1", "2,3", "5", "7", "2", "140"]
    assert _line_with(text, "retention.ms").split() == ["retention.ms", "60000", "topic"]
    assert _line_with(text, "min.insync.replicas").split() == ["min.insync.replicas", "2", "broker-default"]


def test_topic_detail_table_without_size_or_watermarks_shows_dashes():
    bare = TopicDetail("t", None, False, (PartitionDetail(0, None, (1,), ()),))
    text = _text([bare], TopicDetail)
    assert "t: 1 partitions, replication 1, - messages" in text and "bytes" not in text
    assert _line_with(text, "0 ").split() == ["0", "-", "1", "-", "-", "-", "-"]
    assert "CONFIG" not in text


def test_cluster_table_marks_the_controller():
    info = ClusterInfo("abc", 2, (BrokerInfo(1, "h1", 9192), BrokerInfo(2, "h2", 9202, True)), 7)
    text = _text(info)
    assert "cluster abc" in text
    assert _line_with(text, "h2").split() == ["2", "h2", "9202", "yes"]
    assert _line_with(text, "h1").split() == ["1", "h1", "9192"]


def test_topic_detail_json_shape():
    out = io.StringIO()
    render([DETAIL], "json", file=out)
    data = json.loads(out.getvalue())
    assert list(data[0]) == [
        "name", "topic_id", "internal", "partitions", "configs", "size_bytes", "config_sources", "size_note",
        "configs_note", "replication_factor", "messages",
    ]
    assert data[0]["partitions"][1] == {
        "partition": 1, "leader": 2, "replicas": [2, 3, 1], "isr": [2, 3],
        "low_watermark": 5, "high_watermark": 7, "messages": 2, "size_bytes": 140,
    }
    assert data[0]["replication_factor"] == 3 and data[0]["messages"] == 12
    assert data[0]["config_sources"]["retention.ms"] == "topic" and data[0]["configs_note"] is None


def test_topic_detail_table_says_configs_are_unknown_instead_of_showing_none():
    import dataclasses

    unknown = dataclasses.replace(DETAIL, configs={}, config_sources={}, configs_note="unknown: not authorized")
    out = io.StringIO()
    render([unknown], "table", file=out)
    assert "configs: unknown: not authorized" in out.getvalue() and "CONFIG" not in out.getvalue()


def test_operation_result_json_and_yaml_shapes_agree():
    out = io.StringIO()
    render(RESULT, "json", file=out)
    as_json = json.loads(out.getvalue())
    assert as_json == {
        "operation": "create",
        "items": [
            {"name": "orders", "ok": True, "detail": "created: partitions=6 replication=3", "error": None, "exit_code": 0},
            {"name": "bad name!", "ok": False, "detail": "", "error": "Topic name is invalid", "exit_code": 2},
        ],
        "dry_run": False,
    }
    out = io.StringIO()
    render(RESULT, "yaml", file=out)
    assert yaml.safe_load(out.getvalue()) == as_json


def test_cluster_json_shape():
    out = io.StringIO()
    render(ClusterInfo("abc", 1, (BrokerInfo(1, "h", 9092, True),), 3), "json", file=out)
    assert json.loads(out.getvalue()) == {
        "cluster_id": "abc", "controller_id": 1,
        "brokers": [{"id": 1, "host": "h", "port": 9092, "is_controller": True}], "topic_count": 3,
    }
