"""kctl's client API: typed, deadline-aware Kafka clients for commands, the e2e check, the
Temporal worker and users' own scripts.

    from kctl.client import ProducerClient, ProducerRecord
    with ProducerClient(instance=0) as producer:
        metadata = producer.send(ProducerRecord("orders", value="hello", key="k1")).get(timeout=10)

Names are loaded on first use, so `import kctl.client` costs nothing until a client is made.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "ProducerRecord": "kctl.client.records",
    "RecordMetadata": "kctl.client.records",
    "ConsumerRecord": "kctl.client.records",
    "TopicPartitionOffset": "kctl.client.records",
    "ConsumerEvent": "kctl.client.records",
    "ProducerClient": "kctl.client.producer",
    "SendFuture": "kctl.client.producer",
    "ConsumerClient": "kctl.client.consumer",
    "AdminClient": "kctl.client.admin",
    "TransactionClient": "kctl.client.transaction",
    "resolve_conf": "kctl.client.conf",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kctl.client' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
