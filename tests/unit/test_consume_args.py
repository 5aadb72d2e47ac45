"""Parsing of `kctl consume` options (no broker)."""

from datetime import datetime

import pytest

from kctl.errors import UsageError
from kctl.parsing import parse_partitions, parse_time
from kctl.services import consume as svc
from tests.helpers import run_kctl

NOW = 1_795_687_200_000


@pytest.mark.parametrize(
    "text, expected",
    [
        ("beginning", svc.Position("beginning")),
        ("end", svc.Position("end")),
        ("stored", svc.Position("stored")),
        ("42", svc.Position("offset", 42)),
        ("-10", svc.Position("tail", 10)),
        ("@1795687200000", svc.Position("time", 1795687200000)),
        ("@2026-11-26T10:00:00Z", svc.Position("time", 1795687200000)),
        ("@2026-11-26T11:00:00+01:00", svc.Position("time", 1795687200000)),
        ("@-1h", svc.Position("time", NOW - 3_600_000)),
        ("@-30m", svc.Position("time", NOW - 1_800_000)),
        ("@-1.5s", svc.Position("time", NOW - 1500)),
        ("@-2d", svc.Position("time", NOW - 2 * 86_400_000)),
    ],
)
def test_parse_from(text, expected):
    assert svc.parse_from(text, now_ms=NOW) == expected


def test_naive_iso_time_is_local_time():
    expected = int(datetime(2026, 11, 26, 10, 0).astimezone().timestamp() * 1000)
    assert parse_time("2026-11-26T10:00:00", NOW) == expected


@pytest.mark.parametrize("text", ["somewhere", "@yesterday", "1.5", "-x", "@-1y"])
def test_parse_from_rejects(text):
    with pytest.raises(UsageError):
        svc.parse_from(text, now_ms=NOW)


def test_parse_until():
    assert svc.parse_until("end") == svc.Position("end")
    assert svc.parse_until("100") == svc.Position("offset", 100)
    assert svc.parse_until("@-1m", now_ms=NOW) == svc.Position("time", NOW - 60_000)
    assert svc.parse_until(None) is None
    with pytest.raises(UsageError):
        svc.parse_until("-5")


def test_parse_partitions():
    assert parse_partitions(["0,2", "5", "2"]) == (0, 2, 5)
    assert parse_partitions(None) is None
    with pytest.raises(UsageError):
        parse_partitions(["a"])


def test_parse_matches_and_apply():
    from tests.unit.messages import Msg

    rules = svc.parse_matches(["key=^id", "value=ok$", "header.trace=^t-"])
    assert [r.field for r in rules] == ["key", "value", "header"]
    assert svc.matches(Msg(key=b"id7", value=b"is ok", headers=[("trace", b"t-1")]), rules)
    assert not svc.matches(Msg(key=b"id7", value=b"is ok", headers=[("other", b"t-1")]), rules)
    assert not svc.matches(Msg(key=None, value=b"is ok", headers=[("trace", b"t-1")]), rules)
    with pytest.raises(UsageError):
        svc.parse_matches(["offset=1"])
    with pytest.raises(UsageError):
        svc.parse_matches(["value=("])


def test_option_combinations():
    with pytest.raises(UsageError):
        svc.ConsumeOptions().validated()
    with pytest.raises(UsageError):
        svc.ConsumeOptions(topics=("t",), commit="sync").validated()
    with pytest.raises(UsageError):
        svc.ConsumeOptions(topics=("t",), start=svc.Position("stored")).validated()
    with pytest.raises(UsageError):
        svc.ConsumeOptions(topics=("t",), group="g", partitions=(0,)).validated()
    assert svc.ConsumeOptions(topics=("t",)).validated().commit == "none"
    assert svc.ConsumeOptions(topics=("t",)).validated().start == svc.Position("beginning")
    grouped = svc.ConsumeOptions(topics=("t",), group="g").validated()
    assert (grouped.commit, grouped.start) == ("after-write", svc.Position("stored"))


def test_consumer_conf_commit_semantics():
    base = {"bootstrap.servers": "x:1", "fetch.queue.backoff.ms": "50"}
    plain = svc.consumer_conf(base, svc.ConsumeOptions(topics=("t",)).validated())
    assert plain["enable.auto.commit"] is False and plain["group.id"].startswith("kctl-consume-")
    assert plain["fetch.queue.backoff.ms"] == "50"  # -X wins over kctl's defaults
    after = svc.consumer_conf(base, svc.ConsumeOptions(topics=("t",), group="g", assignment="roundrobin").validated())
    assert (after["enable.auto.commit"], after["enable.auto.offset.store"]) == (True, False)
    assert after["partition.assignment.strategy"] == "roundrobin" and after["group.id"] == "g"
    sync = svc.consumer_conf(base, svc.ConsumeOptions(topics=("t",), group="g", commit="sync",
                                                      until=svc.Position("end")).validated())
    assert sync["enable.auto.commit"] is False and sync["enable.partition.eof"] is True


def test_cli_usage_errors_exit_2():
    result = run_kctl("consume", "t", "--from", "nowhere")
    assert result.code == 2 and result.stderr.startswith("kctl: error: --from: cannot read")
    result = run_kctl("consume", "t", "--commit", "sync")
    assert result.code == 2 and "needs --group" in result.stderr
    result = run_kctl("consume")
    assert result.code == 2


def test_the_summary_line_names_records_partitions_and_the_reason():
    from kctl.cli.consume import summary_line
    from kctl.models import ConsumeSummary

    line = summary_line(ConsumeSummary(messages=1200, bytes=10, skipped=0, reason="end", duration_ms=1234, partitions=3))
    assert line == "1,200 records from 3 partitions in 1.2s (end reached)"
    line = summary_line(ConsumeSummary(messages=1, bytes=1, skipped=4, reason="interrupted", duration_ms=50, group="audit",
                                       partitions=1))
    assert line == "1 record from 1 partition, 4 skipped by --match, group audit in 0.1s (interrupted)"
    for reason, said in (("max_messages", "max messages reached"), ("idle", "idle timeout"), ("until", "--until reached")):
        assert summary_line(ConsumeSummary(0, 0, 0, reason, 0)).endswith(f"({said})")
