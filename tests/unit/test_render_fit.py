"""Tables on a terminal fit its width: least useful columns give way first, summaries are never cut;
`-o wide` shows every column whole."""

from __future__ import annotations

import io

import pytest

from kctl.models import GroupDetail, GroupMember, GroupPartitionOffset, GroupSummary, TopicSummary
from kctl.render import render
from kctl.render.blocks import fit, for_output, new_table, plain_text, shorten

MEMBER_ID = "rdkafka-3c5e2f4a-9b1d-4e2f-8a7b-1234567890ab"
TOPIC = "orders-with-a-long-name"
DETAIL = GroupDetail(
    "billing-group-of-the-team", "Stable", "Consumer", False, 0, "localhost:39092", "range",
    (GroupMember(MEMBER_ID, "billing-app-client", "/127.0.0.1", None, {TOPIC: (0, 1)}),),
    (GroupPartitionOffset(TOPIC, 0, 40, 45, 5, MEMBER_ID, "billing-app-client", "/127.0.0.1"),
     GroupPartitionOffset(TOPIC, 1, 7, 9, 2, MEMBER_ID, "billing-app-client", "/127.0.0.1")),
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _terminal(data, fmt="table", columns=80, monkeypatch=None) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    out = Terminal()
    render(data, fmt, file=out)
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())


def test_groups_describe_fits_80_columns_and_keeps_the_summary_whole(monkeypatch):
    text = _terminal([DETAIL], monkeypatch=monkeypatch)
    lines = text.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80, text
    # the summary wraps onto a second line, nothing of it is lost
    joined = " ".join(" ".join(lines[:3]).split())
    assert ("group billing-group-of-the-team: Stable, type Consumer, coordinator 0 (localhost:39092), strategy range, "
            "1 member(s), total lag 7, max time lag -") in joined
    headers = next(line for line in lines if "PARTITION" in line).split()
    assert headers[:6] == ["TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG", "TIME-LAG"]  # no header cut to "PARTI…"
    assert not any("…" in h for h in headers)
    assert sum(line.split()[:2] == [TOPIC, "0"] for line in lines) == 1  # the topic stays whole
    member_row = next(line for line in lines if "billing-app-client" in line)  # the members table
    assert MEMBER_ID not in member_row and member_row.split()[0] == shorten(MEMBER_ID, len(member_row.split()[0]))


def test_wide_shows_member_and_client_ids_whole(monkeypatch):
    text = _terminal([DETAIL], "wide", monkeypatch=monkeypatch)
    offsets_header = next(line for line in text.splitlines() if "PARTITION" in line).split()
    assert offsets_header == ["TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG", "TIME-LAG", "MEMBER", "HOST", "CLIENT-ID"]
    row = next(line for line in text.splitlines() if line.split()[:2] == [TOPIC, "0"])
    assert MEMBER_ID in row and "billing-app-client" in row and "…" not in text


def test_default_table_leaves_the_wide_columns_out_in_a_pipe_too():
    out = io.StringIO()
    render([DETAIL], "table", file=out)
    offsets_header = next(line for line in out.getvalue().splitlines() if "PARTITION" in line).split()
    assert offsets_header == ["TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG", "TIME-LAG", "HOST"]
    wide = io.StringIO()
    render([DETAIL], "wide", file=wide)
    assert MEMBER_ID in wide.getvalue() and "CLIENT-ID" in wide.getvalue()
    # piped output is never fitted: whole values, whatever the width
    assert MEMBER_ID in out.getvalue()  # (in the members table)


def test_a_table_that_fits_is_unchanged(monkeypatch):
    text = _terminal([GroupSummary("billing", "Stable", "Classic")], monkeypatch=monkeypatch)
    words = text.split()
    assert words[:3] == ["GROUP", "STATE", "TYPE"] and words[4:] == ["billing", "Stable", "Classic"]


def test_topics_list_gives_way_at_40_columns(monkeypatch):
    long = "t" * 60
    text = _terminal([TopicSummary(long, 3, 1)], columns=40, monkeypatch=monkeypatch)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 40, text
    assert "PARTITIONS" in text and "REPLICATION" in text and "…" in text


def test_fit_order_shortens_then_drops():
    table = new_table("ID", "NAME", "NOTE", give_way=("NOTE", "-NOTE", "ID"))
    table.add_row("x" * 30, "keep-me-whole", "n" * 30)
    assert fit(table, 200) is table
    fitted = fit(table, 40)  # shortening NOTE to 8 is not enough: NOTE goes, then ID is shortened
    assert fitted.columns == ("ID", "NAME") and fitted.rows[0][1] == "keep-me-whole"
    assert fitted.rows[0][0] == shorten("x" * 30, 22)
    assert len(plain_text([fitted]).splitlines()[1]) + 2 == 40
    only_drop = fit(table, 50)  # leaving NOTE out is enough: ID stays whole
    assert only_drop.columns == ("ID", "NAME") and only_drop.rows[0][0] == "x" * 30


@pytest.mark.parametrize("text, width, expected", [
    ("abcdefghij", 20, "abcdefghij"), ("abcdefghij", 5, "ab…ij"), ("abcdefghij", 6, "abc…ij"), ("abc", 1, "…"),
])
def test_shorten_elides_the_middle(text, width, expected):
    assert shorten(text, width) == expected


def test_for_output_keeps_every_column_with_wide():
    table = new_table("A", "B", wide=("B",))
    table.add_row("1", "2")
    assert for_output([table])[0].columns == ("A",)
    assert for_output([table], wide=True)[0].columns == ("A", "B")
