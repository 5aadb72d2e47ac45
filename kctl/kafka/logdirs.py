"""Replica sizes on disk through DescribeLogDirs (over kafka-python: confluent-kafka 2.16 lacks it)."""

from __future__ import annotations

from kctl.deadline import Deadline
from kctl.kafka.kafka_python import kctl_error
from kctl.models.admin import LogDirInfo, ReplicaLogDir


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


def log_dir_usage(client, deadline: Deadline, brokers: list[int] | None = None,
                  topics: list[str] | None = None) -> list[LogDirInfo]:
    """Every log dir of every broker (or the given ones) with its capacity and its replicas
    (of the topics, None: all), offline dirs included with their error."""
    answered = client.call("describe log dirs", deadline, "describe_log_dirs",
                           topic_partitions=list(topics) if topics is not None else None, brokers=brokers)
    out = []
    for broker in answered or ():
        for log_dir in broker.get("log_dirs", ()):
            code = log_dir.get("error_code", 0)
            error = None
            if code:
                from kafka.errors import for_code  # heavy: kafka

                error = kctl_error(for_code(code)()).message
            replicas = tuple(
                ReplicaLogDir(broker=broker["broker"], log_dir=log_dir.get("log_dir", ""), topic=topic["name"],
                              partition=p["partition_index"], size_bytes=int(p["partition_size"]),
                              is_future=bool(p.get("is_future_key")))
                for topic in log_dir.get("topics", ()) or () for p in topic.get("partitions", ()) or ())
            total, usable = log_dir.get("total_bytes"), log_dir.get("usable_bytes")
            out.append(LogDirInfo(broker=broker["broker"], log_dir=log_dir.get("log_dir", ""), error=error,
                                  total_bytes=total if isinstance(total, int) and total >= 0 else None,
                                  usable_bytes=usable if isinstance(usable, int) and usable >= 0 else None,
                                  replicas=replicas))
    return sorted(out, key=lambda d: (d.broker, d.log_dir))
