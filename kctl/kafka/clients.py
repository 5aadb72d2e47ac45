"""Client factories and future waiting.

Everything here raises KctlError subclasses, never confluent_kafka exceptions.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from kctl import log
from kctl.errors import BrokerUnavailable, KctlError, from_kafka_error


def _client_conf(conf: dict) -> dict:
    conf = dict(conf)
    conf.setdefault("logger", log.librdkafka_logger())
    return conf


def kafka_error_of(exc: BaseException):
    """The KafkaError inside a KafkaException (or None)."""
    args = getattr(exc, "args", ())
    if args and hasattr(args[0], "name") and hasattr(args[0], "str"):
        return args[0]
    return None


def to_kctl_error(exc: BaseException, context: str = "") -> KctlError:
    if isinstance(exc, KctlError):
        return exc
    kafka_error = kafka_error_of(exc)
    if kafka_error is not None:
        return from_kafka_error(kafka_error, context)
    message = f"{context}: {exc}" if context else str(exc)
    return KctlError(message)


@contextmanager
def admin_client(conf: dict) -> Iterator:
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    try:
        client = AdminClient(_client_conf(conf))
    except (KafkaException, ValueError, TypeError) as exc:
        raise _config_error(exc) from None
    yield client


def _config_error(exc: BaseException) -> KctlError:
    from kctl.errors import ConfigError

    return ConfigError(f"invalid client configuration: {exc}", hint="check -X, --command-config and the context's properties")


def cluster_metadata(client, conf: dict, timeout: float, topic: str | None = None):
    """list_topics with the 'cannot reach the cluster' case made a clear exit-6 error."""
    from confluent_kafka import KafkaException

    try:
        return client.list_topics(topic=topic, timeout=timeout)
    except KafkaException as exc:
        error = to_kctl_error(exc)
        if isinstance(error, BrokerUnavailable):
            raise BrokerUnavailable(
                f"cannot reach the cluster at {conf.get('bootstrap.servers')} within {timeout:g}s",
                hint="is the broker running? try `kctl local status` or check --bootstrap/--instance",
            ) from None
        raise error from None


def wait_each(futures: dict, timeout: float, context: str = "") -> dict:
    """Wait on admin futures one by one: {key: (result, None) | (None, KctlError)}."""
    from concurrent.futures import TimeoutError as FutureTimeout

    results: dict = {}
    for key, future in futures.items():
        try:
            results[key] = (future.result(timeout=timeout), None)
        except FutureTimeout:
            results[key] = (None, BrokerUnavailable(f"{context or 'request'} for {key} timed out after {timeout:g}s"))
        except Exception as exc:  # noqa: BLE001 - converted, reported per item
            results[key] = (None, to_kctl_error(exc))
    return results
