"""The Temporal worker against a real Temporal dev server and the real broker.

The dev server is the single-broker instance's (`kctl local up --temporal`, started here when it is
not running, stopped at the end if this module started it); workers are real `kctl worker run`
processes, so that they can be SIGKILLed in the middle of a workflow.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from tests.helpers import run_kctl, run_kctl_process, wait_until

pytestmark = pytest.mark.temporal


@pytest.fixture(scope="module")
def temporal(kafka):
    """{'address': host:port, 'ui_port': N} of the instance's Temporal dev server."""
    from kctl.config.registry import load_registry
    from kctl.services import local

    registry = load_registry()
    instance = kafka["instance"]
    ports = registry.temporal_of(instance)
    try:
        started = local.start_temporal(registry, instance, wait=60.0)
    except Exception as exc:  # noqa: BLE001 - the message says why; the tests fail, never skip
        pytest.fail(f"cannot start the Temporal dev server of instance {instance}: {exc}", pytrace=False)
    yield {"address": ports.address, "ui_port": ports.ui_port, "instance": instance}
    if started and not os.environ.get("KCTL_TEST_KEEP_BROKERS"):
        local.stop_temporal(registry, instance)


class Worker:
    """A `kctl worker run` process with its log in a file."""

    def __init__(self, kafka, temporal, log_path, task_queue, verbose=True):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kctl", "-b", kafka["bootstrap"], *(["-v"] if verbose else []), "worker", "run",
             "--temporal", temporal["address"], "--task-queue", task_queue, "--grace", "2"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.wait_for("kctl: worker polling task queue", 1)

    def text(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def count(self, needle: str) -> int:
        return self.text().count(needle)

    def wait_for(self, needle: str, count: int, timeout: float = 60) -> None:
        def seen():
            assert self.proc.poll() is None, f"worker exited:\n{self.text()[-3000:]}"
            return self.count(needle) >= count

        wait_until(seen, timeout, lambda: f"{needle!r} x{count} not seen:\n{self.text()[-3000:]}", interval=0.05)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
        return self.proc.returncode


@pytest.fixture
def workers(kafka, temporal, tmp_path):
    """Factory of workers on a task queue private to the test; all stopped at teardown."""
    started: list[Worker] = []
    queue = f"kafka-messaging-queue-test-{uuid.uuid4().hex[:8]}"

    def start(verbose=True) -> Worker:
        worker = Worker(kafka, temporal, tmp_path / f"worker-{len(started)}.log", queue, verbose)
        started.append(worker)
        return worker

    start.queue = queue
    yield start
    for worker in started:
        worker.stop()


def workflow(temporal, queue, kind, params, *extra):
    """`kctl workflow run KIND --params-file ... -o json` through the real entry point."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(params, handle)
    try:
        return run_kctl("workflow", "run", kind, "--params-file", handle.name, "--temporal", temporal["address"],
                        "--task-queue", queue, "-o", "json", *extra)
    finally:
        os.unlink(handle.name)


def read_back(kafka, topic, isolation="read_uncommitted", expect=None, timeout=30.0):
    """Every record of the topic, read with kctl's consumer client (not through the workflow)."""
    from kctl.client import ConsumerClient

    records = []
    conf = {"bootstrap.servers": kafka["bootstrap"], "isolation.level": isolation, "auto.offset.reset": "earliest"}
    with ConsumerClient(conf, group_id=f"readback-{uuid.uuid4().hex[:8]}") as consumer:
        consumer.subscribe([topic])
        deadline = time.monotonic() + timeout
        idle_since = time.monotonic()
        while time.monotonic() < deadline:
            batch = consumer.poll(max_records=500, timeout=0.5)
            records.extend(batch)
            if batch:
                idle_since = time.monotonic()
            if expect is not None and len(records) >= expect and time.monotonic() - idle_since > 1.0:
                break
    return records


def test_producer_workflow_with_the_spec_parameters(kafka, temporal, workers, new_topic):
    topic = new_topic(partitions=3)
    worker = workers()
    params = {"messages": [{"topic": topic, "value": "message-1", "key": "key-1"},
                           {"topic": topic, "value": "message-2", "key": "key-2", "headers": {"h": "v"}}],
              "bootstrap_servers": [kafka["bootstrap"]], "flush": True}
    result = workflow(temporal, workers.queue, "produce", params)
    assert result.code == 0, result
    doc = result.json
    assert doc["flushed"] is True and [r["key"] for r in doc["records"]] == ["key-1", "key-2"]
    stored = {(r.partition, r.offset): r for r in read_back(kafka, topic, expect=2)}
    for sent, value in zip(doc["records"], ["message-1", "message-2"]):
        record = stored[(sent["partition"], sent["offset"])]
        assert record.value == value.encode() and record.key == sent["key"].encode()
    assert dict(stored[(doc["records"][1]["partition"], doc["records"][1]["offset"])].headers) == {"h": b"v"}
    assert worker.count("event=activity_complete activity=send_message") == 2
    assert worker.count("event=producer_send") >= 2
    # The workflow id is the trace id of its activity lines.
    line = next(text for text in worker.text().splitlines() if "activity=send_message" in text)
    fields = dict(p.split("=", 1) for p in line.split() if "=" in p)
    assert fields["trace_id"] == fields["workflow_id"] and fields["workflow_id"].startswith("kctl-produce-")


def test_consumer_workflow_reads_and_commits(kafka, temporal, workers, new_topic, unique_name):
    from kctl.client import ProducerClient, ProducerRecord

    topic = new_topic(partitions=2)
    group = unique_name("wf-group")
    with ProducerClient({"bootstrap.servers": kafka["bootstrap"]}) as producer:
        futures = [producer.send(ProducerRecord(topic, value=f"v{i}", key=f"k{i}", partition=i % 2)) for i in range(6)]
        sent = [f.get(timeout=10) for f in futures]
    workers()
    params = {"group_id": group, "topics": [topic], "bootstrap_servers": [kafka["bootstrap"]], "poll_count": 6,
              "timeout_ms": 1000}
    result = workflow(temporal, workers.queue, "consume", params)
    assert result.code == 0, result
    doc = result.json
    assert sorted(r["value"] for r in doc["records"]) == [f"v{i}" for i in range(6)]
    ends = {}
    for metadata in sent:
        ends[metadata.partition] = max(ends.get(metadata.partition, 0), metadata.offset + 1)
    assert {o["partition"]: o["offset"] for o in doc["committed"]} == ends
    described = run_kctl("groups", "describe", group, "-b", kafka["bootstrap"], "-o", "json").json[0]
    assert {o["partition"]: o["committed_offset"] for o in described["offsets"]} == ends


def test_topic_management_workflow_operations(kafka, temporal, workers, unique_name):
    workers()
    topic = unique_name("wf-topic")
    conn = {"bootstrap_servers": [kafka["bootstrap"]]}
    created = workflow(temporal, workers.queue, "topic",
                       {"operation": "create", "topic_name": topic, "num_partitions": 3, "replication_factor": 1, **conn})
    assert created.code == 0, created
    assert created.json["result"]["items"][0]["ok"] is True
    described = workflow(temporal, workers.queue, "topic", {"operation": "describe", "topic_name": topic, **conn})
    assert len(described.json["result"]["topics"][0]["partitions"]) == 3
    listed = workflow(temporal, workers.queue, "topic", {"operation": "list", **conn})
    assert topic in [t["name"] for t in listed.json["result"]]
    groups = workflow(temporal, workers.queue, "topic", {"operation": "list_groups", **conn})
    assert groups.code == 0 and isinstance(groups.json["result"], list)
    refused = workflow(temporal, workers.queue, "topic", {"operation": "delete", "topic_name": topic, **conn})
    assert refused.code == 2 and "refusing without --yes (not a terminal)" in refused.stderr, refused
    assert topic in refused.stderr and "would delete: 3 partitions" in refused.stderr  # the plan, read on conn's cluster
    deleted = workflow(temporal, workers.queue, "topic", {"operation": "delete", "topic_name": topic, **conn}, "--yes")
    assert deleted.code == 0, deleted
    after = run_kctl("topics", "list", "-b", kafka["bootstrap"], "-o", "json").json
    assert topic not in [t["name"] for t in after]
    bad = workflow(temporal, workers.queue, "topic", {"operation": "explode", **conn})
    assert bad.code == 2 and "unknown operation" in bad.stderr


def test_end_to_end_workflow_passes_and_leaves_no_topic(kafka, temporal, workers):
    workers()
    result = run_kctl("workflow", "run", "e2e", "--test-messages-count", "100", "--num-partitions", "3",
                      "--instance-id", str(kafka["instance"]), "--cleanup", "--temporal", temporal["address"],
                      "--task-queue", workers.queue, "-o", "json")
    assert result.code == 0, result
    report = result.json
    assert report["ok"] is True and report["consumed"] == 100 and report["missing"] == 0 and report["duplicates"] == 0
    assert [s["status"] for s in report["steps"] if s["name"] != "transactions"] == ["passed"] * 8
    assert report["latency"]["overall"]["count"] == 100
    assert len(report["offsets"]) == 3 and all(o["committed"] == o["end_offset"] for o in report["offsets"])
    topics = [t["name"] for t in run_kctl("topics", "list", "-b", kafka["bootstrap"], "-o", "json").json]
    assert report["topic"] not in topics
    # Its consumer group goes too, as with `kctl e2e run`.
    groups = [g["group_id"] for g in run_kctl("groups", "list", "-b", kafka["bootstrap"], "-o", "json").json]
    assert report["group"] not in groups
    assert report["steps"][-1]["detail"] == f"deleted {report['topic']} and group {report['group']}"


def test_a_non_retryable_error_fails_the_workflow_at_once(kafka, temporal, workers, unique_name):
    worker = workers()
    missing = unique_name("no-such-topic")
    params = {"messages": [{"topic": missing, "value": "x"}], "bootstrap_servers": [kafka["bootstrap"]]}
    result = workflow(temporal, workers.queue, "produce", params)
    assert result.code == 4, result
    assert result.stderr.startswith("kctl: error: workflow ") and "does not exist" in result.stderr
    assert result.stderr.count("\n") == 1
    # Tried once: not retried with backoff.
    assert worker.count("event=activity_failed") == 1 and "attempt=1" in worker.text()
    # An expected kctl error is that one line, not also temporalio's traceback of it.
    assert "Traceback" not in worker.text() and "Completing activity as failed" not in worker.text()


def test_the_worker_says_where_it_polls_without_v(kafka, temporal, workers, unique_name):
    worker = workers(verbose=False)
    lines = worker.text().splitlines()
    assert lines == [f"kctl: worker polling task queue {workers.queue} at {temporal['address']} (namespace default); "
                     f"Kafka: bootstrap {kafka['bootstrap']} unless a workflow names its own"], lines
    # A workflow failing as expected (a missing topic) leaves one warning line, no traceback.
    params = {"messages": [{"topic": unique_name("no-such-topic"), "value": "x"}]}
    assert workflow(temporal, workers.queue, "produce", params).code == 4
    failed = [line for line in worker.text().splitlines()[1:] if line.strip()]
    assert len(failed) == 1 and "event=activity_failed" in failed[0], failed


def test_a_workflows_own_cluster_is_the_one_it_changes(kafka, kafka3, temporal, workers, unique_name):
    """The worker runs on instance 0 (-b); the workflow names the 3-broker cluster: the plan is read
    there and the delete happens there, and the same-named topic of the worker's cluster stays."""
    from kctl.client import AdminClient

    topic = unique_name("wf-own-cluster")
    for bootstrap, partitions in ((kafka["bootstrap"], 1), (kafka3["bootstrap"], 2)):
        assert run_kctl("topics", "create", topic, "-p", partitions, "-b", bootstrap).code == 0
    workers()
    params = {"operation": "delete", "topic_name": topic, "bootstrap_servers": kafka3["bootstrap"].split(",")}
    refused = workflow(temporal, workers.queue, "topic", params)
    assert refused.code == 2 and "would delete: 2 partitions" in refused.stderr, refused
    deleted = workflow(temporal, workers.queue, "topic", params, "--yes")
    assert deleted.code == 0, deleted
    with AdminClient({"bootstrap.servers": kafka3["bootstrap"]}) as admin:
        assert admin.topic(topic, 10) is None
    with AdminClient({"bootstrap.servers": kafka["bootstrap"]}) as admin:
        assert admin.topic(topic, 10) is not None
        admin.delete_topics([topic], timeout=10)


def test_a_workflow_nobody_picks_up_exits_6_within_the_timeout(temporal, tmp_path):
    import asyncio

    from temporalio.client import Client

    queue, workflow_id = f"nobody-{uuid.uuid4().hex[:6]}", f"kctl-nobody-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "params.json"
    path.write_text(json.dumps({"operation": "list"}))
    result = run_kctl_process("workflow", "run", "topic", "--params-file", path, "--temporal", temporal["address"],
                              "--task-queue", queue, "--workflow-id", workflow_id, "--timeout", "2", timeout=60)
    assert result.code == 6, result
    assert result.stderr.startswith(f"kctl: error: no worker polls task queue {queue} at {temporal['address']} "
                                    "within 2s"), result.stderr
    assert "--timeout" in result.stderr

    async def status() -> str:
        client = await Client.connect(temporal["address"])
        return (await client.get_workflow_handle(workflow_id).describe()).status.name

    assert asyncio.run(status()) == "TERMINATED"  # a worker started later does not run it


def test_connecting_to_temporal_is_bounded_by_timeout():
    """A server that accepts the connection and never answers (a SIGSTOPped Temporal)."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        result = run_kctl_process("workflow", "result", "x", "--temporal", address, "--timeout", "2", timeout=60)
    assert result.code == 6, result
    assert result.stderr.startswith(f"kctl: error: cannot reach Temporal at {address} (no answer within 2s)"), result


def test_a_workflows_temporal_is_that_of_the_instance_it_names():
    """`workflow run e2e --instance-id N` (no global -i): instance N's Temporal, not instance 0's."""
    from kctl.config.registry import load_registry

    instance = 5  # no Temporal runs there: the error names the address tried
    address = load_registry().temporal_of(instance).address
    result = run_kctl_process("workflow", "run", "e2e", "--instance-id", instance, "--timeout", "2",
                              "--task-queue", f"nobody-{uuid.uuid4().hex[:6]}", timeout=60)
    assert result.code == 6, result
    assert result.stderr.startswith(f"kctl: error: cannot reach Temporal at {address} (connection refused)"), result


def test_killed_worker_mid_producer_workflow_loses_nothing(kafka, temporal, workers, new_topic):
    topic = new_topic(partitions=3)
    first = workers()
    params = {"messages": [{"topic": topic, "value": f"v{i}", "key": f"k{i}"} for i in range(150)],
              "bootstrap_servers": [kafka["bootstrap"]], "flush": True}
    path = first.log_path.with_name("params.json")
    path.write_text(json.dumps(params))
    proc = subprocess.Popen([sys.executable, "-m", "kctl", "workflow", "run", "produce", "--params-file", str(path),
                             "--temporal", temporal["address"], "--task-queue", workers.queue, "-o", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first.wait_for("event=producer_send", 20)
    second = workers()
    first.kill()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    doc = json.loads(out)
    assert doc["attempts"] >= 2 and len(doc["records"]) == 150
    assert second.count("event=producer_send") > 0
    stored = read_back(kafka, topic, expect=150)
    keys = [r.key.decode() for r in stored]
    assert set(keys) == {f"k{i}" for i in range(150)}  # nothing lost
    # At-least-once: a send acknowledged by the broker just before the kill can be sent again.
    assert len(keys) - 150 <= 1


def test_killed_worker_mid_transaction_commits_each_message_once(kafka, temporal, workers, new_topic, unique_name):
    topic = new_topic(partitions=2)
    first = workers()
    params = {"messages": [{"topic": topic, "value": f"v{i}", "key": f"k{i}"} for i in range(60)],
              "bootstrap_servers": [kafka["bootstrap"]], "transactional_id": unique_name("wf-txn")}
    path = first.log_path.with_name("txn.json")
    path.write_text(json.dumps(params))
    workflow_id = f"kctl-killed-txn-{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen([sys.executable, "-m", "kctl", "workflow", "run", "produce", "--params-file", str(path),
                             "--temporal", temporal["address"], "--task-queue", workers.queue, "-o", "json",
                             "--workflow-id", workflow_id],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first.wait_for("activity=send_transactional_message", 15)
    second = workers()
    first.kill()
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err.decode()
    doc = json.loads(out)
    assert doc["attempts"] >= 2 and doc["transactional_id"] == params["transactional_id"]
    assert second.count("activity=commit_transaction") == 1
    committed = read_back(kafka, topic, isolation="read_committed", expect=60)
    assert sorted(r.key.decode() for r in committed) == sorted(f"k{i}" for i in range(60))  # each exactly once
    # Once an activity of the dead worker was not picked up (the abort, or a send scheduled just
    # before the kill), no more cleanup is sent there: one close, the second attempt's. The history
    # with that skip replays deterministically.
    history = _history(temporal, workflow_id)
    scheduled = [e.activity_task_scheduled_event_attributes.activity_type.name for e in history.events
                 if e.HasField("activity_task_scheduled_event_attributes")]
    assert scheduled.count("abort_transaction_activity") <= 1, scheduled
    assert scheduled.count("close_transaction_client_activity") == 1, scheduled
    _replay(history)


def _history(temporal, workflow_id: str):
    import asyncio

    from temporalio.client import Client

    async def fetch():
        client = await Client.connect(temporal["address"])
        return await client.get_workflow_handle(workflow_id).fetch_history()

    return asyncio.run(fetch())


def _replay(history) -> None:
    """Raises on non-determinism."""
    import asyncio

    from temporalio.worker import Replayer

    from kctl.temporal.workflows import WORKFLOWS

    asyncio.run(Replayer(workflows=list(WORKFLOWS)).replay_workflow(history))


def test_two_workers_share_the_load(kafka, temporal, workers, new_topic):
    topic = new_topic(partitions=1)
    pool = [workers(), workers()]
    for n in range(6):
        result = workflow(temporal, workers.queue, "produce",
                          {"messages": [{"topic": topic, "value": f"m{n}"}], "bootstrap_servers": [kafka["bootstrap"]]})
        assert result.code == 0, result
    assert all(w.count("event=activity_complete") > 0 for w in pool), [w.count("event=activity_complete") for w in pool]


def test_recorded_histories_replay_deterministically(kafka, temporal, workers, new_topic):
    topic = new_topic(partitions=1)
    workers()
    for kind, params in (("produce", {"messages": [{"topic": topic, "value": "r"}], "bootstrap_servers": [kafka["bootstrap"]]}),
                         ("topic", {"operation": "list", "bootstrap_servers": [kafka["bootstrap"]]}),
                         ("e2e", {"test_messages_count": 5, "num_partitions": 1, "bootstrap_servers": [kafka["bootstrap"]]})):
        workflow_id = f"kctl-replay-{kind}-{uuid.uuid4().hex[:8]}"
        result = workflow(temporal, workers.queue, kind, params, "--workflow-id", workflow_id)
        assert result.code == 0, result
        _replay(_history(temporal, workflow_id))


def test_unknown_workflow_id_and_unreachable_temporal(temporal):
    assert run_kctl("workflow", "result", f"nope-{uuid.uuid4().hex[:6]}", "--temporal", temporal["address"]).code == 4
    unreachable = run_kctl("workflow", "result", "x", "--temporal", "127.0.0.1:1")
    assert unreachable.code == 6 and unreachable.stderr.startswith("kctl: error: cannot reach Temporal at 127.0.0.1:1")


def test_the_web_ui_answers(temporal):
    with urllib.request.urlopen(f"http://127.0.0.1:{temporal['ui_port']}/", timeout=10) as response:
        assert response.status == 200


def test_worker_stops_cleanly_on_sigterm(workers):
    worker = workers()
    assert worker.stop() == 0
    assert "event=worker_stopped" in worker.text()


def test_without_temporalio_the_worker_says_what_to_install():
    code = ("import sys; sys.modules['temporalio'] = None\n"
            "from kctl.__main__ import main\n"
            "sys.exit(main(['worker', 'run', '--temporal', '127.0.0.1:1']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc
    assert proc.stderr.strip().splitlines() == [
        "kctl: error: the Temporal worker needs the temporalio package (install it with `pip install 'kctl-kafka[temporal]'`)"]


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_a_waiting_workflow_run(temporal, tmp_path, sig, code):
    """`kctl workflow run` waiting on a workflow that no worker runs ends at once on a signal (it once
    ignored SIGTERM: `timeout 60 kctl workflow run ...` was still waiting an hour later)."""
    import asyncio

    from temporalio.client import Client

    path = tmp_path / "params.json"
    path.write_text(json.dumps({"operation": "list"}))
    workflow_id = f"kctl-signal-{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen([sys.executable, "-m", "kctl", "workflow", "run", "topic", "--params-file", str(path),
                             "--temporal", temporal["address"], "--task-queue", f"nobody-{uuid.uuid4().hex[:6]}",
                             "--workflow-id", workflow_id], stderr=subprocess.PIPE)

    async def started() -> bool:
        client = await Client.connect(temporal["address"])
        try:
            await client.get_workflow_handle(workflow_id).describe()
            return True
        except Exception:  # noqa: BLE001 - not started yet
            return False

    wait_until(lambda: asyncio.run(started()), 60, "the workflow started", process=proc)
    time.sleep(0.5)  # past the start: the command now waits on the result
    proc.send_signal(sig)
    assert proc.wait(timeout=10) == code
