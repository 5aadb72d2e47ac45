"""Renderers of the transaction models: tables on a fixed-width console, JSON and YAML shapes."""

import io
import json

import yaml
from rich.console import Console

from kctl.models import (
    ActiveProducer, HangingReport, HangingTransaction, ItemResult, PartitionProducers, TransactionAbort,
    TransactionDetail, TransactionSummary,
)
from kctl.render import render
from kctl.render.blocks import to_rich
from kctl.render.blocks import duration_ms as _duration_ms, time_ms as _time_ms
from kctl.render.view import build_table

T = 1_714_564_800_250  # 2024-05-01T12:00:00.250Z
SUMMARIES = [TransactionSummary("pay-tx-0", 42, 3, "Ongoing", 1), TransactionSummary("pay-tx-1", 43, None, "Empty", 2)]
DETAIL = TransactionDetail("pay-tx-0", "Ongoing", 42, 3, 60000, T, 125_000, 1, {"orders": (0, 2), "audit": (1,)})
DONE = TransactionDetail("pay-tx-1", "CompleteCommit", 43, 0, 60000, None, None, 2, {})
PRODUCERS = [
    PartitionProducers("orders", 0, 1, (ActiveProducer(42, 3, 17, T, 5, 1200), ActiveProducer(44, 0, 9, T, -1, None))),
    PartitionProducers("orders", 1, 1, ()),
    PartitionProducers("orders", 2, 2, error="the partition has no leader", exit_code=6),
]
HANGING = HangingTransaction("orders", 0, 42, 3, 5, 1200, T, 7_500_000, None, None, "no transactional id has producer id 42 now")
REPORT = HangingReport(900_000, 3, 2, 1, (HANGING,), (ItemResult("orders:2", False, error="the partition has no leader",
                                                                 exit_code=6),))
ABORT = TransactionAbort("orders", 0, 42, 3, 5, 1200, aborted=True)


def _table(data, kind=None) -> str:
    out = io.StringIO()
    Console(file=out, width=300, color_system=None).print(to_rich(build_table(data, kind)))
    return out.getvalue()


def _rows(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line.strip() and not set(line.strip()) <= {"─"}]


def test_time_and_duration_formats():
    assert _time_ms(T) == "2024-05-01T12:00:00.250Z" and _time_ms(None) == "-"
    assert [_duration_ms(v) for v in (None, 850, 1234, 125_000, 7_500_000)] == ["-", "850ms", "1.2s", "2m05s", "2h05m"]


def test_list_table():
    rows = _rows(_table(SUMMARIES))
    assert rows[0] == ["TRANSACTIONAL-ID", "PRODUCER-ID", "EPOCH", "STATE", "COORDINATOR"]
    assert rows[1:] == [["pay-tx-0", "42", "3", "Ongoing", "1"], ["pay-tx-1", "43", "-", "Empty", "2"]]


def test_empty_list_table_has_headers():
    assert _rows(_table([], TransactionSummary)) == [["TRANSACTIONAL-ID", "PRODUCER-ID", "EPOCH", "STATE", "COORDINATOR"]]


def test_detail_table():
    rows = _rows(_table([DETAIL, DONE]))
    assert rows[1] == ["pay-tx-0", "Ongoing", "42", "3", "60000", "2024-05-01T12:00:00.250Z", "2m05s", "1",
                       "orders:0,2", "audit:1"]
    assert rows[2] == ["pay-tx-1", "CompleteCommit", "43", "0", "60000", "-", "-", "2", "-"]


def test_producers_table_shows_producers_empty_partitions_and_errors():
    rows = _rows(_table(PRODUCERS))
    assert rows[1] == ["orders", "0", "1", "42", "3", "17", "2024-05-01T12:00:00.250Z", "5", "1200"]
    assert rows[2] == ["orders", "0", "1", "44", "0", "9", "2024-05-01T12:00:00.250Z", "-1", "-"]
    assert rows[3] == ["orders", "1", "1", "-", "-", "-", "-", "-", "-"]
    assert rows[4] == ["orders", "2", "2", "the", "partition", "has", "no", "leader"]


def test_hanging_report_table():
    text = _table(REPORT)
    assert text.splitlines()[0] == ("1 hanging transaction(s): 3 partition(s) read, 2 open transaction(s), "
                                    "1 idle for more than 15m00s, 1 partition(s) unreadable")
    rows = _rows(text)
    assert rows[2][:9] == ["orders", "0", "42", "3", "5", "1200", "2024-05-01T12:00:00.250Z", "2h05m", "-"]
    assert " ".join(rows[2][9:]) == "no transactional id has producer id 42 now"
    assert rows[-1] == ["orders:2", "the", "partition", "has", "no", "leader"]


def test_empty_hanging_report_is_one_line():
    text = _table(HangingReport(0, 4, 1, 1))
    assert _rows(text) == [["0", "hanging", "transaction(s):", "4", "partition(s)", "read,", "1", "open",
                            "transaction(s),", "1", "idle", "for", "more", "than", "0ms"]]


def test_abort_table():
    rows = _rows(_table(ABORT))
    assert rows[1] == ["orders", "0", "42", "3", "5", "1200", "aborted"]


def _json(data):
    out = io.StringIO()
    render(data, "json", file=out)
    return json.loads(out.getvalue())


def test_json_shapes():
    assert _json(SUMMARIES)[1] == {"transactional_id": "pay-tx-1", "producer_id": 43, "producer_epoch": None,
                                   "state": "Empty", "coordinator": 2}
    assert _json([DETAIL])[0] == {
        "transactional_id": "pay-tx-0", "state": "Ongoing", "producer_id": 42, "producer_epoch": 3, "timeout_ms": 60000,
        "start_time_ms": T, "duration_ms": 125_000, "coordinator": 1, "partitions": {"orders": [0, 2], "audit": [1]},
    }
    p = _json(PRODUCERS)
    assert p[0]["producers"][0] == {"producer_id": 42, "producer_epoch": 3, "last_sequence": 17, "last_timestamp_ms": T,
                                    "coordinator_epoch": 5, "current_txn_start_offset": 1200}
    assert p[2] == {"topic": "orders", "partition": 2, "broker": 2, "producers": [],
                    "error": "the partition has no leader", "exit_code": 6}
    report = _json(REPORT)
    assert list(report) == ["max_age_ms", "partitions_checked", "open_transactions", "candidates", "hanging", "errors"]
    assert report["hanging"][0]["transactional_id"] is None and report["hanging"][0]["start_offset"] == 1200
    assert _json(ABORT) == {"topic": "orders", "partition": 0, "producer_id": 42, "producer_epoch": 3,
                            "coordinator_epoch": 5, "start_offset": 1200, "aborted": True}


def test_yaml_matches_json():
    out = io.StringIO()
    render(REPORT, "yaml", file=out)
    assert yaml.safe_load(out.getvalue()) == _json(REPORT)
