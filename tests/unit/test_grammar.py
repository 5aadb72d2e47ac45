"""The CLI grammar over the whole command tree (docs/cli.md "CLI grammar"), without a broker.

Walks typer's click tree: one meaning per short flag, one time syntax, one duration syntax, one
regex rule, one key=value and one removal option name; and the grammar section of docs/cli.md
against the tree, so neither drifts from the other.
"""

from __future__ import annotations

import re
import time

import pytest
import typer.main

from kctl.cli import clicklib as click
from kctl.cli.app import app
from kctl.cli.options import Duration, Position, Time
from kctl.errors import UsageError
from tests.helpers import doc_section, run_kctl

# short flag -> (its one meaning, the long names it may carry).
SHORT_FLAGS = {
    "-b": ("bootstrap servers", {"--bootstrap"}),
    "-c": ("a config KEY=VALUE (topic, broker)", {"--config", "--set"}),
    "-D": ("the input's record delimiter", {"--delimiter"}),
    "-d": ("a directory", {"--dir"}),
    "-f": ("the record template (kcat's -f)", {"--format"}),
    "-g": ("a consumer group", {"--group"}),
    "-H": ("a header NAME=VALUE", {"--header"}),
    "-h": ("help", {"--help"}),
    "-I": ("the source instance", {"--from-instance"}),
    "-i": ("an instance of port_registry.yaml", {"--instance"}),
    "-K": ("the input's key separator", {"--key-separator"}),
    "-k": ("a record key", {"--key"}),
    "-n": ("how many records (log lines in local logs)", {"--count", "--max-messages", "--messages", "--records", "--lines"}),
    "-o": ("the output format", {"--output"}),
    "-p": ("partitions: the partition(s) to use; the count only in topics create", {"--partition", "--partitions"}),
    "-q": ("quiet", {"--quiet"}),
    "-r": ("the replication factor", {"--replication-factor"}),
    "-s": ("bytes per record", {"--record-size", "--size"}),
    "-t": ("a topic", {"--topic"}),
    "-v": ("more logs", {"--verbose"}),
    "-w": ("watch: refresh until Ctrl-C", {"--watch"}),
    "-X": ("a librdkafka client property KEY=VALUE", {"--property"}),
    "-y": ("yes: do not ask (--execute is the same where Apache's tools say so)", {"--yes", "--execute"}),
    "-z": ("compression of produced batches", {"--compression"}),
}
# A long name that has a short flag has it wherever it appears.
ALWAYS_SHORT = {"--topic": "-t", "--group": "-g", "--partition": "-p", "--config": "-c", "--format": "-f",
                "--instance": "-i", "--bootstrap": "-b", "--yes": "-y", "--property": "-X"}

TIME_NAME = re.compile(r"--(from|until|since|to-datetime|start-time|end-time|to-time|at)")
DURATION_NAME = re.compile(r"--(.*-)?(timeout|interval|wait|grace|linger|backoff|duration|age|p99)(-.*)?|--.*-ms")
NOT_DURATIONS = {"--wait-empty-groups"}  # none yet: a name that looks like a duration and is not one


def _walk(command=None, prefix=()):
    command = command or typer.main.get_command(app)
    yield prefix, command
    for name, sub in (getattr(command, "commands", None) or {}).items():
        yield from _walk(sub, (*prefix, name))


def _options():
    for path, command in _walk():
        for param in command.params:
            if isinstance(param, click.Option):
                yield path, command, param


def _label(path, param):
    return f"kctl {' '.join(path)} {'/'.join(param.opts)}".replace("  ", " ")


# The one other meaning of a short flag, on purpose: in the state-as-code commands -f is the document
# (`kctl apply -f cluster.yaml`: what kubectl and Terraform users type); they have no record template.
DOCUMENT_FILE = {("export",), ("diff",), ("plan",), ("apply",),
                 ("connect", "create"), ("connect", "update"), ("connect", "validate")}  # a connector's config file


def test_every_short_flag_has_one_meaning():
    wrong = []
    for path, _, param in _options():
        names = (*param.opts, *param.secondary_opts)
        if tuple(path) in DOCUMENT_FILE and sorted(names) == ["--file", "-f"]:
            continue
        shorts = [n for n in names if not n.startswith("--")]
        longs = {n for n in names if n.startswith("--")}
        for short in shorts:
            if short not in SHORT_FLAGS:
                wrong.append(f"{_label(path, param)}: {short} is not in the grammar's table")
            elif not longs <= SHORT_FLAGS[short][1]:
                wrong.append(f"{_label(path, param)}: {short} means {SHORT_FLAGS[short][0]}, not {sorted(longs)}")
        for long in longs:
            if long in ALWAYS_SHORT and ALWAYS_SHORT[long] not in shorts:
                wrong.append(f"{_label(path, param)}: {long} comes with {ALWAYS_SHORT[long]} everywhere")
    assert wrong == []


def test_counts_of_partitions_are_long_only_but_in_topics_create():
    """`kctl topics create orders -p 6` is the one count spelled -p: the project's own first example,
    and what rpk and kafkactl users type; everywhere else -p selects partitions."""
    seen = set()
    for path, _, param in _options():
        if "--partitions" in param.opts:
            seen.add(tuple(path))
            expected = ["-p", "--partitions"] if tuple(path) == ("topics", "create") else ["--partitions"]
            assert sorted(param.opts) == sorted(expected), _label(path, param)
    assert ("topics", "create") in seen


def _dummy(param) -> list[str]:
    """A value that gets a required parameter past parsing."""
    if isinstance(param.type, click.ParamType) and getattr(param.type, "choices", None):
        value = str(list(param.type.choices)[0])
    elif isinstance(param.type, Duration):
        value = "1s"
    elif getattr(param.type, "name", "") in ("integer", "integer range", "float", "float range"):
        value = "1"
    else:
        value = "x"
    return [value] if param.param_type_name == "argument" else [param.opts[0], value]


def _parse(command, path, param, value):
    """Parse `kctl PATH ... OPTION VALUE` the way click does (types, callbacks), without running it."""
    args = []
    for other in command.params:
        if other is not param and other.required:
            args += _dummy(other)
    args += [param.opts[0], value]
    ctx = command.make_context(" ".join(("kctl", *path)), args, resilient_parsing=False)
    return ctx.params[param.name]


def _time_options():
    return [(path, command, param) for path, command, param in _options()
            if any(TIME_NAME.fullmatch(name) for name in param.opts)]


def _duration_options():
    return [(path, command, param) for path, command, param in _options()
            if any(DURATION_NAME.fullmatch(name) for name in param.opts) and not set(param.opts) & NOT_DURATIONS]


def test_time_options_are_found():
    names = {name for _, _, param in _time_options() for name in param.opts}
    assert {"--from", "--until", "--to-datetime"} <= names
    assert len(_time_options()) >= 7  # consume, copy, topics dump: --from/--until; groups reset-offsets --to-datetime


@pytest.mark.parametrize("path,command,param", _time_options(), ids=[_label(p, o) for p, _, o in _time_options()])
def test_every_time_option_reads_the_common_time_syntax(path, command, param):
    from kctl.parsing import parse_time
    from kctl.services.consume.options import parse_from, parse_until

    assert isinstance(param.type, (Time, Position)), f"{_label(path, param)} needs kctl.cli.options.Time or Position"
    now = int(time.time() * 1000)
    iso = "2026-11-26T10:00:00+01:00"
    for value, expected in (("-1h", now - 3_600_000), ("@-1h", now - 3_600_000), (iso, 1795683600000),
                            ("@" + iso, 1795683600000), ("@1700000000000", 1700000000000)):
        text = _parse(command, path, param, value)
        if isinstance(param.type, Time):
            moment = parse_time(text)
        else:
            position = (parse_from if param.type.end == "from" else parse_until)(text)
            assert position.kind == "time", (value, position)
            moment = position.value
        assert abs(moment - expected) < 60_000, (_label(path, param), value, moment)
    if isinstance(param.type, Time):  # a pure time: bare epoch ms too (a position reads a bare number as an offset)
        assert parse_time(_parse(command, path, param, "1700000000000")) == 1700000000000
    with pytest.raises(UsageError):
        _parse(command, path, param, "yesterday-ish")


@pytest.mark.parametrize("path,command,param", _duration_options(), ids=[_label(p, o) for p, _, o in _duration_options()])
def test_every_duration_option_reads_the_common_duration_syntax(path, command, param):
    kind = param.type
    assert isinstance(kind, Duration), f"{_label(path, param)} needs kctl.cli.options.Duration"
    ms_option = any(name.endswith("-ms") for name in param.opts)
    assert (kind.unit == "ms") == ms_option, f"{_label(path, param)}: an -ms option takes bare milliseconds, others seconds"
    scale = 1 if ms_option else 1000  # expected values below are in ms
    for value, ms in (("500ms", 500), ("10s", 10_000), ("2m", 120_000), ("1h", 3_600_000), ("3", 3 if ms_option else 3000)):
        expected = ms / scale
        in_range = (kind.minimum is None or expected >= kind.minimum) and (kind.maximum is None or expected <= kind.maximum)
        if not in_range:  # understood, and refused for its size
            with pytest.raises(UsageError, match="out of range"):
                _parse(command, path, param, value)
            continue
        got = _parse(command, path, param, value)
        if not kind.as_text:
            assert got == pytest.approx(int(expected) if kind.integer else expected), (_label(path, param), value, got)
    with pytest.raises(UsageError):
        _parse(command, path, param, "soon")


def test_duration_options_are_found():
    names = {name for _, _, param in _duration_options() for name in param.opts}
    assert {"--timeout", "--idle-timeout", "--delivery-timeout", "--interval", "--linger-ms", "--wait-empty",
            "--max-age-ms", "--min-duration-ms", "--grace", "--batch-ms", "--max-p99-ms"} <= names


def _patterns():
    for path, command in _walk():
        for param in command.params:
            if param.name in ("pattern", "regex"):
                yield path, param


def test_every_regex_matches_whole_names_and_says_so():
    found = list(_patterns())
    assert {" ".join(p) for p, _ in found} >= {"topics list", "topics delete", "consume", "txn list", "groups list"}
    for path, param in found:
        assert "whole" in (param.help or ""), f"kctl {' '.join(path)} {param.name}: help must say it matches the whole name"


def test_one_key_value_and_one_removal_option_name():
    for path, _, param in _options():
        names = set(param.opts) | set(param.secondary_opts)
        if names & {"--set", "--config"} and path[0] in ("topics", "configs"):
            assert {"-c", "--config", "--set"} <= names, _label(path, param)
        if names & {"--delete", "--unset"}:
            assert {"--delete", "--unset"} <= names, _label(path, param)


@pytest.mark.parametrize("args,hint", [
    (["produce", "t", "-F", "json"], "renamed to --input"),
    (["e2e", "run", "-c", "2"], "--consumers N"),
    (["local", "logs", "-f"], "--follow"),
    (["config", "set-context", "c", "-P", "a=b"], "-X/--property"),
])
def test_renamed_short_flags_say_what_they_are_now(args, hint):
    result = run_kctl(*args)
    assert result.code == 2, result
    assert hint in result.stderr and result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize("args,hint", [
    (["consume", "t", "-e"], "no option -e here: kctl's is --until end"),
    (["consume", "t", "--from-beginning"], "kctl's is --from beginning"),
    (["consume", "t", "-o", "beginning"], "kcat's -o beginning is kctl's --from beginning"),
    (["consume", "t", "-o", "end"], "kctl's --from end"),
    (["consume", "t", "-o", "-10"], "kctl's --from -10"),
    (["consume", "t", "--output=s@1700000000000"], "kctl's --from @1700000000000"),
    (["-C", "-t", "t"], "`kctl consume TOPIC`"),
    (["consume", "t", "-C"], "`kctl consume TOPIC`"),
    (["produce", "t", "-P"], "`kctl produce TOPIC`"),
    (["-L"], "kctl topics list"),
    (["consume", "--bootstrap-server", "h:9092", "t"], "-b/--bootstrap"),
    (["produce", "t", "--broker-list", "h:9092"], "-b/--bootstrap"),
    (["consume", "t", "-c", "5"], "-n/--max-messages"),
    (["consume", "t", "-G", "g"], "-g/--group"),
    (["produce", "t", "--producer-property", "acks=1"], "-X/--property"),
])
def test_kcat_and_console_tool_flags_name_kctls_equivalent(args, hint):
    result = run_kctl(*args)
    assert result.code == 2, result
    assert result.stderr.startswith("kctl: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert hint in result.stderr, result.stderr


def test_flag_hints_name_options_that_exist_and_flags_that_do_not():
    """Each hint of kctl.cli.options.FLAG_HINTS fires (the flag is not an option there) and names
    kctl's real options (the first --long it mentions is one of that command's options or a global;
    each other one exists somewhere)."""
    from kctl.cli.options import FLAG_HINTS

    tree = {" ".join(path): command for path, command in _walk()}
    names = {path: {n for p in c.params if isinstance(p, click.Option) for n in (*p.opts, *p.secondary_opts)}
             for path, c in tree.items()}
    everywhere = set().union(*names.values())
    wrong = []
    for (path, flag), hint in FLAG_HINTS.items():
        if path == "-X":  # a console tool's --property key (kctl.cli.options.console_property_hint)
            assert "-f" in hint or "-K" in hint or "-H" in hint or "--null-marker" in hint, hint
            continue
        own = names[""] | (names[path] if path != "*" else set())
        if flag in own:
            wrong.append(f"{path} {flag}: kctl has it, the hint never shows")
        longs = re.findall(r"(?<![\w-])--[a-z][a-z-]*", hint)
        if longs and longs[0] not in (everywhere if path == "*" else own):  # what to use: an option right there
            wrong.append(f"{path} {flag}: the hint names {longs[0]}, which kctl {path} has not")
        wrong += [f"{path} {flag}: the hint names {long}, which kctl has not" for long in longs if long not in everywhere]
    assert wrong == []


def test_consume_format_json_is_refused():
    result = run_kctl("consume", "t", "--format", "json", "-b", "127.0.0.1:1", "--timeout", "1")
    assert result.code == 2 and "-o json" in result.stderr, result


# ------------------------------------------------------------------------------ docs/cli.md

def _grammar_section() -> str:
    return doc_section("cli.md", "CLI grammar")


def test_the_docs_flag_table_matches_the_command_tree():
    section = _grammar_section()
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*`(-[A-Za-z])`\s*\|\s*(.*?)\s*\|", line)
        if match:
            rows[match.group(1)] = set(re.findall(r"`(--[a-z-]+)`", match.group(2)))
    used: dict[str, set] = {"-h": {"--help"}}  # click's help option (context settings, not a parameter)
    for _, _, param in _options():
        names = (*param.opts, *param.secondary_opts)
        for short in (n for n in names if not n.startswith("--")):
            used.setdefault(short, set()).update(n for n in names if n.startswith("--"))
    assert sorted(set(used) - set(rows)) == [], "short flags missing from the flag table of docs/cli.md"
    assert sorted(set(rows) - set(used)) == [], "the flag table of docs/cli.md names a short flag no command has"
    for short, longs in used.items():
        assert longs == rows[short], f"docs/cli.md row {short}: {sorted(rows[short])}, the commands: {sorted(longs)}"


def test_the_docs_name_every_time_and_duration_option():
    section = _grammar_section()
    missing = [name for _, _, param in (*_time_options(), *_duration_options())
               for name in param.opts[:1] if f"`{name}`" not in section]
    assert sorted(set(missing)) == []
