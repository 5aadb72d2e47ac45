"""kctl.services.where: the CEL expression over one record (pure logic, no broker)."""

from __future__ import annotations

import pytest

from kctl.errors import UsageError
from kctl.models.records import ConsumerRecord
from kctl.services.where import compile_where, decode_part

NOW = 1_800_000_000_000


def record(value=b'{"status": "failed", "amount": 495.5, "customer": {"country": "DE"}}', key=b"k1",
           headers=(("trace-id", b"abc-1"),), timestamp_ms=NOW - 60_000, offset=7):
    return ConsumerRecord("orders", 2, offset, timestamp_ms, key, value, headers)


def test_key_and_value_are_json_else_text_else_bytes():
    assert decode_part(b'{"a": [1, 2.5]}') == {"a": [1, 2.5]}
    assert decode_part(b"plain text") == "plain text"
    assert decode_part(b"\xff\xfe") == b"\xff\xfe"
    assert decode_part(None) is None


@pytest.mark.parametrize("expression, expected", [
    ('value.status == "failed" && value.amount > 490.0', True),
    ('value.status == "failed" && value.amount > 495.5', False),
    ('headers["trace-id"].startsWith("abc")', True),
    ('timestamp > now - duration("1h")', True),
    ('timestamp > now - duration("30s")', False),
    ('has(value.customer) && value.customer.country in ["DE","AT"]', True),
    ('key == "k1" && topic == "orders" && partition == 2 && offset == 7 && size > 20', True),
    ("[1, 2, 3].exists(x, x == 2)", True),
])
def test_expressions_over_one_record(expression, expected):
    where = compile_where(expression, now_ms=NOW)
    assert where(record()) is expected
    assert where.failed == 0 and where.evaluated == 1


def test_records_it_cannot_evaluate_are_no_match_counted_and_reported():
    where = compile_where("value.amount > 490.0", now_ms=NOW)
    assert where(record(value=b"not json")) is False  # a string has no field
    assert where(record(value=b'{"other": 1}', offset=9)) is False  # a missing field
    assert where(record()) is True
    assert (where.evaluated, where.failed) == (1, 2)
    assert where.report().startswith("2 records could not be evaluated by --where (no match): first error orders/2@7:")
    where.check()  # some records were evaluated: not a usage error


def test_an_expression_evaluated_on_no_record_is_a_usage_error():
    where = compile_where('value.amount > "x"', now_ms=NOW)
    assert where(record()) is False
    with pytest.raises(UsageError, match="could not be evaluated on any of the 1 records"):
        where.check()


def test_a_result_that_is_not_a_bool_is_no_match():
    where = compile_where("value.amount", now_ms=NOW)
    assert where(record()) is False
    assert "gave a double, not a bool" in where.report()


@pytest.mark.parametrize("expression, message", [
    ('value.status ==', "--where: syntax error at column 16"),
    ("foo > 1", "--where: unknown variable 'foo' at column 1"),
    ('value.x && bar', "--where: unknown variable 'bar' at column 12"),
    ("   ", "--where: the expression is empty"),
])
def test_compile_errors_name_the_position(expression, message):
    with pytest.raises(UsageError) as caught:
        compile_where(expression)
    assert caught.value.message.startswith(message)


def test_only_the_variables_named_are_built():
    where = compile_where("offset == 7", now_ms=NOW)
    assert where.variables(record(value=b"\xff")) == {"offset": 7}


def test_until_now_is_the_time_the_command_started():
    from kctl.services.consume.options import Position, parse_until

    assert parse_until("now", NOW) == Position("time", NOW)
