"""Client quotas: DescribeClientQuotas and AlterClientQuotas (KIP-546). Neither confluent-kafka
nor kafka-python's admin client has a call for them, so the requests are built from
kafka-python's protocol classes and sent on its connection (any broker answers; KRaft forwards
the change to the controller), over whatever login the client has.

An entity is a dict of entity type -> name, where None names that type's default entity
(`{"user": "alice", "client-id": None}` is alice with any client id that has no quota of its own).
"""

from __future__ import annotations

from kctl.deadline import Deadline
from kctl.errors import KctlError
from kctl.kafka.kafka_python import kctl_error

# DescribeClientQuotas match types
_EXACT, _DEFAULT, _ANY = 0, 1, 2
ANY = object()  # a filter value: any named (non-default) entity of the type


def describe(client, deadline: Deadline, filters: dict, strict: bool = False) -> list[tuple[dict, dict]]:
    """[(entity, {key: value})] of the quotas matching every filter (entity type -> name, None for
    the default, ANY for any name); strict: only entities with no other entity types."""
    from kafka.protocol.admin.client_quotas import DescribeClientQuotasRequest  # heavy: kafka

    components = []
    for entity_type, match in filters.items():
        if match is ANY:
            components.append(DescribeClientQuotasRequest.ComponentData(entity_type=entity_type, match_type=_ANY, match=None))
        elif match is None:
            components.append(DescribeClientQuotasRequest.ComponentData(entity_type=entity_type, match_type=_DEFAULT, match=None))
        else:
            components.append(DescribeClientQuotasRequest.ComponentData(entity_type=entity_type, match_type=_EXACT, match=match))
    request = DescribeClientQuotasRequest(components=components, strict=strict)
    response = client.run("describe client quotas", deadline, _sender(request))
    if response.error_code:
        raise _error(response.error_code, response.error_message, "describe client quotas")
    return [({e.entity_type: e.entity_name for e in entry.entity}, {v.key: v.value for v in entry.values})
            for entry in response.entries or ()]


def alter(client, deadline: Deadline, entity: dict, ops: dict, validate_only: bool = False) -> None:
    """Set (a float) or remove (None) each key of ops on the entity; KctlError when refused."""
    from kafka.protocol.admin.client_quotas import AlterClientQuotasRequest  # heavy: kafka

    entry_type = AlterClientQuotasRequest.EntryData
    entry = entry_type(entity=[entry_type.EntityData(entity_type=t, entity_name=n) for t, n in entity.items()],
                       ops=[entry_type.OpData(key=k, value=float(v or 0.0), remove=v is None) for k, v in ops.items()])
    response = client.run("alter client quotas", deadline, _sender(AlterClientQuotasRequest(entries=[entry],
                                                                                            validate_only=validate_only)))
    for result in response.entries or ():
        if result.error_code:
            raise _error(result.error_code, result.error_message, "alter client quotas")


def _sender(request):
    def send(kpy):
        async def go():
            return await kpy._manager.send(request)

        return kpy._manager.run(go)

    return send


def _error(code: int, message: str | None, what: str) -> KctlError:
    from kafka.errors import for_code  # heavy: kafka

    error = kctl_error(for_code(code)(message), what)
    if message:
        error.message = f"{what}: {message}"
        error.args = (error.message,)
    return error
