"""tests/helpers.py's wait_until: the one wait of the suite (no broker)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from tests.helpers import wait_until, wait_until_async


def test_returns_the_first_truthy_value():
    values = iter([0, [], None, [1, 2]])
    assert wait_until(lambda: next(values), 5, "a list", interval=0) == [1, 2]


def test_fails_naming_what_and_the_last_value_at_the_timeout():
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception) as failed:
        wait_until(lambda: [], 0.3, "the records", interval=0.05)
    assert time.monotonic() - started < 5
    assert str(failed.value) == "the records: not within 0.3 s (last: [])"


def test_what_may_be_said_at_the_failure():
    log = ["started"]
    with pytest.raises(pytest.fail.Exception) as failed:
        wait_until(lambda: log.append("polled") and False, 0.1, lambda: f"ready, log: {log[-1]}", interval=0.02)
    assert str(failed.value).startswith("ready, log: polled: not within")


def test_an_assertion_in_the_predicate_ends_the_wait_at_once():
    calls = []

    def predicate():
        calls.append(1)
        raise AssertionError("the worker exited")

    with pytest.raises(AssertionError, match="the worker exited"):
        wait_until(predicate, 30, "never")
    assert calls == [1]


def test_a_process_that_exited_ends_the_wait_with_its_output():
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stderr.write('boom'); sys.exit(3)"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.wait(30)
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception) as failed:
        wait_until(lambda: False, 60, "the topic", process=proc)
    assert time.monotonic() - started < 10
    assert "the topic: the process exited 3 first" in str(failed.value) and "boom" in str(failed.value)


def test_the_async_wait_lets_the_loop_run_between_checks():
    async def run():
        done = []
        asyncio.get_running_loop().call_later(0.05, done.append, "x")
        assert await wait_until_async(lambda: done, 5, "the callback") == ["x"]
        with pytest.raises(pytest.fail.Exception, match="never: not within 0.1 s"):
            await wait_until_async(lambda: None, 0.1, "never")

    asyncio.run(run())
