"""What the steps of one run share (RunState): the options, the run's deadline, the clients and
what each step found. Also the one cluster probe (answers) and the stalled-check classification."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kctl.client import AdminClient
from kctl.client.group_protocol import protocol_of
from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable, CheckFailed, ExitCode, KctlError, hint_for
from kctl.models import ClusterInfo, E2ELatency, E2EMemberAssignment, E2EPartitionOffsets, E2ETransactions
from kctl.services.e2e.checks import Verification
from kctl.services.e2e.options import E2EOptions

if TYPE_CHECKING:
    from kctl.client import AdminClient
    from kctl.services.e2e.group import GroupMembers
    from kctl.services.e2e.producer import RunProducer

# A cluster that answers no metadata request within this long counts as unreachable (exit 6).
PROBE_TIMEOUT_S = 1.0


class CheckFailedWith(CheckFailed):
    """A failed check whose step row keeps a detail (the measured figures) next to the error."""

    def __init__(self, message: str, detail: str):
        super().__init__(message)
        self.detail = detail


def answers(conf: dict, timeout: float) -> bool:
    """Does the cluster of conf answer a metadata request within timeout seconds?"""
    try:
        with AdminClient(conf, timeout=timeout) as admin:
            admin.describe_cluster(timeout)
        return True
    except KctlError:
        return False


@dataclass
class RunState:
    conf: dict
    options: E2EOptions
    instance: int | None
    bootstrap: str
    deadline: Deadline
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    # clients, made by the steps and closed by cleanup
    admin: AdminClient | None = None
    producer: RunProducer | None = None
    members: GroupMembers | None = None
    # what the steps found
    cluster: ClusterInfo | None = None
    topic_created: bool = False
    start_offsets: dict[int, int] = field(default_factory=dict)
    sent: dict[int, bytes] = field(default_factory=dict)
    deliveries: dict = field(default_factory=dict)
    result: Verification | None = None
    assignment: tuple[E2EMemberAssignment, ...] = ()
    offsets: tuple[E2EPartitionOffsets, ...] = ()
    latency: E2ELatency | None = None
    transactions: E2ETransactions | None = None
    first_failure: int | None = None  # the exit code of the first failed step
    _reachable: bool | None = None

    def __post_init__(self):
        self.topic = self.options.topic or f"kctl-e2e-{self.run_id}"
        self.group = self.options.group or f"kctl-e2e-{self.run_id}"
        self.partitions = self.options.partitions
        self.group_owned = self.options.group is None  # this run made the group: cleanup deletes it

    @property
    def group_protocol(self) -> str:
        """The group protocol of the members: --group-protocol, else the settings' (classic by default)."""
        return self.options.group_protocol or protocol_of(self.conf)

    @property
    def unreachable(self) -> bool:
        """A step found the cluster unreachable and a probe confirmed it."""
        return self.first_failure == ExitCode.UNAVAILABLE and not self.cluster_answers()

    def cluster_answers(self) -> bool:
        """One quick metadata probe per run (its answer is kept)."""
        if self._reachable is None:
            self._reachable = answers(self.conf, min(PROBE_TIMEOUT_S, self.options.timeout))
        return self._reachable

    def stalled(self, message: str) -> KctlError:
        """The error for something that did not happen in time: the cluster stopped answering
        (exit 6), or it answers and the check failed (exit 8)."""
        if self.cluster_answers():
            return CheckFailed(message)
        return BrokerUnavailable(message, hint=hint_for(BrokerUnavailable))

    def before_group_request(self, deadline: Deadline) -> None:
        """A metadata request first (BrokerUnavailable when it gets no answer): librdkafka 2.16
        aborts the process when a group coordinator request (describe, delete, committed offsets)
        is sent over a dropped connection (librdkafka issue 4605), while a metadata request to a
        broker that is gone just times out."""
        self.admin.describe_cluster(deadline.sooner(PROBE_TIMEOUT_S))

    def end_offsets(self, partitions) -> dict[int, int]:
        """Log end offsets (the next offset to be written) of the topic's partitions (a count means all)."""
        numbers = range(partitions) if isinstance(partitions, int) else partitions
        outcomes = self.admin.list_offsets([(self.topic, p) for p in numbers], "latest", timeout=self.deadline)
        for outcome in outcomes.values():
            if outcome.error is not None:
                raise outcome.error
        return {p: outcome.value for (_, p), outcome in outcomes.items()}
