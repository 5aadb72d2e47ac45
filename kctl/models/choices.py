"""Choice lists shared by the CLI (help texts) and the services (parsing and filtering): plain
tuples, cheap to import at start-up. The names are the ones Kafka's own tools print."""

GROUP_STATES = ("Stable", "Empty", "PreparingRebalance", "CompletingRebalance", "Dead", "Unknown")
GROUP_TYPES = ("Classic", "Consumer", "Share")  # Share: KIP-932 share groups (Kafka 4.2+)
# KIP-848: the consumer group protocols, and the broker-side assignors of the consumer protocol.
GROUP_PROTOCOLS = ("classic", "consumer")
REMOTE_ASSIGNORS = ("uniform", "range")
TXN_STATES = ("Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead",
              "PrepareEpochFence")


def help_list(choices: tuple[str, ...], leave_out: tuple[str, ...] = ()) -> str:
    return ", ".join(c for c in choices if c not in leave_out)

# Client quotas (KIP-55, KIP-546): the entity types, and the quota keys each kind of entity takes.
QUOTA_ENTITY_TYPES = ("user", "client-id", "ip")
CLIENT_QUOTA_KEYS = ("producer_byte_rate", "consumer_byte_rate", "request_percentage", "controller_mutation_rate")
IP_QUOTA_KEYS = ("connection_creation_rate",)

# SASL: the SCRAM mechanisms (KIP-554 credentials, `kctl users`), and all that kctl's contexts accept.
SCRAM_MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")
# The ones whose login a listener without TLS exposes: PLAIN sends the password itself, SCRAM a
# proof that can be attacked offline (and either way every record crosses in clear).
PASSWORD_MECHANISMS = ("PLAIN", *SCRAM_MECHANISMS)
SASL_MECHANISMS = (*PASSWORD_MECHANISMS, "OAUTHBEARER")

# Record serdes by name (kctl.serde), and the Schema Registry formats produce/consume take
# (consume also "auto": the format the registry names for the schema id) and their subject strategies.
SERDE_NAMES = ("string", "json", "bytes", "int32", "int64", "double", "hex", "base64")
SCHEMA_FORMATS = ("avro", "protobuf", "json-schema")
SUBJECT_STRATEGIES = ("topic", "record", "topic-record")
# `schemas register --type`: the registry's own schema types, lower-case.
SCHEMA_TYPES = ("avro", "protobuf", "json")

# Bounds of `topics create` / `topics add-partitions` / `e2e run` and the Temporal workflow params:
# librdkafka's limits (at most 100000 partitions per topic, 10000 replicas; the wire would allow
# 2^31-1), so larger numbers are usage errors, not failures deep in the client.
MAX_PARTITIONS = 100_000
MAX_REPLICATION = 10_000
