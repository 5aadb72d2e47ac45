"""The consumer group protocol of a consumer (KIP-848): `classic` (the client-side assignors,
JoinGroup/SyncGroup) or `consumer` (ConsumerGroupHeartbeat, the broker assigns with its
`group.remote.assignor`: uniform or range).

The consumer protocol moved the session and the assignment to the broker: librdkafka refuses the
classic-only settings with it (CLASSIC_ONLY), so they are refused here first with the option to
drop. A broker that cannot run the protocol (Kafka before 4.0, or group.version still 0) does not
refuse a member either: librdkafka waits for an assignment that never comes. `check_broker` asks
the cluster's finalized group.version first and turns that into a usage error naming the feature.
"""

from __future__ import annotations

from kctl.deadline import Deadline
from kctl.errors import UsageError
from kctl.models.choices import GROUP_PROTOCOLS, REMOTE_ASSIGNORS

# librdkafka 2.16: "`<name>` is not supported for `group.protocol=consumer`" (the broker's
# group.consumer.session.timeout.ms / heartbeat.interval.ms / assignors take their place).
CLASSIC_ONLY = ("partition.assignment.strategy", "session.timeout.ms", "heartbeat.interval.ms", "group.protocol.type")
FEATURE = "group.version"


def protocol_of(conf: dict) -> str:
    return str(conf.get("group.protocol", "classic")).lower()


def protocol_conf(conf: dict, protocol: str | None = None, assignor: str | None = None) -> dict:
    """conf with group.protocol (and group.remote.assignor) set from the arguments, every
    combination checked: an unknown protocol or assignor, an assignor with the classic protocol,
    a classic-only setting with the consumer protocol are UsageErrors."""
    conf = dict(conf)
    for value, what, choices in ((protocol, "group protocol", GROUP_PROTOCOLS), (assignor, "assignor", REMOTE_ASSIGNORS)):
        if value is not None and (not isinstance(value, str) or value.lower() not in choices):
            raise UsageError(f"{what} must be one of {', '.join(choices)}, got {value!r}"[:200])
    if protocol is not None:
        given = conf.get("group.protocol")
        if given is not None and str(given).lower() != protocol.lower():
            raise UsageError(f"group protocol {protocol!r} contradicts group.protocol={given} of the settings")
        conf["group.protocol"] = protocol.lower()
    current = protocol_of(conf)
    if current not in GROUP_PROTOCOLS:
        raise UsageError(f"group.protocol must be one of {', '.join(GROUP_PROTOCOLS)}, got {current!r}"[:200])
    if assignor is not None:
        if current != "consumer":
            raise UsageError("a server-side assignor needs the consumer group protocol",
                             hint="add --group-protocol consumer (group_protocol='consumer'), or pick a "
                                  "client-side strategy with --assignment for the classic protocol")
        conf["group.remote.assignor"] = assignor.lower()
    if current == "consumer":
        classic = [name for name in CLASSIC_ONLY if name in conf]
        if classic:
            raise UsageError(f"{', '.join(classic)}: classic-protocol setting{'s' if len(classic) > 1 else ''}, "
                             "not allowed with group.protocol=consumer",
                             hint="the broker sets sessions and heartbeats of consumer groups (group.consumer.*); "
                                  "drop the setting from -X/the context, or use --group-protocol classic")
    elif "group.remote.assignor" in conf:
        raise UsageError("group.remote.assignor needs group.protocol=consumer")
    return conf


def check_broker(conf: dict, timeout) -> None:
    """UsageError (exit 2) when the cluster cannot run consumer-protocol groups: group.version
    not finalized at 1 or more. Errors reaching the cluster are raised as they are (exit 6, 9)."""
    # kafka/ directly (not AdminClient: kctl.client.admin imports the consumer, a cycle).
    from kctl.kafka.cluster_admin import describe_features  # not on consume's path
    from kctl.kafka.kafka_python import KafkaPythonAdmin  # not on consume's path
    from kctl.models import FeatureLevel  # not on consume's path

    deadline = Deadline.of(timeout, 10.0)
    client = KafkaPythonAdmin(conf, max(0.1, deadline.remaining()))
    try:
        features = {row[0]: FeatureLevel(*row) for row in describe_features(client, deadline)}
    finally:
        client.close()
    feature = features.get(FEATURE)
    level = (feature.finalized or 0) if feature else 0
    if level >= 1:
        return
    if feature is None or feature.max_supported < 1:
        hint = ("this cluster's brokers do not support it (Kafka 4.0 or newer does); "
                "use --group-protocol classic")
    else:
        hint = (f"the brokers support up to {feature.max_supported}: "
                f"kctl cluster features upgrade {FEATURE} --level 1, or use --group-protocol classic")
    raise UsageError(f"the consumer group protocol (KIP-848) needs {FEATURE} >= 1; the cluster's {FEATURE} is "
                     f"{level if feature and feature.finalized is not None else 'not finalized (0)'}", hint=hint)
