"""Pure logic of `kctl txn`: option parsing, hanging-transaction classification, the
transaction detail built from a description, and kafka-python error mapping."""

from dataclasses import replace

import pytest

from kctl.errors import AuthError, BrokerUnavailable, ExitCode, InvalidRequest, KctlError, NotFoundError, UsageError
from kctl.kafka.kafka_python import kctl_error
from kctl.models import ActiveProducer
from kctl.models.admin import TransactionDescription
from kctl.parsing import parse_partitions
from kctl.services import txn
from kctl.services.txn import OpenTransaction, hanging_transactions

NOW = 1_700_000_600_000


@pytest.mark.parametrize("text, state", [("ongoing", "Ongoing"), ("Complete-Commit", "CompleteCommit"),
                                         ("PREPARE_ABORT", "PrepareAbort"), ("empty", "Empty")])
def test_parse_state_accepts_any_case_and_separator(text, state):
    assert txn.parse_state(text) == state


def test_parse_state_rejects_unknown():
    with pytest.raises(UsageError, match="--state must be one of"):
        txn.parse_state("sleeping")


def test_parse_partitions():
    assert parse_partitions([]) is None
    assert parse_partitions(["2,0", "1", "0"]) == (0, 1, 2)
    for bad in (["a"], ["-1"], [","]):
        with pytest.raises(UsageError):
            parse_partitions(bad)


def _open(topic="orders", partition=0, pid=7, epoch=3, start=100, last=NOW - 3_600_000, coordinator_epoch=5):
    producer = ActiveProducer(pid, epoch, 4, last, coordinator_epoch, start)
    return OpenTransaction(topic, partition, producer)


def _desc(state="Ongoing", pid=7, epoch=3, partitions=(("orders", 0),)):
    return TransactionDescription("tx-a", coordinator=1, state=state, producer_id=pid, producer_epoch=epoch,
                                  timeout_ms=60000, start_time_ms=NOW - 10_000, partitions=tuple(partitions))


def test_open_transaction_its_coordinator_has_open_is_not_hanging():
    assert hanging_transactions([_open()], {7: [("tx-a", _desc())]}, NOW) == []
    # Markers being written after a TV2 end: the coordinator is already one epoch ahead.
    assert hanging_transactions([_open()], {7: [("tx-a", _desc("PrepareCommit", epoch=4))]}, NOW) == []


def test_producer_id_no_transactional_id_holds_is_hanging():
    (h,) = hanging_transactions([_open()], {}, NOW)
    assert (h.topic, h.partition, h.producer_id, h.start_offset, h.coordinator_epoch) == ("orders", 0, 7, 100, 5)
    assert h.transactional_id is None and h.coordinator_state is None
    assert h.duration_ms == 3_600_000 and "no transactional id has producer id 7" in h.reason


@pytest.mark.parametrize("desc, reason", [
    (_desc("CompleteCommit", partitions=()), "no open transaction (CompleteCommit)"),
    (_desc(partitions=(("orders", 1),)), "does not include this partition"),
    (_desc(epoch=5), "producer epoch 5"),
    (_desc("Ongoing", epoch=4), "producer epoch 4"),  # Ongoing must be at the very epoch
])
def test_coordinator_disagreeing_with_the_partition_means_hanging(desc, reason):
    (h,) = hanging_transactions([_open()], {7: [("tx-a", desc)]}, NOW)
    assert reason in h.reason and h.transactional_id == "tx-a" and h.coordinator_state == desc.state


def test_hanging_rows_are_sorted_and_unknown_timestamps_have_no_duration():
    rows = hanging_transactions([_open("b", 1, start=9), _open("a", 2, start=5, last=None)], {}, NOW)
    assert [(h.topic, h.partition) for h in rows] == [("a", 2), ("b", 1)]
    assert rows[0].duration_ms is None


def test_transaction_detail_groups_partitions_and_drops_stale_start_time():
    desc = _desc(partitions=(("b", 2), ("a", 1), ("b", 0)))
    detail = txn.transaction_detail(desc, NOW)
    assert detail.partitions == {"a": (1,), "b": (0, 2)}
    assert detail.start_time_ms == NOW - 10_000 and detail.duration_ms == 10_000
    done = txn.transaction_detail(replace(desc, state="CompleteAbort", partitions=()), NOW)
    assert done.start_time_ms is None and done.duration_ms is None and done.partitions == {}


@pytest.mark.parametrize("kwargs, message", [
    ({}, "not both"),
    ({"start_offset": 1, "producer_id": 2, "producer_epoch": 0}, "not both"),
    ({"producer_id": 2}, "go together"),
    ({"coordinator_epoch": 2}, "go together"),
    ({"start_offset": -1}, "0 or more"),
])
def test_abort_arguments_are_checked_before_connecting(kwargs, message):
    with pytest.raises(UsageError, match=message):
        txn.abort_transaction({"bootstrap.servers": "127.0.0.1:1"}, 1, "t", 0, **kwargs)


def test_find_hanging_arguments_are_checked_before_connecting():
    with pytest.raises(UsageError, match="--partition needs --topic"):
        txn.find_hanging({"bootstrap.servers": "127.0.0.1:1"}, 1, partitions=(0,))
    with pytest.raises(UsageError, match="--max-age-ms"):
        txn.find_hanging({"bootstrap.servers": "127.0.0.1:1"}, 1, max_age_ms=-1)


def test_list_rejects_a_bad_pattern_before_connecting():
    with pytest.raises(UsageError, match="--pattern"):
        txn.list_transactions({"bootstrap.servers": "127.0.0.1:1"}, 1, pattern="(")


def test_kafka_python_errors_map_to_exit_codes():
    import kafka.errors as E

    # Classified through kctl.errors' one map, by librdkafka's code name.
    cases = [
        (E.TransactionalIdNotFoundError(), NotFoundError, ExitCode.NOT_FOUND, "TRANSACTIONAL_ID_NOT_FOUND"),
        (E.UnknownTopicOrPartitionError(), NotFoundError, ExitCode.NOT_FOUND, "UNKNOWN_TOPIC_OR_PART"),
        (E.TransactionalIdAuthorizationFailedError(), AuthError, ExitCode.AUTH, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED"),
        (E.ClusterAuthorizationFailedError(), AuthError, ExitCode.AUTH, "CLUSTER_AUTHORIZATION_FAILED"),
        (E.KafkaTimeoutError("Unable to bootstrap"), BrokerUnavailable, ExitCode.UNAVAILABLE, "_TIMED_OUT"),
        (E.KafkaConnectionError(), BrokerUnavailable, ExitCode.UNAVAILABLE, "_TRANSPORT"),
        (E.InvalidProducerEpochError(), InvalidRequest, ExitCode.USAGE, "INVALID_PRODUCER_EPOCH"),
        (E.GroupIdNotFoundError(), NotFoundError, ExitCode.NOT_FOUND, "GROUP_ID_NOT_FOUND"),
        (E.NonEmptyGroupError(), InvalidRequest, ExitCode.USAGE, "NON_EMPTY_GROUP"),
    ]
    for exc, cls, code, name in cases:
        error = kctl_error(exc, "ctx")
        assert type(error) is cls and error.exit_code == code and error.message.startswith("ctx: ")
        assert error.code_name == name
    assert kctl_error(E.TransactionalIdAuthorizationFailedError()).hint  # auth errors say where to look
    other = kctl_error(ValueError("boom"))
    assert type(other) is KctlError and other.exit_code == ExitCode.INTERNAL and other.message == "boom"


def test_settings_kafka_python_cannot_map_are_a_config_error():
    from kctl.errors import ConfigError

    with pytest.raises(ConfigError, match="kafka-python"):  # a security setting it cannot express
        txn.list_transactions({"bootstrap.servers": "x:1", "sasl.oauthbearer.config": "a"}, 1)


# ---- transaction calls in slices (librdkafka's commit cannot be interrupted from Python while it waits) ----


class _SlowCoordinator:
    """A confluent Producer whose commit/abort time out (retriable, as librdkafka's do) until `then`."""

    def __init__(self, then=None, after: int = 1):
        self.timeouts: list[float] = []
        self.then, self.after = then, after

    def commit_transaction(self, timeout):
        from confluent_kafka import KafkaError, KafkaException

        self.timeouts.append(timeout)
        if self.then is not None and len(self.timeouts) > self.after:
            raise self.then
        raise KafkaException(KafkaError(KafkaError._TIMED_OUT, "Timed out", retriable=True))

    abort_transaction = commit_transaction

    def poll(self, timeout=0):  # the adapter looks for an authentication failure once the time is up
        return 0


def _lib_producer(fake):
    from confluent_kafka import KafkaException

    from kctl.kafka.clients import ClientErrors
    from kctl.kafka.producer import LibProducer

    lib = object.__new__(LibProducer)
    lib.conf, lib.errors, lib._producer, lib._kafka_exception = {"transactional.id": "t"}, ClientErrors(), fake, \
        KafkaException
    return lib


@pytest.mark.parametrize("call", ["commit_transaction", "abort_transaction"])
def test_a_commit_or_abort_waits_in_slices_and_stops_at_the_deadline(call):
    from kctl.deadline import Deadline
    from kctl.kafka.producer import TXN_SLICE_S

    fake = _SlowCoordinator()
    with pytest.raises(BrokerUnavailable):
        getattr(_lib_producer(fake), call)(Deadline.after(0.3))
    assert len(fake.timeouts) > 1 and max(fake.timeouts) <= TXN_SLICE_S  # Python (and its signals) runs between


def test_a_commit_resumed_after_a_slice_sees_that_the_transaction_must_abort():
    from confluent_kafka import KafkaError, KafkaException

    from kctl.deadline import Deadline
    from kctl.errors import TransactionAbortable
    from kctl.kafka.producer import TXN_SLICE_S

    abortable = KafkaException(KafkaError(KafkaError.INVALID_TXN_STATE, "abortable",
                                          txn_requires_abort=True))
    fake = _SlowCoordinator(then=abortable)
    with pytest.raises(TransactionAbortable):
        _lib_producer(fake).commit_transaction(Deadline.after(120))
    assert len(fake.timeouts) == 2 and fake.timeouts[0] <= TXN_SLICE_S


def test_txn_run_waits_no_longer_than_its_timeout():
    from kctl.services.txn_script import ScriptRun, parse_script

    assert ScriptRun({}, None, parse_script("steps: [begin]")[1], timeout=2.0).timeout == 2.0
