"""`kctl consume --share-group`: the refused command lines, the option checks, the message for a
cluster without share groups, and which acknowledgement each record of a batch gets (no broker)."""

from __future__ import annotations

import os

import pytest

from kctl.errors import UsageError
from kctl.models import FeatureLevel
from kctl.models.records import ShareRecord
from kctl.outputs import make_output
from kctl.services.consume.options import parse_matches
from kctl.services.consume.share import ShareOptions, ShareSession, refusal
from kctl.services.consume.writer import WriteInterrupted
from tests.bad_input_table import NO_BROKER, USAGE, Table, one_error_line, run_bounded

T = Table()
case = T.case
SHARE = ["consume", "t", "--share-group", "g"]
for option, value in (("--from", "beginning"), ("--until", "end"), ("--partition", "0"), ("--group", "x"),
                      ("--commit", "sync"), ("--assignment", "range"), ("--group-protocol", "consumer"),
                      ("--assignor", "uniform"), ("--isolation", "read_uncommitted"), ("--pattern", "t.*")):
    case(f"share {option}", SHARE + [option, value], USAGE, says=option)
case("share two refused options named", SHARE + ["--from", "end", "-p", "1"], USAGE, says="--from, --partition")
case("share --ack bogus", SHARE + ["--ack", "maybe"], USAGE, says="maybe")
case("share --ack-on-skip bogus", SHARE + ["--ack-on-skip", "later"], USAGE, says="later")
case("--ack without --share-group", ["consume", "t", "--ack", "release"], USAGE, says="--ack needs --share-group")
case("--ack-on-skip without --share-group", ["consume", "t", "--ack-on-skip", "reject"], USAGE,
     says="--ack-on-skip needs --share-group")
case("share empty group", ["consume", "t", "--share-group", ""], USAGE)
case("share no topic", ["consume", "--share-group", "g"], USAGE, says="topic")
case("share -n 0", SHARE + ["-n", "0"], USAGE, says="--max-messages")
case("share bad --match", SHARE + ["--match", "value=("], USAGE, says="--match")
case("share bad --where", SHARE + ["--where", "value =="], USAGE)


@pytest.mark.parametrize("c", T, ids=lambda c: c.id)
def test_refused_share_command_lines(c, tmp_path):
    env = {"KCTL_CONFIG": os.devnull, "KCTL_STATE_DIR": str(tmp_path)}
    result = run_bounded(*c.argv, *NO_BROKER, env=env)
    one_error_line(result, c.code, c.says)


@pytest.mark.parametrize("change, says", [
    ({"topics": ()}, "topic"), ({"ack": "ignore"}, "--ack"), ({"ack_on_skip": "drop"}, "--ack-on-skip"),
    ({"max_messages": 0}, "--max-messages"), ({"idle_timeout": float("nan")}, "--idle-timeout"),
    ({"idle_timeout": 0}, "--idle-timeout"), ({"group": ""}, "--share-group"),
    ({"group": "g\udcff"}, "UTF-8"),
])
def test_share_options_refused(change, says):
    options = ShareOptions(**{"group": "g", "topics": ("t",), **change})
    with pytest.raises(UsageError, match=says.replace("-", r"\-")):
        options.validated()


def test_refusal_names_the_version_and_the_feature():
    assert refusal("4.3", FeatureLevel("share.version", 1, 0, 1)) is None
    not_known = refusal("3.9", None)
    assert "Kafka 3.9" in not_known.message and "share.version" in not_known.message
    assert "4.2" in not_known.hint
    off = refusal("4.1", FeatureLevel("share.version", None, 0, 1))
    assert "Kafka 4.1" in off.message and "share.version 0" in off.message
    assert "kctl cluster features upgrade share.version --level 1" in off.hint
    too_old_levels = refusal("4.0", FeatureLevel("share.version", None, 0, 0))
    assert "do not support share.version" in too_old_levels.message


class _Client:
    def __init__(self):
        self.acks = []

    def acknowledge(self, record, ack):
        self.acks.append((record.offset, ack))


class _Writer:
    """Accepts `room` bytes, then stops as an interrupted pipe write does."""

    def __init__(self, room=None):
        self.room, self.data = room, b""

    def write(self, data):
        if self.room is not None and len(data) > self.room:
            self.data += data[:self.room]
            raise WriteInterrupted(self.room)
        self.data += data


def _session(**options):
    opts = ShareOptions(**{"group": "g", "topics": ("t",), **options}).validated()
    session = ShareSession({}, opts, make_output("table", None, None, None, False), None, 5)
    session.client = _Client()
    return session


def _batch(*values):
    return [ShareRecord("t", 0, i, None, None, v.encode(), (), "create", delivery_count=1) for i, v in enumerate(values)]


def test_printed_records_get_ack_skipped_ones_ack_on_skip():
    session = _session(ack="reject", ack_on_skip="accept", matches=parse_matches(["value=^k"]))
    writer = _Writer()
    assert session.handle(_batch("k0", "d1", "k2"), writer) is False
    assert writer.data == b"k0\nk2\n"
    assert session.client.acks == [(0, "reject"), (2, "reject"), (1, "accept")]
    assert (session.written, session.skipped) == (2, 1)


def test_records_past_max_messages_are_released():
    session = _session(max_messages=2)
    writer = _Writer()
    assert session.handle(_batch("a", "b", "c", "d"), writer) is True
    assert writer.data == b"a\nb\n"
    assert session.client.acks == [(0, "accept"), (1, "accept"), (2, "release"), (3, "release")]


def test_records_not_wholly_written_are_released():
    session = _session()
    with pytest.raises(WriteInterrupted):
        session.handle(_batch("aa", "bb", "cc"), _Writer(room=4))  # "aa\nb": only the first is complete
    assert session.client.acks == [(0, "accept"), (1, "release"), (2, "release")]
    assert session.written == 1
