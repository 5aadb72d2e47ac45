"""Pure logic of `kctl groups`: reset strategies and offset planning, option parsing, failure exit codes."""

from datetime import datetime, timezone

import pytest

from kctl.errors import ExitCode, UsageError
from kctl.models import GroupDescribeResult, GroupDetail, ItemResult, OffsetReset, OffsetResetResult, OperationResult
from kctl.parsing import parse_choice, parse_time, parse_topic_partitions
from kctl.errors import NotFoundError
from kctl.services import groups
from kctl.services.groups import ResetStrategy, new_offset, parse_strategy
from tests.helpers import run_kctl

# ------------------------------------------------------------------------------------------- strategies


def test_parse_strategy_each_option():
    assert parse_strategy(to_earliest=True) == ResetStrategy("earliest", None, "to-earliest")
    assert parse_strategy(to_latest=True) == ResetStrategy("latest", None, "to-latest")
    assert parse_strategy(to_offset=0) == ResetStrategy("offset", 0, "to-offset 0")
    assert parse_strategy(shift_by=-3) == ResetStrategy("shift", -3, "shift-by -3")
    assert parse_strategy(shift_by=3).label == "shift-by +3"
    assert parse_strategy(to_datetime="1700000000000") == ResetStrategy("datetime", 1_700_000_000_000, "to-datetime 1700000000000")


@pytest.mark.parametrize("kwargs", [{}, {"to_earliest": True, "to_latest": True}, {"to_offset": 1, "shift_by": 1}])
def test_parse_strategy_needs_exactly_one(kwargs):
    with pytest.raises(UsageError, match="exactly one of"):
        parse_strategy(**kwargs)


def test_parse_strategy_rejects_a_negative_offset():
    with pytest.raises(UsageError, match="--to-offset must be 0 or more"):
        parse_strategy(to_offset=-1)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023-11-14T22:13:20Z", 1_700_000_000_000),
        ("2023-11-14T22:13:20.250z", 1_700_000_000_250),
        ("2023-11-15T00:13:20+02:00", 1_700_000_000_000),
        ("1700000000000", 1_700_000_000_000),
    ],
)
def test_parse_datetime(text, expected):
    assert parse_time(text, option="--to-datetime") == expected


def test_parse_datetime_without_zone_is_local_time():
    local = datetime(2024, 5, 1, 12, 0, 0).astimezone()
    assert parse_time("2024-05-01T12:00:00") == int(local.timestamp() * 1000)
    assert parse_time("2024-05-01") == int(datetime(2024, 5, 1).astimezone().timestamp() * 1000)


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "", "12:00"])
def test_parse_datetime_rejects_garbage(text):
    with pytest.raises(UsageError, match="--to-datetime: cannot read time"):
        parse_strategy(to_datetime=text)


# ------------------------------------------------------------------------------------------- planning
# A partition whose log runs from offset 10 (log start) to 50 (log end), committed at 30.

LOW, HIGH, CURRENT = 10, 50, 30


@pytest.mark.parametrize(
    "strategy, current, at_time, expected",
    [
        (ResetStrategy("earliest"), CURRENT, None, (10, "")),
        (ResetStrategy("latest"), CURRENT, None, (50, "")),
        (ResetStrategy("earliest"), None, None, (10, "")),  # no committed offset needed
        (ResetStrategy("offset", 20), CURRENT, None, (20, "")),
        (ResetStrategy("offset", 10), CURRENT, None, (10, "")),
        (ResetStrategy("offset", 50), CURRENT, None, (50, "")),
        (ResetStrategy("offset", 3), CURRENT, None, (10, "clamped: 3 is before the log start")),
        (ResetStrategy("offset", 99), None, None, (50, "clamped: 99 is past the log end")),
        (ResetStrategy("shift", -5), CURRENT, None, (25, "")),
        (ResetStrategy("shift", 5), CURRENT, None, (35, "")),
        (ResetStrategy("shift", -25), CURRENT, None, (10, "clamped: 5 is before the log start")),
        (ResetStrategy("shift", 100), CURRENT, None, (50, "clamped: 130 is past the log end")),
        (ResetStrategy("datetime", 1), CURRENT, 42, (42, "")),
        (ResetStrategy("datetime", 1), None, 42, (42, "")),
        (ResetStrategy("current"), CURRENT, None, (30, "")),
    ],
)
def test_new_offset(strategy, current, at_time, expected):
    assert new_offset(strategy, current, LOW, HIGH, at_time) == expected


@pytest.mark.parametrize("kind", ["file", "group", "snapshot"])
def test_new_offset_from_a_source_is_kept_within_the_log(kind):
    strategy = ResetStrategy(kind, source="x")
    assert new_offset(strategy, CURRENT, LOW, HIGH, target=20) == (20, "")
    assert new_offset(strategy, CURRENT, LOW, HIGH, target=5) == (10, "clamped: 5 is before the log start")
    with pytest.raises(NotFoundError):
        new_offset(strategy, CURRENT, LOW, HIGH, target=None)  # the partition is not in the source


def test_a_time_after_the_last_record_is_the_log_end():
    # As kafka-consumer-groups resolves it; an empty partition (start = end) has no other position.
    assert new_offset(ResetStrategy("datetime", 1), CURRENT, LOW, HIGH, None) == (
        HIGH, "no record at or after 1970-01-01T00:00:00.001Z: the log end")
    assert new_offset(ResetStrategy("datetime", 1), CURRENT, HIGH, HIGH, None) == (HIGH, "")


def test_missing_targets_are_not_found():
    with pytest.raises(NotFoundError, match="no committed offset"):
        new_offset(ResetStrategy("current"), None, LOW, HIGH)


def test_parse_strategy_new_targets():
    import time

    by = parse_strategy(by_duration="-1h")
    assert by.kind == "datetime" and abs(by.value - (time.time() * 1000 - 3_600_000)) < 60_000
    assert parse_strategy(by_duration="PT30M").label == "by-duration PT30M"
    assert parse_strategy(to_current=True) == ResetStrategy("current", None, "to-current")
    assert parse_strategy(from_file="f.csv") == ResetStrategy("file", None, "from-file f.csv", "f.csv")
    assert parse_strategy(to_group="other") == ResetStrategy("group", None, "to-group other", "other")
    with pytest.raises(UsageError, match="--by-duration"):
        parse_strategy(by_duration="soon")
    with pytest.raises(UsageError, match="exactly one of"):
        parse_strategy(to_group="a", to_current=True)


def test_shift_needs_a_committed_offset():
    with pytest.raises(UsageError, match="no committed offset to shift"):
        new_offset(ResetStrategy("shift", -1), None, LOW, HIGH)


def test_empty_partition_goes_to_its_only_offset():
    assert new_offset(ResetStrategy("offset", 7), None, 0, 0) == (0, "clamped: 7 is past the log end")
    assert new_offset(ResetStrategy("shift", -3), 0, 0, 0) == (0, "clamped: -3 is before the log start")


# ------------------------------------------------------------------------------------------- --topic and --state


def test_parse_topic_partitions():
    assert parse_topic_partitions(["orders", "pay:2,0", "pay:1", "orders:3"]) == {"orders": None, "pay": (0, 1, 2)}
    assert parse_topic_partitions([]) == {}


@pytest.mark.parametrize("value", ["orders:", "orders:a", "orders:-1", ":1", "orders:1,x"])
def test_parse_topic_partitions_rejects(value):
    with pytest.raises(UsageError, match="--topic expects"):
        parse_topic_partitions([value])


@pytest.mark.parametrize(
    "value, expected",
    [("stable", "Stable"), ("EMPTY", "Empty"), ("preparing_rebalance", "PreparingRebalance"),
     ("PREPARING_REBALANCING", "PreparingRebalance"), ("completing-rebalance", "CompletingRebalance")],
)
def test_state_names(value, expected):
    assert parse_choice(value, groups.STATES, "--state", groups._STATE_ALIASES) == expected


def test_unknown_state_is_a_usage_error():
    with pytest.raises(UsageError, match="--state must be one of Stable, Empty"):
        parse_choice("asleep", groups.STATES, "--state")


# ------------------------------------------------------------------------------------------- failures


def _row(name, ok, error=None, code=0):
    return ItemResult(name, ok, "deleted" if ok else "", error, code)


def test_delete_failure_codes():
    assert groups.failure(OperationResult("delete", (_row("a", True),))) is None
    partial = groups.failure(OperationResult("delete", (_row("a", True), _row("b", False, "the group has active members", 2))))
    assert partial.exit_code == ExitCode.PARTIAL and "stop the group's consumers" in partial.hint
    missing = groups.failure(OperationResult("delete", (_row("a", False, "the group does not exist", 4),)))
    assert missing.exit_code == ExitCode.NOT_FOUND and "kctl groups list" in missing.hint


def test_reset_failure_says_nothing_changed_when_not_executed():
    rows = (OffsetReset("t", 0, 3, 2), OffsetReset("t", 1, None, None, ok=False, error="no committed offset to shift", exit_code=2))
    error = groups.failure(OffsetResetResult("g", "shift-by -1", False, rows))
    assert error.exit_code == ExitCode.PARTIAL and "nothing was changed" in error.hint
    assert groups.failure(OffsetResetResult("g", "to-earliest", True, rows[:1])) is None


def test_describe_failure_is_4_when_every_group_is_missing_and_5_when_some_are():
    detail = GroupDetail("a", "Empty", "Classic", False, 1, "h:1", None, (), ())
    missing = (_row("b", False, "group 'b' does not exist", 4),)
    assert groups.describe_failure(GroupDescribeResult((), missing)).exit_code == ExitCode.NOT_FOUND
    assert groups.describe_failure(GroupDescribeResult((detail,), missing)).exit_code == ExitCode.PARTIAL
    assert groups.describe_failure(GroupDescribeResult((detail,))) is None


# ------------------------------------------------------------------------------------------- usage errors (no broker needed)


@pytest.mark.parametrize(
    "args, message",
    [
        (["groups", "reset-offsets", "g", "--topic", "t"], "give exactly one of --to-earliest"),
        (["groups", "reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-latest"], "--to-earliest and --to-latest"),
        (["groups", "reset-offsets", "g", "--topic", "t", "--to-earliest", "--dry-run", "--execute"], "not both"),
        (["groups", "reset-offsets", "g", "--topic", "t", "--to-datetime", "soon"], "ISO 8601"),
        (["groups", "reset-offsets", "g", "--topic", "t:x", "--to-earliest"], "--topic expects"),
    ],
)
def test_usage_errors_exit_2_before_connecting(args, message):
    result = run_kctl(*args, "-b", "127.0.0.1:1", "--timeout", "1")
    assert result.code == 2, result
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_shift_by_takes_a_negative_value():
    # --shift-by -2 must be read as the value, not as an unknown option: the failure is the (unreachable) broker.
    result = run_kctl("groups", "reset-offsets", "g", "--topic", "t", "--shift-by", "-2", "-b", "127.0.0.1:1", "--timeout", "1")
    assert result.code == 6, result


def test_reset_needs_topics_or_all_topics():
    with pytest.raises(UsageError, match="--all-topics"):
        groups.reset_offsets({}, 1, "g", {}, ResetStrategy("earliest"))
    with pytest.raises(UsageError, match="--all-topics"):
        groups.reset_offsets({}, 1, "g", {"t": None}, ResetStrategy("earliest"), all_topics=True)


def test_iso_timestamp_helper_matches_python():
    moment = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert parse_time(moment.isoformat()) == int(moment.timestamp() * 1000)


class _Admin:
    """What _apply asks of an AdminClient: the moves are accepted, the deletes as given."""

    def __init__(self, delete):
        self.delete = delete

    def alter_group_offsets(self, group, moves, deadline):
        return {key: None for key in moves}

    def delete_group_offsets(self, group, partitions, deadline):
        if isinstance(self.delete, Exception):
            raise self.delete
        return self.delete


@pytest.mark.parametrize("delete", [
    UsageError("the group has active members"),
    {("t", 0): UsageError("the group's active members are subscribed to this topic")},
])
def test_undo_deletes_that_fail_fail_their_rows_after_the_moves_are_applied(delete):
    from kctl.deadline import Deadline
    from kctl.services.groups.reset import _apply

    rows = [OffsetReset("t", 0, 10, None, detail="delete", delete=True), OffsetReset("t", 1, 10, 3)]
    out = _apply(_Admin(delete), "g", rows, {("t", 1): 3}, [("t", 0)], "snap", Deadline.after(5))
    assert [r.ok for r in out] == [False, True]
    assert "active members" in out[0].error and out[0].exit_code == 2
    result = OffsetResetResult("g", "undo snap", True, tuple(out), snapshot_id="snap")
    error = groups.failure(result)
    assert error is not None and error.exit_code == ExitCode.PARTIAL and "t:0" in error.message
