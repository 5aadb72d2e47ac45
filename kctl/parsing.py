"""The one parser for each kind of value a command line carries: times, durations, partition
lists, partition=offset lists and TOPIC[:PARTITIONS] specs.

Digits are ASCII only (str.isdigit() accepts '²' and other Unicode digits that int() rejects),
and every number is checked against the Kafka wire type it ends up in (int32 partitions, int64
offsets and timestamps), so odd input is a usage error (exit 2), never an internal one.
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime, timedelta, timezone

from kctl.errors import UsageError

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+")
_PARTITION_OFFSET = re.compile(r"([0-9]+)[:=]([0-9]+)")
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w)?")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_ISO_DURATION = re.compile(r"P(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?", re.I)
TIME_HINT = "use epoch ms, ISO 8601 with a zone (2026-11-26T10:00:00Z) or relative (-1h, -30m, -2d)"
DURATION_HINT = "use 500ms, 10s, 2m, 1h, 1d (a bare number is seconds) or ISO 8601 (PT30M)"


def is_int(text: str) -> bool:
    """Whole ASCII digits (no sign, no Unicode digits)."""
    return bool(_DIGITS.fullmatch(text))


def parse_int(text: str, option: str, minimum: int = 0, maximum: int = INT64_MAX) -> int:
    value = text.strip()
    negative = value.startswith("-")
    if not is_int(value[1:] if negative else value):
        raise UsageError(f"{option}: expected a whole number, got {text!r}")
    number = int(value)
    if not minimum <= number <= maximum:
        raise UsageError(f"{option}: {text!r} is out of range ({minimum}..{maximum})")
    return number


def parse_duration_ms(text: str, option: str = "duration") -> int:
    """'500ms', '10s', '2m', '1.5h', '1d', 'PT30M'; a bare number is seconds. Returns milliseconds."""
    value = text.strip()
    match = _DURATION.fullmatch(value)
    if match:
        ms = float(match.group(1)) * _UNIT_MS[match.group(2) or "s"]
    else:
        iso = _ISO_DURATION.fullmatch(value)
        if not iso or not value[1:] or value.upper().endswith("T"):
            raise UsageError(f"{option}: cannot read duration {text!r}", hint=DURATION_HINT)
        days, hours, minutes, seconds = (float(g) if g else 0.0 for g in iso.groups())
        ms = ((days * 24 + hours) * 60 + minutes) * 60_000 + seconds * 1000
    if ms > INT64_MAX:
        raise UsageError(f"{option}: {text!r} is out of range")
    return int(ms)


def parse_time(text: str, now_ms: int | None = None, option: str = "time") -> int:
    """A point in time as epoch ms: '@' optional; epoch ms, ISO 8601 (naive = local time), or
    relative to now (-1h, -30m, -90s, -2d, -PT30M)."""
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = text.strip()
    if value.startswith("@"):
        value = value[1:].strip()
    if value.startswith("-") and len(value) > 1 and not is_int(value[1:]):
        moment = now_ms - parse_duration_ms(value[1:], option)
    elif is_int(value):
        moment = int(value)
    else:
        try:
            parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1:] in ("z", "Z") else value)
            if parsed.tzinfo is None:
                parsed = parsed.astimezone()  # naive: the local time zone, as kafka-consumer-groups does
            # exact (timestamp() is a float: .040 s could come out as 39 ms)
            moment = (parsed - epoch) // timedelta(milliseconds=1)
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"{option}: cannot read time {text!r}", hint=TIME_HINT) from None
    if not -INT64_MAX <= moment <= INT64_MAX:
        raise UsageError(f"{option}: {text!r} is out of range (timestamps are 64-bit)")
    return moment


def parse_regex(text: str | None, option: str = "pattern") -> "re.Pattern | None":
    """A name pattern (the CLI grammar's one regex rule): callers match it against the WHOLE name
    (pattern.fullmatch), so a plain name matches only itself; an invalid one is a usage error."""
    if not text:
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        raise UsageError(f"{option}: invalid regular expression {text!r}: {exc}") from None


def parse_partitions(values: list[str] | tuple[str, ...] | None, option: str = "--partition") -> tuple[int, ...] | None:
    """['0,2', '5'] -> (0, 2, 5), sorted and unique; nothing -> None (every partition)."""
    if not values:
        return None
    out: set[int] = set()
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            if not is_int(item) or int(item) > INT32_MAX:
                raise UsageError(f"{option} expects partition numbers like 0,2,5, got {item!r}")
            out.add(int(item))
    if not out:
        raise UsageError(f"{option} expects partition numbers like 0,2,5, got {', '.join(values)!r}")
    return tuple(sorted(out))


def parse_partition_offsets(values: list[str] | tuple[str, ...], option: str) -> dict[int, int]:
    """['0:100', '3=42', '1=5,2=7'] -> {0: 100, 3: 42, 1: 5, 2: 7} (PARTITION:OFFSET or PARTITION=OFFSET)."""
    out: dict[int, int] = {}
    for value in values:
        for item in value.split(","):
            match = _PARTITION_OFFSET.fullmatch(item.strip())
            if not match or int(match.group(1)) > INT32_MAX or int(match.group(2)) > INT64_MAX:
                raise UsageError(f"{option} expects PARTITION=OFFSET (two non-negative integers), got {item!r}")
            partition, offset = int(match.group(1)), int(match.group(2))
            if partition in out:
                raise UsageError(f"{option} names partition {partition} twice")
            out[partition] = offset
    return out


def parse_topic_partitions(values: list[str], option: str = "--topic") -> dict[str, tuple[int, ...] | None]:
    """['orders', 'payments:0,2'] -> {'orders': None (every partition), 'payments': (0, 2)}."""
    out: dict[str, tuple[int, ...] | None] = {}
    for value in values:
        topic, sep, spec = value.partition(":")
        if not topic:
            raise UsageError(f"{option} expects TOPIC or TOPIC:PARTITION[,PARTITION...], got {value!r}")
        partitions = parse_partitions([spec], option) if sep else None
        if topic in out:
            previous = out[topic]
            out[topic] = None if previous is None or partitions is None else tuple(sorted(set(previous) | set(partitions)))
        else:
            out[topic] = partitions
    return out


def parse_choice(value: str, choices: tuple[str, ...], option: str, aliases: dict[str, str] | None = None) -> str:
    """One of choices, read in any case and with any separators ('complete-commit', 'COMPLETE_COMMIT'
    -> 'CompleteCommit'); aliases map other normalized spellings to a normalized choice."""
    def norm(text: str) -> str:
        return re.sub(r"[^a-z]", "", text.lower())

    key = norm(value)
    key = (aliases or {}).get(key, key)
    for choice in choices:
        if norm(choice) == key:
            return choice
    raise UsageError(f"{option} must be one of {', '.join(choices)} (any case), got {value!r}")


def check_writable(path: str, option: str) -> None:
    """Refuse an output file that cannot be written before the work starts, not after it
    (--junit, --failed-file, ...)."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"cannot write {option} {path}: it is a folder")
    if not os.path.isdir(folder):
        raise UsageError(f"cannot write {option} {path}: no folder {folder}")
    if not os.access(path if os.path.exists(path) else folder, os.W_OK):
        raise UsageError(f"cannot write {option} {path}: permission denied")


def check_names(names, kind: str) -> list[str]:
    """The names as a list; UsageError (exit 2) for one that is not text, is empty, holds a NUL
    or is not valid UTF-8 (a command-line argument of raw bytes arrives surrogate-escaped):
    none may reach librdkafka, which can crash on them (a surrogate in a subscribed topic or a
    header name is a segmentation fault; a NUL ends the name early), or kafka-python, which can
    hang on them."""
    if isinstance(names, (str, bytes)):
        raise UsageError(f"{kind}s are given as a list, got {type(names).__name__} {names!r}")
    try:
        out = list(names)
    except TypeError:
        raise UsageError(f"{kind}s are given as a list, got {type(names).__name__}") from None
    for name in out:
        check_name(name, kind)
    return out


def check_name(name, kind: str) -> str:
    """One name, checked as check_names does."""
    if not isinstance(name, str):
        raise UsageError(f"{kind} must be text, got {type(name).__name__}")
    if name == "":
        raise UsageError(f"{kind} must not be empty")
    if "\x00" in name:
        raise UsageError(f"{kind} must not contain a NUL character: {name!r}")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{kind} is not valid UTF-8: {name!r}") from None
    return name


def check_group_id(value, what: str = "group id") -> str:
    """A consumer's group.id as librdkafka will read it. librdkafka strips white space from a
    property value (and C ends it at a NUL): a group id that comes out empty leaves the consumer
    without its queue, and confluent-kafka then aborts the whole process (an assertion in
    Consumer_init). None is refused too (confluent-kafka sets it as an empty value)."""
    if value is None:
        raise UsageError(f"{what} must be a name, got None")
    text = value if isinstance(value, str) else str(value)
    if not text.split("\x00")[0].strip():
        raise UsageError(f"{what} must not be empty or blank, got {text!r}")
    return check_name(text, what)


def check_writable_dir(path: str, option: str) -> None:
    """Refuse an output folder that cannot be made or written before anything is read: it must be a
    folder, or be creatable below the nearest existing one."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f"cannot write {option} {path}: it is a file, not a folder")
    existing = os.path.abspath(path)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise UsageError(f"cannot write {option} {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {option} {path}: permission denied on {existing}")
