"""Partition sizes on disk through DescribeLogDirs, which confluent-kafka 2.16 lacks.

kafka-python (pure Python) speaks that API. Best effort by design: any failure (library
missing, security settings kafka-python cannot map, a broker that does not answer) gives
None, and `topics describe` shows the size as unknown instead of failing.
"""

from __future__ import annotations

import logging

from kctl import log

# librdkafka property -> kafka-python keyword, for the settings both clients understand.
_MAPPED = {
    "security.protocol": ("security_protocol", str.upper),
    "sasl.mechanism": ("sasl_mechanism", str.upper),
    "sasl.mechanisms": ("sasl_mechanism", str.upper),
    "sasl.username": ("sasl_plain_username", str),
    "sasl.password": ("sasl_plain_password", str),
    "ssl.ca.location": ("ssl_cafile", str),
    "ssl.certificate.location": ("ssl_certfile", str),
    "ssl.key.location": ("ssl_keyfile", str),
    "ssl.key.password": ("ssl_password", str),
    "client.id": ("client_id", str),
}
# Settings we may ignore without changing how the connection authenticates.
_HARMLESS_PREFIXES = ("bootstrap.servers", "logger", "socket.", "request.", "metadata.", "debug", "log", "enable.",
                      "api.version", "broker.address", "retries", "retry.", "reconnect.", "client.dns")


def kafka_python_kwargs(conf: dict, timeout: float) -> dict | None:
    """kafka-python KafkaAdminClient keywords for a librdkafka conf, or None when a setting
    that matters for the connection (say OAUTHBEARER or a keystore) has no equivalent."""
    kwargs: dict = {
        "bootstrap_servers": str(conf.get("bootstrap.servers", "")).split(","),
        "request_timeout_ms": int(timeout * 1000),
        "bootstrap_timeout_ms": int(timeout * 1000),
        "client_id": "kctl",
    }
    for key, value in conf.items():
        if key in _MAPPED:
            name, convert = _MAPPED[key]
            kwargs[name] = convert(value)
        elif not key.startswith(_HARMLESS_PREFIXES):
            return None
    if kwargs.get("sasl_mechanism") == "OAUTHBEARER":
        return None
    return kwargs


def partition_sizes(conf: dict, topics: list[str], timeout: float) -> dict[tuple[str, int, int], int] | None:
    """{(topic, partition, broker_id): bytes} for every replica of the topics, or None if unavailable."""
    kwargs = kafka_python_kwargs(conf, timeout)
    if kwargs is None or not topics:
        return None
    # kafka-python logs connection trouble as warnings; without a handler Python would print them.
    kafka_logger = logging.getLogger("kafka")
    if not kafka_logger.handlers:
        kafka_logger.addHandler(logging.NullHandler())
        kafka_logger.propagate = False
    # kafka-python 3.0 loads its protocol schemas with importlib.resources calls Python 3.11 deprecates.
    import warnings

    warnings.filterwarnings("ignore", r"(read_text|open_text) is deprecated", DeprecationWarning)
    client = None
    try:
        from kafka.admin import KafkaAdminClient

        client = KafkaAdminClient(**kwargs)
        brokers = client.describe_log_dirs(topic_partitions=list(topics))
    except Exception as exc:  # noqa: BLE001 - best effort: the size is simply unknown
        log.event("log_dirs_unavailable", logging.DEBUG, error=f"{type(exc).__name__}: {exc}")
        return None
    finally:
        if client is not None:
            try:
                client.close()
            except Exception:  # noqa: BLE001
                pass
    sizes: dict[tuple[str, int, int], int] = {}
    for broker in brokers or ():
        for log_dir in broker.get("log_dirs", ()):
            if log_dir.get("error_code", 0):
                continue
            for topic in log_dir.get("topics", ()):
                for partition in topic.get("partitions", ()):
                    if partition.get("is_future_key"):
                        continue  # a replica being moved between log dirs: counted once, at its current place
                    key = (topic["name"], partition["partition_index"], broker["broker"])
                    sizes[key] = sizes.get(key, 0) + int(partition["partition_size"])
    return sizes
