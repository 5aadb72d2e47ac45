"""Replica sizes on disk through DescribeLogDirs (over kafka-python: confluent-kafka 2.16 lacks it)."""

from __future__ import annotations

from kctl.deadline import Deadline
from kctl.models.admin import ReplicaLogDir


def describe_log_dirs(client, deadline: Deadline, topics: list[str] | None = None,
                      brokers: list[int] | None = None) -> list[ReplicaLogDir]:
    """The replicas of the topics (None: every topic) in every broker's (or the given brokers')
    log dirs; log dirs in error (an offline disk) are left out."""
    answered = client.call("describe log dirs", deadline, "describe_log_dirs",
                           topic_partitions=list(topics) if topics is not None else None, brokers=brokers)
    out = []
    for broker in answered or ():
        for log_dir in broker.get("log_dirs", ()):
            if log_dir.get("error_code", 0):
                continue
            for topic in log_dir.get("topics", ()):
                for partition in topic.get("partitions", ()):
                    out.append(ReplicaLogDir(
                        broker=broker["broker"], log_dir=log_dir.get("log_dir", ""), topic=topic["name"],
                        partition=partition["partition_index"], size_bytes=int(partition["partition_size"]),
                        is_future=bool(partition.get("is_future_key")),
                    ))
    return out
