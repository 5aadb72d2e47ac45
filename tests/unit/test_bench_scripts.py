"""The benchmark scripts' pure parts: input generation, output checks, the command lines they build."""

import importlib.util
from importlib.machinery import SourceFileLoader
from types import SimpleNamespace

import pytest

from bench.benchlib import REPO_ROOT, Cluster, Kctl


def _load(name):
    loader = SourceFileLoader(f"bench_script_{name}", str(REPO_ROOT / "bench" / name))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def throughput():
    return _load("throughput")


def _args(**overrides):
    base = dict(bootstrap="b:9092", messages=1000, size=100, linger_ms=10, batch_size=262144,
                compression="lz4", fetch=["fetch.wait.max.ms=100"], tools={"kctl", "kcat", "apache"},
                cluster=Cluster("b:9092"), kcat=["kcat"])
    return SimpleNamespace(**(base | overrides))


SCRAM = {"security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "admin",
         "sasl.password": "S3cret-pw", "ssl.ca.location": "/x/ca.pem"}


def test_make_input_writes_count_lines_of_exact_size(tmp_path, throughput):
    path = tmp_path / "in"
    throughput.make_input(path, 25_003, 100)
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""  # ends with a newline
    assert len(lines) - 1 == 25_003
    assert {len(line) for line in lines[:-1]} == {100}
    assert set(b"".join(lines)) <= set(range(ord("A"), ord("Z") + 1))


def test_output_and_produce_checks(throughput):
    assert throughput.output_error(1000, 101_000, 1000, 100) is None
    assert "999 lines" in throughput.output_error(999, 100_999, 1000, 100)
    assert throughput.output_error(1000, 100_000, 1000, 100) is not None  # values cut short
    assert throughput.produce_error(1000, 1000) is None
    assert "holds 0 messages" in throughput.produce_error(0, 1000)


def test_matched_produce_settings_reach_every_tool(tmp_path, throughput):
    cases = throughput.produce_cases(_args(), Kctl.parse("kctl", None), tmp_path / "in")
    matched = [c for c in cases if c.group == "produce, matched settings"]
    assert {c.name for c in matched} == {"kctl produce --file", "kcat -P -l", "apache ConsoleProducer (stdin)",
                                          "apache ProducerPerformance (reference)"}
    by_name = {c.name: " ".join(c.argv) for c in matched}
    for name in ("kctl produce --file", "kcat -P -l"):
        for prop in ("-X linger.ms=10", "-X batch.size=262144", "-X compression.type=lz4", "-X acks=all"):
            assert prop in by_name[name]
    console = by_name["apache ConsoleProducer (stdin)"]
    assert "--compression-codec lz4" in console and "--producer-property linger.ms=10" in console
    assert "compression.type=lz4" in by_name["apache ProducerPerformance (reference)"]
    defaults = [c for c in cases if c.group != "produce, matched settings"]
    assert not any("linger.ms" in " ".join(c.argv) for c in defaults)


def test_tools_filter_and_the_kctl_consume_command(throughput):
    cases = throughput.consume_cases(_args(tools={"kctl"}), Kctl.parse("kctl", None))
    assert [c.is_kctl for c in cases] == [True, True]
    assert cases[0].argv == ["kctl", "-b", "b:9092", "consume", "{topic}", "--from", "beginning", "--until", "end"]
    assert cases[1].argv[:2] == ["kctl", "-X"] and cases[1].settings == {"fetch.wait.max.ms": "100"}


def test_startup_cases_compare_topics_list_with_its_peers():
    startup = _load("startup")
    cases = startup.build_cases(Kctl.parse("kctl", None), Cluster("b:9092"), "T", with_java=True)
    groups = {c.name: c.group for c in cases}
    assert groups["kctl topics list"] == groups["kcat -L"] == groups["apache TopicCommand --list"]
    assert "org.apache.kafka.tools.TopicCommand" in next(c for c in cases if c.name.startswith("apache")).argv
    argv = {c.name: c.argv for c in cases}
    assert argv["kctl consume T --until end (empty)"] == ["kctl", "-b", "b:9092", "consume", "T", "--until", "end"]
    assert argv["kctl produce T --value x"][-3:] == ["T-p", "--value", "x"]
    assert set(startup.GOALS) <= set(argv)  # every goal has its command


def test_startup_goal_verdicts_use_medians_and_the_apache_ratio():
    from bench.benchlib import Case, RunResult

    startup = _load("startup")

    def case(name, group, *walls, kctl=False):
        return Case(name, group, [], is_kctl=kctl, runs=[RunResult([], 0, w) for w in walls])

    floor = case(startup.FLOOR, "floor", 0.05, 0.06, 0.2)  # median 60 ms
    fast_help = case("kctl --help", "help", 0.1, 0.12, 0.5, kctl=True)  # median 120 ms: 2x
    slow_help = case("kctl --help", "help", 0.2, 0.19, 0.5, kctl=True)  # 200 ms: 3.3x
    listing = case("kctl topics list", "list", 0.25, 0.29, kctl=True)  # 270 ms: 4.5x
    apache = case("apache TopicCommand --list", "list", 2.0)
    slow_apache = case("apache TopicCommand --list", "list", 1.0)
    assert startup.goal_text(fast_help, [floor, fast_help]).endswith("met")
    assert startup.goal_text(slow_help, [floor, slow_help]).endswith("MISSED")
    assert startup.goal_text(listing, [floor, listing, apache]).endswith("met")  # 270 ms, 0.135x
    assert startup.goal_text(listing, [floor, listing, slow_apache]).endswith("MISSED")  # 0.27x
    assert startup.goal_text(apache, [floor, listing, apache]) == ""


def test_importtime_parse_keeps_a_module_seen_at_two_depths_and_takes_medians():
    importtime = _load("importtime")
    text = "\n".join([
        "import time: self [us] | cumulative | imported package",
        "import time:      1700 |      22000 |     typer.main",
        "import time:       500 |      39000 |   typer",
        "import time:        20 |      39500 | typer.main",
        "not an import line",
    ])
    parsed = importtime.parse(text)
    assert parsed[("typer.main", 2)] == (1700, 22000)
    assert parsed[("typer.main", 0)] == (20, 39500)
    assert parsed[("typer", 1)] == (500, 39000)
    med = importtime.medians([parsed, {("typer", 1): (700, 41000)}, {("typer", 1): (600, 40000)}])
    assert med[("typer", 1)] == (600, 40000)
    assert med[("typer.main", 0)] == (20, 39500)


def test_a_secured_cluster_logs_every_tool_in_without_a_password_on_a_command_line(tmp_path, throughput):
    cluster = Cluster("h:9992", ["env", "LD_PRELOAD=/lib/librdkafka.so.1", "kcat"], "local-9-scram", dict(SCRAM),
                      tmp_path)
    a = _args(cluster=cluster, bootstrap="h:9992", kcat=cluster.kcat)
    cases = throughput.produce_cases(a, Kctl.parse("kctl", None), tmp_path / "in")
    cases += throughput.consume_cases(a, Kctl.parse("kctl", None))
    argv = {(c.group, c.name): c.argv for c in cases}
    assert all("S3cret-pw" not in " ".join(v) for v in argv.values())
    kctl = argv[("produce, each tool's defaults", "kctl produce --file")]
    assert kctl[:3] == ["kctl", "--context", "local-9-scram"] and "-b" not in kctl
    kcat = argv[("consume, each tool's defaults", "kcat -C -e -q")]
    assert kcat[:3] == cluster.kcat and kcat[kcat.index("-F") + 1] == str(tmp_path / "kcat.conf")
    assert "sasl.password=S3cret-pw\n" in (tmp_path / "kcat.conf").read_text()
    assert (tmp_path / "kcat.conf").stat().st_mode & 0o077 == 0
    console = argv[("consume, each tool's defaults", "apache ConsoleConsumer")]
    java = (tmp_path / "java-client.properties").read_text()
    assert console[console.index("--consumer.config") + 1] == str(tmp_path / "java-client.properties")
    assert "ssl.truststore.type=PEM" in java and 'password="S3cret-pw"' in java and "SCRAM-SHA-512" in java
    producer = argv[("produce, each tool's defaults", "apache ProducerPerformance (reference)")]
    assert "--producer.config" in producer


def test_plaintext_cases_carry_no_login(throughput, tmp_path):
    cases = throughput.produce_cases(_args(), Kctl.parse("kctl", None), tmp_path / "in")
    assert not any("--producer.config" in c.argv or "-F" in c.argv for c in cases)
