"""Issue 22, item 5: the bad-input table of the data commands (schemas, copy, perf, topics
dump/restore, txn run, groups history/undo/lag, workflow, worker, ui, export/diff/plan/apply),
no broker. Each case is refused with its documented exit code, one `kctl: error:` line, no
traceback and nothing on stdout. The bootstrap is unreachable (127.0.0.1:1, --timeout 2), and
so are the Schema Registry and Temporal: a case that wrongly reaches for a server shows as exit
6, and one meant to reach it gives up within the timeout + 5 s. Cases that need a broker are in
tests/integration/test_bad_inputs_data.py."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.bad_input_table import (CONFIG, HUGE, NO_BROKER, NOT_FOUND, NUL, UNAVAILABLE, USAGE, Table,
                                   one_error_line, run_bounded)

T = Table()
case = T.case
SR = ["--schema-registry", "http://127.0.0.1:1"]
TEMPORAL = ["--temporal", "127.0.0.1:1"]

# --- schemas ----------------------------------------------------------------------------------
for v in ["", NUL]:
    case(f"schemas get {v!r}", ["schemas", "get", v, *SR], USAGE)
    case(f"schemas delete {v!r}", ["schemas", "delete", v, "--yes", *SR], USAGE)
    case(f"schemas register {v!r}", ["schemas", "register", v, "<avsc>", *SR], USAGE)
for v in ["abc", "-1", "0", "1.5", "", HUGE, "latestt"]:
    case(f"schemas get --version {v!r}", ["schemas", "get", "s", "--version", v, *SR], USAGE)
for v in ["abc", "-1", "1.5", "", HUGE]:
    case(f"schemas get --id {v!r}", ["schemas", "get", "--id", v, *SR], USAGE)
case("schemas get: no subject, no id", ["schemas", "get", *SR], USAGE)
case("schemas get: subject and --id", ["schemas", "get", "s", "--id", "1", *SR], USAGE)
for f in ["missing", "adir", "empty", "binary", "fifo", "notjson.avsc", "devzero", "eio"]:
    case(f"schemas register file {f}", ["schemas", "register", "s", f"<{f}>", *SR], USAGE)
    case(f"schemas check file {f}", ["schemas", "check", "s", f"<{f}>", *SR], USAGE)
for v in ["xml", "", "AVRO!"]:
    case(f"schemas register --type {v!r}", ["schemas", "register", "s", "<avsc>", "--type", v, *SR], USAGE)
for v in ["SIDEWAYS", "", "full transitive"]:
    case(f"schemas config --set-compatibility {v!r}", ["schemas", "config", "--set-compatibility", v, *SR], USAGE)
for v in ["abc", "-1", "0", ""]:
    case(f"schemas delete --version {v!r}", ["schemas", "delete", "s", "--version", v, "--yes", *SR], USAGE)
for v in ["ftp://h", "http://", "not a url", "", "http://h:99999", "http://h:abc", NUL, "http://u:S3cretPw@h:x"]:
    case(f"--schema-registry {v!r}", ["schemas", "list", "--schema-registry", v], USAGE)
for argv in (["schemas", "list"], ["schemas", "get", "s"], ["schemas", "config"],
             ["schemas", "register", "s", "<avsc>"], ["schemas", "delete", "s", "--dry-run"]):
    case(f"{' '.join(argv)}: unreachable registry", [*argv, *SR], UNAVAILABLE)
case("schemas: a password in the URL is not shown",
     ["schemas", "list", "--schema-registry", "http://user:S3cretPw@127.0.0.1:1"], UNAVAILABLE, says="127.0.0.1")

# --- copy -------------------------------------------------------------------------------------
for v in ["0", "-1", "abc", "", HUGE, "1.5"]:
    case(f"copy --batch {v!r}", ["copy", "a", "b", "--batch", v], USAGE)
for v in ["-1", "abc", "nan", "inf", "", "1e400"]:
    case(f"copy --batch-ms {v!r}", ["copy", "a", "b", "--batch-ms", v], USAGE)
for v in ["0", "-1", "abc", "nan", "inf", ""]:
    case(f"copy --rate {v!r}", ["copy", "a", "b", "--rate", v], USAGE)
for v in ["abc", "@2024-13-01", "1.5", "beginnings", ""]:
    case(f"copy --from {v!r}", ["copy", "a", "b", "--from", v], USAGE)
    case(f"copy --until {v!r}", ["copy", "a", "b", "--until", v], USAGE)
for v in ["key=(", "nokey", "header.=x", "size=1"]:
    case(f"copy --match {v!r}", ["copy", "a", "b", "--match", v], USAGE)
for v in ["value.a ==", "nosuchvar > 1", "", "1 +"]:
    case(f"copy --where {v!r}", ["copy", "a", "b", "--where", v], USAGE)
for v in ["", NUL]:
    case(f"copy SRC {v!r}", ["copy", v, "b"], USAGE)
    case(f"copy DST {v!r}", ["copy", "a", v], USAGE)
    case(f"copy -g {v!r}", ["copy", "a", "b", "-g", v], USAGE)
    case(f"copy --transactional-id {v!r}", ["copy", "a", "b", "--transactional-id", v], USAGE)
case("copy a topic onto itself", ["copy", "a", "a"], USAGE)
case("copy --follow --until", ["copy", "a", "b", "--follow", "--until", "end"], USAGE)
case("copy --to-context unknown", ["copy", "a", "b", "--to-context", "nosuch"], CONFIG)  # as --context's
for v in ["-1", "abc", HUGE]:
    case(f"copy --to-instance {v!r}", ["copy", "a", "b", "--to-instance", v], CONFIG if v != "abc" else USAGE)
    case(f"copy -I {v!r}", ["copy", "a", "b", "-I", v], CONFIG if v != "abc" else USAGE)
for v in ["", NUL]:
    case(f"copy --to-bootstrap {v!r}", ["copy", "a", "b", "--to-bootstrap", v], USAGE)
for v in ["h:abc", "h:99999", "h:1,,h:2"]:  # as -b's: malformed, refused before anything is tried
    case(f"copy --to-bootstrap {v!r}", ["copy", "a", "b", "--to-bootstrap", v], USAGE)
case("copy --to-bootstrap 'nohost'", ["copy", "a", "b", "--to-bootstrap", "nohost"], UNAVAILABLE)  # well formed
case("copy: unreachable", ["copy", "a", "b"], UNAVAILABLE)

# --- perf -------------------------------------------------------------------------------------
for v in ["0", "-1", "abc", "", "1.5", HUGE]:
    case(f"perf produce -n {v!r}", ["perf", "produce", "t", "-n", v], USAGE)
    case(f"perf consume -n {v!r}", ["perf", "consume", "t", "-n", v], USAGE)
    case(f"perf latency -n {v!r}", ["perf", "latency", "t", "-n", v], USAGE)
for v in ["-1", "abc", "100000001", ""]:
    case(f"perf produce -s {v!r}", ["perf", "produce", "t", "-s", v], USAGE)
for v in ["100", "0"]:  # ProducerPerformance's rule: the file's lines are the records, at their own sizes
    case(f"perf produce -s {v} --payload-file", ["perf", "produce", "t", "-s", v, "--payload-file", "/etc/hostname"],
         USAGE)
for v in ["0", "-1", "10000001", "abc"]:
    case(f"perf latency -s {v!r}", ["perf", "latency", "t", "-s", v], USAGE)
for v in ["0", "-1", "abc", "nan", "inf", ""]:
    case(f"perf produce --throughput {v!r}", ["perf", "produce", "t", "--throughput", v], USAGE)
for v in ["2", "-2", "none", "", "ALL"]:
    case(f"perf produce --acks {v!r}", ["perf", "produce", "t", "--acks", v], USAGE)
    case(f"perf latency --acks {v!r}", ["perf", "latency", "t", "--acks", v], USAGE)
for v in ["brotli", "", "GZIP!"]:
    case(f"perf produce -z {v!r}", ["perf", "produce", "t", "-z", v], USAGE)
for v in ["-1", "abc", "nan", ""]:
    case(f"perf produce --linger-ms {v!r}", ["perf", "produce", "t", "--linger-ms", v], USAGE)
for v in ["0", "-1", "abc", HUGE]:
    case(f"perf produce --batch-size {v!r}", ["perf", "produce", "t", "--batch-size", v], USAGE)
for v in ["0", "-1", "abc", "nan", "inf", ""]:
    for sub in ("produce", "consume", "latency"):
        case(f"perf {sub} --interval {v!r}", ["perf", sub, "t", "--interval", v], USAGE)
for f in ["missing", "adir", "empty", "fifo", "devzero", "eio"]:
    case(f"perf produce --payload-file {f}", ["perf", "produce", "t", "--payload-file", f"<{f}>"], USAGE)
for v in ["", NUL]:
    case(f"perf produce topic {v!r}", ["perf", "produce", v], USAGE)
    case(f"perf consume -g {v!r}", ["perf", "consume", "t", "-g", v], USAGE)
for sub in ("produce", "consume", "latency"):
    case(f"perf {sub}: unreachable", ["perf", sub, "t", "-n", "10"], UNAVAILABLE)

# --- topics dump / restore --------------------------------------------------------------------
case("topics dump: no topic", ["topics", "dump", "-d", "<newdir>"], USAGE)
case("topics dump: no --dir", ["topics", "dump", "t"], USAGE)
for v in ["brotli", "", "ZSTD!"]:
    case(f"topics dump --compression {v!r}", ["topics", "dump", "t", "-d", "<newdir>", "--compression", v], USAGE)
for v in ["abc", "@2024-13-01", ""]:
    case(f"topics dump --from {v!r}", ["topics", "dump", "t", "-d", "<newdir>", "--from", v], USAGE)
    case(f"topics dump --until {v!r}", ["topics", "dump", "t", "-d", "<newdir>", "--until", v], USAGE)
case("topics dump --where syntax", ["topics", "dump", "t", "-d", "<newdir>", "--where", "value.a =="], USAGE)
for f in ["afile", "holds-a-dump", "in-a-file"]:
    case(f"topics dump -d {f}", ["topics", "dump", "t", "-d", f"<{f}>"], USAGE)
case("topics dump -d ''", ["topics", "dump", "t", "-d", ""], USAGE)
for v in ["", NUL]:
    case(f"topics dump topic {v!r}", ["topics", "dump", v, "-d", "<newdir>"], USAGE)
for f in ["missing", "afile", "empty-dir", "fifo"]:  # no manifest.json there: not found
    case(f"topics restore {f}", ["topics", "restore", f"<{f}>"], NOT_FOUND)
for m in ["manifest-broken", "manifest-list", "manifest-unknown-key", "manifest-negative-partition",
          "manifest-dotdot", "manifest-absolute", "manifest-bad-sha", "manifest-missing-file", "manifest-deep",
          "manifest-dir-file", "manifest-nul"]:
    case(f"topics restore {m}", ["topics", "restore", f"<{m}>"], USAGE)
for v in ["", NUL]:
    case(f"topics restore --to {v!r}", ["topics", "restore", "<manifest-ok>", "--to", v], USAGE)
case("topics restore --to with two topics", ["topics", "restore", "<manifest-two>", "--to", "x"], USAGE)
case("topics dump: unreachable", ["topics", "dump", "t", "-d", "<newdir>"], UNAVAILABLE)
case("topics restore: unreachable", ["topics", "restore", "<manifest-ok>"], UNAVAILABLE)

# --- txn run ----------------------------------------------------------------------------------
case("txn run missing", ["txn", "run", "<missing>"], NOT_FOUND)
for f in ["adir", "empty", "binary", "fifo", "devzero", "eio", "plan-list", "plan-no-steps",
          "plan-unknown-step", "plan-unknown-key", "plan-bad-partition", "plan-bad-sleep", "plan-deep",
          "plan-string-steps", "plan-empty-txid", "plan-send-no-topic", "plan-huge-sleep"]:
    case(f"txn run {f}", ["txn", "run", f"<{f}>"], USAGE)
for v in ["", NUL]:
    case(f"txn run --transactional-id {v!r}", ["txn", "run", "<plan-ok>", "--transactional-id", v], USAGE)
case("txn run: unreachable", ["txn", "run", "<plan-ok>"], UNAVAILABLE)

# --- groups history / undo / lag --------------------------------------------------------------
for v in ["", NUL]:
    case(f"groups history {v!r}", ["groups", "history", v], USAGE)
    case(f"groups undo {v!r}", ["groups", "undo", v, "--yes"], USAGE)
    case(f"groups lag {v!r}", ["groups", "lag", v], USAGE)
    case(f"groups lag -t {v!r}", ["groups", "lag", "g", "-t", v], USAGE)
for v in ["-1", "abc", "nan", "inf", "", "2d"]:
    case(f"groups undo --wait-empty {v!r}", ["groups", "undo", "g", "--wait-empty", v, "--yes"], USAGE)
for v in ["0", "-1", "abc", "nan", "inf", "", "2h"]:
    case(f"groups lag --interval {v!r}", ["groups", "lag", "g", "--interval", v], USAGE)
case("groups undo: no snapshot of the group", ["groups", "undo", "g", "--dry-run"], NOT_FOUND)
case("groups lag: no group", ["groups", "lag"], USAGE)
case("groups history: no group", ["groups", "history"], USAGE)
case("groups lag: unreachable", ["groups", "lag", "g", "--interval", "500ms"], UNAVAILABLE)
for fmt in ["csv", "yaml"]:  # a watch is a live table or a stream of JSON lines
    case(f"groups lag --watch -o {fmt}", ["-o", fmt, "groups", "lag", "g", "--watch"], USAGE)

# --- workflow, worker -------------------------------------------------------------------------
for v in ["", "e3e", "E2E", NUL]:
    case(f"workflow run {v!r}", ["workflow", "run", v, *TEMPORAL], USAGE)
for v in ["0", "-1", "abc", ""]:
    case(f"workflow run --test-messages-count {v!r}", ["workflow", "run", "e2e", "--test-messages-count", v,
                                                       *TEMPORAL], USAGE)
for v in ["0", "-1", "100001", "abc"]:
    case(f"workflow run --num-partitions {v!r}", ["workflow", "run", "e2e", "--num-partitions", v, *TEMPORAL], USAGE)
for v in ["-1", "abc", ""]:
    case(f"workflow run --instance-id {v!r}", ["workflow", "run", "e2e", "--instance-id", v, *TEMPORAL], USAGE)
for v in ["", "nohost", "h:abc", "h:99999", NUL]:
    case(f"workflow run --temporal {v!r}", ["workflow", "run", "e2e", "--temporal", v], USAGE)
    case(f"worker run --temporal {v!r}", ["worker", "run", "--temporal", v], USAGE)
for v in ["", NUL]:
    case(f"workflow run --namespace {v!r}", ["workflow", "run", "e2e", "--namespace", v, *TEMPORAL], USAGE)
    case(f"workflow run --task-queue {v!r}", ["workflow", "run", "e2e", "--task-queue", v, *TEMPORAL], USAGE)
    case(f"workflow run --workflow-id {v!r}", ["workflow", "run", "e2e", "--workflow-id", v, *TEMPORAL], USAGE)
    case(f"workflow run --topic-name {v!r}", ["workflow", "run", "topic", "--topic-name", v, *TEMPORAL], USAGE)
    case(f"workflow result {v!r}", ["workflow", "result", v, *TEMPORAL], USAGE)
    case(f"worker run --task-queue {v!r}", ["worker", "run", "--task-queue", v, *TEMPORAL], USAGE)
for f in ["missing", "adir", "empty", "binary", "fifo", "devzero", "eio", "params-list", "params-unknown",
          "params-negative", "params-float", "params-bool", "params-string-list", "params-deep", "params-empty-group",
          ]:
    case(f"workflow run --params-file {f}", ["workflow", "run", "e2e", "--params-file", f"<{f}>", *TEMPORAL], USAGE)
case("workflow run produce: no messages", ["workflow", "run", "produce", *TEMPORAL], USAGE)
for v in ["0", "-1", "1001", "abc"]:
    case(f"worker run --max-concurrent-activities {v!r}", ["worker", "run", "--max-concurrent-activities", v,
                                                           *TEMPORAL], USAGE)
for v in ["-1", "abc", "nan", "inf", ""]:
    case(f"worker run --grace {v!r}", ["worker", "run", "--grace", v, *TEMPORAL], USAGE)
case("workflow run: unreachable Temporal", ["workflow", "run", "e2e", *TEMPORAL], UNAVAILABLE)
case("workflow start: unreachable Temporal", ["workflow", "start", "e2e", *TEMPORAL], UNAVAILABLE)
case("workflow result: unreachable Temporal", ["workflow", "result", "kctl-e2e-x", *TEMPORAL], UNAVAILABLE)
case("worker run: unreachable Temporal", ["worker", "run", *TEMPORAL], UNAVAILABLE)

# --- ui (no terminal) -------------------------------------------------------------------------
for v in ["", "messages", "TOPICS", NUL]:
    case(f"ui --screen {v!r}", ["ui", "--screen", v], USAGE)
case("ui without a terminal", ["ui"], USAGE, stdin=b"")

# --- export, diff, plan, apply ----------------------------------------------------------------
for v in ["", "tables", ",", NUL]:
    case(f"export --only {v!r}", ["export", "--only", v], USAGE)
    case(f"diff --only {v!r}", ["diff", "--to-bootstrap", "127.0.0.1:1", "--only", v], USAGE)
case("diff -f with --only (was ignored)", ["diff", "-f", "<state-ok>", "--only", "topics"], USAGE)
for f in ["adir-missing", "afile-dir", "in-a-file"]:  # refused before the cluster is read
    case(f"export -f {f}", ["export", "-f", f"<{f}>"], USAGE)
case("export -f ''", ["export", "-f", ""], USAGE)
for f in ["missing", "empty", "binary", "fifo", "devzero", "eio", "state-list", "state-unknown-key",
          "state-bad-partitions", "state-negative-rf", "state-bad-acl", "state-deep", "state-anchor",
          "state-dup-topic", "state-nul-name", "empty-dir", "state-dir-bad"]:
    case(f"plan -f {f}", ["plan", "-f", f"<{f}>"], USAGE)
    case(f"apply -f {f}", ["apply", "-f", f"<{f}>", "--yes"], USAGE)
    case(f"diff -f {f}", ["diff", "-f", f"<{f}>"], USAGE)
case("plan: no -f", ["plan"], USAGE)
case("apply: no -f, no --undo", ["apply", "--yes"], USAGE)
case("apply -f and --undo", ["apply", "-f", "<state-ok>", "--undo", "x", "--yes"], USAGE)
case("apply --undo unknown", ["apply", "--undo", "nosuch-snapshot", "--yes"], USAGE)
case("apply --undo ''", ["apply", "--undo", "", "--yes"], USAGE)
for v in ["", "tables", "topics,,acls"]:
    case(f"plan --prune {v!r}", ["plan", "-f", "<state-ok>", "--prune", v], USAGE)
case("plan --prune and --prune-all", ["plan", "-f", "<state-ok>", "--prune", "topics", "--prune-all"], USAGE)
case("apply --prune and --prune-all", ["apply", "-f", "<state-ok>", "--prune", "topics", "--prune-all", "--yes"],
     USAGE)
case("diff: no -f and no other cluster", ["diff"], USAGE)
case("diff -f and --to-instance", ["diff", "-f", "<state-ok>", "--to-instance", "1"], USAGE)
for argv in (["export"], ["diff", "-f", "<state-ok>"], ["plan", "-f", "<state-ok>"],
             ["apply", "-f", "<state-ok>", "--dry-run"]):
    case(f"{argv[0]}: unreachable", argv, UNAVAILABLE)


def _manifest(topics: list[dict]) -> dict:
    return {"format": "kctl-dump/1", "compression": "none", "topics": topics}


def _files(tmp: Path) -> dict[str, str]:
    files = {"missing": str(tmp / "no" / "such"), "adir": str(tmp), "devzero": "/dev/zero", "eio": "/proc/self/mem",
             "newdir": str(tmp / "new-dump"), "adir-missing": str(tmp / "no" / "such" / "out.yaml")}
    deep = "[" * 5000 + "]" * 5000

    def put(name: str, data: bytes | str) -> str:
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        files[name] = str(path)
        return str(path)

    put("empty", b"")
    put("binary", b"\x00\xff\xfe\x01")
    put("afile", "not a directory\n")
    put("avsc", json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}))
    put("notjson.avsc", "{not json")
    (tmp / "empty-dir").mkdir()
    files["empty-dir"] = str(tmp / "empty-dir")
    files["in-a-file"] = str(tmp / "afile" / "sub")
    files["afile-dir"] = str(tmp)  # export -f a directory
    os.mkfifo(tmp / "fifo")
    files["fifo"] = str(tmp / "fifo")
    (tmp / "holds-a-dump").mkdir()
    put("holds-a-dump/manifest.json", json.dumps(_manifest([])))
    files["holds-a-dump"] = str(tmp / "holds-a-dump")
    # dump manifests: one folder each
    good_file = {"partition": 0, "file": "t-0.jsonl", "records": 0, "bytes": 0,
                 "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}  # of b""
    manifests = {
        "manifest-ok": _manifest([{"name": "t", "partitions": 1, "replication_factor": 1, "files": [good_file]}]),
        "manifest-two": _manifest([{"name": "t", "partitions": 1, "replication_factor": 1, "files": []}, {"name": "u", "partitions": 1, "replication_factor": 1, "files": []}]),
        "manifest-broken": "{",
        "manifest-list": [],
        "manifest-unknown-key": {**_manifest([]), "surprise": 1},
        "manifest-negative-partition": _manifest([{"name": "t", "partitions": 1,
                                                   "files": [{**good_file, "partition": -1}]}]),
        "manifest-dotdot": _manifest([{"name": "t", "partitions": 1, "replication_factor": 1, "files": [{**good_file, "file": "../x"}]}]),
        "manifest-absolute": _manifest([{"name": "t", "partitions": 1,
                                         "files": [{**good_file, "file": "/etc/passwd"}]}]),
        "manifest-bad-sha": _manifest([{"name": "t", "partitions": 1, "replication_factor": 1, "files": [{**good_file, "sha256": "zz"}]}]),
        "manifest-missing-file": _manifest([{"name": "t", "partitions": 1,
                                             "files": [{**good_file, "file": "gone.jsonl"}]}]),
        "manifest-deep": deep,
        "manifest-dir-file": _manifest([{"name": "t", "partitions": 1, "replication_factor": 1, "files": [{**good_file, "file": "sub"}]}]),
        "manifest-nul": _manifest([{"name": "a\x00b", "partitions": 1, "replication_factor": 1, "files": []}]),
    }
    for name, doc in manifests.items():
        folder = tmp / name
        folder.mkdir()
        (folder / "sub").mkdir()
        (folder / "t-0.jsonl").write_bytes(b"")
        (folder / "manifest.json").write_text(doc if isinstance(doc, str) else json.dumps(doc))
        files[name] = str(folder)
    # txn plans
    plans = {
        "plan-ok": "steps:\n  - begin\n  - send: {topic: t, value: v}\n  - commit\n",
        "plan-list": "- begin\n",
        "plan-no-steps": "transactional_id: x\n",
        "plan-unknown-step": "steps:\n  - begin\n  - explode\n",
        "plan-unknown-key": "steps:\n  - begin\n  - send: {topic: t, value: v, surprise: 1}\n",
        "plan-bad-partition": "steps:\n  - begin\n  - send: {topic: t, value: v, partition: -1}\n",
        "plan-bad-sleep": "steps:\n  - begin\n  - sleep: abc\n",
        "plan-huge-sleep": "steps:\n  - begin\n  - sleep: 99999999d\n",
        "plan-deep": "steps: " + deep + "\n",
        "plan-string-steps": "steps: begin\n",
        "plan-empty-txid": "transactional_id: ''\nsteps:\n  - begin\n",
        "plan-send-no-topic": "steps:\n  - begin\n  - send: {value: v}\n",
    }
    for name, text in plans.items():
        put(name + ".yaml", text)
        files[name] = files.pop(name + ".yaml")
    # workflow parameters
    params = {
        "params-ok": {"topic_name": "t"},
        "params-list": [1],
        "params-unknown": {"surprise": 1},
        "params-negative": {"test_messages_count": -5},
        "params-float": {"test_messages_count": 1.5},
        "params-bool": {"num_partitions": True},
        "params-string-list": {"bootstrap_servers": "127.0.0.1:9392"},
        "params-deep": deep,
        "params-empty-group": {"group_id": ""},
        "params-nul-topic": {"topic_name": "a\x00b"},
    }
    for name, doc in params.items():
        put(name + ".json", doc if isinstance(doc, str) else json.dumps(doc))
        files[name] = files.pop(name + ".json")
    # ClusterState documents
    head = "apiVersion: kctl/v1\nkind: ClusterState\n"
    states = {
        "state-ok": "topics:\n  - {name: t, partitions: 1, replication_factor: 1}\n",
        "state-list": "- 1\n",
        "state-unknown-key": "topics:\n  - {name: t, partitions: 1, replication_factor: 1, surprise: 1}\n",
        "state-bad-partitions": "topics:\n  - {name: t, partitions: abc, replication_factor: 1}\n",
        "state-negative-rf": "topics:\n  - {name: t, partitions: 1, replication_factor: -1}\n",
        "state-bad-acl": "acls:\n  - {principal: alice, operation: fly}\n",
        "state-deep": "topics: " + deep + "\n",
        "state-anchor": "topics: *nope\n",
        "state-dup-topic": "topics:\n  - {name: t, partitions: 1, replication_factor: 1}\n"
                           "  - {name: t, partitions: 2, replication_factor: 1}\n",
        "state-nul-name": 'topics:\n  - {name: "a\\0b", partitions: 1, replication_factor: 1}\n',
    }
    for name, text in states.items():
        put(name + ".yaml", text if name == "state-list" else head + text)
        files[name] = files.pop(name + ".yaml")
    (tmp / "state-dir-bad").mkdir()
    (tmp / "state-dir-bad" / "a.yaml").write_text(head + states["state-ok"])
    (tmp / "state-dir-bad" / "b.yaml").write_text(head + states["state-unknown-key"])
    files["state-dir-bad"] = str(tmp / "state-dir-bad")
    return files


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return _files(tmp_path_factory.mktemp("bad-data"))


def test_the_table_is_large_enough():
    assert len(T) >= 300


@pytest.mark.parametrize("c", T, ids=lambda c: c.id)
def test_bad_data_command_lines(c, files, tmp_path):
    argv = [re.sub(r"<([a-z0-9.-]+)>", lambda m: files[m.group(1)], a) for a in c.argv]
    argv += list(NO_BROKER if c.broker else ())
    env = {"KCTL_CONFIG": os.devnull, "KCTL_STATE_DIR": str(tmp_path), **c.env}
    result = run_bounded(*argv, input=c.stdin, env=env)
    one_error_line(result, c.code, c.says)
    assert "S3cretPw" not in result.stderr
