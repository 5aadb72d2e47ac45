"""`kctl txn run SCRIPT.yaml`: a scripted transaction lifecycle with one transactional producer,
for testing consumers against committed and aborted data.

    transactional_id: script-1          # optional
    steps:
      - begin
      - send: {topic: orders, key: k1, value: hello, headers: {trace: abc}, partition: 0}
      - send-offsets: {group: audit, topic: orders, partition: 0, offset: 42}
      - sleep: 0.5
      - commit                         # or abort

Every step becomes a row. A failing step aborts the open transaction and skips the rest
(outcome failed); a fenced or otherwise fatal producer cannot abort (outcome fatal). A script that
ends inside a transaction has it aborted: that is a failure too.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec

from kctl import serde
from kctl.client import ConsumerClient, ProducerRecord, TransactionClient
from kctl.deadline import Deadline
from kctl.decode import NonEmptyStr, NonNegativeInt, Strict, decode, parse_yaml, read_regular_file
from kctl.errors import KctlError, NotFoundError, TransactionAborted, TransactionFatal, UsageError
from kctl.models.txn_script import ScriptResult, ScriptStep

BARE = ("begin", "commit", "abort")
KINDS = "begin, commit, abort, send, send-offsets, sleep"
INTERRUPT_GRACE_S = 1.5  # the abort (and closing) after a Ctrl-C or SIGTERM

# A record field as YAML gives it: text, a number (sent as its text) or a mapping/list (sent as
# compact JSON). A boolean is refused: `true` is more likely a mistake than the text "True".
Field = str | int | float | dict | list | None


class Header(Strict):
    key: str
    value: Field = None


class Send(Strict):
    topic: NonEmptyStr
    key: Field = None
    value: Field = None
    headers: dict[str, Field] | list[Header] = {}
    partition: NonNegativeInt | None = None
    timestamp_ms: Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)] | None = None


class SendOffsets(Strict):
    group: NonEmptyStr
    topic: NonEmptyStr
    partition: NonNegativeInt
    offset: NonNegativeInt


class Script(Strict):
    steps: Annotated[list[str | dict[str, Any]], msgspec.Meta(min_length=1)]
    transactional_id: NonEmptyStr | None = None


ARGS = {"send": Send, "send-offsets": SendOffsets,
        "sleep": Annotated[float, msgspec.Meta(ge=0, le=3600, description="seconds")]}


@dataclass(frozen=True)
class Step:
    kind: str
    args: object = None


def _text(value: Field, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        try:  # YAML gives dates and other values JSON has no text for
            return serde.json_text(value).decode("utf-8")
        except serde.SerdeError as exc:
            raise UsageError(f"{where}: {exc}") from None
    return str(value)


def _step(source: str, index: int, item: str | dict) -> Step:
    where = f"{source}: steps[{index}]"
    if isinstance(item, str):
        if item not in BARE:
            raise UsageError(f"{where}: unknown step {item!r}", hint=KINDS)
        return Step(item)
    if len(item) != 1:
        raise UsageError(f"{where}: a step is a name or a mapping with one key, got {len(item)} keys", hint=KINDS)
    ((kind, raw),) = item.items()
    if kind not in ARGS:
        raise UsageError(f"{where}: unknown step {kind!r}", hint=KINDS)
    # a step's fields are named from the step (steps[3].partition); sleep's one value by its name
    args = decode(raw, ARGS[kind], source, at=f"steps[{index}]" + (".sleep" if kind == "sleep" else ""))
    if kind == "sleep":
        return Step(kind, float(args))
    if kind == "send-offsets":
        return Step(kind, {"group": args.group, "topic": args.topic, "partition": args.partition,
                           "offset": args.offset})
    headers = list(args.headers.items()) if isinstance(args.headers, dict) else [(h.key, h.value) for h in args.headers]
    return Step(kind, {"topic": args.topic, "key": _text(args.key, f"{where}.key"),
                       "value": _text(args.value, f"{where}.value"),
                       "headers": [(k, _text(v, f"{where}.headers.{k}")) for k, v in headers], "partition": args.partition,
                       "timestamp_ms": args.timestamp_ms})


def parse_script(text: str, source: str = "script") -> tuple[str | None, list[Step]]:
    """A script's transactional id and steps, decoded strictly: unknown keys are refused and an error
    names its place (`script.yaml: steps[3].partition: expected `int` >= 0`), before anything is sent."""
    data = parse_yaml(text, source)
    script = decode(data, Script, source)
    return script.transactional_id, [_step(source, i, item) for i, item in enumerate(script.steps)]


class ScriptRun:
    def __init__(self, conf: dict, txn_id: str | None, steps: list[Step], timeout: float):
        self.conf, self.steps, self.timeout = conf, steps, timeout  # each wait is bounded by --timeout
        self.txn_id = txn_id or f"kctl-txn-run-{uuid.uuid4().hex[:12]}"
        self.rows: list[ScriptStep] = []
        self.open = False
        self.committed = self.aborted = 0
        self.consumers: dict = {}

    def run(self) -> ScriptResult:
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
                    self.rows.extend(ScriptStep(i, s.kind, _describe(s), "skipped")
                                     for i, s in enumerate(self.steps[index:], index + 1))
                    if not fatal:
                        self._abort_open()
                    break
                self._row(index, step.kind, detail, "ok", started)
            else:
                if self.open:
                    outcome, error = "failed", "the script ended inside a transaction"
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
        return ScriptResult(self.txn_id, outcome, self.committed, self.aborted, tuple(self.rows), error)

    def _row(self, index, kind, detail, status, started, error=None) -> None:
        self.rows.append(ScriptStep(index, kind, detail, status, round((time.perf_counter() - started) * 1000, 1), error))

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


def run_script(conf: dict, path: str, transactional_id: str | None = None, timeout: float = 10.0) -> ScriptResult:
    if not os.path.lexists(path):
        raise NotFoundError(f"cannot read {path}: No such file or directory")
    try:
        text = read_regular_file(path).decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
    txn_id, steps = parse_script(text, path)
    return ScriptRun(conf, transactional_id or txn_id, steps, timeout).run()
