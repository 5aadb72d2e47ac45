"""Frozen dataclasses returned by services, one module per command group.

Their field names ARE the JSON/YAML output contract (see docs/cli.md "Output shapes"):
rename a field only together with a changelog entry.

`from kctl.models import TopicSummary` works for every model: the submodule is imported on
first use. Creating a frozen dataclass costs about a millisecond, so importing all of them
on every command would be a noticeable part of kctl's start-up.
"""

from __future__ import annotations

import importlib

_HOME = {
    "ItemResult": "common",
    "OperationResult": "common",
    "BrokerInfo": "common",
    "ClusterInfo": "common",
    "VersionInfo": "common",
    "QuotaEntry": "quotas",
    "AppliedQuota": "quotas",
    "QuotaResolution": "quotas",
    "StateDifference": "state",
    "StateDiff": "state",
    "StateChange": "state",
    "StatePlan": "state",
    "FeatureLevel": "features",
    "ClientMetricsSubscription": "client_metrics",
    "TopicSummary": "topics",
    "TopicSize": "topics",
    "PartitionDetail": "topics",
    "TopicDetail": "topics",
    "TopicDescribeResult": "topics",
    "LocalBroker": "local",
    "LocalInstance": "local",
    "LocalTemporal": "local",
    "LocalSchemaRegistry": "local",
    "LocalOidc": "local",
    "LocalConnect": "local",
    "SchemaSubject": "schemas",
    "ConnectorSummary": "connect",
    "ConnectorTask": "connect",
    "ConnectorInfo": "connect",
    "ConnectPlugin": "connect",
    "ConnectFieldError": "connect",
    "SchemaVersion": "schemas",
    "SchemaCheck": "schemas",
    "SchemaConfig": "schemas",
    "SchemaDeleted": "schemas",
    "ContextInfo": "config",
    "AuthStep": "config",
    "AuthTest": "config",
    "ConfigView": "config",
    "E2EStep": "e2e",
    "E2ESettings": "e2e",
    "LatencyStats": "e2e",
    "PartitionLatency": "e2e",
    "E2ELatency": "e2e",
    "E2EMemberAssignment": "e2e",
    "E2EPartitionOffsets": "e2e",
    "E2ETransactions": "e2e",
    "E2EReport": "e2e",
    "E2ESummary": "e2e",
    "ProduceSummary": "data",
    "KeyPartition": "data",
    "ConsumeSummary": "data",
    "SearchCount": "data",
    "GroupSummary": "groups",
    "GroupMember": "groups",
    "GroupPartitionOffset": "groups",
    "GroupDetail": "groups",
    "GroupDescribeResult": "groups",
    "OffsetReset": "groups",
    "OffsetResetResult": "groups",
    "TopicLag": "groups",
    "SnapshotOffset": "groups",
    "GroupSnapshot": "groups",
    "PartitionLag": "groups",
    "GroupLag": "groups",
    "LagReport": "groups",
    "TransactionSummary": "txn",
    "TransactionDetail": "txn",
    "TransactionDescribeResult": "txn",
    "ActiveProducer": "txn",
    "PartitionProducers": "txn",
    "HangingTransaction": "txn",
    "HangingReport": "txn",
    "TransactionAbort": "txn",
    "Connection": "workflow",
    "Message": "workflow",
    "ProducerParams": "workflow",
    "SentRecord": "workflow",
    "ProducerResult": "workflow",
    "ConsumerParams": "workflow",
    "ReceivedRecord": "workflow",
    "CommittedOffset": "workflow",
    "ConsumerResult": "workflow",
    "TopicParams": "workflow",
    "TopicResult": "workflow",
    "E2EParams": "workflow",
    "Outcome": "admin",
    "PartitionInfo": "admin",
    "TopicInfo": "admin",
    "ConfigEntry": "admin",
    "GroupDescription": "admin",
    "TransactionListing": "admin",
    "TransactionDescription": "admin",
    "RecordPosition": "admin",
    "ReplicaLogDir": "admin",
    "GroupListing": "admin",
    "LogDirInfo": "admin",
    "ReplicaMove": "replicas",
    "ReplicaReassignment": "replicas",
    "Reassignment": "replicas",
    "AclEntry": "security",
    "AclChange": "security",
    "ScramCredential": "security",
    "ScramUser": "security",
    "Finding": "health",
    "HealthReport": "health",
    "DoctorCheck": "health",
    "DoctorReport": "health",
    "ConfigValue": "health",
    "ConfigDescription": "health",
}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'kctl.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"kctl.models.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
