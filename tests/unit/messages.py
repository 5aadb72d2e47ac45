"""Fixed consumer records for the renderer tests (no broker)."""

from kctl.client.records import ConsumerRecord


def Msg(value=b"v", key=b"k", headers=None, topic="orders", partition=2, offset=41, timestamp=(1, 1795687200123)):
    """A ConsumerRecord, what the renderers get (timestamp as confluent's (type, ms) pair)."""
    ts_type, ts = timestamp
    return ConsumerRecord(topic, partition, offset, ts if ts_type else None, key, value, tuple(headers or ()),
                          "create" if ts_type else "none")
