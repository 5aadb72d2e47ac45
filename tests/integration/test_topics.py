"""`kctl topics` against the real local broker(s): every command and its failures, through main(argv)."""

from __future__ import annotations

import time

import pytest

from tests.helpers import produce_counts, run_answering_on_a_tty, run_kctl, run_kctl_process, wait_until

UNREACHABLE = ("-b", "127.0.0.1:1", "--timeout", "2")


@pytest.fixture
def cleanup(admin):
    """Names of topics a test creates through kctl; deleted at teardown whatever happened."""
    names: list[str] = []
    yield names
    if names:
        for future in admin.delete_topics(names, operation_timeout=30).values():
            try:
                future.result(timeout=30)
            except Exception:  # noqa: BLE001 - already deleted, or never created
                pass


def _exists(admin, name: str) -> bool:
    topic = admin.list_topics(topic=name, timeout=10).topics.get(name)
    return topic is not None and topic.error is None


def _describe(k, name: str) -> dict:
    result = k("topics", "describe", name, "-o", "json")
    assert result.code == 0, result
    (detail,) = result.json
    return detail


def _one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kctl: error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# ------------------------------------------------------------------------------------------- list


def test_list_shows_partition_counts_and_filters_by_regex(k, new_topic):
    name = new_topic(partitions=3)
    other = new_topic(partitions=1, prefix="other")
    result = k("topics", "list", name, "-o", "json")
    assert result.code == 0, result
    assert result.json == [{"name": name, "partitions": 3, "replication_factor": 1, "internal": False}]
    everything = k("topics", "list", "-o", "json").json
    assert {name, other} <= {t["name"] for t in everything}
    assert not any(t["name"].startswith("__") for t in everything)


def test_list_internal_includes_internal_topics(k):
    with_internal = k("topics", "list", "--internal", "-o", "json")
    assert with_internal.code == 0
    internal = [t for t in with_internal.json if t["internal"]]
    assert all(t["name"].startswith("__") for t in internal)
    assert {t["name"] for t in internal}.isdisjoint(t["name"] for t in k("topics", "list", "-o", "json").json)


# ------------------------------------------------------------------------------------------- describe


def test_describe_shows_watermarks_messages_configs_and_size(k, kafka, new_topic):
    name = new_topic(partitions=2, config={"retention.ms": "3600000"})
    produce_counts(kafka["bootstrap"], name, {0: 5, 1: 2})
    detail = _describe(k, name)
    assert detail["name"] == name and detail["internal"] is False and detail["topic_id"]
    assert [p["partition"] for p in detail["partitions"]] == [0, 1]
    p0, p1 = detail["partitions"]
    assert (p0["low_watermark"], p0["high_watermark"], p0["messages"]) == (0, 5, 5)
    assert (p1["low_watermark"], p1["high_watermark"], p1["messages"]) == (0, 2, 2)
    assert p0["leader"] == 1 and p0["replicas"] == [1] and p0["isr"] == [1]
    assert detail["messages"] == 7 and detail["replication_factor"] == 1
    assert detail["configs"]["retention.ms"] == "3600000"
    assert detail["config_sources"]["retention.ms"] == "topic"
    assert "segment.bytes" not in detail["configs"]  # Kafka's built-in defaults are left out
    # The local broker answers DescribeLogDirs: sizes are known and non-zero where data is.
    assert p0["size_bytes"] > 0 and p1["size_bytes"] > 0
    assert detail["size_bytes"] == p0["size_bytes"] + p1["size_bytes"]


def test_describe_watermarks_when_the_consumer_lookup_fails(k, kafka, new_topic, monkeypatch):
    """The watermarks come from a consumer beside the admin requests; without them the admin
    client's ListOffsets fills them in, partition by partition."""
    from kctl.services import topics as service

    monkeypatch.setattr(service, "_watermarks", lambda conf, admin, leaders, deadline: {})
    name = new_topic(partitions=2)
    produce_counts(kafka["bootstrap"], name, {0: 4, 1: 1})
    p0, p1 = _describe(k, name)["partitions"]
    assert (p0["low_watermark"], p0["high_watermark"], p1["high_watermark"]) == (0, 4, 1)


def test_describe_over_the_wire_equals_the_libraries(k, kafka, new_topic, monkeypatch):
    """On a PLAINTEXT cluster DescribeConfigs, the watermarks (ListOffsets) and DescribeLogDirs go
    over kctl's own few bytes (the libraries' Python objects cost more than a big describe's
    requests): the same describe as confluent-kafka, its consumer and kafka-python give."""
    from kctl.kafka import wire

    name = new_topic(partitions=3, config={"retention.ms": "7200000", "max.message.bytes": "200000"})
    produce_counts(kafka["bootstrap"], name, {0: 6, 1: 3})
    over_wire = _describe(k, name)
    monkeypatch.setattr(wire, "usable", lambda conf: False)
    assert _describe(k, name) == over_wire
    assert [(p["low_watermark"], p["high_watermark"]) for p in over_wire["partitions"]] == [(0, 6), (0, 3), (0, 0)]
    assert over_wire["configs"]["retention.ms"] == "7200000" and over_wire["config_sources"]["retention.ms"] == "topic"
    assert over_wire["configs"]["max.message.bytes"] == "200000"
    assert "segment.bytes" not in over_wire["configs"]  # Kafka's defaults stay out either way
    assert all(p["size_bytes"] > 0 for p in over_wire["partitions"][:2])


@pytest.mark.three_brokers
def test_describe_over_the_wire_asks_each_leader_and_leaves_the_others_to_the_library(kafka3, unique_name):
    """Watermarks over the wire go to each partition's leader; a broker that is not the leader
    answers with an error, and those partitions are left for the library (never a wrong offset)."""
    from confluent_kafka.admin import AdminClient as LibraryAdmin

    from kctl.client.admin import AdminClient
    from kctl.kafka import wire
    from kctl.services import topics as service

    name = unique_name()
    conf = {"bootstrap.servers": kafka3["bootstrap"]}
    created = run_kctl("topics", "create", name, "--partitions", "6", "-r", "3", "-i", str(kafka3["instance"]))
    assert created.code == 0, created
    try:
        produce_counts(kafka3["bootstrap"], name, {p: p + 1 for p in range(6)})
        with AdminClient(conf, timeout=20) as admin:
            leaders = {(name, p): leader for p, leader in admin.partition_leaders()[name].items()}
            assert len(set(leaders.values())) > 1, leaders  # spread over the brokers
            assert admin.watermarks_over_wire(leaders) == {(name, p): (0, p + 1) for p in range(6)}
            one = min(leaders.values())
            all_to_one = admin.watermarks_over_wire(dict.fromkeys(leaders, one))
        assert all_to_one == {key: (0, key[1] + 1) for key, leader in leaders.items() if leader == one}
        over_wire = service.describe_topics(conf, 20, [name])
        wire_usable = wire.usable
        try:
            wire.usable = lambda conf: False
            assert service.describe_topics(conf, 20, [name]) == over_wire
        finally:
            wire.usable = wire_usable
        assert [p.high_watermark for p in over_wire.topics[0].partitions] == [1, 2, 3, 4, 5, 6]
    finally:
        library = LibraryAdmin(conf)
        library.delete_topics([name], operation_timeout=30)[name].result(timeout=30)


def test_describe_table(k, new_topic):
    name = new_topic(partitions=2)
    result = k("topics", "describe", name)
    assert result.code == 0, result
    assert f"{name}: 2 partitions, replication 1, 0 messages" in result.stdout
    assert "PARTITION" in result.stdout and "ISR" in result.stdout


def test_describe_no_size(k, new_topic):
    name = new_topic()
    result = k("topics", "describe", name, "--no-size", "-o", "json")
    assert result.code == 0, result
    detail = result.json[0]
    assert detail["size_bytes"] is None and detail["partitions"][0]["size_bytes"] is None
    assert detail["size_note"] == "not asked for (--no-size)"


def test_describe_ignores_client_only_properties_for_sizes(k, kafka, new_topic):
    """Producer/consumer tuning (-X compression.type) does not apply to DescribeLogDirs: sizes stay known."""
    name = new_topic()
    produce_counts(kafka["bootstrap"], name, {0: 3})
    result = k("-X", "compression.type=lz4", "-X", "linger.ms=5", "topics", "describe", name, "-o", "json")
    assert result.code == 0, result
    detail = result.json[0]
    assert detail["size_bytes"] > 0 and detail["size_note"] is None


def test_describe_says_why_a_size_is_unknown(k, new_topic):
    """A setting kafka-python cannot use (OAUTHBEARER; librdkafka ignores it on a plaintext
    listener) costs the sizes, not the command: size_note and a warning say so."""
    name = new_topic()
    result = k("-X", "sasl.mechanism=OAUTHBEARER", "topics", "describe", name, "-o", "json")
    assert result.code == 0, result
    detail = result.json[0]
    assert detail["size_bytes"] is None and detail["partitions"][0]["leader"] == 1
    assert "OAUTHBEARER" in detail["size_note"] and detail["size_note"].startswith("unknown: ")
    assert "event=topic_size_unknown" in result.stderr


@pytest.mark.parametrize("args", [["topics", "create", "{topic}", "--partitions", "100001"],
                                  ["topics", "add-partitions", "{topic}", "--to", "100001"]],
                         ids=["create", "add-partitions"])
def test_more_partitions_than_librdkafka_allows_is_a_usage_error(k, admin, unique_name, args):
    name = unique_name()
    result = k(*[a.replace("{topic}", name) for a in args])
    assert result.code == 2, result
    assert "100000" in _one_error_line(result)
    assert not _exists(admin, name)


NOT_UTF8 = b"bad-\xff\xfe-name"


@pytest.mark.parametrize("args", [
    ["topics", "describe", NOT_UTF8],
    ["topics", "create", NOT_UTF8],
    ["topics", "delete", NOT_UTF8, "--yes"],
    ["topics", "alter-config", NOT_UTF8, "--set", "retention.ms=1"],
    ["topics", "add-partitions", NOT_UTF8, "--to", "3"],
    ["topics", "delete-records", NOT_UTF8, "--all"],
], ids=lambda a: a[1])
def test_topic_names_that_are_not_utf8_are_usage_errors(kafka, args):
    """Raw bytes on the command line arrive surrogate-escaped: exit 2 before librdkafka sees them."""
    result = run_kctl_process(*args, "-i", str(kafka["instance"]), "--timeout", "5", timeout=60)
    assert result.code == 2, result
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("kctl: error: topic name is not valid UTF-8"), result


def test_describe_unknown_topic_exits_4(k, unique_name):
    name = unique_name("missing")
    result = k("topics", "describe", name)
    assert result.code == 4, result
    assert result.stdout == ""
    assert f"topic '{name}' does not exist" in _one_error_line(result)


def test_describe_known_and_unknown_exits_5_after_showing_the_known(k, new_topic, unique_name):
    name, missing = new_topic(), unique_name("missing")
    result = k("topics", "describe", name, missing, "-o", "json")
    assert result.code == 5, result
    assert [t["name"] for t in result.json] == [name]
    assert missing in _one_error_line(result)


# ------------------------------------------------------------------------------------------- create


def test_create_with_partitions_and_config(k, admin, unique_name, cleanup):
    name = unique_name()
    cleanup.append(name)
    result = k("topics", "create", name, "--partitions", "3", "-c", "retention.ms=60000", "-c", "cleanup.policy=compact", "-o", "json")
    assert result.code == 0, result
    assert result.json["operation"] == "create" and result.json["items"][0]["ok"] is True
    # create waits for leaders: describing right away works.
    detail = _describe(k, name)
    assert len(detail["partitions"]) == 3 and all(p["leader"] is not None for p in detail["partitions"])
    assert detail["configs"]["retention.ms"] == "60000" and detail["configs"]["cleanup.policy"] == "compact"


def test_create_existing_topic_exits_2_unless_if_not_exists(k, new_topic):
    name = new_topic(partitions=2)
    result = k("topics", "create", name, "--partitions", "5")
    assert result.code == 2, result
    assert "already exists" in _one_error_line(result) and "--if-not-exists" in result.stderr
    result = k("topics", "create", name, "--partitions", "5", "--if-not-exists", "-o", "json")
    assert result.code == 0, result
    assert result.json["items"][0]["detail"] == "already exists (unchanged)"
    assert len(_describe(k, name)["partitions"]) == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["bad name!"], "Topic name is invalid"),
        (["{topic}", "-c", "retention.ms=soon"], "Invalid value soon for configuration retention.ms"),
        (["{topic}", "-c", "no.such.config=1"], "Unknown topic config name"),
        (["{topic}", "-r", "3"], "replication factor of 3"),
    ],
    ids=["invalid-name", "invalid-config-value", "unknown-config", "replication-too-high"],
)
def test_create_invalid_exits_2_and_creates_nothing(k, admin, unique_name, cleanup, args, message):
    name = unique_name()
    cleanup.append(name)
    args = [a.replace("{topic}", name) for a in args]
    result = k("topics", "create", *args)
    assert result.code == 2, result
    assert message in _one_error_line(result)
    assert not _exists(admin, name)


def test_create_one_good_one_bad_exits_5_with_both_rows(k, admin, unique_name, cleanup):
    good = unique_name("good")
    cleanup.append(good)
    result = k("topics", "create", good, "bad name!", "-o", "json")
    assert result.code == 5, result
    rows = {item["name"]: item for item in result.json["items"]}
    assert rows[good]["ok"] is True and rows[good]["exit_code"] == 0
    assert rows["bad name!"]["ok"] is False and rows["bad name!"]["exit_code"] == 2
    assert "Topic name is invalid" in rows["bad name!"]["error"]
    assert _exists(admin, good)
    assert "kctl: error: topics create failed for bad name!" in result.stderr


def test_create_validate_only_asks_the_broker_and_changes_nothing(k, admin, unique_name):
    name = unique_name()
    result = k("topics", "create", name, "--partitions", "2", "--validate-only", "-o", "json")
    assert result.code == 0, result
    assert result.json["dry_run"] is True and result.json["items"][0]["ok"] is True
    assert result.json["items"][0]["detail"] == "valid: partitions=2 replication=default"
    assert not _exists(admin, name)
    invalid = k("topics", "create", name, "-c", "retention.ms=soon", "--validate-only")
    assert invalid.code == 2, invalid
    assert not _exists(admin, name)


def test_create_dry_run_is_the_plan_and_sends_no_request(k, admin, unique_name, new_topic):
    name, existing = unique_name(), new_topic()
    result = k("topics", "create", name, existing, "-p", "2", "-c", "retention.ms=soon", "--dry-run", "-o", "json")
    assert result.code == 5, result  # one would be created, one exists: the plan says so
    rows = {item["name"]: item for item in result.json["items"]}
    assert result.json["dry_run"] is True
    assert rows[name]["detail"] == "would create: partitions=2 replication=default retention.ms=soon"  # values: --validate-only's
    assert rows[existing]["ok"] is False and rows[existing]["exit_code"] == 2 and "already exists" in rows[existing]["error"]
    assert not _exists(admin, name)
    assert k("topics", "create", existing, "--if-not-exists", "--dry-run").code == 0
    too_many = k("topics", "create", name, "-r", "99", "--dry-run")
    assert too_many.code == 2 and "replication factor 99" in too_many.stderr, too_many
    assert not _exists(admin, name)


def test_dry_run_and_validate_only_together_are_a_usage_error(k, new_topic):
    name = new_topic()
    for argv in (["topics", "create", name + "-x"], ["topics", "alter-config", name, "-c", "retention.ms=1000"],
                 ["topics", "add-partitions", name, "--to", "9"], ["configs", "alter", "topic", name, "-c", "retention.ms=1000"]):
        result = k(*argv, "--dry-run", "--validate-only")
        assert result.code == 2, result
        assert "not both" in _one_error_line(result)


def test_create_bad_config_syntax_is_a_usage_error(k, unique_name):
    result = k("topics", "create", unique_name(), "-c", "retention.ms")
    assert result.code == 2
    assert "expects key=value" in _one_error_line(result)


def test_create_logs_a_structured_event(k, unique_name, cleanup):
    name = unique_name()
    cleanup.append(name)
    result = k("topics", "create", name, "--partitions", "2", "-v")
    assert result.code == 0, result
    (line,) = [line for line in result.stderr.splitlines() if "event=topic_create" in line]
    assert f"topic={name}" in line and "partitions=2" in line and "ok=true" in line and "duration_ms=" in line


# ------------------------------------------------------------------------------------------- delete


def test_delete_names_with_yes(k, admin, new_topic):
    a, b = new_topic(), new_topic()
    result = k("topics", "delete", a, b, "--yes", "-o", "json")
    assert result.code == 0, result
    assert [(i["name"], i["ok"], i["detail"]) for i in result.json["items"]] == [(a, True, "deleted"), (b, True, "deleted")]
    assert not _exists(admin, a) and not _exists(admin, b)


def test_delete_unknown_exits_4_unless_if_exists(k, unique_name):
    name = unique_name("missing")
    result = k("topics", "delete", name, "--yes")
    assert result.code == 4, result
    assert "does not exist" in _one_error_line(result)
    result = k("topics", "delete", name, "--yes", "--if-exists", "-o", "json")
    assert result.code == 0, result
    assert result.json["items"][0]["detail"] == "does not exist (skipped)"


def test_delete_known_and_unknown_exits_5(k, admin, new_topic, unique_name):
    name, missing = new_topic(), unique_name("missing")
    result = k("topics", "delete", name, missing, "--yes", "-o", "json")
    assert result.code == 5, result
    assert {i["name"]: i["ok"] for i in result.json["items"]} == {name: True, missing: False}
    assert not _exists(admin, name)


def test_delete_regex_matches_whole_names_only(k, admin, new_topic, unique_name):
    prefix = unique_name("rx")
    a, b, keep = f"{prefix}-a", f"{prefix}-b", f"x{prefix}-c"
    from tests.conftest import _create_topic

    for name in (a, b, keep):
        _create_topic(admin, name, 1, 1)
    try:
        result = k("topics", "delete", "--regex", f"{prefix}-.*", "--yes", "-o", "json")
        assert result.code == 0, result
        assert sorted(i["name"] for i in result.json["items"]) == [a, b]
        assert not _exists(admin, a) and not _exists(admin, b) and _exists(admin, keep)
    finally:
        admin.delete_topics([keep], operation_timeout=30)[keep].result(timeout=30)


def test_delete_regex_matching_nothing_exits_4(k, unique_name):
    result = k("topics", "delete", "--regex", unique_name("nothing") + ".*", "--yes")
    assert result.code == 4, result
    assert "no topic matches" in _one_error_line(result)


def test_delete_without_yes_on_non_tty_stdin_refuses(k, admin, new_topic):
    name = new_topic()
    result = k("topics", "delete", name, input="y\n")
    assert result.code == 2, result
    assert "refusing without --yes (not a terminal)" in result.stderr.strip().splitlines()[-1]  # after the plan
    assert name in result.stderr and "would delete: 1 partition, 0 records" in result.stderr  # the plan first
    assert _exists(admin, name)


def test_delete_dry_run_deletes_nothing(k, admin, new_topic):
    name = new_topic()
    result = k("topics", "delete", name, "--dry-run", "-o", "json")
    assert result.code == 0, result
    assert result.json["dry_run"] is True and result.json["items"][0]["detail"] == "would delete: 1 partition, 0 records"
    assert _exists(admin, name)


def test_delete_without_arguments_is_a_usage_error(k):
    result = k("topics", "delete", "--yes")
    assert result.code == 2
    _one_error_line(result)


def _delete_on_a_tty(kafka, name: str, answer: bytes):
    return run_answering_on_a_tty("topics", "delete", name, "-i", str(kafka["instance"]), "-o", "json", answer=answer)


def test_delete_on_a_tty_asks_and_no_keeps_the_topic(kafka, admin, new_topic):
    name = new_topic()
    code, out, err = _delete_on_a_tty(kafka, name, b"n\n")
    assert f"Delete 1 topic and its 0 records on instance {kafka['instance']} (" in err and name in err
    assert code == 130 and out == ""
    assert _exists(admin, name)


def test_delete_on_a_tty_asks_and_yes_deletes(kafka, admin, new_topic):
    name = new_topic()
    code, out, err = _delete_on_a_tty(kafka, name, b"y\n")
    assert code == 0, err
    assert "Delete 1 topic and its 0 records on instance" in err
    assert not _exists(admin, name)


# ------------------------------------------------------------------------------------------- alter-config


def test_alter_config_set_and_delete_visible_in_describe(k, new_topic):
    name = new_topic(config={"cleanup.policy": "compact"})
    result = k("topics", "alter-config", name, "--set", "retention.ms=120000", "--set", "max.message.bytes=2048",
               "--delete", "cleanup.policy", "-o", "json")
    assert result.code == 0, result
    assert sorted(i["name"] for i in result.json["items"]) == sorted(
        [f"{name}:retention.ms", f"{name}:max.message.bytes", f"{name}:cleanup.policy"])
    configs = _describe(k, name)["configs"]
    assert configs["retention.ms"] == "120000" and configs["max.message.bytes"] == "2048"
    assert "cleanup.policy" not in configs


def test_alter_config_dry_run_is_the_plan_and_changes_nothing(k, new_topic):
    name = new_topic(config={"retention.ms": "100000"})
    result = k("topics", "alter-config", name, "--set", "retention.ms=5000", "--dry-run", "-o", "json")
    assert result.code == 0, result
    assert result.json["dry_run"] is True
    assert result.json["items"] == [{"name": f"{name}:retention.ms", "ok": True, "detail": "would set to 5000 (now 100000)",
                                     "error": None, "exit_code": 0}]
    assert _describe(k, name)["configs"]["retention.ms"] == "100000"
    unknown = k("topics", "alter-config", name, "--set", "no.such.config=1", "--dry-run")
    assert unknown.code == 2 and "unknown topic config: no.such.config" in _one_error_line(unknown)
    missing = k("topics", "alter-config", name + "-missing", "--set", "retention.ms=1", "--dry-run")
    assert missing.code == 4 and "does not exist" in _one_error_line(missing)


def test_alter_config_validate_only_asks_the_broker_and_changes_nothing(k, new_topic):
    name = new_topic(config={"retention.ms": "100000"})
    result = k("topics", "alter-config", name, "--set", "retention.ms=5000", "--validate-only", "-o", "json")
    assert result.code == 0, result
    assert result.json["dry_run"] is True and result.json["items"][0]["detail"] == "valid: set to 5000"
    invalid = k("topics", "alter-config", name, "--set", "retention.ms=soon", "--validate-only")
    assert invalid.code == 2 and "retention.ms" in _one_error_line(invalid)
    assert _describe(k, name)["configs"]["retention.ms"] == "100000"


@pytest.mark.parametrize("change", [["--set", "retention.ms=soon"], ["--set", "no.such.config=1"]])
def test_alter_config_invalid_exits_2_and_changes_nothing(k, new_topic, change):
    name = new_topic(config={"retention.ms": "100000"})
    result = k("topics", "alter-config", name, *change, "--set", "max.message.bytes=2048")
    assert result.code == 2, result
    _one_error_line(result)
    configs = _describe(k, name)["configs"]
    assert configs["retention.ms"] == "100000" and "max.message.bytes" not in configs


def test_alter_config_unknown_topic_exits_4(k, unique_name):
    result = k("topics", "alter-config", unique_name("missing"), "--set", "retention.ms=1000")
    assert result.code == 4, result
    assert "does not exist" in _one_error_line(result)


@pytest.mark.parametrize("args", [[], ["--set", "a=1", "--delete", "a"], ["--set", "novalue"]])
def test_alter_config_usage_errors(k, new_topic, args):
    result = k("topics", "alter-config", new_topic(), *args)
    assert result.code == 2, result
    _one_error_line(result)


# ------------------------------------------------------------------------------------------- add-partitions


def test_add_partitions(k, new_topic):
    name = new_topic(partitions=2)
    result = k("topics", "add-partitions", name, "--to", "5", "-o", "json")
    assert result.code == 0, result
    assert result.json["items"][0]["detail"] == "2 -> 5 partitions"
    assert [p["partition"] for p in _describe(k, name)["partitions"]] == [0, 1, 2, 3, 4]


def test_add_partitions_dry_run_and_validate_only_change_nothing(k, new_topic):
    name = new_topic(partitions=2)
    result = k("topics", "add-partitions", name, "--to", "4", "--dry-run", "-o", "json")
    assert result.code == 0, result
    assert result.json["dry_run"] is True and result.json["items"][0]["detail"] == "would grow: 2 -> 4 partitions"
    checked = k("topics", "add-partitions", name, "--to", "4", "--validate-only", "-o", "json")
    assert checked.code == 0 and checked.json["items"][0]["detail"] == "valid: 2 -> 4 partitions", checked
    assert k("topics", "add-partitions", name, "--to", "2", "--dry-run").code == 2
    assert k("topics", "add-partitions", name, "--to", "2", "--validate-only").code == 2
    assert len(_describe(k, name)["partitions"]) == 2


def test_add_partitions_not_an_increase_exits_2(k, new_topic):
    name = new_topic(partitions=3)
    result = k("topics", "add-partitions", name, "--to", "2")
    assert result.code == 2, result
    assert "would not be an increase" in _one_error_line(result)


def test_add_partitions_unknown_topic_exits_4(k, unique_name):
    result = k("topics", "add-partitions", unique_name("missing"), "--to", "3")
    assert result.code == 4, result
    assert "does not exist" in _one_error_line(result)


# ------------------------------------------------------------------------------------------- delete-records


def test_delete_records_before_moves_the_low_watermark(k, kafka, new_topic):
    name = new_topic(partitions=2)
    produce_counts(kafka["bootstrap"], name, {0: 10, 1: 6})
    result = k("topics", "delete-records", name, "--before", "0:4", "--before", "1:6", "--yes", "-o", "json")
    assert result.code == 0, result
    assert [(i["name"], i["detail"]) for i in result.json["items"]] == [
        (f"{name}:0", "low watermark now 4"), (f"{name}:1", "low watermark now 6")]
    p0, p1 = _describe(k, name)["partitions"]
    assert (p0["low_watermark"], p0["high_watermark"], p0["messages"]) == (4, 10, 6)
    assert (p1["low_watermark"], p1["messages"]) == (6, 0)


def test_delete_records_all_purges_every_partition(k, kafka, new_topic):
    name = new_topic(partitions=3)
    produce_counts(kafka["bootstrap"], name, {0: 3, 1: 4, 2: 0})
    result = k("topics", "delete-records", name, "--all", "--yes", "-o", "json")
    assert result.code == 0, result
    assert len(result.json["items"]) == 3
    detail = _describe(k, name)
    assert [(p["low_watermark"], p["high_watermark"]) for p in detail["partitions"]] == [(3, 3), (4, 4), (0, 0)]
    assert detail["messages"] == 0


def test_delete_records_beyond_the_high_watermark_exits_2(k, kafka, new_topic):
    name = new_topic()
    produce_counts(kafka["bootstrap"], name, {0: 2})
    result = k("topics", "delete-records", name, "--before", "0:50", "--yes")
    assert result.code == 2, result
    _one_error_line(result)
    plan = k("topics", "delete-records", name, "--before", "0:50", "--dry-run")
    assert plan.code == 2 and "past the high watermark 2" in plan.stdout, plan
    assert _describe(k, name)["partitions"][0]["low_watermark"] == 0


def test_delete_records_good_and_unknown_partition_exits_5(k, kafka, new_topic):
    name = new_topic()
    produce_counts(kafka["bootstrap"], name, {0: 3})
    result = k("topics", "delete-records", name, "--before", "0:1", "--before", "9:1", "--yes", "-o", "json")
    assert result.code == 5, result
    assert {i["name"]: (i["ok"], i["exit_code"]) for i in result.json["items"]} == {
        f"{name}:0": (True, 0), f"{name}:9": (False, 4)}
    assert _describe(k, name)["partitions"][0]["low_watermark"] == 1


def test_delete_records_unknown_topic_exits_4(k, unique_name):
    result = k("topics", "delete-records", unique_name("missing"), "--all", "--yes")
    assert result.code == 4, result
    assert "does not exist" in _one_error_line(result)


@pytest.mark.parametrize("args", [[], ["--all", "--before", "0:1"], ["--before", "zero:1"]])
def test_delete_records_usage_errors(k, new_topic, args):
    result = k("topics", "delete-records", new_topic(), *args)
    assert result.code == 2, result
    _one_error_line(result)


# ------------------------------------------------------------------------------------------- unreachable


@pytest.mark.parametrize(
    "args",
    [
        ["topics", "list"],
        ["topics", "describe", "t"],
        ["topics", "create", "t"],
        ["topics", "delete", "t", "--yes"],
        ["topics", "delete", "--regex", "t.*", "--yes"],
        ["topics", "alter-config", "t", "--set", "retention.ms=1"],
        ["topics", "add-partitions", "t", "--to", "3"],
        ["topics", "delete-records", "t", "--all"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_unreachable_broker_exits_6(args):
    started = time.monotonic()
    result = run_kctl(*args, *UNREACHABLE)
    assert result.code == 6, result
    assert "cannot reach the cluster at 127.0.0.1:1" in _one_error_line(result)
    assert time.monotonic() - started < 60  # fails within --timeout, not a hang (generous bound: shared machine)


# ------------------------------------------------------------------------------------------- three brokers


@pytest.mark.three_brokers
def test_three_brokers_replicate_with_all_replicas_in_sync(kafka3, unique_name):
    """The issue's "done when": `topics create t -p 6 -r 3` then `topics describe` shows 3 replicas in sync."""
    from confluent_kafka.admin import AdminClient

    name = unique_name()
    instance = str(kafka3["instance"])
    try:
        created = run_kctl("topics", "create", name, "--partitions", "6", "-r", "3", "-i", instance)
        assert created.code == 0, created

        def in_sync():  # followers join the ISR once they caught up: wait on that state
            result = run_kctl("topics", "describe", name, "-i", instance, "-o", "json")
            assert result.code == 0, result
            detail = result.json[0]
            return detail if all(len(p["isr"]) == 3 for p in detail["partitions"]) else None

        detail = wait_until(in_sync, 60, "all replicas in sync", interval=0.2)
        assert len(detail["partitions"]) == 6
        for p in detail["partitions"]:
            assert sorted(p["replicas"]) == [1, 2, 3]
            assert sorted(p["isr"]) == [1, 2, 3]
            assert p["leader"] in p["replicas"]
        table = run_kctl("topics", "describe", name, "-i", instance)
        assert f"{name}: 6 partitions, replication 3" in table.stdout
    finally:
        admin = AdminClient({"bootstrap.servers": kafka3["bootstrap"]})
        try:
            admin.delete_topics([name], operation_timeout=30)[name].result(timeout=30)
        except Exception:  # noqa: BLE001 - never created
            pass


# ------------------------------------------------------------------------------------------- the client API


def test_admin_client_api_round_trip(kafka, unique_name):
    """kctl.client.AdminClient as a script (or the e2e check, or a Temporal activity) uses it:
    models in and out, a timeout or a Deadline on every call, per-item outcomes."""
    from kctl.client import AdminClient
    from kctl.deadline import Deadline
    from kctl.errors import NotFoundError
    from kctl.models.admin import TopicInfo

    name, missing = unique_name(), unique_name()
    with AdminClient(bootstrap=kafka["bootstrap"], timeout=20) as admin:
        assert admin.describe_cluster(timeout=5).brokers[0].id == 1
        created = admin.create_topics([name], partitions=2, config={"retention.ms": "60000"}, timeout=Deadline.after(20))
        assert created[name].ok and created[name].elapsed_ms is not None
        assert admin.topic(name).has_leaders and admin.topic(missing) is None  # create waited for the leaders
        described = admin.describe_topics([name, missing])
        assert isinstance(described[name].value, TopicInfo) and described[name].value.partition_ids == (0, 1)
        assert isinstance(described[missing].error, NotFoundError)
        configs = {e.name: e for e in admin.describe_configs([name])[name].value}
        assert configs["retention.ms"].value == "60000" and configs["retention.ms"].source == "topic"
        ends = admin.list_offsets([(name, 0), (name, 1)], "latest", timeout=5)
        assert {k: o.value for k, o in ends.items()} == {(name, 0): 0, (name, 1): 0}
        assert admin.add_partitions(name, 3).ok and len(admin.topic(name).partitions) == 3
        # The broker creates the new partition's log when it applies the metadata change, which
        # DescribeTopics can show a moment before: wait for the log, do not sleep.
        wanted, deadline = {(name, 0), (name, 1), (name, 2)}, time.monotonic() + 10
        while {(r.topic, r.partition) for r in admin.describe_log_dirs(topics=[name])} != wanted:
            assert time.monotonic() < deadline, admin.describe_log_dirs(topics=[name])
            time.sleep(0.05)
        assert admin.delete_topics([name])[name].ok
        assert admin.topic(name) is None  # delete waited until it was gone
