"""`kctl e2e run`: an end-to-end health check of a cluster that CI can trust by its exit code.

Nine steps, each a row of the checklist (kctl.models.E2EStep):

  1 connect       read cluster metadata (brokers, controller); asked again while it lists no live
                  broker (one back from a stall is fenced for a moment), exit 6 if it never does
  2 create_topic  create the topic (unique name by default; an existing one only with --reuse)
  3 produce       start the K group members, then produce N records, idempotent, acks=all, record
                  i to partition i % P, each value carrying its sequence number and send time
  4 consume       every record arrives; the coordinator reports a Stable group of K members with
                  every partition assigned to exactly one member
  5 verify        none missing, none duplicated, order kept per partition, keys and values intact
  6 commit        members commit; committed offset == log end offset on every partition
  7 transactions  (--transactional) a committed transaction is visible and an aborted one is not
                  under read_committed (and is in the log under read_uncommitted)
  8 latency       send-to-receive p50/p95/p99/max, overall and per partition; fails above --max-p99-ms
  9 cleanup       consumers leave; the group and the topic this run created are deleted (unless
                  --no-cleanup); always runs, also after a failure or Ctrl-C

Steps 1-8 share one deadline of `timeout` seconds; cleanup gets at least min(timeout, 5 s) more, so a
run ends at most 5 s after the deadline. When a step found the cluster unreachable (and a 1 s metadata
probe confirms it), the remaining checks are skipped and cleanup only leaves the group (1 s) and says
what it left behind: the run then ends about 2 s after the deadline at most. A step whose
prerequisite did not pass is skipped.

Exit code (E2EReport.exit_code): the exit code of the error the first failed step failed with
(kctl.errors is the one map): 0 every step passed; 6 the cluster cannot be reached (or stopped
answering: a check that timed out is exit 6 when a metadata probe gets no answer either, else 8);
9 authentication/authorization (the same one-line message as every other command); 2/3 the cluster
rejected the options (say a replication factor above the broker count) or the client settings;
4 something the run made disappeared under it; 7 the transaction check's transaction was aborted;
8 any other check failed; 1 an internal error.

JSON document of one run (`-o json`; kctl.models.E2EReport, validated against schema.REPORT_SCHEMA):

  {
    "ok": true, "exit_code": 0,
    "instance": 0 | null, "bootstrap": "127.0.0.1:9092",
    "topic": "kctl-e2e-<run_id>", "group": "kctl-e2e-<run_id>", "run_id": "3f2a9c1e0b7d",
    "started_at": "2025-01-01T12:00:00.000+00:00", "duration_ms": 812.4,
    "settings": {"messages": 100, "partitions": 3, "replication_factor": null, "consumers": 2,
                 "transactional": false, "cleanup": true, "reuse": false, "max_p99_ms": null,
                 "timeout_s": 10.0, "group_protocol": "classic" | "consumer", "assignor": null | "uniform" | "range"},
    "cluster": {"cluster_id": "...", "controller_id": 1, "topic_count": 12,
                "brokers": [{"id": 1, "host": "127.0.0.1", "port": 9092, "is_controller": true}]} | null,
    "steps": [{"name": "connect", "title": "...", "status": "passed" | "failed" | "skipped",
               "duration_ms": 3.1, "detail": "...", "error": null | "..."}, ... 9 steps in order],
    "produced": 100, "consumed": 100, "missing": 0, "duplicates": 0, "out_of_order": 0, "corrupt": 0,
    "assignment": [{"member": "kctl-e2e-<run_id>-c0", "partitions": [0, 1]}, ...],
    "offsets": [{"partition": 0, "committed": 34, "end_offset": 34}, ...],
    "latency": {"overall": {"count": 100, "p50_ms": 1.2, "p95_ms": 2.0, "p99_ms": 3.1, "max_ms": 3.3},
                "partitions": [{"partition": 0, "count": 34, "p50_ms": ..., ...}, ...]} | null,
    "transactions": {"committed_sent": 3, "committed_visible": 3, "aborted_sent": 3,
                     "aborted_visible": 0, "aborted_in_log": 3} | null
  }

Several runs (`--repeat N`, `--all-instances`; kctl.models.E2ESummary, SUMMARY_SCHEMA):

  {"mode": "repeat" | "all_instances", "ok": bool, "exit_code": int, "runs": [<run>, ...],
   "passed": int, "failed": int, "unreachable": [instance, ...],
   "duration_p50_ms": float | null, "duration_max_ms": float | null,
   "p99_p50_ms": float | null, "p99_max_ms": float | null}

Payload of record i (UTF-8 JSON, compared byte for byte with what was sent):
  {"run": "<run_id>", "seq": i, "partition": i % P, "sent_ms": <wall clock ms>, "data": sha256("<run_id>:i")}
key: "<run_id>-<i>".

Modules: checks (the pure functions), options, state (what the steps share), steps (1-8),
group (the K-member consumer group), producer, txn (the transactions step), cleanup (9), run (the
step runner), canary (several runs, summaries, the exit error), schema (the JSON Schemas).
"""

from __future__ import annotations

from kctl.services.e2e.canary import (
    Target,
    answering_instances,
    failure,
    run_many,
    run_requested,
    summarise,
)
from kctl.services.e2e.checks import (
    STEPS,
    TITLES,
    Verification,
    check_assignment,
    latency_stats,
    payload,
    pending_steps,
    percentile,
    record_key,
    verify,
)
from kctl.services.e2e.options import CLEANUP_GRACE_S, TXN_RECORDS, E2EOptions, check_modes
from kctl.services.e2e.run import Progress, run
from kctl.services.e2e.schema import REPORT_SCHEMA, SUMMARY_SCHEMA

__all__ = [
    "CLEANUP_GRACE_S", "REPORT_SCHEMA", "STEPS", "SUMMARY_SCHEMA", "TITLES", "TXN_RECORDS", "E2EOptions", "Progress",
    "Target", "Verification", "answering_instances", "check_assignment", "check_modes", "failure",
    "latency_stats", "payload", "pending_steps", "percentile", "record_key", "run", "run_many", "run_requested",
    "summarise", "verify",
]
