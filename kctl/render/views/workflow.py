"""Views of kctl.models.workflow: a workflow's parameters (`workflow run --dry-run`) and results."""

from __future__ import annotations

import json

from kctl.render import to_jsonable
from kctl.render.view import Column, Lines, Section, View, item


def _parameters(params):
    # One row a field, lists and messages as the JSON the workflow receives (the values -o json prints).
    return [(name, value if isinstance(value, str) else json.dumps(value)) for name, value in to_jsonable(params).items()]


_PARAMETERS = View((
    Section("parameters", (Column("PARAMETER", item(0)), Column("VALUE", item(1))), rows=_parameters,
            title=lambda params: f"{type(params).__name__} (nothing started: --dry-run)"),
))
ProducerParams = ConsumerParams = TopicParams = E2EParams = _PARAMETERS


def _sent(result) -> str:
    note = f"{len(result.records)} sent, flushed: {'yes' if result.flushed else 'no'}"
    if result.transactional_id:
        note += f", committed in transaction {result.transactional_id}"
    if result.attempts > 1:
        note += f" (on {result.attempts} workers)"
    return note


ProducerResult = View((
    Section("records", (Column("TOPIC", "topic"), Column("PARTITION", "partition"), Column("OFFSET", "offset"),
                        Column("KEY", "key")), rows=lambda r: r.records),
    Lines(_sent),
))

ConsumerResult = View((
    Section("records", (Column("TOPIC", "topic"), Column("PARTITION", "partition"), Column("OFFSET", "offset"),
                        Column("KEY", "key"), Column("VALUE", "value")), rows=lambda r: r.records),
    Lines(lambda r: f"{len(r.records)} records"),
    Section("committed", (Column("TOPIC", "topic"), Column("PARTITION", "partition"), Column("COMMITTED", "offset")),
            rows=lambda r: r.committed, title=lambda r: "committed offsets"),
))

TopicResult = View((
    Lines(lambda r: [f"{r.operation}: {'ok' if r.ok else 'failed'}",
                     *json.dumps(r.result, indent=2, sort_keys=False).splitlines()]),
))
