"""JSON Schema (draft 2020-12 subset) of the documents `kctl e2e run -o json` prints (see the
package docstring); the tests validate real output against it."""

from __future__ import annotations

from kctl.services.e2e.checks import STEPS

_NUM = {"type": "number"}
_NUM_OR_NULL = {"type": ["number", "null"]}
_INT = {"type": "integer"}
_STATS = {"type": "object", "required": ["count", "p50_ms", "p95_ms", "p99_ms", "max_ms"],
          "properties": {"count": _INT, "p50_ms": _NUM, "p95_ms": _NUM, "p99_ms": _NUM, "max_ms": _NUM}}
REPORT_SCHEMA = {
    "type": "object",
    "required": ["ok", "exit_code", "instance", "bootstrap", "topic", "group", "run_id", "started_at", "duration_ms",
                 "settings", "cluster", "steps", "produced", "consumed", "missing", "duplicates", "out_of_order",
                 "corrupt", "assignment", "offsets", "latency", "transactions"],
    "additionalProperties": False,
    "properties": {
        "ok": {"type": "boolean"},
        "exit_code": {"type": "integer", "enum": [0, 1, 2, 3, 4, 6, 7, 8, 9]},
        "instance": {"type": ["integer", "null"]},
        "bootstrap": {"type": "string"},
        "topic": {"type": "string"},
        "group": {"type": "string"},
        "run_id": {"type": "string"},
        "started_at": {"type": "string"},
        "duration_ms": _NUM,
        "settings": {
            "type": "object",
            "required": ["messages", "partitions", "replication_factor", "consumers", "transactional", "cleanup",
                         "reuse", "max_p99_ms", "timeout_s"],
            "properties": {"messages": _INT, "partitions": _INT, "replication_factor": {"type": ["integer", "null"]},
                           "consumers": _INT, "transactional": {"type": "boolean"}, "cleanup": {"type": "boolean"},
                           "reuse": {"type": "boolean"}, "max_p99_ms": _NUM_OR_NULL, "timeout_s": _NUM,
                           "group_protocol": {"type": "string", "enum": ["classic", "consumer"]},
                           "assignor": {"type": ["string", "null"], "enum": ["uniform", "range", None]}},
        },
        "cluster": {
            "type": ["object", "null"],
            "required": ["cluster_id", "controller_id", "brokers", "topic_count"],
            "properties": {
                "cluster_id": {"type": ["string", "null"]},
                "controller_id": {"type": ["integer", "null"]},
                "topic_count": _INT,
                "brokers": {"type": "array", "items": {
                    "type": "object", "required": ["id", "host", "port", "is_controller"],
                    "properties": {"id": _INT, "host": {"type": "string"}, "port": _INT,
                                   "is_controller": {"type": "boolean"}}}},
            },
        },
        "steps": {"type": "array", "minItems": len(STEPS), "maxItems": len(STEPS), "items": {
            "type": "object", "required": ["name", "title", "status", "duration_ms", "detail", "error"],
            "additionalProperties": False,
            "properties": {"name": {"type": "string", "enum": [n for n, _ in STEPS]}, "title": {"type": "string"},
                           "status": {"type": "string", "enum": ["passed", "failed", "skipped"]},
                           "duration_ms": _NUM, "detail": {"type": "string"}, "error": {"type": ["string", "null"]}}}},
        "produced": _INT, "consumed": _INT, "missing": _INT, "duplicates": _INT, "out_of_order": _INT, "corrupt": _INT,
        "assignment": {"type": "array", "items": {
            "type": "object", "required": ["member", "partitions"],
            "properties": {"member": {"type": "string"}, "partitions": {"type": "array", "items": _INT}}}},
        "offsets": {"type": "array", "items": {
            "type": "object", "required": ["partition", "committed", "end_offset"],
            "properties": {"partition": _INT, "committed": {"type": ["integer", "null"]},
                           "end_offset": {"type": ["integer", "null"]}}}},
        "latency": {
            "type": ["object", "null"], "required": ["overall", "partitions"],
            "properties": {"overall": _STATS, "partitions": {"type": "array", "items": {
                **_STATS, "required": ["partition", *_STATS["required"]],
                "properties": {"partition": _INT, **_STATS["properties"]}}}},
        },
        "transactions": {
            "type": ["object", "null"],
            "required": ["committed_sent", "committed_visible", "aborted_sent", "aborted_visible", "aborted_in_log"],
            "properties": {k: _INT for k in ("committed_sent", "committed_visible", "aborted_sent", "aborted_visible",
                                             "aborted_in_log")},
        },
    },
}
SUMMARY_SCHEMA = {
    "type": "object",
    "required": ["mode", "ok", "exit_code", "runs", "passed", "failed", "unreachable", "duration_p50_ms",
                 "duration_max_ms", "p99_p50_ms", "p99_max_ms"],
    "additionalProperties": False,
    "properties": {
        "mode": {"type": "string", "enum": ["repeat", "all_instances"]},
        "ok": {"type": "boolean"},
        "exit_code": {"type": "integer"},
        "runs": {"type": "array", "items": REPORT_SCHEMA},
        "passed": _INT, "failed": _INT,
        "unreachable": {"type": "array", "items": _INT},
        "duration_p50_ms": _NUM_OR_NULL, "duration_max_ms": _NUM_OR_NULL,
        "p99_p50_ms": _NUM_OR_NULL, "p99_max_ms": _NUM_OR_NULL,
    },
}
