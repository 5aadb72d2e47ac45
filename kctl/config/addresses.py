"""Broker addresses as users write them (--bootstrap, KCTL_BOOTSTRAP, a context's bootstrap)."""

from __future__ import annotations

import re

from kctl.errors import ConfigError, UsageError

_BROKER_ADDRESS = re.compile(
    r"(?:(?:plaintext|ssl|sasl_plaintext|sasl_ssl)://)?"  # librdkafka takes a listener's protocol prefix
    r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)"  # [IPv6] or a host name / IPv4
    r"(?::([0-9]{1,5}))?", re.IGNORECASE)  # no port: 9092


def check_bootstrap(value: str, source: str) -> str:
    """A comma-separated list of host[:port] (the form librdkafka and kafka-python both take), or an
    error naming the entry: a malformed one would otherwise cost the whole --timeout and end as
    "cannot reach the cluster"."""
    for entry in value.split(","):
        address = entry.strip()
        match = _BROKER_ADDRESS.fullmatch(address)
        problem = None
        if not address:
            problem = "an empty entry"
        elif match is None:
            problem = f"{address!r} is not host:port"
        elif match.group(1) is not None and not 1 <= int(match.group(1)) <= 65535:
            problem = f"{address!r}: port {match.group(1)} is not 1-65535"
        if problem:
            message = f"bootstrap servers {value!r} (from {source}): {problem}"
            hint = "e.g. broker-1:9092,broker-2:9092"
            raise UsageError(message, hint=hint) if source == "--bootstrap" else ConfigError(message, hint=hint)
    return value
