"""The CLI grammar's value types, shared by every command (docs/cli.md "CLI grammar").

- Duration: 500ms, 10s, 2m, 1h, 1d, PT30M; a bare number is seconds, or milliseconds for an
  option whose name ends in -ms (--linger-ms 5, as Kafka users write linger.ms=5).
- Time: epoch ms, ISO 8601 (with a zone; none: local time), or relative to now (-1h), '@' optional.
- Position (--from/--until): a position word or an offset, or any Time: @TIME always, and -1h or
  an ISO time without the '@' (a bare number stays an offset; epoch ms is @1700000000000).

Each is a click ParamType over the one parser of kctl.parsing (or the consume position parser),
so a bad value is a usage error while the arguments are read, naming the option, before any
connection is made; tests/unit/test_grammar.py finds the options by these types.

Also the renamed short flags: a flag that used to mean something else here gets an error that
says what it is now (`kctl produce -F json`: renamed to --input).
"""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from enum import Enum

import typer

from kctl.cli.clicklib import ParamType
from kctl.cli.complete import complete_topics
from kctl.cli.context import no_empty_names
from kctl.errors import UsageError
from kctl.models.choices import GROUP_PROTOCOLS, REMOTE_ASSIGNORS

# KIP-848 (consume --group, e2e run): the group protocol and the consumer protocol's broker-side assignor.
GroupProtocol = Enum("GroupProtocol", {name: name for name in GROUP_PROTOCOLS}, type=str)
Assignor = Enum("Assignor", {name: name for name in REMOTE_ASSIGNORS}, type=str)
GROUP_PROTOCOL_HELP = ("Group protocol: classic, or consumer (KIP-848: the broker assigns the partitions; "
                       "needs group.version 1, Kafka 4.0+).")
ASSIGNOR_HELP = "The broker's assignor (with --group-protocol consumer): uniform or range."

# One key=value option and one removal option wherever a config is set (topics create/alter-config,
# configs alter): -c/--config KEY=VALUE (--set is the same), --delete KEY (--unset is the same).
CONFIG_OPTION = typer.Option([], "--config", "-c", "--set", metavar="KEY=VALUE",
                             help="Set a config (repeatable), e.g. -c retention.ms=60000 (--set is the same).")
# --validate-only: the broker's own check of a change (CreateTopics, CreatePartitions, AlterConfigs
# validate_only), nothing applied; --dry-run (kctl.cli.confirm.DRY_RUN) sends no change request at all.
VALIDATE_ONLY = typer.Option(False, "--validate-only",
                             help="Have the broker validate the request without applying it (exit 2 if it refuses).")
# --where EXPR of consume, search (kctl.services.where).
WHERE_HELP = ("Only records where this CEL expression holds (and every --match), over key, value (JSON-decoded), "
              "headers, topic, partition, offset, timestamp, size, now: 'value.status == \"failed\" && value.amount > 490.0', "
              "'headers[\"trace-id\"].startsWith(\"abc\")', 'timestamp > now - duration(\"1h\")', "
              "'has(value.customer) && value.customer.country in [\"DE\",\"AT\"]'.")


@contextmanager
def where_reported(where):
    """Around a run filtered by a kctl.services.where.Where: the line about records it could not be
    evaluated on, on stderr at the end (also after Ctrl-C); exit 2 when it could be evaluated on none."""
    try:
        yield
    except BaseException:
        _report(where)
        raise
    if where is not None:
        where.check()
        _report(where)


def _report(where) -> None:
    report = where.report() if where is not None else None
    if report:
        sys.stderr.write(f"kctl: warning: {report}\n")
        sys.stderr.flush()


DELETE_OPTION = typer.Option([], "--delete", "--unset", metavar="KEY", callback=no_empty_names,
                             help="Remove an override, back to the default (repeatable; --unset is the same).")


# -t/--topic wherever the topic is the argument (docs/cli.md "CLI grammar"): kcat users type -t.
def topic_option(help: str = "The topic (the same as the TOPIC argument)."):
    return typer.Option(None, "--topic", "-t", metavar="TOPIC", help=help, autocompletion=complete_topics,
                        callback=no_empty_names, show_default=False)


def topics_option(help: str = "A topic (repeatable; the same as the TOPIC arguments)."):
    return typer.Option([], "--topic", "-t", metavar="TOPIC", help=help, autocompletion=complete_topics,
                        callback=no_empty_names, show_default=False)


def one_topic(argument: str | None, option: str | None, required: bool = True) -> str | None:
    """TOPIC as the argument or -t/--topic (the same thing; not two different ones)."""
    if argument is not None and option is not None and argument != option:
        raise UsageError(f"two topics given: {argument} and -t {option}")
    if required and argument is None and option is None:
        raise UsageError("name the topic: TOPIC (or -t/--topic)")
    return argument if argument is not None else option


def some_topics(arguments, options, required: bool = True) -> list[str]:
    """TOPIC... arguments and -t/--topic options together, in order, each once."""
    names = list(dict.fromkeys([*(arguments or ()), *(options or ())]))
    if required and not names:
        raise UsageError("name the topics: TOPIC... (or -t/--topic TOPIC)")
    return names


def _option_name(param) -> str:
    if param is None:
        return "value"
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
    return opts[0] if opts else param.name


class Duration(ParamType):
    """A duration in seconds (a float), or in milliseconds for unit='ms' (bare numbers are ms)."""

    name = "DURATION"

    def __init__(self, unit: str = "s", minimum: float | None = None, maximum: float | None = None,
                 integer: bool = False, signed: bool = False, as_text: bool = False):
        self.unit, self.minimum, self.maximum = unit, minimum, maximum
        self.integer, self.signed, self.as_text = integer, signed, as_text
        if unit == "ms":
            self.name = "MS"

    def convert(self, value, param, ctx):
        from kctl.parsing import parse_duration_ms  # not on --help's path

        option = _option_name(param)
        if isinstance(value, (int, float)) and not isinstance(value, bool):  # a default
            return value
        text = str(value).strip()
        body = text[1:] if self.signed and text.startswith("-") else text
        if self.unit == "ms" and _is_number(body):
            amount = float(body)
        else:  # a bad value: kctl's UsageError, one line naming the option (exit 2)
            try:
                ms = parse_duration_ms(body, option)
            except UsageError as exc:
                if self.unit == "ms":
                    exc.hint = "use 5 (milliseconds), 500ms, 10s, 2m, 1h or ISO 8601 (PT30M)"
                raise
            amount = ms / 1000.0 if self.unit == "s" else float(ms)
        if self.minimum is not None and amount < self.minimum or self.maximum is not None and amount > self.maximum:
            raise UsageError(f"{option}: {text!r} is out of range "
                             f"({_bound(self.minimum, self.unit)}..{_bound(self.maximum, self.unit)})")
        if self.as_text:
            return text
        return int(amount) if self.integer else amount


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9]+(\.[0-9]+)?", text))


def _bound(value: float | None, unit: str) -> str:
    """A range end as a duration a user would type: 0.1 s -> 100ms, 86400 s -> 1d."""
    if value is None:
        return ""
    ms = value * 1000 if unit == "s" else value
    for size, suffix in ((604_800_000, "w"), (86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s")):
        if ms >= size and ms % size == 0:
            return f"{int(ms // size)}{suffix}"
    return f"{ms:g}ms"


class Time(ParamType):
    """A point in time (kctl.parsing.parse_time); the text is kept (parsed again where it is used,
    relative to the moment of use)."""

    name = "TIME"

    def convert(self, value, param, ctx):
        from kctl.parsing import parse_time  # not on --help's path

        parse_time(str(value), option=_option_name(param))  # a bad value: kctl's UsageError (exit 2)
        return value


class Position(ParamType):
    """--from (start) or --until (stop): kctl.services.consume.options.parse_from/parse_until."""

    name = "POS"

    def __init__(self, end: str):
        self.end = end  # "from" or "until"

    def convert(self, value, param, ctx):
        from kctl.services.consume.options import parse_from, parse_until  # not on --help's path

        (parse_from if self.end == "from" else parse_until)(str(value))  # a bad value: kctl's UsageError
        return value


# The one table of flag hints: a flag kctl does not have here -> what to use. (command path after
# "kctl", flag), "*" for any command. Flags that meant something else in kctl, then the habits of kcat
# and of Apache Kafka's console tools (kafka-console-consumer/-producer.sh).
FLAG_HINTS = {
    ("produce", "-F"): "renamed to --input (line|envelope|raw); -f/--format is the record template ('%k\\t%v\\n')",
    ("e2e run", "-p"): "the partition count is --partitions N (-p selects partitions)",
    ("e2e run", "-c"): "the consumer count is --consumers N (-c is --config KEY=VALUE)",
    ("perf produce", "-t"): "the target rate is --throughput N (-t is --topic elsewhere)",
    ("local logs", "-f"): "following is --follow (-f is the record --format elsewhere)",
    ("copy", "-f"): "following is --follow (-f is the record --format elsewhere)",
    ("config set-context", "-P"): "client properties are -X/--property KEY=VALUE, as the global -X",
    # kcat
    ("*", "-C"): "kctl's is the command `kctl consume TOPIC` (kcat -C)",
    ("*", "-P"): "kctl's is the command `kctl produce TOPIC` (kcat -P)",
    ("*", "-L"): "kctl's are `kctl topics list`, `kctl topics describe T`, `kctl cluster describe` (kcat -L)",
    ("*", "-Q"): "kctl's is `kctl consume T --from @TIME` (kcat -Q looks offsets up by time)",
    ("*", "-G"): "kctl's is -g/--group GROUP (kcat -G)",
    ("consume", "-e"): "kctl's is --until end (kcat -e)",
    ("consume", "-c"): "kctl's is -n/--max-messages N (kcat -c)",
    ("produce", "-c"): "kctl's is -n/--count N (kcat -c)",
    ("consume", "-J"): "kctl's is -o json (kcat -J)",
    ("*", "-s"): "kctl's are --key-deserializer/--value-deserializer (consume), --key-serializer/--value-serializer "
                 "(produce) and --value-format avro|protobuf|json-schema (kcat -s)",
    ("*", "-r"): "kctl's is --schema-registry URL (kcat -r)",
    ("produce", "-l"): "kctl's is --input raw --file FILE (each file one message, kcat -l)",
    ("*", "-F"): "kctl's is --command-config FILE (kcat -F)",
    ("*", "-d"): "kctl's are --debug and -X debug=CONTEXTS (kcat -d)",
    # Apache Kafka's console consumer and producer
    ("*", "--from-beginning"): "kctl's is --from beginning",
    ("*", "--offset"): "kctl's is --from OFFSET|beginning|end (with -p/--partition)",
    ("*", "--bootstrap-server"): "kctl's is -b/--bootstrap HOST:PORT (or -i/--instance N)",
    ("*", "--broker-list"): "kctl's is -b/--bootstrap HOST:PORT (or -i/--instance N)",
    ("*", "--consumer-property"): "kctl's is -X/--property KEY=VALUE",
    ("*", "--producer-property"): "kctl's is -X/--property KEY=VALUE",
    ("*", "--command-property"): "kctl's is -X/--property KEY=VALUE",
    ("*", "--consumer.config"): "kctl's is --command-config FILE",
    ("*", "--consumer-config"): "kctl's is --command-config FILE",
    ("*", "--producer.config"): "kctl's is --command-config FILE",
    ("*", "--producer-config"): "kctl's is --command-config FILE",
    ("consume", "--timeout-ms"): "kctl's is --idle-timeout DURATION (500ms, 10s)",
    ("consume", "--isolation-level"): "kctl's is --isolation read_committed|read_uncommitted",
    ("consume", "--include"): "kctl's is --pattern REGEX",
    ("consume", "--whitelist"): "kctl's is --pattern REGEX",
    ("produce", "--request-required-acks"): "kctl's is --acks 0|1|all",
    ("produce", "--compression-codec"): "kctl's is -z/--compression none|gzip|snappy|lz4|zstd",
    # the console tools' --property formatter settings, which land on kctl's -X/--property
    ("-X", "print.key"): "kctl's is the record template: kctl consume T -f '%k %v'",
    ("-X", "print.value"): "kctl's is the record template: kctl consume T -f '%v'",
    ("-X", "print.timestamp"): "kctl's is the record template: kctl consume T -f '%T %v'",
    ("-X", "print.partition"): "kctl's is the record template: kctl consume T -f '%p %v'",
    ("-X", "print.offset"): "kctl's is the record template: kctl consume T -f '%o %v'",
    ("-X", "print.headers"): "kctl's is the record template: kctl consume T -f '%h %v'",
    ("-X", "print.*"): "kctl's is the record template: kctl consume T -f '%p:%o %k %v' (-f/--format)",
    ("-X", "key.separator"): "kctl's are kctl consume T -f '%k<SEP>%v' and kctl produce T -K/--key-separator SEP",
    ("-X", "parse.key"): "kctl's is kctl produce T -K/--key-separator SEP (or -f '%k\\t%v\\n')",
    ("-X", "parse.headers"): "kctl's are kctl produce T -H/--header NAME=VALUE and --input envelope",
    ("-X", "headers.separator"): "kctl's are kctl produce T -H/--header NAME=VALUE and --input envelope",
    ("-X", "line.separator"): "kctl's is the record template's end: kctl consume T -f '%v\\n'",
    ("-X", "null.literal"): "kctl's is kctl produce T --null-marker TEXT",
}


def renamed_hint(command_path: str, option: str) -> str | None:
    """What to use instead of a flag kctl does not have here (None: nothing known)."""
    path = command_path.split(" ", 1)[1] if " " in command_path else ""
    return FLAG_HINTS.get((path, option)) or FLAG_HINTS.get(("*", option))


def console_property_hint(key: str) -> str | None:
    """What to use instead of a Kafka console tool's --property (print.key=true, key.separator=:),
    given to kctl's -X/--property, which takes client properties only (None: not one of them)."""
    name = key.strip().lower()
    return FLAG_HINTS.get(("-X", name)) or (FLAG_HINTS[("-X", "print.*")] if name.startswith("print.") else None)


def output_hint(value: str) -> str | None:
    """`-o VALUE` that is not an output format but a kcat offset (`kctl consume T -o beginning`)."""
    text = value.strip()
    if text in ("beginning", "end", "stored") or re.fullmatch(r"-?[0-9]+", text):
        return f"-o is the output format here (table|wide|csv|json|yaml); kcat's -o {text} is kctl's --from {text}"
    if re.fullmatch(r"s@-?[0-9]+", text):
        return f"-o is the output format here (table|wide|csv|json|yaml); kcat's -o {text} is kctl's --from {text[1:]}"
    if re.fullmatch(r"e@-?[0-9]+", text):
        return f"-o is the output format here (table|wide|csv|json|yaml); kcat's -o {text} is kctl's --until {text[1:]}"
    return None
