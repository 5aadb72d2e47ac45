"""`kctl e2e run` against real brokers: passing runs, failing checks, cleanup, unreachable clusters."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from kctl.services import e2e
from tests.helpers import run_kctl, run_kctl_process
from tests.instances import instance_of
from tests.json_schema import validate

OWN_INSTANCE = instance_of(__name__)  # the instance this module may start and stop


def _topic_exists(admin, topic: str) -> bool:
    entry = admin.list_topics(topic=topic, timeout=10).topics.get(topic)
    return entry is not None and entry.error is None


def _group_exists(admin, group: str) -> bool:
    future = admin.describe_consumer_groups([group], request_timeout=10)[group]
    try:
        description = future.result(timeout=15)
    except Exception:  # noqa: BLE001 - GROUP_ID_NOT_FOUND
        return False
    return description.state.name not in ("DEAD", "UNKNOWN")


def _steps(doc: dict) -> dict:
    return {s["name"]: s for s in doc["steps"]}


def test_passing_run_on_one_broker_matches_the_documented_shape(kafka, admin):
    result = run_kctl("e2e", "run", "-i", kafka["instance"], "--timeout", "30", "-o", "json")
    assert result.code == 0, result
    doc = result.json
    assert validate(doc, e2e.REPORT_SCHEMA) == []
    steps = _steps(doc)
    assert [s["name"] for s in doc["steps"]] == [name for name, _ in e2e.STEPS]
    assert all(s["status"] == "passed" for n, s in steps.items() if n != "transactions"), doc["steps"]
    assert steps["transactions"]["status"] == "skipped"
    assert doc["ok"] is True and doc["exit_code"] == 0
    assert (doc["produced"], doc["consumed"], doc["missing"], doc["duplicates"]) == (100, 100, 0, 0)
    assert sorted(p for a in doc["assignment"] for p in a["partitions"]) == [0, 1, 2]
    assert len(doc["assignment"]) == 2
    assert [(o["committed"], o["end_offset"]) for o in doc["offsets"]] == [(34, 34), (33, 33), (33, 33)]
    assert doc["latency"]["overall"]["count"] == 100
    assert [p["partition"] for p in doc["latency"]["partitions"]] == [0, 1, 2]
    assert not _topic_exists(admin, doc["topic"])
    assert not _group_exists(admin, doc["group"])


@pytest.mark.three_brokers
def test_passing_run_on_three_brokers_with_replication_3(kafka3):
    result = run_kctl("e2e", "run", "-i", kafka3["instance"], "--replication-factor", "3", "--consumers", "3",
                      "--timeout", "60", "-o", "json")
    assert result.code == 0, result
    doc = result.json
    assert validate(doc, e2e.REPORT_SCHEMA) == []
    assert len(doc["cluster"]["brokers"]) == 3
    assert doc["settings"]["replication_factor"] == 3
    assert len(doc["assignment"]) == 3 and all(len(a["partitions"]) == 1 for a in doc["assignment"])


def test_transactional_run_passes(kafka):
    result = run_kctl("e2e", "run", "-i", kafka["instance"], "--transactional", "--messages", "20",
                      "--timeout", "30", "-o", "json")
    assert result.code == 0, result
    doc = result.json
    assert _steps(doc)["transactions"]["status"] == "passed"
    assert doc["transactions"] == {"committed_sent": 3, "committed_visible": 3, "aborted_sent": 3,
                                   "aborted_visible": 0, "aborted_in_log": 3}


def test_max_p99_zero_fails_with_exit_8_records_junit_and_cleans_up(kafka, admin, tmp_path):
    junit = tmp_path / "report.xml"
    result = run_kctl("e2e", "run", "-i", kafka["instance"], "--max-p99-ms", "0", "--junit", junit,
                      "--timeout", "30", "-o", "json")
    assert result.code == 8, result
    assert "kctl: error: e2e: step latency failed" in result.stderr
    doc = result.json
    assert validate(doc, e2e.REPORT_SCHEMA) == []
    steps = _steps(doc)
    assert steps["latency"]["status"] == "failed" and "exceeds --max-p99-ms 0" in steps["latency"]["error"]
    assert steps["cleanup"]["status"] == "passed"
    # Cleanup ran after the failure: neither the topic nor the group is left behind.
    assert not _topic_exists(admin, doc["topic"])
    assert not _group_exists(admin, doc["group"])
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("failures") == "1" and suite.get("tests") == "9"
    failures = [c for c in suite.findall("testcase") if c.find("failure") is not None]
    assert len(failures) == 1 and "latency" in failures[0].get("name")
    assert "exceeds --max-p99-ms" in failures[0].find("failure").get("message")


def test_existing_topic_is_an_error_without_reuse_and_is_never_deleted(kafka, admin, new_topic):
    topic = new_topic(partitions=2)
    refused = run_kctl("e2e", "run", "-i", kafka["instance"], "--topic", topic, "--timeout", "30", "-o", "json")
    assert refused.code == 8, refused
    assert "already exists" in _steps(refused.json)["create_topic"]["error"]
    assert _topic_exists(admin, topic)
    reused = run_kctl("e2e", "run", "-i", kafka["instance"], "--topic", topic, "--reuse", "--messages", "10",
                      "--timeout", "30", "-o", "json")
    assert reused.code == 0, reused
    assert reused.json["settings"]["partitions"] == 2
    assert _topic_exists(admin, topic)
    again = run_kctl("e2e", "run", "-i", kafka["instance"], "--topic", topic, "--reuse", "--messages", "10",
                     "--timeout", "30", "-o", "json")
    assert again.code == 0, again  # records of the first run are behind the start offsets, not re-read
    assert again.json["consumed"] == 10 and again.json["duplicates"] == 0


def test_canary_mode_summarises_runs(kafka, tmp_path):
    junit = tmp_path / "canary.xml"
    result = run_kctl("e2e", "run", "-i", kafka["instance"], "--repeat", "2", "--interval", "0",
                      "--messages", "10", "--junit", junit, "--timeout", "30", "-o", "json")
    assert result.code == 0, result
    doc = result.json
    assert validate(doc, e2e.SUMMARY_SCHEMA) == []
    assert (doc["mode"], doc["passed"], doc["failed"], len(doc["runs"])) == ("repeat", 2, 0, 2)
    assert len({r["topic"] for r in doc["runs"]}) == 2
    assert len(ET.parse(junit).getroot().findall("testsuite")) == 2


def test_all_instances_runs_every_answering_instance(kafka):
    result = run_kctl("e2e", "run", "--all-instances", "--messages", "10", "--timeout", "30", "-o", "json")
    assert result.code == 0, result
    doc = result.json
    assert validate(doc, e2e.SUMMARY_SCHEMA) == []
    assert kafka["instance"] in [r["instance"] for r in doc["runs"]]
    assert OWN_INSTANCE in doc["unreachable"] or OWN_INSTANCE in [r["instance"] for r in doc["runs"]]


def test_more_records_than_fit_in_the_timeout_end_the_run_at_the_deadline(kafka):
    """The deadline bounds the produce loop itself, not only a full local queue: a run asked for a
    million records with a 2 s budget stops sending at the deadline and fails the step (exit 8)."""
    messages = 1_000_000
    # A run that ignored the deadline would send them all (minutes, GBs): the guard is generous.
    result = run_kctl_process("e2e", "run", "-i", kafka["instance"], "--messages", messages, "--timeout", "2",
                              "-o", "json", timeout=120)
    assert result.code == 8, result
    doc = result.json
    steps = _steps(doc)
    assert steps["produce"]["status"] == "failed"
    assert doc["produced"] < messages // 2
    assert steps["cleanup"]["status"] == "passed"


@pytest.fixture
def own_registry():
    from kctl.config.registry import load_registry

    return load_registry()


def test_stopped_instance_exits_6_within_the_timeout(own_registry):
    from kctl.services import local

    local.down(own_registry, OWN_INSTANCE)
    # A hang would trip the subprocess timeout; the run itself is bounded by --timeout.
    result = run_kctl_process("e2e", "run", "-i", OWN_INSTANCE, "--timeout", "3", "-o", "json", timeout=60)
    assert result.code == 6, result
    assert "cannot reach the cluster" in result.stderr
    doc = result.json
    assert doc["exit_code"] == 6
    assert _steps(doc)["connect"]["status"] == "failed"
    assert all(s["status"] == "skipped" for n, s in _steps(doc).items() if n != "connect")


@pytest.fixture(scope="module")
def own_broker():
    """Instance 9, started once for the broker-stopping tests (the SIGSTOP ones resume it, the last
    one shuts it down) and stopped at the end."""
    from kctl.config.registry import load_registry
    from kctl.services import local

    registry = load_registry()
    started = local.up(registry, OWN_INSTANCE, brokers=1, wait=120)
    try:
        yield started
    finally:
        _resume(registry)
        local.down(registry, OWN_INSTANCE)


def _broker_pid(registry) -> int | None:
    from kctl.services import local

    return local.status(registry, OWN_INSTANCE)[0].brokers[0].pid


def _resume(registry) -> None:
    import os
    import signal

    pid = _broker_pid(registry)
    if pid:
        try:
            os.kill(pid, signal.SIGCONT)
        except OSError:
            pass


def _wait_until_listed(bootstrap: str, within: float = 60.0) -> None:
    """After SIGCONT the KRaft controller (same process) may fence the broker, whose session timed
    out, until its next heartbeat: the next case starts only once the metadata lists it again
    (kctl.kafka.clients.metadata asks again while it lists no broker, within the timeout)."""
    from kctl.client import AdminClient

    with AdminClient({"bootstrap.servers": bootstrap}, timeout=within) as admin:
        assert admin.describe_cluster(within).brokers, f"the resumed broker was not listed again within {within:.0f} s"


class _StopBrokerAt:
    """A progress listener that takes the instance's broker away when a given step starts: shut
    down (`kctl local down`: connections close) or SIGSTOPped (a hung broker: they stay open)."""

    def __init__(self, registry, step: str, how: str):
        self.registry, self.step, self.how, self.stopped = registry, step, how, False

    def step_started(self, step):
        import os
        import signal

        from kctl.services import local

        if step.name == self.step and not self.stopped:
            if self.how == "down":
                local.down(self.registry, OWN_INSTANCE, grace=5)
            else:
                os.kill(_broker_pid(self.registry), signal.SIGSTOP)
            self.stopped = True


def _run_with_the_broker_stopped(bootstrap: str, stop_at: str, how: str, timeout: float, answer) -> None:
    """In a child process: one e2e run whose broker goes away when step `stop_at` starts; the
    report goes back through the pipe `answer`, and the process ends at once, as `kctl e2e run`
    does (kctl.__main__._exit): the clients that run abandoned to a stopped broker must not outlive
    it. In the test's own process they did, and once the broker resumed librdkafka aborted the
    whole pytest run from one of their threads ("Fatal Python error: Aborted", about 1 run in 8
    under load)."""
    import os

    from kctl.config.client_conf import build_conf
    from kctl.config.registry import load_registry

    listener = _StopBrokerAt(load_registry(), stop_at, how)
    report = e2e.run(build_conf(bootstrap), e2e.E2EOptions(timeout=timeout), listener, instance=OWN_INSTANCE)
    error = e2e.failure(report)  # None for a run that passed: the test says so
    answer.send((report, listener.stopped, error.exit_code if error is not None else None))
    answer.close()
    os._exit(0)


# The SIGSTOP cases first (the broker is resumed after each), the shutdown last: one broker start.
@pytest.mark.parametrize("stop_at, how", [("consume", "sigstop"), ("commit", "sigstop"), ("produce", "down")])
def test_broker_stopping_in_the_middle_fails_a_step_and_exits_without_hanging(own_broker, own_registry, stop_at, how):
    """Whichever step the broker goes away in fails with exit 6 (not 1 or 8): the steps after it
    are skipped and cleanup says what it left behind instead of waiting for deletions."""
    import multiprocessing

    from kctl.services import local

    if local.status(own_registry, OWN_INSTANCE)[0].state != "up":  # run alone after the shutdown case
        local.up(own_registry, OWN_INSTANCE, brokers=1, wait=120)
    timeout = 8.0
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no librdkafka threads forked from pytest's
    receiving, sending = spawn.Pipe(duplex=False)
    child = spawn.Process(target=_run_with_the_broker_stopped,
                          args=(own_broker.bootstrap, stop_at, how, timeout, sending), daemon=True)
    child.start()
    sending.close()
    try:
        # Bounded: the run deadline, the cleanup grace, the broker's own shutdown, plus slack for a busy machine.
        answered = receiving.poll(timeout + e2e.CLEANUP_GRACE_S + 60)
        report, stopped, error_exit_code = receiving.recv() if answered else (None, None, None)
        child.join(30)
    finally:
        if child.is_alive():
            child.kill()
        if how == "sigstop":
            _resume(own_registry)
            _wait_until_listed(own_broker.bootstrap)
    assert answered, f"e2e run hung after the broker stopped (child exit code {child.exitcode})"
    assert child.exitcode == 0
    names = [name for name, _ in e2e.STEPS]
    steps = {s.name: s for s in report.steps}
    shown = "; ".join(f"{s.name}: {s.status} {s.detail} {s.error}" for s in report.steps)
    assert stopped, shown
    before = names[:names.index(stop_at)]
    after = [n for n in names[names.index(stop_at) + 1:] if n != "cleanup"]
    assert all(steps[n].status in ("passed", "skipped") for n in before), shown
    assert steps["connect"].status == "passed" and steps["create_topic"].status == "passed"
    assert steps[stop_at].status == "failed", shown
    assert report.exit_code == 6 and not report.ok, steps[stop_at]
    assert all(steps[n].status == "skipped" for n in after), shown
    assert steps["cleanup"].status in ("failed", "passed")
    assert error_exit_code == 6


def test_producer_client_waits_for_its_producer_id(kafka):
    """ProducerClient.wait_for_producer_id (what the produce step waits on before sending): True
    once the broker assigned the idempotent producer its id; it needs statistics to see that."""
    from kctl.client import ProducerClient
    from kctl.errors import UsageError

    with ProducerClient({"bootstrap.servers": kafka["bootstrap"], "statistics.interval.ms": 20}) as producer:
        assert producer.wait_for_producer_id(10) is True
    with ProducerClient({"bootstrap.servers": kafka["bootstrap"]}) as plain:
        with pytest.raises(UsageError, match="statistics.interval.ms"):
            plain.wait_for_producer_id(1)
    with ProducerClient({"bootstrap.servers": kafka["bootstrap"]}, acks="1", idempotence=False) as loose:
        assert loose.wait_for_producer_id(0) is True  # not idempotent: no producer id to wait for
