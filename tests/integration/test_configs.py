"""Issue 10: `kctl configs describe|alter` round trips on a topic and a broker (instance 0); an
invalid value or unknown key exits 2 with the broker's message and changes nothing."""

from __future__ import annotations

from tests.helpers import run_kctl

BROKER_KEY = "log.cleaner.backoff.ms"  # dynamic, harmless on a shared broker, and set back at the end


def _configs(kafka, *target) -> dict:
    result = run_kctl("-i", kafka["instance"], "configs", "describe", *target, "-o", "json")
    assert result.code == 0, result
    return {c["name"]: c for c in result.json["configs"]}


def test_topic_config_round_trip(kafka, new_topic):
    topic = new_topic()
    assert "retention.ms" not in _configs(kafka, "topic", topic)

    result = run_kctl("-i", kafka["instance"], "configs", "alter", "topic", topic, "--set", "retention.ms=3600000",
                      "--set", "cleanup.policy=compact", "-o", "json")
    assert result.code == 0, result
    assert [i["ok"] for i in result.json["items"]] == [True, True]
    configs = _configs(kafka, "topic", topic)
    assert configs["retention.ms"]["value"] == "3600000" and configs["retention.ms"]["source"] == "topic"
    assert configs["cleanup.policy"]["value"] == "compact" and configs["retention.ms"]["is_default"] is False

    # Incremental: deleting one override keeps the other.
    assert run_kctl("-i", kafka["instance"], "configs", "alter", "topic", topic, "--delete", "retention.ms").code == 0
    configs = _configs(kafka, "topic", topic)
    assert "retention.ms" not in configs and configs["cleanup.policy"]["value"] == "compact"

    every = _configs(kafka, "topic", topic, "--all")
    assert every["retention.ms"]["source"] == "default" and every["retention.ms"]["is_default"] is True

    dry = run_kctl("-i", kafka["instance"], "configs", "alter", "topic", topic, "--set", "retention.ms=1000", "--dry-run")
    assert dry.code == 0 and "would set to 1000 (now 604800000, the default)" in dry.stdout, dry
    checked = run_kctl("-i", kafka["instance"], "configs", "alter", "topic", topic, "--set", "retention.ms=1000",
                       "--validate-only")
    assert checked.code == 0 and "valid: set to 1000" in checked.stdout, checked
    refused = run_kctl("-i", kafka["instance"], "configs", "alter", "topic", topic, "--set", "retention.ms=abc",
                       "--validate-only")
    assert refused.code == 2 and refused.stderr.count("kctl: error:") == 1, refused
    assert "retention.ms" not in _configs(kafka, "topic", topic)


def test_invalid_value_or_unknown_key_exits_2_and_changes_nothing(kafka, new_topic):
    topic = new_topic()
    run_kctl("-i", kafka["instance"], "configs", "alter", "topic", topic, "--set", "retention.ms=3600000")
    before = _configs(kafka, "topic", topic)

    bad = run_kctl("-i", kafka["instance"], "configs", "alter", "topic", topic, "--set", "retention.ms=abc",
                   "--set", "cleanup.policy=compact")
    assert bad.code == 2, bad
    assert bad.stderr.count("kctl: error:") == 1 and "Invalid value abc for configuration retention.ms" in bad.stderr
    unknown = run_kctl("-i", kafka["instance"], "configs", "alter", "topic", topic, "--set", "no.such.key=1")
    assert unknown.code == 2 and "Unknown topic config name: no.such.key" in unknown.stderr, unknown
    assert _configs(kafka, "topic", topic) == before  # cleanup.policy was not applied either

    broker_bad = run_kctl("-i", kafka["instance"], "configs", "alter", "broker", "1", "--set", f"{BROKER_KEY}=abc")
    assert broker_bad.code == 2 and f"Invalid value abc for configuration {BROKER_KEY}" in broker_bad.stderr, broker_bad
    broker_unknown = run_kctl("-i", kafka["instance"], "configs", "alter", "broker", "1", "--set", "no.such.key=1")
    assert broker_unknown.code == 2 and "unknown broker config: no.such.key" in broker_unknown.stderr, broker_unknown
    assert BROKER_KEY not in _configs(kafka, "broker", "1")


def test_broker_dry_run_is_the_plan_and_validate_only_asks_the_broker(kafka):
    plan = run_kctl("-i", kafka["instance"], "configs", "alter", "broker", "1", "--set", f"{BROKER_KEY}=abc",
                    "--dry-run", "-o", "json")
    assert plan.code == 0 and plan.json["dry_run"] is True, plan  # the value is the broker's to check
    (row,) = plan.json["items"]
    assert row["name"] == f"broker 1:{BROKER_KEY}" and row["detail"].startswith("would set to abc (now "), row
    refused = run_kctl("-i", kafka["instance"], "configs", "alter", "broker", "1", "--set", f"{BROKER_KEY}=abc",
                       "--validate-only")
    assert refused.code == 2 and f"Invalid value abc for configuration {BROKER_KEY}" in refused.stderr, refused
    assert BROKER_KEY not in _configs(kafka, "broker", "1")


def test_broker_config_round_trip(kafka):
    assert BROKER_KEY not in _configs(kafka, "broker", "1")
    try:
        result = run_kctl("-i", kafka["instance"], "configs", "alter", "broker", "1", "--set", f"{BROKER_KEY}=16000")
        assert result.code == 0, result
        entry = _configs(kafka, "broker", "1")[BROKER_KEY]
        assert entry["value"] == "16000" and entry["source"] == "broker" and entry["read_only"] is False
    finally:
        run_kctl("-i", kafka["instance"], "configs", "alter", "broker", "1", "--delete", BROKER_KEY)
    assert BROKER_KEY not in _configs(kafka, "broker", "1")
    assert _configs(kafka, "broker", "1", "--all")[BROKER_KEY]["is_default"] is True


def test_unknown_targets(kafka):
    missing = run_kctl("-i", kafka["instance"], "configs", "describe", "topic", "no-such-topic-cfg")
    assert missing.code == 4 and "does not exist" in missing.stderr, missing
    broker = run_kctl("-i", kafka["instance"], "configs", "describe", "broker", "77")
    assert broker.code == 4 and "broker 77 is not in the cluster" in broker.stderr, broker
    both = run_kctl("-i", kafka["instance"], "configs", "describe", "broker", "1", "--default")
    assert both.code == 2, both
    defaults = run_kctl("-i", kafka["instance"], "configs", "describe", "broker", "--default", "-o", "json")
    assert defaults.code == 0 and defaults.json["name"] == "" and all(
        c["source"] == "broker-default" for c in defaults.json["configs"]), defaults
    group = run_kctl("-i", kafka["instance"], "configs", "describe", "group", "some-group", "-o", "json")
    assert group.code == 0 and group.json["resource_type"] == "group", group


def test_sensitive_values_are_masked(kafka):
    every = _configs(kafka, "broker", "1", "--all")
    sensitive = [c for c in every.values() if c["sensitive"]]
    assert all(c["value"] is None for c in sensitive)
    table = run_kctl("-i", kafka["instance"], "configs", "describe", "broker", "1", "--all")
    assert table.code == 0 and "SOURCE" in table.stdout


def test_broker_default_round_trip(kafka):
    """`broker --default`: the cluster-wide dynamic default (a broker resource without an id)."""
    def defaults():
        result = run_kctl("-i", kafka["instance"], "configs", "describe", "broker", "--default", "-o", "json")
        assert result.code == 0, result
        return {c["name"]: c["value"] for c in result.json["configs"]}

    assert BROKER_KEY not in defaults()
    try:
        bad = run_kctl("-i", kafka["instance"], "configs", "alter", "broker", "--default", "--set", f"{BROKER_KEY}=abc")
        assert bad.code == 2 and f"Invalid value abc for configuration {BROKER_KEY}" in bad.stderr, bad
        assert BROKER_KEY not in defaults()
        ok = run_kctl("-i", kafka["instance"], "configs", "alter", "broker", "--default", "--set", f"{BROKER_KEY}=17000")
        assert ok.code == 0, ok
        assert defaults()[BROKER_KEY] == "17000"
        entry = _configs(kafka, "broker", "1")[BROKER_KEY]
        assert entry["source"] == "broker-default" and entry["value"] == "17000"
    finally:
        run_kctl("-i", kafka["instance"], "configs", "alter", "broker", "--default", "--delete", BROKER_KEY)
    assert BROKER_KEY not in defaults()
