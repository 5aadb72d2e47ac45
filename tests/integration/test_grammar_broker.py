"""The CLI grammar against a real broker (instance 0): produce templates, whole-name regexes
everywhere, topics as arguments, the common time syntax in consume."""

from __future__ import annotations

import pytest

from tests.conftest import _create_topic
from tests.helpers import run_kctl
from tests.integration.consume_helpers import group_name


@pytest.fixture
def twins(admin, unique_name):
    """Two topics, NAME and NAME-b: a partial match of NAME would take both."""
    name = unique_name("gram")
    names = [name, f"{name}-b"]
    for topic in names:
        _create_topic(admin, topic, 1, 1)
    yield names
    for future in admin.delete_topics(names, operation_timeout=30).values():
        try:
            future.result(timeout=30)
        except Exception:  # noqa: BLE001 - already gone
            pass


def test_produce_template_reads_keys_and_values_and_consume_writes_them(kafka, new_topic):
    topic = new_topic(1)
    b = ["-b", kafka["bootstrap"]]
    result = run_kctl("produce", topic, "-f", "%k\\t%v\\n", *b, input="k1\tone\nk2\ttwo\tstill two\n")
    assert result.code == 0, result
    out = run_kctl("consume", topic, "--until", "end", "-f", "%k=%v\\n", *b)
    assert out.code == 0, out
    assert out.stdout.splitlines() == ["k1=one", "k2=two\tstill two"]
    # another record end than a newline, and no key
    result = run_kctl("produce", topic, "-f", "%v;", *b, input="three;four;")
    assert result.code == 0, result
    out = run_kctl("consume", topic, "--from", "2", "--until", "end", "-f", "%K %v\\n", *b)
    assert out.stdout.splitlines() == ["-1 three", "-1 four"], out


def test_produce_template_errors_are_usage_errors():
    result = run_kctl("produce", "t", "-f", "%v %k", "-b", "127.0.0.1:1", "--timeout", "1")
    assert result.code == 2 and "cannot read records as" in result.stderr, result
    result = run_kctl("produce", "t", "-f", "input.txt", "-b", "127.0.0.1:1", "--timeout", "1")
    assert result.code == 2 and "--file FILE" in result.stderr, result
    result = run_kctl("produce", "t", "-f", "%k:%v", "-K", ":", "-b", "127.0.0.1:1", "--timeout", "1")
    assert result.code == 2 and "replaces -K" in result.stderr, result


def test_regexes_match_whole_names(kafka, twins):
    name, longer = twins
    b = ["-b", kafka["bootstrap"]]
    listed = run_kctl("-o", "json", "topics", "list", name, *b)
    assert [t["name"] for t in listed.json] == [name], listed
    listed = run_kctl("-o", "json", "topics", "list", f"{name}.*", *b)
    assert sorted(t["name"] for t in listed.json) == [name, longer], listed
    run_kctl("produce", longer, "--value", "from-the-longer-one", *b)
    run_kctl("produce", name, "--value", "from-the-name", *b)
    out = run_kctl("consume", "--pattern", name, "--until", "end", "-f", "%t %v\\n", *b)
    assert out.code == 0 and out.stdout.splitlines() == [f"{name} from-the-name"], out


def test_groups_take_topics_as_arguments_and_list_matches_whole_ids(kafka, twins):
    name, longer = twins
    b = ["-b", kafka["bootstrap"]]
    group = group_name("gram")
    for g in (group, f"{group}-b"):
        # topics as arguments (-t/--topic still the same)
        result = run_kctl("groups", "reset-offsets", g, name, "-t", longer, "--to-earliest", "--execute", "-o", "json", *b)
        assert result.code == 0, result
        assert sorted({row["topic"] for row in result.json["partitions"]}) == [name, longer], result
    listed = run_kctl("-o", "json", "groups", "list", group, "--no-lag", *b)
    assert [g["group_id"] for g in listed.json] == [group], listed
    listed = run_kctl("-o", "json", "groups", "list", f"{group}.*", "--no-lag", *b)
    assert sorted(g["group_id"] for g in listed.json) == [group, f"{group}-b"], listed
    bad = run_kctl("groups", "list", "(", *b)
    assert bad.code == 2 and "invalid regular expression" in bad.stderr, bad
    deleted = run_kctl("groups", "delete-offsets", group, longer, "--yes", "-o", "json", *b)
    assert deleted.code == 0, deleted


def test_consume_reads_the_common_time_syntax(kafka, new_topic):
    topic = new_topic(1)
    b = ["-b", kafka["bootstrap"]]
    run_kctl("produce", topic, "--value", "now", *b)
    for start in ("-1h", "@-1h", "2000-01-01T00:00:00Z", "@946684800000"):
        out = run_kctl("consume", topic, "--from", start, "--until", "end", *b)
        assert out.code == 0 and out.stdout.splitlines() == ["now"], (start, out)
    out = run_kctl("consume", topic, "--until", "-1h", *b)  # stop before anything written in the last hour
    assert out.code == 0 and out.stdout == "", out


def test_produce_key_field_keys_json_lines(kafka, new_topic):
    topic = new_topic(1)
    b = ["-b", kafka["bootstrap"]]
    lines = '{"id": "c-1", "n": 1}\n{"id": 7, "n": 2}\n{"n": 3}\n'
    result = run_kctl("produce", topic, "--key-field", "id", *b, input=lines)
    assert result.code == 0, result
    out = run_kctl("consume", topic, "--until", "end", "-f", "%k|%v\\n", *b)
    assert out.stdout.splitlines() == ['c-1|{"id": "c-1", "n": 1}', '7|{"id": 7, "n": 2}', '|{"n": 3}'], out
