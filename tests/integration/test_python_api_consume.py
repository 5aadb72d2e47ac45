"""The README's `### Consuming` example, run as it is written (names swapped for this test's)."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

from tests.integration.consume_helpers import committed, group_name, produce

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_block(section: str, heading: str) -> str:
    text = README.read_text()
    start = text.index(f"## {section}\n")
    end = text.find("\n## ", start + 1)
    part = text[start:end if end >= 0 else None]
    sub = part.index(f"### {heading}\n")
    return re.search(r"```python\n(.*?)```", part[sub:], re.S).group(1)


def test_readme_consuming_example_reads_and_commits(kafka, new_topic):
    code = readme_block("Use kctl from Python", "Consuming")
    assert "ConsumerClient" in code and "commit()" in code
    topic = new_topic(partitions=2)
    group = group_name("readme")
    produce(kafka["bootstrap"], topic, [{"key": f"k{i}".encode(), "value": f"v{i}".encode(), "partition": i % 2}
                                        for i in range(10)])
    code = code.replace('"orders"', repr(topic)).replace('"audit"', repr(group))
    code = code.replace("instance=0", f"bootstrap={kafka['bootstrap']!r}")
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    lines = sorted(tuple(line.split()) for line in out.getvalue().splitlines())
    assert lines == sorted((str(i % 2), str(i // 2), f"k{i}", f"v{i}") for i in range(10))
    assert committed(kafka["bootstrap"], group, topic, 2) == {0: 5, 1: 5}
