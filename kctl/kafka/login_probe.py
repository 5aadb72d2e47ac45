"""The Kafka part of `kctl config test-auth`: log in with librdkafka and ask what the broker says."""

from __future__ import annotations

from kctl.deadline import Deadline
from kctl.kafka.clients import ClientErrors, metadata, new_admin, wait_each
from kctl.kafka.security_admin import cluster_operations


def login(conf: dict, deadline: Deadline) -> dict:
    """Metadata over a fresh admin client (the login happens on its first connection), then the
    principal's authorized cluster operations: {brokers, cluster_id, controller, operations}.
    An AuthError (exit 9) when the broker refuses the login or the client certificate."""
    errors = ClientErrors()
    admin = new_admin(conf, errors)
    md = metadata(admin, conf, deadline, errors=errors)
    operations: tuple[str, ...] = ()
    outcome = wait_each({"cluster": cluster_operations(admin, max(0.1, deadline.remaining(0.1)))}, deadline)["cluster"]
    if outcome.error is None:
        operations = tuple(sorted(outcome.value))
    return {"brokers": len(md.brokers), "cluster_id": md.cluster_id, "controller": md.controller_id,
            "operations": operations}
