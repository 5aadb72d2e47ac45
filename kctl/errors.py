"""Exit codes and the error tree.

Every expected failure is a KctlError carrying its exit code and a one-line hint;
kctl.__main__.main is the only place that turns them into a process exit status.
"""

from __future__ import annotations

import signal
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2
    CONFIG = 3
    NOT_FOUND = 4
    PARTIAL = 5
    UNAVAILABLE = 6
    TXN_ABORTED = 7
    CHECK_FAILED = 8
    AUTH = 9
    INTERRUPTED = 130
    TERMINATED = 143


class KctlError(Exception):
    """An expected failure: printed as `kctl: error: <message>` plus an optional hint."""

    exit_code: ExitCode = ExitCode.INTERNAL
    code_name: str | None = None  # the KafkaError code name it came from, if any

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(KctlError):
    exit_code = ExitCode.USAGE


class ClientClosed(UsageError):
    """A call on a kctl.client client (producer, consumer, admin, transaction) after its close()."""


class ConfigError(KctlError):
    exit_code = ExitCode.CONFIG


class NotFoundError(KctlError):
    exit_code = ExitCode.NOT_FOUND


class PartialFailure(KctlError):
    """Some items of a multi-item operation failed; the per-item rows were already rendered."""

    exit_code = ExitCode.PARTIAL


class BrokerUnavailable(KctlError):
    exit_code = ExitCode.UNAVAILABLE


class TransactionAborted(KctlError):
    exit_code = ExitCode.TXN_ABORTED


class TransactionAbortable(TransactionAborted):
    """The transaction cannot commit any more (librdkafka's txn_requires_abort): abort it, then
    the producer can begin a new one."""


class TransactionFatal(TransactionAborted):
    """The transactional producer is unusable (fenced by a newer instance with the same
    transactional.id, or another fatal error): close it; only a new producer can go on."""


class CheckFailed(KctlError):
    exit_code = ExitCode.CHECK_FAILED


class AuthError(KctlError):
    exit_code = ExitCode.AUTH


class OutputError(KctlError):
    """kctl's own stdout cannot be written (closed, full, I/O error): what was written stays
    written (and committed), the rest is not."""

    exit_code = ExitCode.PARTIAL


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so every interrupt path (flush, abort,
    commit what was written) runs unchanged; main() exits 143 instead of 130."""


# The signals kctl's handlers (kctl.__main__) raised an interrupt for, newest last: code that
# catches a library error which may have replaced that interrupt asks here (kafka.clients.interrupts_kept).
SIGNALS_RAISED: list[int] = []


def interrupt_for(signum: int) -> KeyboardInterrupt:
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


class InvalidRequest(KctlError):
    """The broker rejected the request as invalid (bad name, bad config, topic exists...)."""

    exit_code = ExitCode.USAGE


class RecordRejected(InvalidRequest):
    """The producer refused a record before sending it (too large, unknown partition...);
    .index is its position in the batch that was being handed over."""

    index: int = 0


# librdkafka's error code names (KafkaError.<NAME> in the Python binding) grouped by what the caller
# can do. Names, not numbers, so this module never imports the Kafka library.
_BY_CODE_NAME: dict[str, type[KctlError]] = {
    "_TRANSPORT": BrokerUnavailable,
    "_TIMED_OUT": BrokerUnavailable,
    "_ALL_BROKERS_DOWN": BrokerUnavailable,
    "_RESOLVE": BrokerUnavailable,
    "REQUEST_TIMED_OUT": BrokerUnavailable,
    "NOT_CONTROLLER": BrokerUnavailable,
    "BROKER_NOT_AVAILABLE": BrokerUnavailable,
    "LEADER_NOT_AVAILABLE": BrokerUnavailable,
    "NOT_ENOUGH_REPLICAS": BrokerUnavailable,
    "COORDINATOR_NOT_AVAILABLE": BrokerUnavailable,
    "_WAIT_COORD": BrokerUnavailable,  # a commit or group request while no coordinator answers
    "UNKNOWN_TOPIC_OR_PART": NotFoundError,
    "_UNKNOWN_TOPIC": NotFoundError,
    "_UNKNOWN_PARTITION": NotFoundError,
    "GROUP_ID_NOT_FOUND": NotFoundError,
    "TRANSACTIONAL_ID_NOT_FOUND": NotFoundError,
    "RESOURCE_NOT_FOUND": NotFoundError,
    "TOPIC_ALREADY_EXISTS": InvalidRequest,
    "INVALID_TOPIC_EXCEPTION": InvalidRequest,
    "TOPIC_EXCEPTION": InvalidRequest,  # the binding's name for INVALID_TOPIC_EXCEPTION (bad topic name)
    "INVALID_PARTITIONS": InvalidRequest,
    "INVALID_REPLICATION_FACTOR": InvalidRequest,
    "INVALID_REPLICA_ASSIGNMENT": InvalidRequest,
    "INVALID_CONFIG": InvalidRequest,
    "INVALID_REQUEST": InvalidRequest,
    "POLICY_VIOLATION": InvalidRequest,
    "MSG_SIZE_TOO_LARGE": InvalidRequest,
    "_MSG_SIZE_TOO_LARGE": InvalidRequest,
    "RECORD_LIST_TOO_LARGE": InvalidRequest,
    "OFFSET_OUT_OF_RANGE": InvalidRequest,
    "NON_EMPTY_GROUP": InvalidRequest,
    "GROUP_SUBSCRIBED_TO_TOPIC": InvalidRequest,
    "_INVALID_ARG": InvalidRequest,
    "_INVALID_TYPE": InvalidRequest,
    "TOPIC_AUTHORIZATION_FAILED": AuthError,
    "GROUP_AUTHORIZATION_FAILED": AuthError,
    "CLUSTER_AUTHORIZATION_FAILED": AuthError,
    "TRANSACTIONAL_ID_AUTHORIZATION_FAILED": AuthError,
    "SASL_AUTHENTICATION_FAILED": AuthError,
    "_AUTHENTICATION": AuthError,
    "_SSL": AuthError,
    "TOPIC_DELETION_DISABLED": InvalidRequest,
    "SECURITY_DISABLED": InvalidRequest,  # ACL requests to a cluster without an authorizer
    # transactions and producer state (kafka-python's admin requests report these)
    "COORDINATOR_LOAD_IN_PROGRESS": BrokerUnavailable,
    "NOT_COORDINATOR": BrokerUnavailable,
    "NOT_LEADER_FOR_PARTITION": BrokerUnavailable,
    "INVALID_PRODUCER_EPOCH": InvalidRequest,
    "PRODUCER_FENCED": InvalidRequest,
    "TRANSACTION_COORDINATOR_FENCED": InvalidRequest,
    "INVALID_TXN_STATE": InvalidRequest,
    "UNSUPPORTED_VERSION": InvalidRequest,
    "UNKNOWN_PRODUCER_ID": NotFoundError,
}

_HINTS: dict[type[KctlError], str] = {
    BrokerUnavailable: "is the broker running? try `kctl local status` or check --bootstrap/--instance",
    AuthError: "check the security settings of your context (`kctl config view`)",
}


def hint_for(cls: type[KctlError]) -> str | None:
    """The standard hint of an error class (where to look), if it has one."""
    return _HINTS.get(cls)


def error_class_for(code_name: str | None) -> type[KctlError]:
    """The KctlError subclass for a KafkaError code name; unknown codes are internal errors."""
    return _BY_CODE_NAME.get(code_name or "", KctlError)


def from_kafka_error(kafka_error, context: str = "") -> KctlError:
    """Turn a librdkafka KafkaError (or anything with .name()/.str()) into a KctlError."""
    try:
        name = kafka_error.name()
        text = kafka_error.str()
    except AttributeError:
        name, text = None, str(kafka_error)
    cls = error_class_for(name)
    message = f"{context}: {text}" if context else text
    error = cls(message, hint=_HINTS.get(cls))
    error.code_name = name
    return error


def failure_of(items, operation: str = "operation", hint: str | None = None) -> KctlError | None:
    """The error a multi-item operation ends with (None when every item succeeded).

    items: rows with .name, .ok, .error and .exit_code (models.ItemResult). Some failed ->
    PartialFailure (exit 5). All failed for the same kind of reason -> that kind's exit code
    (say 4 when every topic was unknown); all failed for different reasons -> exit 5.
    """
    items = list(items)
    failed = [i for i in items if not i.ok]
    if not failed:
        return None
    if len(failed) == 1:
        message = f"{operation} failed for {failed[0].name}: {failed[0].error}"
    else:
        more = f" and {len(failed) - 10} more" if len(failed) > 10 else ""  # the rows name them all
        message = f"{operation} failed for {len(failed)} of {len(items)} items: " + \
            ", ".join(i.name for i in failed[:10]) + more
    codes = {i.exit_code for i in failed}
    if len(failed) < len(items) or len(codes) != 1:
        return PartialFailure(message, hint=hint or "the rows above say what failed and why")
    error = _CLASS_BY_EXIT_CODE.get(next(iter(codes)), KctlError)(message, hint=hint)
    if error.hint is None:
        error.hint = _HINTS.get(type(error))
    return error


_CLASS_BY_EXIT_CODE: dict[int, type[KctlError]] = {
    int(cls.exit_code): cls
    for cls in (UsageError, ConfigError, NotFoundError, BrokerUnavailable, TransactionAborted, CheckFailed, AuthError)
}


def error_for_exit_code(code: int, message: str, hint: str | None = None) -> KctlError:
    """A KctlError of the class that exits with `code` (an error that crossed a process boundary,
    say a Temporal workflow's failure, keeps its exit code)."""
    return _CLASS_BY_EXIT_CODE.get(int(code), KctlError)(message, hint=hint)
