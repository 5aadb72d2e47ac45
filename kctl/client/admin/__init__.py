"""kctl.client.AdminClient: cluster, topic, offset, group, log dir, transaction, config (broker,
topic, group), reassignment, leader election, ACL and SCRAM user administration
with a deadline on every call and kctl models (kctl.models.admin and the command models) as
results, never library objects.

    from kctl.client import AdminClient
    with AdminClient(instance=1) as admin:
        print(admin.describe_cluster(timeout=5).brokers)
        outcomes = admin.create_topics(["orders"], partitions=6, timeout=10)

Multi-item requests answer per item: {key: Outcome(value, error)}; a failure that concerns the
whole request (no broker answers, a rejected login) raises a KctlError. The admin APIs
confluent-kafka lacks run over kafka-python (kctl.kafka.kafka_python), configured from the
same properties, behind the same methods.
"""

from __future__ import annotations

from kctl.client.admin.cluster import ClusterAdmin
from kctl.client.admin.core import AdminCore, check_names
from kctl.client.admin.groups import GroupAdmin
from kctl.client.admin.quotas import QuotaAdmin
from kctl.client.admin.security import SecurityAdmin
from kctl.client.admin.topics import TopicAdmin
from kctl.client.admin.txn import TransactionAdmin
from kctl.client.checks import refuse_when_closed

__all__ = ["AdminClient", "check_names"]


@refuse_when_closed("admin client")
class AdminClient(TopicAdmin, GroupAdmin, TransactionAdmin, ClusterAdmin, SecurityAdmin, QuotaAdmin, AdminCore):
    """One admin connection to a cluster (a librdkafka AdminClient, plus a kafka-python one
    made on first use of an API only it has). Use it as a context manager, or close() it; every
    call after close() raises ClientClosed (a UsageError)."""
