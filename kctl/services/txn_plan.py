"""`kctl txn run PLAN.yaml`: a scripted transaction lifecycle with one transactional producer,
for testing consumers against committed and aborted data.

    transactional_id: plan-1          # optional
    steps:
      - begin
      - send: {topic: orders, key: k1, value: hello, headers: {trace: abc}, partition: 0}
      - send-offsets: {group: audit, topic: orders, partition: 0, offset: 42}
      - sleep: 0.5
      - commit                         # or abort

Every step becomes a row. A failing step aborts the open transaction and skips the rest
(outcome failed); a fenced or otherwise fatal producer cannot abort (outcome fatal). A plan that
ends inside a transaction has it aborted: that is a failure too.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

from kctl.deadline import Deadline
from kctl.errors import KctlError, TransactionAborted, TransactionFatal, UsageError
from kctl.models.txn_plan import PlanResult, PlanStep

BARE = ("begin", "commit", "abort")
INTERRUPT_GRACE_S = 1.5  # the abort (and closing) after a Ctrl-C or SIGTERM
FIELDS = {"send": {"topic", "key", "value", "headers", "partition", "timestamp_ms"},
          "send-offsets": {"group", "topic", "partition", "offset"},
          "sleep": None}


@dataclass(frozen=True)
class Step:
    kind: str
    args: object = None


def _text(value, what: str):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        raise UsageError(f"{what}: a boolean is not a record field (quote it)")
    return str(value)


def _int(value, what: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(f"{what} must be an integer of at least {minimum}, got {value!r}")
    return value


def _step(index: int, item) -> Step:
    where = f"step {index}"
    if isinstance(item, str):
        if item not in BARE:
            raise UsageError(f"{where}: unknown step {item!r}", hint="begin, commit, abort, send, send-offsets, sleep")
        return Step(item)
    if not isinstance(item, dict) or len(item) != 1:
        raise UsageError(f"{where}: a step is a name or a mapping with one key, got {item!r}")
    ((kind, args),) = item.items()
    if kind not in FIELDS:
        raise UsageError(f"{where}: unknown step {kind!r}", hint="begin, commit, abort, send, send-offsets, sleep")
    if kind == "sleep":
        if isinstance(args, bool) or not isinstance(args, (int, float)) or not 0 <= args <= 3600:
            raise UsageError(f"{where}: sleep takes seconds from 0 to 3600, got {args!r}")
        return Step(kind, float(args))
    if not isinstance(args, dict):
        raise UsageError(f"{where}: {kind} takes a mapping ({', '.join(sorted(FIELDS[kind]))})")
    unknown = sorted(set(args) - FIELDS[kind])
    if unknown:
        raise UsageError(f"{where}: {kind} has no field {unknown[0]!r} (fields: {', '.join(sorted(FIELDS[kind]))})")
    if not isinstance(args.get("topic"), str) or not args["topic"]:
        raise UsageError(f"{where}: {kind} needs a topic")
    if kind == "send-offsets":
        if not isinstance(args.get("group"), str) or not args["group"]:
            raise UsageError(f"{where}: send-offsets needs a group")
        return Step(kind, {"group": args["group"], "topic": args["topic"],
                           "partition": _int(args.get("partition"), f"{where}: partition"),
                           "offset": _int(args.get("offset"), f"{where}: offset")})
    headers = args.get("headers") or {}
    if isinstance(headers, dict):
        headers = list(headers.items())
    elif isinstance(headers, list) and all(isinstance(h, dict) and "key" in h for h in headers):
        headers = [(h["key"], h.get("value")) for h in headers]
    else:
        raise UsageError(f"{where}: headers are a mapping or a list of {{key, value}}")
    headers = [(str(k), _text(v, f"{where}: header {k}")) for k, v in headers]
    partition = args.get("partition")
    timestamp = args.get("timestamp_ms")
    return Step(kind, {"topic": args["topic"], "key": _text(args.get("key"), f"{where}: key"),
                       "value": _text(args.get("value"), f"{where}: value"), "headers": headers,
                       "partition": None if partition is None else _int(partition, f"{where}: partition"),
                       "timestamp_ms": None if timestamp is None else _int(timestamp, f"{where}: timestamp_ms", 1)})


def parse_plan(text: str, source: str = "plan") -> tuple[str | None, list[Step]]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{source} is not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list) or not data["steps"]:
        raise UsageError(f"{source}: a plan is a mapping with a non-empty 'steps:' list")
    unknown = sorted(set(data) - {"steps", "transactional_id"})
    if unknown:
        raise UsageError(f"{source}: unknown key {unknown[0]!r} (steps, transactional_id)")
    txn_id = data.get("transactional_id")
    if txn_id is not None and (not isinstance(txn_id, str) or not txn_id):
        raise UsageError(f"{source}: transactional_id must be a non-empty string")
    return txn_id, [_step(i, item) for i, item in enumerate(data["steps"], 1)]


class PlanRun:
    def __init__(self, conf: dict, txn_id: str | None, steps: list[Step], timeout: float):
        self.conf, self.steps, self.timeout = conf, steps, timeout  # each wait is bounded by --timeout
        self.txn_id = txn_id or f"kctl-txn-run-{uuid.uuid4().hex[:12]}"
        self.rows: list[PlanStep] = []
        self.open = False
        self.committed = self.aborted = 0
        self.consumers: dict = {}

    def run(self) -> PlanResult:
        from kctl.client import TransactionClient

        self.txn = TransactionClient(self.txn_id, self.conf)
        outcome, error, interrupted = "ok", None, False
        try:
            self.txn.init(timeout=self.timeout)
            for index, step in enumerate(self.steps, 1):
                started = time.perf_counter()
                try:
                    detail = self._do(step)
                except KctlError as exc:
                    fatal = isinstance(exc, TransactionFatal)
                    outcome, error = ("fatal" if fatal else "failed"), str(exc)
                    self._row(index, step.kind, _describe(step), "fatal" if fatal else "failed", started, str(exc))
                    self.rows.extend(PlanStep(i, s.kind, _describe(s), "skipped")
                                     for i, s in enumerate(self.steps[index:], index + 1))
                    if not fatal:
                        self._abort_open()
                    break
                self._row(index, step.kind, detail, "ok", started)
            else:
                if self.open:
                    outcome, error = "failed", "the plan ended inside a transaction"
                    self._abort_open()
        except BaseException as exc:
            # Ctrl-C/SIGTERM: kctl is gone within 2 s, whatever the coordinator does
            interrupted = isinstance(exc, KeyboardInterrupt)
            self._abort_open(Deadline.after(INTERRUPT_GRACE_S) if interrupted else None)
            raise
        finally:
            grace = INTERRUPT_GRACE_S / 4 if interrupted else min(self.timeout, 5.0)
            for consumer in self.consumers.values():
                consumer.close(grace)
            self.txn.close(grace)
        return PlanResult(self.txn_id, outcome, self.committed, self.aborted, tuple(self.rows), error)

    def _row(self, index, kind, detail, status, started, error=None) -> None:
        self.rows.append(PlanStep(index, kind, detail, status, round((time.perf_counter() - started) * 1000, 1), error))

    def _abort_open(self, deadline: Deadline | None = None) -> None:
        if not self.open:
            return
        started = time.perf_counter()
        self.open = False
        try:
            self.txn.abort(timeout=deadline or self.timeout)
            self.aborted += 1
            self._row(0, "abort", "automatic, after the failure", "ok", started)
        except KctlError as exc:
            self._row(0, "abort", "automatic, after the failure", "failed", started, str(exc))

    def _do(self, step: Step) -> str:
        from kctl.client import ConsumerClient, ProducerRecord

        if step.kind == "begin":
            self.txn.begin()
            self.open = True
            return ""
        if step.kind == "commit":
            self.txn.commit(timeout=self.timeout)
            self.open = False
            self.committed += 1
            return ""
        if step.kind == "abort":
            self.txn.abort(timeout=self.timeout)
            self.open = False
            self.aborted += 1
            return ""
        if step.kind == "sleep":
            time.sleep(step.args)
            return f"{step.args:g}s"
        a = step.args
        if step.kind == "send":
            if not self.open:
                raise TransactionAborted("send outside a transaction", hint="put a begin step before it")
            future = self.txn.send(ProducerRecord(a["topic"], a["value"], a["key"], a["headers"], a["partition"],
                                                  a["timestamp_ms"]))
            meta = future.get(timeout=self.timeout)
            return f"{meta.topic}/{meta.partition}@{meta.offset}"
        consumer = self.consumers.get(a["group"])
        if consumer is None:
            consumer = self.consumers[a["group"]] = ConsumerClient(self.conf, group_id=a["group"])
        self.txn.send_offsets(consumer.group_metadata(), {(a["topic"], a["partition"]): a["offset"]},
                              timeout=self.timeout)
        return _describe(step)


def _describe(step: Step) -> str:
    a = step.args
    if step.kind == "send":
        where = a["topic"] if a["partition"] is None else f"{a['topic']}/{a['partition']}"
        return f"{where} key={a['key']!r} value={a['value']!r}"
    if step.kind == "send-offsets":
        return f"group {a['group']}: {a['topic']}/{a['partition']}={a['offset']}"
    if step.kind == "sleep":
        return f"{a:g}s"
    return ""


def run_plan(conf: dict, path: str, transactional_id: str | None = None, timeout: float = 10.0) -> PlanResult:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        from kctl.errors import NotFoundError

        raise NotFoundError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
    txn_id, steps = parse_plan(text, path)
    return PlanRun(conf, transactional_id or txn_id, steps, timeout).run()
