"""Fixtures of the integration modules (the broker fixtures are in tests/conftest.py)."""

from __future__ import annotations

import time

import pytest

from tests.integration.groups_helpers import HALF, STEP, produce_at


@pytest.fixture
def group_name(unique_name, admin):
    """Factory of unique group ids; the groups are deleted at teardown whatever happened."""
    made: list[str] = []

    def make() -> str:
        made.append(unique_name("g"))
        return made[-1]

    yield make
    if made:
        for future in admin.delete_consumer_groups(made, request_timeout=30).values():
            try:
                future.result(timeout=30)
            except Exception:  # noqa: BLE001 - deleted by the test, or never created
                pass


@pytest.fixture
def ts():
    """Record i's timestamp: i * 10 min + 5 min after a start 100 min before this test (not before the
    module was imported: a long suite would move "now - 1h" past the records)."""
    now = int(time.time() * 1000)
    return lambda i: now - (10 - i) * STEP + HALF


@pytest.fixture
def timed_topic(kafka, new_topic, ts):
    """2 partitions, 10 records each: record i at NOW - (10 - i) * 10 min + 5 min (95 min ago .. 5 min ago)."""
    topic = new_topic(partitions=2)
    produce_at(kafka["bootstrap"], topic, 2, [ts(i) for i in range(10)])
    return topic
