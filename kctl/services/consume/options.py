"""The options of `kctl consume` (pure, unit-tested): start/stop positions, --match rules, the
option combinations, and the librdkafka settings they imply."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from kctl.client.consumer import BULK_DEFAULTS
from kctl.errors import UsageError
from kctl.models.choices import GROUP_PROTOCOLS, REMOTE_ASSIGNORS
from kctl.parsing import is_int, parse_int, parse_partition_offsets, parse_time

COMMIT_MODES = ("after-write", "auto", "sync", "async", "none")
ASSIGNMENTS = {"range": "range", "roundrobin": "roundrobin", "cooperative-sticky": "cooperative-sticky"}
ISOLATION = ("read_committed", "read_uncommitted")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")



def utf8(text: str, option: str) -> str:
    """Arguments that are not valid UTF-8 arrive surrogate-escaped: a usage error, not a crash later."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{option}: {text!r} is not valid UTF-8") from None
    return text


@dataclass(frozen=True)
class Position:
    """Where to start or stop. kind: beginning end stored offset tail time (value = offset/N/ms),
    or partitions (offsets: ((partition, offset), ...), a start offset per partition)."""

    kind: str
    value: int = 0
    offsets: tuple[tuple[int, int], ...] = ()


def parse_from(text: str | None, now_ms: int | None = None) -> Position | None:
    if text is None:
        return None
    value = utf8(text, "--from").strip()
    if value in ("beginning", "earliest", "start"):
        return Position("beginning")
    if value in ("end", "latest"):
        return Position("end")
    if value in ("stored", "committed"):
        return Position("stored")
    if value.startswith("-") and is_int(value[1:]):
        return Position("tail", parse_int(value[1:], "--from"))
    if is_time(value):
        return Position("time", parse_time(value, now_ms, option="--from"))
    if is_int(value):
        return Position("offset", parse_int(value, "--from"))
    if "=" in value or ":" in value:  # kcat's -o per partition: 0=1200,3=400
        return Position("partitions", offsets=tuple(sorted(parse_partition_offsets([value], "--from").items())))
    raise UsageError(f"--from: cannot read {text!r}",
                     hint="beginning, end, stored, OFFSET, -N, @TIME, -1h, ISO 8601 or PARTITION=OFFSET,...")


def is_time(value: str) -> bool:
    """A position given as a time (the CLI grammar): @TIME (epoch ms, ISO, -1h), a relative time
    like -1h (-N alone is the last N records), or an ISO 8601 date; a bare number is an offset."""
    return (value.startswith("@") or (value.startswith("-") and len(value) > 1 and not is_int(value[1:]))
            or bool(_ISO_DATE.match(value)))


def parse_until(text: str | None, now_ms: int | None = None) -> Position | None:
    if text is None:
        return None
    value = utf8(text, "--until").strip()
    if value in ("end", "eof"):
        return Position("end")
    if value == "now":
        return Position("time", parse_time("-0s", now_ms, option="--until"))
    if is_time(value):
        return Position("time", parse_time(value, now_ms, option="--until"))
    if is_int(value):
        return Position("offset", parse_int(value, "--until"))
    raise UsageError(f"--until: cannot read {text!r}", hint="end, OFFSET (exclusive), @TIME, -1h or ISO 8601")


@dataclass(frozen=True)
class Match:
    field: str  # key, value or header
    header: str | None
    regex: re.Pattern


def parse_matches(values: list[str] | None) -> tuple[Match, ...]:
    out = []
    for value in values or ():
        name, sep, pattern = utf8(value, "--match").partition("=")
        if not sep:
            raise UsageError(f"--match expects key=REGEX, value=REGEX or header.NAME=REGEX, got {value!r}")
        try:
            regex = re.compile(pattern.encode("utf-8"))
        except re.error as exc:
            raise UsageError(f"--match {name}: invalid regular expression: {exc}") from None
        if name in ("key", "value"):
            out.append(Match(name, None, regex))
        elif name.startswith("header.") and len(name) > 7:
            out.append(Match("header", name[7:], regex))
        else:
            raise UsageError(f"--match: unknown field {name!r}", hint="key=REGEX, value=REGEX or header.NAME=REGEX")
    return tuple(out)


def matches(record, rules: tuple[Match, ...]) -> bool:
    """All rules must hold on a ConsumerRecord (a null key/value/absent header never matches)."""
    for rule in rules:
        if rule.field == "value":
            data = record.value
            if data is None or not rule.regex.search(data):
                return False
        elif rule.field == "key":
            data = record.key
            if data is None or not rule.regex.search(data):
                return False
        else:
            if not any(name == rule.header and value is not None and rule.regex.search(value)
                       for name, value in record.headers or ()):
                return False
    return True


@dataclass(frozen=True)
class ConsumeOptions:
    topics: tuple[str, ...] = ()
    pattern: str | None = None
    group: str | None = None
    assignment: str | None = None
    group_protocol: str | None = None  # classic (librdkafka's default) or consumer (KIP-848)
    assignor: str | None = None  # the consumer protocol's server-side assignor: uniform or range
    commit: str | None = None  # default: after-write with a group, none without
    start: Position | None = None  # default: beginning without a group, stored with one
    partitions: tuple[int, ...] | None = None
    until: Position | None = None
    max_messages: int | None = None
    idle_timeout: float | None = None
    matches: tuple[Match, ...] = field(default_factory=tuple)
    where: object = None  # a kctl.services.where.Where: only records it holds for (with every --match)
    isolation: str = "read_committed"
    batch_size: int = 10000

    def validated(self) -> "ConsumeOptions":
        if not self.topics and not self.pattern:
            raise UsageError("name at least one topic or give --pattern")
        for topic in self.topics:
            utf8(topic, "topic")
        for value, option in ((self.pattern, "--pattern"), (self.group, "--group")):
            if value is not None:
                utf8(value, option)
        if self.assignment and self.assignment not in ASSIGNMENTS:
            raise UsageError(f"--assignment must be one of {', '.join(ASSIGNMENTS)}")
        if self.group_protocol is not None and self.group_protocol not in GROUP_PROTOCOLS:
            raise UsageError(f"--group-protocol must be one of {', '.join(GROUP_PROTOCOLS)}")
        if self.assignor is not None and self.assignor not in REMOTE_ASSIGNORS:
            raise UsageError(f"--assignor must be one of {', '.join(REMOTE_ASSIGNORS)}")
        if self.group_protocol == "consumer" and self.assignment:
            raise UsageError("--assignment is a client-side strategy of the classic protocol",
                             hint="with --group-protocol consumer the broker assigns: choose it with --assignor uniform|range")
        if self.assignor and self.group_protocol != "consumer":
            raise UsageError("--assignor needs --group-protocol consumer",
                             hint="the classic protocol's client-side strategies are chosen with --assignment")
        if self.isolation not in ISOLATION:
            raise UsageError("--isolation must be read_committed or read_uncommitted")
        partitions = self.partitions
        if self.start is not None and self.start.kind == "partitions":
            named = tuple(p for p, _ in self.start.offsets)
            if self.group:
                raise UsageError("--from PARTITION=OFFSET,... cannot be combined with --group",
                                 hint="the group assigns partitions; drop --group to read from chosen offsets")
            if partitions and set(partitions) != set(named):
                raise UsageError("--from PARTITION=OFFSET,... already names the partitions: drop --partition "
                                 "or give the same ones")
            partitions = named
        commit = self.commit or ("after-write" if self.group else "none")
        if commit not in COMMIT_MODES:
            raise UsageError(f"--commit must be one of {', '.join(COMMIT_MODES)}")
        if not self.group:
            if commit != "none":
                raise UsageError(f"--commit {commit} needs --group", hint="without a group kctl never commits")
            for value, option in ((self.assignment, "--assignment"), (self.group_protocol, "--group-protocol"),
                                  (self.assignor, "--assignor")):
                if value:
                    raise UsageError(f"{option} needs --group")
            if self.start and self.start.kind == "stored":
                raise UsageError("--from stored needs --group")
        elif self.partitions:
            raise UsageError("--partition cannot be combined with --group",
                             hint="the group assigns partitions; drop --group to read chosen partitions")
        if self.max_messages is not None and self.max_messages < 1:
            raise UsageError("--max-messages must be at least 1")
        if self.idle_timeout is not None and not 0 < self.idle_timeout < float("inf"):  # also rejects nan
            raise UsageError(f"--idle-timeout must be a positive number of seconds, got {self.idle_timeout:g}")
        if self.pattern:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise UsageError(f"--pattern: invalid regular expression: {exc}") from None
        start = self.start or Position("stored" if self.group else "beginning")
        return ConsumeOptions(**{**self.__dict__, "commit": commit, "start": start, "partitions": partitions})


def consumer_conf(base: dict, opts: ConsumeOptions) -> dict:
    """librdkafka settings: kctl's bulk defaults under the user's -X, commit semantics forced."""
    conf = dict(base)
    for key, value in BULK_DEFAULTS.items():
        conf.setdefault(key, value)
    conf.setdefault("isolation.level", opts.isolation)
    conf["enable.partition.eof"] = opts.until is not None
    if opts.until is not None:
        # The end of a partition shows as an empty fetch, which the broker holds for up to
        # fetch.wait.max.ms (500 ms by default) before answering.
        conf.setdefault("fetch.wait.max.ms", 100)
    if opts.group:
        conf["group.id"] = opts.group
        conf.setdefault("auto.offset.reset", "earliest")
        if opts.assignment:
            conf["partition.assignment.strategy"] = ASSIGNMENTS[opts.assignment]
        if opts.group_protocol:
            conf["group.protocol"] = opts.group_protocol
        if opts.assignor:
            conf["group.remote.assignor"] = opts.assignor
        # after-write: librdkafka auto-commits only what kctl stored after writing it.
        conf["enable.auto.commit"] = opts.commit in ("after-write", "auto")
        conf["enable.auto.offset.store"] = opts.commit == "auto"
    else:
        conf["group.id"] = f"kctl-consume-{uuid.uuid4().hex[:12]}"  # never joined, never committed
        conf["enable.auto.commit"] = False
        conf["enable.auto.offset.store"] = False
    return conf
