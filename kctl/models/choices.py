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
