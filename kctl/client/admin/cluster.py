"""AdminClient: configs of brokers, topics and groups (describe and incremental alter), and
the KRaft quorum."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kctl.client.admin.core import check_names
from kctl.deadline import Deadline
from kctl.errors import KctlError, UsageError, from_kafka_error
from kctl.kafka.clients import kafka_error_of, to_kctl_error, wait_each
from kctl.models.admin import Outcome

RESOURCE_KINDS = ("broker", "topic", "group")
ConfigKey = tuple[str, str]

if TYPE_CHECKING:
    from kctl.models.features import FeatureLevel


def _check_resources(resources) -> list[ConfigKey]:
    out = []
    for kind, name in resources:
        if kind not in RESOURCE_KINDS:
            raise UsageError(f"config resource type must be one of {', '.join(RESOURCE_KINDS)}, got {kind!r}")
        if kind == "broker":
            if name != "" and not (str(name).isascii() and str(name).isdigit()):
                raise UsageError(f"a broker id is a whole number, got {name!r}")
        else:
            check_names([name], f"{kind} name")
        out.append((kind, str(name)))
    return list(dict.fromkeys(out))


class ClusterAdmin:
    def describe_resource_configs(self, resources: list[ConfigKey],
                                  timeout: "float | Deadline | None" = None) -> dict[ConfigKey, Outcome]:
        """{(kind, name): Outcome((ConfigEntry...))} for kind broker (name: the id, "" for the
        cluster-wide defaults), topic or group; one request (librdkafka asks each broker for its own)."""
        keys = _check_resources(resources)
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        from kctl.kafka import cluster_admin  # not on topics list's path

        return wait_each(cluster_admin.describe_configs(self._admin, keys, deadline.remaining(0.1)), deadline,
                         "describe configs")

    def alter_resource_config(self, kind: str, name: str, set_: dict[str, str], delete: list[str] = (), *,
                              validate_only: bool = False, timeout: "float | Deadline | None" = None) -> Outcome:
        """One incremental AlterConfigs (SET and DELETE applied together or not at all): Outcome(None).
        kind broker with name "": the cluster-wide dynamic broker default."""
        [(kind, name)] = _check_resources([(kind, name)])
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        from kctl.kafka import cluster_admin  # not on topics list's path

        future = cluster_admin.alter_config(self._admin, kind, name, dict(set_), list(delete), deadline.remaining(0.1),
                                            validate_only)
        return wait_each({(kind, name): future}, deadline, "alter config")[(kind, name)]

    def client_metrics(self, names: list[str] | None = None, timeout: "float | Deadline | None" = None) -> dict:
        """{name: {config: value}} of the KIP-714 client metrics subscriptions (names: these only;
        an unknown name: {}), every one when names is None."""
        from kctl.kafka import client_metrics  # not on topics list's path

        deadline = self._deadline(timeout)
        client = self._kpy(deadline)
        wanted = client_metrics.names(client, deadline) if names is None else check_names(list(names), "subscription name")
        return client_metrics.describe(client, deadline, wanted)

    def alter_client_metrics(self, name: str, set_: dict[str, str], delete: list[str] = (), *,
                             validate_only: bool = False, timeout: "float | Deadline | None" = None) -> None:
        """Set and delete configs of one subscription in one IncrementalAlterConfigs (deleting every
        config deletes the subscription); InvalidRequest when the broker refuses."""
        from kctl.kafka import client_metrics  # not on topics list's path

        check_names([name], "subscription name")
        deadline = self._deadline(timeout)
        client_metrics.alter(self._kpy(deadline), deadline, name, dict(set_), list(delete), validate_only)

    def alter_broker_default_config(self, set_: dict[str, str], delete: list[str] = (), *, validate_only: bool = False,
                                    timeout: "float | Deadline | None" = None) -> Outcome:
        """One incremental AlterConfigs of the cluster-wide dynamic broker default: Outcome(None)."""
        from kctl.kafka import cluster_admin  # not on topics list's path

        deadline = self._deadline(timeout)
        try:
            cluster_admin.alter_broker_default(self._kpy(deadline), deadline, dict(set_), list(delete), validate_only)
        except KctlError as error:
            return Outcome(None, error)
        return Outcome(None)

    def features(self, timeout: "float | Deadline | None" = None) -> list[FeatureLevel]:
        """The finalized feature levels and the brokers' supported ranges."""
        from kctl.kafka import cluster_admin  # not on topics list's path
        from kctl.models import FeatureLevel  # not on topics list's path

        deadline = self._deadline(timeout)
        return [FeatureLevel(*row) for row in cluster_admin.describe_features(self._kpy(deadline), deadline)]

    def update_feature(self, name: str, level: int, kind: str = "upgrade", *, validate_only: bool = False,
                       timeout: "float | Deadline | None" = None) -> None:
        """kind: upgrade, safe-downgrade or unsafe-downgrade (level 0 turns the feature off)."""
        from kctl.kafka import cluster_admin  # not on topics list's path

        deadline = self._deadline(timeout)
        cluster_admin.update_feature(self._kpy(deadline), deadline, name, level, kind, validate_only)

    def describe_quorum(self, timeout: "float | Deadline | None" = None) -> dict | None:
        """The KRaft metadata quorum (leader_id, leader_epoch, high_watermark, voters, observers;
        each replica with log_end_offset, last_caught_up_ms and lag), None when not reported."""
        from kctl.kafka import cluster_admin  # not on topics list's path

        deadline = self._deadline(timeout)
        return cluster_admin.describe_quorum(self._kpy(deadline), deadline)

    def snapshot(self, timeout: "float | Deadline | None" = None):
        """(ClusterInfo, (TopicInfo...)) of one metadata request: brokers and every topic
        (internal ones included) with leaders, replicas and ISR."""
        return self._metadata(self._deadline(timeout))

    def log_dirs(self, brokers: list[int] | None = None, topics: list[str] | None = None,
                 timeout: "float | Deadline | None" = None) -> list:
        """(LogDirInfo...) of every broker (or the given ones): capacity, usable bytes, offline
        dirs with their error, and the replicas (of the topics, None: all) with their sizes."""
        from kctl.kafka import logdirs  # not on topics list's path

        if topics is not None:
            topics = check_names(topics, "topic name")
        deadline = self._deadline(timeout)
        return logdirs.log_dir_usage(self._kpy(deadline), deadline, brokers, topics)

    def broker_version(self, broker: int, timeout: "float | Deadline | None" = None) -> str:
        """The Kafka version a broker's ApiVersions answer implies ("4.1"), asked of that broker
        itself (a connection of its own: TCP, TLS and SASL as configured)."""
        from kctl.kafka import cluster_admin  # not on topics list's path

        deadline = self._deadline(timeout)
        return cluster_admin.broker_version(self._kpy(deadline), deadline, broker)

    def alter_reassignments(self, targets: dict[tuple[str, int], list[int] | None],
                            timeout: "float | Deadline | None" = None) -> dict:
        """Start (or, with a None target, cancel) partition reassignments: {(topic, partition): Outcome(None)};
        one request to the controller."""
        from kctl.kafka import replicas  # not on topics list's path

        check_names({t for t, _ in targets}, "topic name")
        deadline = self._deadline(timeout)
        if not targets:
            return {}
        return replicas.alter_reassignments(self._kpy(deadline), deadline, dict(targets))

    def list_reassignments(self, topics: list[str] | None = None, timeout: "float | Deadline | None" = None) -> list:
        """(Reassignment...) in progress (of the topics, None: all)."""
        from kctl.kafka import replicas  # not on topics list's path

        deadline = self._deadline(timeout)
        return replicas.list_reassignments(self._kpy(deadline), deadline, topics)

    def elect_leaders(self, partitions: list[tuple[str, int]] | None = None, *, unclean: bool = False,
                      timeout: "float | Deadline | None" = None) -> dict:
        """Preferred (or unclean) leader election: {(topic, partition): Outcome(None)}; an
        ELECTION_NOT_NEEDED answer (the preferred replica leads already) is a success."""
        from kctl.kafka import replicas  # not on topics list's path

        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        (outcome,) = wait_each({"elect": replicas.elect_leaders(self._admin, unclean, partitions)}, deadline,
                               "elect leaders").values()
        if outcome.error is not None:
            raise outcome.error
        out = {}
        for key, error in outcome.value.items():
            failure = None
            if error is not None:
                inner = error if hasattr(error, "name") and hasattr(error, "str") else kafka_error_of(error)
                failure = from_kafka_error(inner) if inner is not None else to_kctl_error(error)
            if failure is not None and failure.code_name == "ELECTION_NOT_NEEDED":
                failure = None
            out[key] = Outcome(None, failure)
        return out
