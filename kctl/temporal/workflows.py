"""The four workflows of the product spec. Deterministic: no I/O, clock or randomness here (ids come
from workflow.uuid4(), time from workflow.now()); all Kafka work happens in activities.

Stateful sequences (a producer's sends, a consumer's polls and commits, a transaction) run on one
worker: the workflow asks any worker for its own task queue (`worker_task_queue_activity`) and sends
the sequence's activities there. When that worker dies, its activities time out (schedule-to-start
or start-to-close, heartbeats for long polls) and the workflow redoes the sequence on another worker:
- producer: the messages not yet acknowledged (acknowledged ones are in the history);
- transaction: the whole transaction, with the same transactional id, whose new producer fences the
  dead one (its open transaction is aborted), so read_committed consumers see each message once;
- consumer: from the group's committed offsets (records are kept only once committed).
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from kctl.models.workflow import (
        TOPIC_OPERATIONS,
        ConsumerParams,
        ConsumerResult,
        E2EParams,
        ProducerParams,
        ProducerResult,
        SentRecord,
        TopicParams,
        TopicResult,
    )
    from kctl.temporal.inputs import BeginInput, GroupInput, HandleInput, SendBatchInput, SendInput, TopicInput

from kctl.temporal.e2e_flow import EndToEndRun
from kctl.temporal.sessions import (
    MAX_SEQUENCE_ATTEMPTS,
    Session,
    any_worker,
    connection_of,
    consume_polls,
    worker_lost_or_unavailable,
)


@workflow.defn(name="KafkaProducerWorkflow")
class ProducerWorkflow:
    """Send the messages (one send_message per message, or one send_batch), flush, close: the
    partition and offset of every message. With transactional_id: all in one transaction."""

    @workflow.run
    async def run(self, params: ProducerParams) -> ProducerResult:
        if params.transactional_id is not None:
            return await self._transactional(params)
        connection = connection_of(params)
        sent: dict[int, SentRecord] = {}
        attempt = 0
        while True:
            attempt += 1
            session = await Session.open("producer")
            try:
                pending = [i for i in range(len(params.messages)) if i not in sent]
                if params.batch and pending:
                    batch = tuple(params.messages[i] for i in pending)
                    records = await session.call("send_batch_activity", SendBatchInput(session.handle, batch, connection),
                                                 list[SentRecord], timeout_s=60.0)
                    sent.update(zip(pending, records))
                for i in pending:
                    if i not in sent:
                        sent[i] = await session.call("send_message_activity",
                                                     SendInput(session.handle, params.messages[i], connection), SentRecord)
                left = await session.call("flush_producer_activity", HandleInput(session.handle), int) if params.flush else 0
                await session.close_quietly("close_producer_activity")
                return ProducerResult(tuple(sent[i] for i in range(len(params.messages))), params.flush and left == 0,
                                      None, attempt)
            except ActivityError as error:
                await session.close_quietly("close_producer_activity")
                if not worker_lost_or_unavailable(error) or attempt >= MAX_SEQUENCE_ATTEMPTS:
                    raise
                workflow.logger.warning("producer sequence interrupted (%s): redoing on another worker", error.cause)

    async def _transactional(self, params: ProducerParams) -> ProducerResult:
        connection = connection_of(params)
        attempt = 0
        while True:
            attempt += 1
            session = await Session.open("txn")
            try:
                await session.call("begin_transaction_activity",
                                   BeginInput(session.handle, params.transactional_id, connection), bool)
                records = [await session.call("send_transactional_message_activity",
                                              SendInput(session.handle, m, connection), SentRecord)
                           for m in params.messages]
                await session.call("commit_transaction_activity", HandleInput(session.handle), bool)
                await session.close_quietly("close_transaction_client_activity")
                return ProducerResult(tuple(records), True, params.transactional_id, attempt)
            except ActivityError as error:
                # Abort where the worker still lives; a dead worker's transaction is aborted when
                # the next attempt's producer initialises with the same transactional id.
                await session.close_quietly("abort_transaction_activity")
                await session.close_quietly("close_transaction_client_activity")
                if not worker_lost_or_unavailable(error) or attempt >= MAX_SEQUENCE_ATTEMPTS:
                    raise
                workflow.logger.warning("transaction interrupted (%s): redoing it on another worker", error.cause)


@workflow.defn(name="KafkaConsumerWorkflow")
class ConsumerWorkflow:
    """Join the group, poll `poll_count` times (each up to timeout_ms), commit after every poll,
    close: the records and the committed offsets."""

    @workflow.run
    async def run(self, params: ConsumerParams) -> ConsumerResult:
        if params.poll_count < 1 or params.timeout_ms < 1:
            raise ApplicationError("poll_count and timeout_ms must be at least 1", {"exit_code": 2}, non_retryable=True)
        if not params.group_id:  # started by another Temporal client: an empty group id aborts librdkafka
            raise ApplicationError("group_id must not be empty", {"exit_code": 2}, type="UsageError",
                                   non_retryable=True)
        records, committed, attempt = await consume_polls(
            params.group_id, tuple(params.topics), connection_of(params), params.poll_count, params.timeout_ms,
            params.max_records, params.offset_reset)
        return ConsumerResult(tuple(records), tuple(sorted(committed.values(), key=lambda o: (o.topic, o.partition))),
                              attempt)


@workflow.defn(name="KafkaTopicManagementWorkflow")
class TopicManagementWorkflow:
    """create | delete | list | describe | list_groups | describe_group: the command's JSON result."""

    @workflow.run
    async def run(self, params: TopicParams) -> TopicResult:
        operation = params.operation
        if operation not in TOPIC_OPERATIONS:
            raise ApplicationError(f"unknown operation {operation!r} (one of {', '.join(TOPIC_OPERATIONS)})",
                                   {"exit_code": 2}, type="UsageError", non_retryable=True)
        if operation in ("create", "delete", "describe") and not params.topic_name:
            raise ApplicationError(f"operation {operation} needs topic_name", {"exit_code": 2}, type="UsageError",
                                   non_retryable=True)
        if operation == "describe_group" and not params.group_id:
            raise ApplicationError("operation describe_group needs group_id", {"exit_code": 2}, type="UsageError",
                                   non_retryable=True)
        connection = connection_of(params)
        if operation in ("list_groups", "describe_group"):
            name = "list_consumer_groups_activity" if operation == "list_groups" else "describe_consumer_group_activity"
            result = await any_worker(name, GroupInput(params.group_id, connection), None)
        else:
            name = {"create": "create_topic_activity", "delete": "delete_topic_activity", "list": "list_topics_activity",
                    "describe": "describe_topic_activity"}[operation]
            result = await any_worker(name, TopicInput(params.topic_name, params.num_partitions,
                                                        params.replication_factor, connection), None)
        return TopicResult(operation, True, result)


@workflow.defn(name="KafkaEndToEndWorkflow")
class EndToEndWorkflow:
    """The checks of `kctl e2e run` as a workflow; returns the same report shape (kctl.models.E2EReport)."""

    @workflow.run
    async def run(self, params: E2EParams):
        return await EndToEndRun(params, connection_of(params)).execute()


WORKFLOWS = (ProducerWorkflow, ConsumerWorkflow, TopicManagementWorkflow, EndToEndWorkflow)
BY_NAME = {"produce": ProducerWorkflow, "consume": ConsumerWorkflow, "topic": TopicManagementWorkflow,
           "e2e": EndToEndWorkflow}
PARAMS = {"produce": ProducerParams, "consume": ConsumerParams, "topic": TopicParams, "e2e": E2EParams}
