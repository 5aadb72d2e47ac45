"""Misuse of the client API and kctl against a real broker: an empty group id reaching a consumer
through the CLI, calls on closed clients that did talk to the cluster, commit() without a group."""

from __future__ import annotations

import pytest

from tests.helpers import run_kctl_process


@pytest.mark.parametrize("group", [" ", "\t"])
def test_consume_with_a_blank_group_is_a_usage_error_not_an_abort(kafka, new_topic, group):
    """librdkafka strips the value to nothing and confluent-kafka aborted the process."""
    topic = new_topic()
    result = run_kctl_process("-i", kafka["instance"], "consume", topic, "--group", group, "-n", "1", "--timeout", "5")
    assert result.code == 2, result
    assert result.stderr.count("kctl: error:") == 1 and "blank" in result.stderr, result


def test_closed_clients_refuse_every_call(kafka, new_topic):
    from kctl.client import AdminClient, ConsumerClient, ProducerClient, ProducerRecord
    from kctl.errors import ClientClosed, UsageError

    topic = new_topic()
    producer = ProducerClient(bootstrap=kafka["bootstrap"])
    producer.send(ProducerRecord(topic, value="x")).get(timeout=30)
    assert producer.close(10) == 0 and producer.close() == 0
    with pytest.raises(ClientClosed, match="producer client is closed"):
        producer.send(ProducerRecord(topic, value="y"))

    consumer = ConsumerClient(bootstrap=kafka["bootstrap"], group_id=f"g-{topic}", auto_offset_reset="earliest")
    consumer.subscribe([topic])
    assert [r.value for r in consumer.poll(max_records=10, timeout=30)] == [b"x"]
    consumer.commit()
    assert consumer.close() is True
    for call in (lambda: consumer.poll(timeout=0), consumer.commit, lambda: consumer.subscribe([topic])):
        with pytest.raises(ClientClosed, match="consumer client is closed"):
            call()

    admin = AdminClient(bootstrap=kafka["bootstrap"])
    assert topic in {t.name for t in admin.list_topics(10)}
    admin.close()
    with pytest.raises(ClientClosed, match="admin client is closed") as raised:
        admin.list_topics(10)
    assert isinstance(raised.value, UsageError)


def test_commit_without_a_group_is_a_usage_error(kafka, new_topic):
    from kctl.client import ConsumerClient
    from kctl.errors import UsageError

    topic = new_topic()
    with ConsumerClient(bootstrap=kafka["bootstrap"]) as consumer:
        consumer.assign({(topic, 0): ConsumerClient.OFFSET_BEGINNING})
        consumer.poll(timeout=0)
        with pytest.raises(UsageError, match="commit\\(\\) needs a group"):
            consumer.commit()
