"""Client factories, error conversion and future waiting.

Everything here raises KctlError subclasses, never confluent_kafka exceptions. Each client
owns its error collector (ClientErrors): nothing here is shared between clients.
"""

from __future__ import annotations

import re
import signal
import time
from contextlib import contextmanager

from kctl import log
from kctl.config.token_sources import librdkafka_conf
from kctl.deadline import Deadline
from kctl.errors import (
    SIGNALS_RAISED,
    AuthError,
    BrokerUnavailable,
    ConfigError,
    KctlError,
    from_kafka_error,
    hint_for,
    interrupt_for,
)
from kctl.kafka.lib import confluent, confluent_admin

_AUTH_CODES = ("_AUTHENTICATION", "SASL_AUTHENTICATION_FAILED", "_SSL")
# A broker with ssl.client.auth=required ends the TLS handshake with an alert that librdkafka
# reports as a transport failure (TLS 1.3: after the handshake, on the first receive): without
# this, a missing or rejected client certificate looked like a broker that is down.
_CERT_ALERT = re.compile(r"alert (bad certificate|certificate required|unknown ca|certificate unknown|"
                         r"certificate revoked|certificate expired|unsupported certificate|access denied)")
UNAVAILABLE_HINT = hint_for(BrokerUnavailable)  # kctl.cli.app replaces it for a cluster that is not local


def client_conf(conf: dict) -> dict:
    """conf with kctl's logger and a short first reconnect backoff added (what every client gets),
    kctl's own properties (kctl.*) removed, and the oauth_cb of a kctl token source (its first
    token fetched now: kctl.config.token_sources)."""
    conf = librdkafka_conf(conf)
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

    KEEP = 200  # a long-running consumer of a flapping cluster gets an event per reconnect: keep the last ones

    def __init__(self):
        self.events: list = []

    def __call__(self, error) -> None:  # error_cb
        self.events.append(error)
        if len(self.events) > 2 * self.KEEP:
            del self.events[:-self.KEEP]  # a rejected login repeats on every attempt: it stays seen

    def auth_failure(self) -> KctlError | None:
        for error in self.events:
            if error.name() in _AUTH_CODES:
                text = re.sub(r"\s*\(after \d+ms in state \w+\)\s*$", "", error.str())
                return AuthError(f"authentication failed: {text}",
                                 hint="check the security settings of your context (`kctl config view`)")
            alert = _CERT_ALERT.search(error.str())
            if error.name() == "_TRANSPORT" and alert:
                return AuthError(f"the broker refused the TLS client certificate (TLS alert: {alert.group(1)})",
                                 hint="check ssl.certificate.location / ssl.key.location of your context "
                                      "(`kctl config view`): a certificate signed by a CA the broker trusts")
        return None


def library_conf(conf: dict, errors: ClientErrors | None = None) -> dict:
    """conf with kctl's logger, reconnect backoff and (when given) an error collector added."""
    conf = client_conf(conf)
    if errors is not None:
        conf.setdefault("error_cb", errors)
    return conf


def lost_interrupt(exc: SystemError) -> BaseException:
    """What a blocking librdkafka call (flush, poll, consume, close, commit...) that failed with
    "SystemError: ... returned NULL without setting an exception" really raised.

    confluent-kafka 2.16.1 on Python < 3.12 keeps only the *value* of an exception raised inside one
    of its Python callbacks (delivery reports, error_cb, the logger, rebalance callbacks) and loses
    one that has none. Python's own SIGINT handler (signal.default_int_handler) raises
    KeyboardInterrupt that way (PyErr_SetNone), so a Ctrl-C landing in a callback during flush()
    became a SystemError (exit 1, not 130). kctl's own handler raises an instance
    (kctl.__main__.install_signal_handlers); this covers programs using kctl.client with Python's
    default handler. Any other SystemError is returned unchanged."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, KeyboardInterrupt):
        # "... returned a result with an exception set": the signal handler raised inside Python
        # code the C call ran (AdminClient.create_topics making its futures) and the call went on
        return cause
    if "without setting an exception" in str(exc) and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        return KeyboardInterrupt()
    return exc


class InterruptSafe:
    """A library client whose every method call turns a lost interrupt (SystemError, see
    lost_interrupt) back into KeyboardInterrupt / Terminated: the admin client's ~25 calls, seen
    with create_topics during `kctl e2e run` (exit 1 instead of 130/143). So does a TypeError or
    ValueError that replaced one (see interrupts_kept: a topic's config names, group ids)."""

    def __init__(self, client):
        object.__setattr__(self, "_client", client)

    def __getattr__(self, name: str):
        value = getattr(self._client, name)
        if not callable(value) or name in getattr(self._client, "__dict__", {}):  # data, kctl_errors: as is
            return value

        def call(*args, **kwargs):
            try:
                with interrupts_kept():
                    return value(*args, **kwargs)
            except SystemError as exc:
                raise lost_interrupt(exc) from None

        return call

    def __setattr__(self, name: str, value) -> None:
        setattr(self._client, name, value)

    def __len__(self) -> int:
        return len(self._client)


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


def config_error(exc: BaseException) -> KctlError:
    """The exit-3 error for properties librdkafka refuses when a client is made."""
    kafka_error = kafka_error_of(exc)
    text = kafka_error.str() if kafka_error is not None else str(exc)
    return ConfigError(f"invalid client configuration: {' '.join(text.split())}",
                       hint="check -X, --command-config and the context's properties")


@contextmanager
def interrupts_kept():
    """The block, with a TypeError or ValueError that replaced an interrupt raised as that
    interrupt (KeyboardInterrupt or Terminated, whichever kctl's handler raised last).

    confluent-kafka turns names (properties, header keys, topics to subscribe, config names) into
    strings with PyObject_Str, which first runs pending signal handlers; when the handler raises
    there, the call replaces that KeyboardInterrupt with a TypeError or ValueError of its own
    ("expected configuration property name as type unicode string": a SIGINT'd `kctl e2e run`
    exited 3, "invalid client configuration", in tests/integration/test_faults.py under load)."""
    raised = len(SIGNALS_RAISED)
    try:
        yield
    except (TypeError, ValueError):
        if len(SIGNALS_RAISED) == raised:
            raise
        raise interrupt_for(SIGNALS_RAISED[-1]) from None


def new_client(factory, conf: dict, refused=config_error):
    """factory(conf): a librdkafka client, with the error refused(exc) returns (exit 3) raised for
    properties librdkafka refuses, and a Ctrl-C or SIGTERM during the call raised as that
    interrupt (see interrupts_kept)."""
    ck = confluent()

    for key, value in conf.items():
        if not all(_is_utf8(text) for text in (key, value) if isinstance(text, str)):
            # confluent-kafka fails with a SystemError (an exception set behind its back) on these
            raise ConfigError(f"invalid client configuration: property {key!r} or its value is not valid UTF-8",
                              hint="check -X, --command-config and the context's properties")
    try:
        with interrupts_kept():
            return factory(conf)
    except (ck.KafkaException, ValueError, TypeError) as exc:
        if isinstance(exc, TypeError) and "name as type unicode string" in str(exc) \
                and all(isinstance(name, str) for name in conf):  # Python's own SIGINT handler raised (a program using kctl.client)
            raise KeyboardInterrupt() from None
        raise refused(exc) from None


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def new_admin(conf: dict, errors: ClientErrors):
    """A confluent_kafka AdminClient reporting to `errors` (exit 3 for properties it refuses)."""
    client = new_client(confluent_admin().AdminClient, library_conf(conf, errors))
    client.kctl_errors = errors  # read by cluster_metadata: this client's own collector
    return InterruptSafe(client)


def unreachable(conf: dict, timeout: float) -> BrokerUnavailable:
    return BrokerUnavailable(f"cannot reach the cluster at {conf.get('bootstrap.servers')} within {round(timeout, 1):g}s",
                             hint=UNAVAILABLE_HINT)


def metadata(client, conf: dict, deadline: Deadline, topic: str | None = None, errors: ClientErrors | None = None):
    """librdkafka metadata (list_topics) with 'cannot reach the cluster' an exit-6 error and a
    rejected login the exit-9 error this client's error collector saw (`errors`, or the one
    new_admin attached to an admin client).

    A rejected login is final, but list_topics just waits out its timeout: the request is made in
    growing slices (0.5 s, 1 s, 2 s, ...) with the collector read between them, so a wrong
    password ends the command in about a second instead of at --timeout.

    An answer that lists no broker is asked again (0.1 s apart, within the deadline): a KRaft
    broker back from a stall or a restart is fenced for a moment (seen up to seconds on a loaded
    machine), and librdkafka would keep that answer in its cache: a topic creation then waited
    for a controller until --timeout. After the deadline the empty answer is returned as it is."""
    ck = confluent()

    errors = errors or getattr(client, "kctl_errors", None)
    total, piece = deadline.remaining(0.1), 0.5
    while True:
        timeout = deadline.remaining(0.1)
        try:
            md = client.list_topics(topic=topic, timeout=min(timeout, piece) if errors is not None else timeout)
            if md.brokers or deadline.remaining() < 0.2:
                return md
            time.sleep(0.1)
            continue
        except SystemError as exc:
            raise lost_interrupt(exc) from None
        except ck.KafkaException as exc:
            if errors is not None:
                try:
                    client.poll(0)  # serve error_cb
                except SystemError as lost:
                    raise lost_interrupt(lost) from None
                auth = errors.auth_failure()
                if auth is not None:
                    raise auth from None
            error = to_kctl_error(exc)
            if not isinstance(error, BrokerUnavailable):
                raise error from None
            if errors is None or deadline.expired:
                raise unreachable(conf, total) from None
            piece *= 2


def wait_each(futures: dict, deadline: "Deadline | float", context: str = "", started: float | None = None) -> dict:
    """Wait on admin futures one by one, all within one deadline: {key: Outcome}.

    started: a time.perf_counter() value; each Outcome's elapsed_ms counts from it.
    """
    from concurrent.futures import TimeoutError as FutureTimeout  # heavy: concurrent.futures

    from kctl.models.admin import Outcome  # not on consume's path

    deadline = Deadline.of(deadline)
    results: dict = {}
    for key, future in futures.items():
        try:
            value, error = future.result(timeout=deadline.remaining()), None
        except FutureTimeout:
            value, error = None, BrokerUnavailable(f"{context or 'request'} for {key} did not finish within the timeout",
                                                   hint=UNAVAILABLE_HINT)
            error.code_name = "_TIMED_OUT"
        except Exception as exc:  # noqa: BLE001 - converted, reported per item
            value, error = None, to_kctl_error(exc)
        elapsed = round((time.perf_counter() - started) * 1000) if started is not None else None
        results[key] = Outcome(value, error, elapsed)
    return results


def broker_count(bootstrap: str, timeout: float, conf: dict | None = None) -> int:
    """How many brokers the cluster at bootstrap reports; 0 while it does not answer (yet).
    conf: security properties (a secured local instance)."""
    ck = confluent()
    ca = confluent_admin()

    client = new_client(ca.AdminClient, client_conf({**(conf or {}), "bootstrap.servers": bootstrap, "log_level": 0}))
    try:
        return len(client.list_topics(timeout=timeout).brokers)
    except ck.KafkaException:
        return 0
