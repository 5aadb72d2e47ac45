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
    # librdkafka's first request waits out a reconnect backoff tick (~50 ms with the default
    # 100 ms backoff): a large part of a short command's time. The backoff still grows
    # exponentially towards reconnect.backoff.max.ms for a broker that is down.
    conf.setdefault("reconnect.backoff.ms", 10)
    return conf


class ClientErrors:
    """The error_cb events of one librdkafka client (each client has its own: two clients in one
    process, a worker or a test, never see each other's failures). A wrong password or a SASL/TLS
    mismatch shows up only here; the request itself just times out."""

    def __init__(self):
        self.events: list = []

    def __call__(self, error) -> None:  # error_cb
        self.events.append(error)

    def auth_failure(self) -> KctlError | None:
        import re

        from kctl.errors import AuthError

        for error in self.events:
            if error.name() in _AUTH_CODES:
                text = re.sub(r"\s*\(after \d+ms in state \w+\)\s*$", "", error.str())
                return AuthError(f"authentication failed: {text}",
                                 hint="check the security settings of your context (`kctl config view`)")
        return None


def library_conf(conf: dict, errors: ClientErrors | None = None) -> dict:
    """conf with kctl's logger, reconnect backoff and (when given) an error collector added."""
    conf = _client_conf(conf)
    if errors is not None:
        conf.setdefault("error_cb", errors)
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


# Errors librdkafka reported through error_cb, per live client (id(client) -> [KafkaError]).
_REPORTED: dict[int, list] = {}
_AUTH_CODES = ("_AUTHENTICATION", "SASL_AUTHENTICATION_FAILED", "_SSL")


@contextmanager
def admin_client(conf: dict) -> Iterator:
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    reported: list = []
    conf = _client_conf(conf)
    conf.setdefault("error_cb", reported.append)
    try:
        client = AdminClient(conf)
    except (KafkaException, ValueError, TypeError) as exc:
        raise _config_error(exc) from None
    _REPORTED[id(client)] = reported
    try:
        yield client
    finally:
        _REPORTED.pop(id(client), None)
        client.poll(0)  # hand queued librdkafka log lines to the logger (confluent delivers them on poll)


def auth_failure(client) -> KctlError | None:
    """The authentication error librdkafka reported for this client, if any (a wrong password
    or a SASL/TLS mismatch shows up only as error_cb events; the request itself just times out)."""
    import re

    from kctl.errors import AuthError

    client.poll(0)  # serve error_cb
    for error in _REPORTED.get(id(client), ()):
        if error.name() in _AUTH_CODES:
            text = re.sub(r"\s*\(after \d+ms in state \w+\)\s*$", "", error.str())
            return AuthError(f"authentication failed: {text}", hint="check the security settings of your context (`kctl config view`)")
    return None


def _config_error(exc: BaseException) -> KctlError:
    from kctl.errors import ConfigError

    kafka_error = kafka_error_of(exc)
    text = kafka_error.str() if kafka_error is not None else str(exc)
    return ConfigError(f"invalid client configuration: {' '.join(text.split())}",
                       hint="check -X, --command-config and the context's properties")


def cluster_metadata(client, conf: dict, timeout: float, topic: str | None = None,
                     errors: ClientErrors | None = None):
    """list_topics with the 'cannot reach the cluster' case made a clear exit-6 error (and a
    rejected login an exit-9 one, from the client's own ClientErrors when given)."""
    from confluent_kafka import KafkaException

    try:
        return client.list_topics(topic=topic, timeout=timeout)
    except KafkaException as exc:
        if errors is not None:
            client.poll(0)  # serve error_cb
            auth = errors.auth_failure()
        else:
            auth = auth_failure(client)
        if auth is not None:
            raise auth from None
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


def broker_count(bootstrap: str, timeout: float) -> int:
    """How many brokers the cluster at bootstrap reports; 0 while it does not answer (yet)."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    client = AdminClient(_client_conf({"bootstrap.servers": bootstrap, "log_level": 0}))
    try:
        return len(client.list_topics(timeout=timeout).brokers)
    except KafkaException:
        return 0
