"""The `## Consuming` example of docs/python-api.md, run as it is written (names swapped for this test's)."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

from tests.integration.consume_helpers import committed, group_name, produce

PAGE = Path(__file__).resolve().parents[2] / "docs" / "python-api.md"


def doc_block(page_title: str, heading: str) -> str:
    """The first ```python block under `## heading` of docs/python-api.md, whose title is `# page_title`."""
    text = PAGE.read_text()
    assert text.startswith(f"# {page_title}\n"), "docs/python-api.md is the page of the Python API"
    part = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", part, re.S).group(1)


def test_docs_consuming_example_reads_and_commits(kafka, new_topic):
    code = doc_block("Use kctl from Python", "Consuming")
    assert "ConsumerClient" in code and "commit()" in code
    topic = new_topic(partitions=2)
    group = group_name("readme")
    produce(kafka["bootstrap"], topic, [{"key": f"k{i}".encode(), "value": f"v{i}".encode(), "partition": i % 2}
                                        for i in range(10)])
    code = code.replace('"orders"', repr(topic)).replace('"audit"', repr(group))
    code = code.replace("instance=0", f"bootstrap={kafka['bootstrap']!r}")
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(code, "docs/python-api.md", "exec"), {})
    lines = sorted(tuple(line.split()) for line in out.getvalue().splitlines())
    assert lines == sorted((str(i % 2), str(i // 2), f"k{i}", f"v{i}") for i in range(10))
    assert committed(kafka["bootstrap"], group, topic, 2) == {0: 5, 1: 5}


def test_poll_returns_the_records_there_are_without_waiting_for_max_records(kafka, new_topic):
    """poll(max_records=100, timeout=10) of a partition holding 3 records returned them only after
    the whole 10 s (librdkafka's consume() waits for max_records): Kafka's poll returns as soon
    as there are records and waits only while there are none."""
    import time

    from kctl.client import ConsumerClient

    topic = new_topic()
    produce(kafka["bootstrap"], topic, [{"value": f"v{i}".encode(), "partition": 0} for i in range(3)])
    timeout = 10
    with ConsumerClient(bootstrap=kafka["bootstrap"]) as consumer:
        consumer.assign({(topic, 0): ConsumerClient.OFFSET_BEGINNING})
        started = time.monotonic()
        records = consumer.poll(max_records=100, timeout=timeout)
        elapsed = time.monotonic() - started
        assert [r.value for r in records] == [b"v0", b"v1", b"v2"]
        assert elapsed < timeout / 2, elapsed  # loosely: it did not wait out the timeout
        assert consumer.poll(max_records=100, timeout=0) == []  # nothing more, and no wait asked
