"""The one kafka-python setup, for the admin APIs confluent-kafka 2.16 lacks (ListTransactions,
DescribeTransactions, DescribeProducers, WriteTxnMarkers, DescribeLogDirs, OffsetDelete).

kafka-python is configured from the same librdkafka properties as every other client: the
settings that decide where and how the connection authenticates (bootstrap, security
protocol, SASL, TLS) are translated; a security setting it has no equivalent for is a config
error (exit 3); everything else (producer/consumer tuning such as compression.type) does not
apply to an admin request and is left out with a debug event.

kafka-python does its I/O on a background thread and some of its failures (a value its
encoder rejects, a broker that never answers) leave the calling thread waiting: every call
runs through kctl.deadline.run_bounded, so it returns (or fails with exit 6) within its
deadline. Its exceptions become KctlErrors through kctl.errors' one code map.
"""

from __future__ import annotations

import logging
import warnings

from kctl import log
from kctl.config.token_sources import PREFIX, fetch_timeout, token_source
from kctl.deadline import Deadline, run_bounded
from kctl.errors import ConfigError, KctlError, error_class_for, hint_for

# librdkafka property -> (kafka-python keyword, conversion)
_TRANSLATED = {
    "security.protocol": ("security_protocol", str.upper),
    "sasl.mechanism": ("sasl_mechanism", str.upper),
    "sasl.mechanisms": ("sasl_mechanism", str.upper),
    "sasl.username": ("sasl_plain_username", str),
    "sasl.password": ("sasl_plain_password", str),
    "ssl.ca.location": ("ssl_cafile", str),
    "ssl.certificate.location": ("ssl_certfile", str),
    "ssl.key.location": ("ssl_keyfile", str),
    "ssl.key.password": ("ssl_password", str),
    "ssl.endpoint.identification.algorithm": ("ssl_check_hostname", lambda v: str(v).lower() == "https"),
    "client.id": ("client_id", str),
}
# Settings that change how a connection authenticates: one kafka-python cannot express would
# connect differently (or not at all), so it is an error rather than something to leave out.
_SECURITY_PREFIXES = ("security.", "sasl.", "ssl.")
# Security settings that do not change what kafka-python does (librdkafka-only tuning).
_SECURITY_HARMLESS = ("sasl.kerberos.min.time.before.relogin", "ssl.engine.id", "ssl_engine_callback_data")
_UNSUPPORTED_MECHANISMS = ("GSSAPI",)
# OAUTHBEARER with OIDC client credentials: kctl.config.token_sources reads these.
_OIDC_KEYS = ("sasl.oauthbearer.method", "sasl.oauthbearer.token.endpoint.url", "sasl.oauthbearer.client.id",
              "sasl.oauthbearer.client.secret", "sasl.oauthbearer.scope")

# kafka-python names errors as Kafka's Java client does; librdkafka (kctl.errors) differs for a few.
_LIBRDKAFKA_NAME = {"UNKNOWN_TOPIC_OR_PARTITION": "UNKNOWN_TOPIC_OR_PART", "INVALID_TOPIC": "TOPIC_EXCEPTION"}
# kafka-python's client-side errors -> the librdkafka code names with the same meaning.
_CLIENT_ERRORS = {
    "KafkaConnectionError": "_TRANSPORT",
    "NoBrokersAvailable": "_TRANSPORT",
    "KafkaTimeoutError": "_TIMED_OUT",
    "NodeNotReadyError": "_TRANSPORT",
}
# What an operator reads instead of the broker's terse text.
_TEXTS = {
    "TRANSACTIONAL_ID_NOT_FOUND": "no such transactional id",
    "UNKNOWN_TOPIC_OR_PART": "unknown topic or partition",
    "TRANSACTIONAL_ID_AUTHORIZATION_FAILED": "not authorized for this transactional id",
    "CLUSTER_AUTHORIZATION_FAILED": "not authorized for this cluster operation",
    "TOPIC_AUTHORIZATION_FAILED": "not authorized for this topic",
    "GROUP_AUTHORIZATION_FAILED": "not authorized for this group",
    "SASL_AUTHENTICATION_FAILED": "authentication failed",
    "REQUEST_TIMED_OUT": "request timed out",
    "COORDINATOR_NOT_AVAILABLE": "the coordinator is not available",
    "COORDINATOR_LOAD_IN_PROGRESS": "the coordinator is still loading",
    "NOT_COORDINATOR": "the broker is no longer the coordinator",
    "NOT_LEADER_FOR_PARTITION": "the broker is not a replica (or the leader) of the partition",
    "LEADER_NOT_AVAILABLE": "the partition has no leader",
    "INVALID_PRODUCER_EPOCH": "the producer epoch is stale (the producer has moved on)",
    "PRODUCER_FENCED": "the producer epoch is stale (the producer was fenced)",
    "TRANSACTION_COORDINATOR_FENCED": "the coordinator epoch is older than the partition's",
    "INVALID_TXN_STATE": "the transaction is not in a state that allows this",
    "UNKNOWN_PRODUCER_ID": "the partition has no state for this producer id",
    "GROUP_ID_NOT_FOUND": "the group does not exist",
    "NON_EMPTY_GROUP": "the group is not empty",
    "GROUP_SUBSCRIBED_TO_TOPIC": "the group has active members subscribed to the topic",
}
CONNECTION_CODES = ("_TRANSPORT", "_TIMED_OUT", "REQUEST_TIMED_OUT")


def kafka_python_kwargs(conf: dict, timeout: float) -> dict:
    """KafkaAdminClient keywords for a librdkafka conf. ConfigError for a security setting
    kafka-python has no equivalent for (OAUTHBEARER, a keystore...)."""
    kwargs: dict = {
        "bootstrap_servers": [s.strip() for s in str(conf.get("bootstrap.servers", "")).split(",") if s.strip()],
        "request_timeout_ms": max(1, int(timeout * 1000)),
        "bootstrap_timeout_ms": max(1, int(timeout * 1000)),
        "client_id": "kctl",
    }
    ignored = []
    for key, value in conf.items():
        if key in _TRANSLATED:
            name, convert = _TRANSLATED[key]
            kwargs[name] = convert(value)
        elif key in _OIDC_KEYS or key.startswith(PREFIX):  # read by the token source below
            continue
        elif key.startswith(_SECURITY_PREFIXES) and key not in _SECURITY_HARMLESS:
            raise _untranslatable(key)
        elif key != "bootstrap.servers":
            ignored.append(key)
    if kwargs.get("sasl_mechanism") in _UNSUPPORTED_MECHANISMS:
        raise _untranslatable(f"sasl.mechanism={kwargs['sasl_mechanism']}")
    if kwargs.get("sasl_mechanism") == "OAUTHBEARER":
        source = token_source(conf)
        if source is None:
            # librdkafka's default method takes an unsecured JWT (sasl.oauthbearer.config): testing only.
            raise _untranslatable("sasl.mechanism=OAUTHBEARER with sasl.oauthbearer.method=default (an unsecured token)")
        from kctl.kafka.oauth import TokenProvider  # heavy: kafka (via kctl.kafka.oauth)

        kwargs["sasl_oauth_token_provider"] = TokenProvider(source, fetch_timeout(conf, timeout))
    if ignored:
        log.event("kafka_python_conf_ignored", logging.DEBUG, keys=",".join(sorted(ignored)))
    return kwargs


def _untranslatable(what: str) -> ConfigError:
    return ConfigError(f"{what} has no kafka-python equivalent (this admin request runs over kafka-python, "
                       "as confluent-kafka lacks it)", hint="`kctl config view` shows the settings in effect")


def kctl_error(exc: BaseException, context: str = "") -> KctlError:
    """The KctlError for a kafka-python exception, classified by kctl.errors' code map."""
    if isinstance(exc, KctlError):
        return exc
    kind = type(exc).__name__
    name = _CLIENT_ERRORS.get(kind)
    if name is None and getattr(exc, "errno", None) is not None and isinstance(getattr(exc, "message", None), str):
        name = _LIBRDKAFKA_NAME.get(exc.message, exc.message)
    cls = error_class_for(name)
    text = _TEXTS.get(name or "") or str(exc) or kind
    error = cls(f"{context}: {text}" if context else text, hint=hint_for(cls))
    error.code_name = name
    return error


def is_connection_error(error: KctlError) -> bool:
    return error.code_name in CONNECTION_CODES


def load_library() -> None:
    """Import kafka-python whole, in the calling thread. Its package imports itself in cycles, so
    first imports of its modules from several threads at once fail (importlib's _DeadlockError, or
    "partially initialized module kafka.admin"): code that starts threads which use it calls this first."""
    import kafka  # noqa: F401 - heavy: kafka (the package imports admin, errors, protocol)


class KafkaPythonAdmin:
    """One kafka-python KafkaAdminClient, connected on first use, every call bounded by a deadline."""

    def __init__(self, conf: dict, timeout: float = 10.0):
        self._kwargs = kafka_python_kwargs(conf, timeout)  # a config error before any connection
        self._bootstrap = conf.get("bootstrap.servers")
        self._client = None

    def call(self, what: str, deadline: Deadline, fn_name: str, *args, **kwargs):
        """client.<fn_name>(*args, **kwargs) within the deadline; KctlError on failure."""
        return self.run(what, deadline, lambda client: getattr(client, fn_name)(*args, **kwargs))

    def run(self, what: str, deadline: Deadline, fn):
        """fn(kafka-python KafkaAdminClient) within the deadline, for requests its public methods
        cannot express; KctlError on failure."""
        try:
            return run_bounded(lambda: fn(self._connect(deadline)), deadline, what)
        except KctlError:
            raise
        except Exception as exc:  # noqa: BLE001 - kafka-python raises its own tree and more: one KctlError
            raise kctl_error(exc, what) from None

    def _connect(self, deadline: Deadline):
        if self._client is None:
            _quiet()
            from kafka.admin import KafkaAdminClient  # heavy: kafka

            kwargs = dict(self._kwargs)
            ms = max(1, int(deadline.remaining(0.1) * 1000))
            kwargs.update(request_timeout_ms=ms, bootstrap_timeout_ms=ms)
            try:
                self._client = KafkaAdminClient(**kwargs)
            except Exception as exc:  # noqa: BLE001 - kafka-python's errors, OSError, ssl: one KctlError
                error = kctl_error(exc, "connect")
                if is_connection_error(error):
                    error.message = f"no broker answered at {self._bootstrap} within the timeout"
                    error.args = (error.message,)
                raise error from None
        return self._client

    def close(self, timeout: float = 2.0) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            run_bounded(client.close, Deadline.after(timeout), "close kafka-python client")
        except Exception as exc:  # noqa: BLE001 - closing is best effort
            log.event("kafka_python_close_failed", logging.DEBUG, error=str(exc))


def _quiet() -> None:
    """kafka-python logs connection trouble as warnings (Python would print them without a
    handler) and loads its protocol schemas with importlib.resources calls 3.11 deprecates."""
    kafka_logger = logging.getLogger("kafka")
    if not kafka_logger.handlers:
        kafka_logger.addHandler(logging.NullHandler())
        kafka_logger.propagate = False
    warnings.filterwarnings("ignore", r"(read_text|open_text) is deprecated", DeprecationWarning)
