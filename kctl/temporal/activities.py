"""The product spec's nineteen activities (`<name>_activity`) and delete_consumer_group (the end-to-end
workflow's cleanup), thin wrappers over kctl's client API and services.

Producers, consumers and transaction clients are stateful; activities are not. Each worker keeps
its clients in a `ClientHandles` table keyed by a handle the workflow chooses, and the workflow
sends every activity of one handle to the same worker through that worker's own task queue
(`worker_task_queue_activity` tells it which). Stateless activities (topics, groups) run on the
shared queue, on any worker.

Every activity logs `event=activity_complete activity=<name> duration_ms=... workflow_id=...` with the
workflow id as its trace id; kctl errors become ApplicationErrors whose retryability follows kctl's
error class (kctl.temporal.errors).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import replace

from temporalio import activity

from kctl import log
from kctl.client import ConsumerClient, ProducerClient, ProducerRecord, TransactionClient
from kctl.client.conf import resolve_conf
from kctl.errors import KctlError, NotFoundError, UsageError
from kctl.models.workflow import CommittedOffset, Connection, Message, ReceivedRecord, SentRecord
from kctl.render import to_jsonable
from kctl.services import topics
from kctl.temporal.errors import to_application_error
from kctl.temporal.inputs import (
    BeginInput,
    CommitInput,
    GroupInput,
    HandleInput,
    PollInput,
    SeekInput,
    SendBatchInput,
    SendInput,
    TopicInput,
)

# Below the workflows' start-to-close timeout of a send (10 s), so that a send the cluster cannot
# acknowledge fails as 'unavailable' (retried on a new session) instead of timing the activity out.
SEND_TIMEOUT_S = 8.0


# --- the clients one worker holds -----------------------------------------------------------------


class ClientHandles:
    """The stateful clients of one worker, by handle. Not module state: each worker has its own."""

    def __init__(self):
        self._clients: dict[str, object] = {}
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def seen(self, handle: str, name: str) -> bool:
        """Whether `name` (say a checked topic) was marked for this handle."""
        with self._lock:
            return (handle, name) in self._seen

    def mark(self, handle: str, name: str) -> None:
        with self._lock:
            self._seen.add((handle, name))

    def get(self, handle: str, make=None):
        with self._lock:
            client = self._clients.get(handle)
            if client is None and make is not None:
                client = self._clients[handle] = make()
            return client

    def pop(self, handle: str):
        with self._lock:
            self._seen = {seen for seen in self._seen if seen[0] != handle}
            return self._clients.pop(handle, None)

    def close_all(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            try:
                client.close()
            except Exception as exc:  # noqa: BLE001 - shutting down: report, go on
                log.event("client_close_failed", logging.WARNING, error=str(exc))

    def __len__(self) -> int:
        return len(self._clients)


def _activity(name: str):
    """Register a method as the spec's `<name>_activity`: logs, trace id and error mapping."""

    def wrap(method):
        @functools.wraps(method)
        def run(self, *args):
            info = activity.info()
            start = time.perf_counter()
            with log.traced(info.workflow_id, workflow_id=info.workflow_id):
                try:
                    result = method(self, *args)
                except KctlError as exc:
                    log.event("activity_failed", logging.WARNING, activity=name, error=exc.message,
                              attempt=info.attempt, duration_ms=_ms(start))
                    raise to_application_error(exc) from None
                log.event("activity_complete", activity=name, duration_ms=_ms(start))
                return result

        return activity.defn(name=f"{name}_activity")(run)

    return wrap


def _ms(start: float) -> int:
    return round((time.perf_counter() - start) * 1000)


def _headers(message: Message) -> tuple:
    return tuple((k, None if v is None else v.encode()) for k, v in (message.headers or {}).items())


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "replace")


class KafkaActivities:
    """The activities of one worker: its default cluster, its own task queue, its clients."""

    def __init__(self, default_conf: dict, worker_queue: str):
        self.default_conf = dict(default_conf)
        self.worker_queue = worker_queue
        self.handles = ClientHandles()

    def conf(self, connection: Connection) -> dict:
        """The cluster a workflow names (bootstrap list or registry instance), else the worker's own."""
        # The worker's own bootstrap.servers must not ride along: resolve_conf lays the conf it is
        # given over the target it resolves, so the worker's cluster would win over the workflow's.
        others = {k: v for k, v in self.default_conf.items() if k != "bootstrap.servers"}
        if connection.bootstrap_servers:
            return resolve_conf(others, bootstrap=",".join(connection.bootstrap_servers))
        if connection.instance_id is not None:
            return resolve_conf(others, instance=connection.instance_id)
        return dict(self.default_conf)

    def all(self) -> list:
        return [getattr(self, name) for name in dir(self)
                if callable(getattr(self, name)) and hasattr(getattr(self, name), "__temporal_activity_definition")]

    @activity.defn(name="worker_task_queue_activity")
    def worker_task_queue(self) -> str:
        """This worker's own task queue: where a workflow sends the activities of one client."""
        return self.worker_queue

    # --- producer ---------------------------------------------------------------------------------

    def _producer(self, handle: str, connection: Connection, topics=()):
        """The handle's producer, after checking (once per handle) that the topics exist: an unknown
        topic is a not-found error at once, not a send that waits for its delivery timeout."""
        producer = self.handles.get(handle, lambda: ProducerClient(self.conf(connection)))
        for topic in topics:
            if not self.handles.seen(handle, topic):
                producer.partitions_for(topic, SEND_TIMEOUT_S)
                self.handles.mark(handle, topic)
        return producer

    def _record(self, message: Message):
        return ProducerRecord(topic=message.topic, value=message.value, key=message.key,
                              headers=_headers(message), partition=message.partition)

    def _sent(self, metadata, key: str | None) -> SentRecord:
        log.event("producer_send", topic=metadata.topic, partition=metadata.partition, offset=metadata.offset)
        return SentRecord(metadata.topic, metadata.partition, metadata.offset, metadata.timestamp_ms, key)

    @_activity("send_message")
    def send_message(self, params: SendInput) -> SentRecord:
        producer = self._producer(params.handle, params.connection, [params.message.topic])
        future = producer.send(self._record(params.message))
        return self._sent(future.get(timeout=SEND_TIMEOUT_S), params.message.key)

    @_activity("send_batch")
    def send_batch(self, params: SendBatchInput) -> list[SentRecord]:
        producer = self._producer(params.handle, params.connection, sorted({m.topic for m in params.messages}))
        futures = [producer.send(self._record(m)) for m in params.messages]
        producer.flush(SEND_TIMEOUT_S)
        return [self._sent(f.get(timeout=SEND_TIMEOUT_S), m.key) for f, m in zip(futures, params.messages)]

    @_activity("flush_producer")
    def flush_producer(self, params: HandleInput) -> int:
        """Messages still not acknowledged after the flush (0 when everything was delivered)."""
        producer = self.handles.get(params.handle)
        return 0 if producer is None else producer.flush(params.timeout_s)

    @_activity("close_producer")
    def close_producer(self, params: HandleInput) -> bool:
        producer = self.handles.pop(params.handle)
        if producer is not None:
            producer.close()
        return producer is not None

    # --- consumer ---------------------------------------------------------------------------------

    @_activity("poll_messages")
    def poll_messages(self, params: PollInput) -> list[ReceivedRecord]:
        if not params.group_id:  # librdkafka aborts the process on an empty group.id
            raise UsageError("group_id must not be empty")

        def make():
            conf = {**self.conf(params.connection), "auto.offset.reset": params.offset_reset,
                    "enable.auto.commit": False}
            consumer = ConsumerClient(conf, group_id=params.group_id)
            consumer.subscribe(list(params.topics))
            return consumer

        consumer = self.handles.get(params.handle, make)
        start = time.perf_counter()
        deadline = time.monotonic() + params.timeout_ms / 1000.0
        out: list[ReceivedRecord] = []
        # Poll in short slices so the activity heartbeats while it waits (and is cancellable).
        while len(out) < params.max_records:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            records = consumer.poll(max_records=params.max_records - len(out), timeout=min(left, 0.5))
            now_ms = time.time() * 1000.0
            out.extend(ReceivedRecord(r.topic, r.partition, r.offset, r.timestamp_ms, _text(r.key), _text(r.value),
                                      {k: _text(v) for k, v in r.headers}, now_ms) for r in records)
            activity.heartbeat(len(out))
        log.event("consumer_poll", messages_count=len(out), duration_ms=_ms(start))
        return out

    @_activity("commit_offsets")
    def commit_offsets(self, params: CommitInput) -> list[CommittedOffset]:
        consumer = self.handles.get(params.handle)
        if consumer is None:
            raise NotFoundError(f"no consumer {params.handle} on this worker")
        offsets = {(o.topic, o.partition): o.offset for o in params.offsets}
        if offsets:
            consumer.commit(offsets=offsets, asynchronous=False)
        return list(params.offsets)

    @_activity("seek_offset")
    def seek_offset(self, params: SeekInput) -> bool:
        consumer = self.handles.get(params.handle)
        if consumer is None:
            raise NotFoundError(f"no consumer {params.handle} on this worker")
        consumer.seek(params.topic, params.partition, params.offset)
        return True

    @_activity("close_consumer")
    def close_consumer(self, params: HandleInput) -> bool:
        consumer = self.handles.pop(params.handle)
        if consumer is not None:
            consumer.close(timeout=params.timeout_s)
        return consumer is not None

    # --- topics and groups (stateless: any worker) ---------------------------------------------------

    @_activity("create_topic")
    def create_topic(self, params: TopicInput):
        return _checked(topics.create_topics(self.conf(params.connection), params.timeout_s, [params.topic_name],
                                             params.num_partitions, params.replication_factor), topics.failure)

    @_activity("delete_topic")
    def delete_topic(self, params: TopicInput):
        return _checked(topics.delete_topics(self.conf(params.connection), params.timeout_s, [params.topic_name],
                                             if_exists=True), topics.failure)

    @_activity("list_topics")
    def list_topics(self, params: TopicInput):
        return _jsonable(topics.list_topics(self.conf(params.connection), params.timeout_s))

    @_activity("describe_topic")
    def describe_topic(self, params: TopicInput):
        result = topics.describe_topics(self.conf(params.connection), params.timeout_s, [params.topic_name])
        return _checked(result, topics.describe_failure)

    @_activity("list_consumer_groups")
    def list_consumer_groups(self, params: GroupInput):
        from kctl.services import groups  # heavy: msgspec (via kctl.services.groups)

        return _jsonable(groups.list_groups(self.conf(params.connection), params.timeout_s))

    @_activity("describe_consumer_group")
    def describe_consumer_group(self, params: GroupInput):
        from kctl.services import groups  # heavy: msgspec (via kctl.services.groups)

        result = groups.describe_groups(self.conf(params.connection), params.timeout_s, [params.group_id])
        return _checked(result, groups.describe_failure)

    @_activity("delete_consumer_group")
    def delete_consumer_group(self, params: GroupInput):
        """Delete a group; one that does not exist is not an error (a cleanup that is run again)."""
        from kctl.services import groups  # heavy: msgspec (via kctl.services.groups)

        result = groups.delete_groups(self.conf(params.connection), params.timeout_s, [params.group_id])
        items = tuple(replace(i, ok=True, detail="does not exist (skipped)", error=None, exit_code=0)
                      if not i.ok and i.exit_code == NotFoundError.exit_code else i for i in result.items)
        return _checked(replace(result, items=items), groups.failure)

    # --- transactions -----------------------------------------------------------------------------

    @_activity("begin_transaction")
    def begin_transaction(self, params: BeginInput) -> bool:
        """Begin a transaction; the first begin of a handle creates the transactional producer and
        initialises it, which fences any earlier producer with the same transactional id (a worker
        that died mid-transaction: its open transaction is aborted by the coordinator)."""
        def make():
            client = TransactionClient(params.transactional_id, self.conf(params.connection))
            client.init(params.timeout_s)
            return client

        self.handles.get(params.handle, make).begin()
        return True

    def _transaction(self, handle: str):
        client = self.handles.get(handle)
        if client is None:
            raise NotFoundError(f"no transaction client {handle} on this worker",
                                hint="begin_transaction_activity creates it")
        return client

    @_activity("send_transactional_message")
    def send_transactional_message(self, params: SendInput) -> SentRecord:
        future = self._transaction(params.handle).send(self._record(params.message))
        return self._sent(future.get(timeout=SEND_TIMEOUT_S), params.message.key)

    @_activity("commit_transaction")
    def commit_transaction(self, params: HandleInput) -> bool:
        self._transaction(params.handle).commit(params.timeout_s)
        return True

    @_activity("abort_transaction")
    def abort_transaction(self, params: HandleInput) -> bool:
        self._transaction(params.handle).abort(params.timeout_s)
        return True

    @_activity("close_transaction_client")
    def close_transaction_client(self, params: HandleInput) -> bool:
        client = self.handles.pop(params.handle)
        if client is not None:
            client.close()
        return client is not None


def _jsonable(model):
    return to_jsonable(model)


def _checked(result, failure):
    """The model as JSON, or the kctl error its items failed with (per-item failure -> exit code)."""
    error = failure(result)
    if error is not None:
        raise error
    return _jsonable(result)
