"""`kctl configs`: describe and incrementally alter the configs of brokers, topics and groups.

describe: one DescribeConfigs; alter: one IncrementalAlterConfigs (SET and DELETE applied
together or not at all); alter_topic_config is the one topic config change of `configs alter
topic` and `topics alter-config`. A broker id not in the cluster is exit 4 before any config request
(librdkafka would wait for it until the deadline). Brokers accept unknown keys (for plugins),
so kctl checks a broker alter's keys against the configs the broker describes: an unknown key
is exit 2, as the broker's own refusal of an unknown topic key or an invalid value is.
"""

from __future__ import annotations

import time

from kctl import log
from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import KctlError, NotFoundError, UsageError, failure_of
from kctl.models import ItemResult, OperationResult
from kctl.models.health import ConfigDescription, ConfigValue

KINDS = ("broker", "topic", "group")
APPLY_WAIT_S = 5.0  # how long alter waits for a describe to show the change


def _check(kind: str, name: str | None, default: bool) -> None:
    if kind not in KINDS:
        raise UsageError(f"resource type must be one of {', '.join(KINDS)}, got {kind!r}")
    if default and kind != "broker":
        raise UsageError("--default applies to brokers only")
    if default and name:
        raise UsageError("give a broker id or --default, not both")
    if not default and not name:
        raise UsageError(f"give the {kind}'s {'id' if kind == 'broker' else 'name'}"
                         + (" (or --default)" if kind == "broker" else ""))
    if kind == "broker" and name and not (name.isascii() and name.isdigit()):
        raise UsageError(f"a broker id is a whole number, got {name!r}")  # before reaching for the cluster


def _broker(admin: AdminClient, name: str | None, deadline: Deadline) -> str:
    """The broker id to ask (a live one for --default), checked against the cluster's brokers."""
    live = [b.id for b in admin.describe_cluster(deadline).brokers]
    if name is None:
        return str(live[0])
    if not (name.isascii() and name.isdigit()):
        raise UsageError(f"a broker id is a whole number, got {name!r}")
    if int(name) not in live:
        raise NotFoundError(f"broker {name} is not in the cluster (brokers: {', '.join(map(str, live))})",
                            hint="`kctl cluster describe` lists the brokers")
    return str(int(name))


def describe(conf: dict, timeout: float, kind: str, name: str | None, all_: bool = False,
             default: bool = False) -> ConfigDescription:
    """The configs not at Kafka's built-in default (all_: every config), sensitive values masked
    (the broker never returns them). default: the cluster-wide dynamic broker defaults."""
    _check(kind, name, default)
    deadline = Deadline.after(timeout)
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        asked = _broker(admin, name, deadline) if kind == "broker" else name
        outcome = admin.describe_resource_configs([(kind, asked)], deadline)[(kind, asked)]
    if outcome.error is not None:
        error = outcome.error
        if kind == "topic" and error.code_name in ("UNKNOWN_TOPIC_OR_PART", "_UNKNOWN_TOPIC"):
            raise NotFoundError(f"topic {name!r} does not exist", hint="`kctl topics list` shows the topics")
        raise error
    entries = outcome.value
    if default:
        entries = [e for e in entries if e.source == "broker-default"]
    elif not all_:
        entries = [e for e in entries if not e.is_default and e.source != "default"]
    values = tuple(ConfigValue(name=e.name, value=None if e.sensitive else e.value, source=e.source,
                               is_default=e.is_default or e.source == "default", read_only=e.read_only,
                               sensitive=e.sensitive) for e in entries)
    log.event("configs_describe", resource_type=kind, resource=asked, configs=len(values),
              duration_ms=round((time.perf_counter() - start) * 1000))
    return ConfigDescription(resource_type=kind, name="" if default else str(asked), configs=values)


def _check_changes(set_: dict[str, str], delete: list[str]) -> None:
    if not set_ and not delete:
        raise UsageError("nothing to change: give --set KEY=VALUE and/or --delete KEY")
    both = sorted(set(set_) & set(delete))
    if both:
        raise UsageError(f"--set and --delete name the same key: {', '.join(both)}")


def _not_found(error: KctlError | None, topic: str) -> KctlError | None:
    """The broker's bare "Unknown topic or partition" as the topic's name (exit 4)."""
    if error is not None and error.code_name in ("UNKNOWN_TOPIC_OR_PART", "_UNKNOWN_TOPIC"):
        return NotFoundError(f"topic {topic!r} does not exist", hint="`kctl topics list` shows the topics")
    return error


def _rows(resource: str, set_: dict[str, str], delete: list[str], error: KctlError | None, mode: str,
          current: dict | None = None) -> tuple[ItemResult, ...]:
    """One row per key, all with the request's outcome (the broker applies a request's keys together
    or not at all). mode: "apply"; "validate" (the broker checked it, `valid: ...`); "plan"
    (no request: `would ...`, with the value the resource has now)."""
    def now(key: str) -> str:
        entry = (current or {}).get(key)
        if entry is None or mode != "plan":
            return ""
        return " (now sensitive)" if entry.sensitive else f" (now {entry.value}{', the default' if entry.is_default else ''})"

    prefix = {"apply": "", "validate": "valid: ", "plan": "would "}[mode]
    changes = [(k, f"set to {v}{now(k)}") for k, v in set_.items()] + \
        [(k, f"{'delete' if mode == 'plan' else 'deleted'} (back to the default){now(k)}") for k in delete]
    if error is not None:
        return tuple(ItemResult(f"{resource}:{key}", False, error=error.message, exit_code=int(error.exit_code))
                     for key, _ in changes)
    return tuple(ItemResult(f"{resource}:{key}", True, prefix + what) for key, what in changes)


def _mode(validate_only: bool, dry_run: bool) -> str:
    if validate_only and dry_run:
        raise UsageError("give --dry-run (the plan, no request) or --validate-only (the broker checks it), not both")
    return "plan" if dry_run else "validate" if validate_only else "apply"


def alter_topic_config(conf: dict, timeout: float, topic: str, set_: dict[str, str], delete: list[str],
                       validate_only: bool = False, dry_run: bool = False, operation: str = "alter-config",
                       row_prefix: str = "") -> OperationResult:
    """The one incremental AlterConfigs of a topic, for `topics alter-config` and `configs alter topic`
    (operation and row_prefix: their row names, `-o json` contracts). Returns when a describe shows
    the change. validate_only: the broker checks it (AlterConfigs validate_only) and changes nothing;
    dry_run: no change request at all, the plan against the topic's current configs."""
    _check_changes(set_, delete)
    mode = _mode(validate_only, dry_run)
    start, deadline = time.perf_counter(), Deadline.after(timeout)  # one --timeout for every request
    current = None
    with AdminClient(conf, timeout=timeout) as admin:
        if delete or mode == "plan":
            known = admin.describe_resource_configs([("topic", topic)], deadline)[("topic", topic)]
            if known.error is not None and mode == "plan":
                raise _not_found(known.error, topic)
            current = {e.name: e for e in known.value} if known.error is None else None
            # the broker takes a DELETE of a key no topic has: a typo reported as "deleted"; a plan
            # also names the SET keys the broker would refuse as unknown
            asked = set(delete) | (set(set_) if mode == "plan" else set())
            unknown = sorted(asked - set(current)) if current is not None else []
            if unknown:
                raise UsageError(f"unknown topic config: {', '.join(unknown)} (nothing was changed)",
                                 hint=f"`kctl configs describe topic {topic} --all` lists the topic's configs")
        error = None
        if mode != "plan":
            error = admin.alter_topic_config(topic, set_, list(delete), validate_only=mode == "validate",
                                             timeout=deadline).error
            if error is None and mode == "apply":
                _wait_applied(admin, ("topic", topic), "topic", set_, delete, deadline)
    error = _not_found(error, topic)
    log.event("topic_alter_config", topic=topic, set=",".join(set_), delete=",".join(delete), mode=mode,
              ok=error is None, duration_ms=round((time.perf_counter() - start) * 1000))
    return OperationResult(operation, _rows(f"{row_prefix}{topic}", set_, delete, error, mode, current),
                           dry_run=mode != "apply")


def alter(conf: dict, timeout: float, kind: str, name: str | None, set_: dict[str, str], delete: list[str],
          validate_only: bool = False, dry_run: bool = False, default: bool = False) -> OperationResult:
    """One incremental AlterConfigs of a broker (or the cluster-wide broker defaults) or a topic:
    one row per key, all with the request's outcome. validate_only and dry_run as for
    alter_topic_config."""
    _check(kind, name, default)
    if kind == "group":
        raise UsageError("configs alter takes broker ID or topic NAME")
    if kind == "topic":
        return alter_topic_config(conf, timeout, name, set_, delete, validate_only=validate_only, dry_run=dry_run,
                                  operation="configs alter", row_prefix="topic ")
    _check_changes(set_, delete)
    mode = _mode(validate_only, dry_run)
    deadline = Deadline.after(timeout)
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        target = _broker(admin, None if default else name, deadline)
        known = admin.describe_resource_configs([("broker", target)], deadline)[("broker", target)]
        if known.error is not None:
            raise known.error
        current = {e.name: e for e in known.value}
        # brokers accept unknown keys (for plugins): a typo would be "set" and never read
        unknown = sorted((set(set_) | set(delete)) - set(current))
        if unknown:
            raise UsageError(f"unknown broker config: {', '.join(unknown)} (broker {target} does not describe it)",
                             hint=f"`kctl configs describe broker {target} --all` lists the broker's configs")
        shown_by = target  # a live broker describes the cluster-wide defaults
        if default:
            target = "(default)"
        error = None
        if mode != "plan":
            if default:
                error = admin.alter_broker_default_config(set_, list(delete), validate_only=mode == "validate",
                                                          timeout=deadline).error
            else:
                error = admin.alter_resource_config("broker", target, set_, list(delete),
                                                    validate_only=mode == "validate", timeout=deadline).error
            if error is None and mode == "apply":
                _wait_applied(admin, ("broker", shown_by), "broker-default" if default else "broker", set_, delete,
                              deadline)
    log.event("configs_alter", resource_type=kind, resource=target, set=",".join(set_), delete=",".join(delete),
              mode=mode, ok=error is None, duration_ms=round((time.perf_counter() - start) * 1000))
    return OperationResult("configs alter", _rows(f"broker {target}", set_, delete, error, mode, current),
                           dry_run=mode != "apply")


def _wait_applied(admin: AdminClient, resource: tuple[str, str], source: str, set_: dict[str, str],
                  delete: list[str], deadline: Deadline) -> None:
    """Wait (within the deadline) until the resource's configs show the change. The controller has
    committed it when AlterConfigs returns, but a broker applies it when it replays the metadata log,
    so a describe right after could still show the old value (seen in CI): `alter` then `describe`
    must read what was written. source: the config source the change shows as. At most
    APPLY_WAIT_S (it takes milliseconds; a value the broker shows in another spelling must not hold
    a successful command until --timeout)."""

    def same(shown: str | None, given: str) -> bool:  # "compact, delete" is shown as "compact,delete"
        return shown is not None and "".join(shown.split()).casefold() == "".join(given.split()).casefold()

    def applied(entries) -> bool:
        by_name = {e.name: e for e in entries}
        for key, value in set_.items():
            entry = by_name.get(key)
            if entry is None or entry.source != source or (not entry.sensitive and not same(entry.value, value)):
                return False
        return all(key not in by_name or by_name[key].source != source for key in delete)

    deadline = deadline.sooner(APPLY_WAIT_S)
    while deadline.remaining() > 0.5:  # the change is made: never let this wait fail the command
        try:
            outcome = admin.describe_resource_configs([resource], deadline)[resource]
        except KctlError:
            break
        if outcome.error is None and applied(outcome.value):
            return
        time.sleep(0.05)
    log.event("configs_alter_not_yet_applied", resource_type=resource[0], resource=resource[1])


def failure(result: OperationResult, command: str = "configs alter"):
    """The error `configs alter` and `topics alter-config` end with after their rows (None: applied).
    The keys of one request fail together, so the error is the broker's message, with its exit code
    (2: unknown key or invalid value; 4: no such topic; nothing was changed)."""
    failed = result.failed
    if failed and len(failed) == len(result.items) and len({(i.error, i.exit_code) for i in failed}) == 1:
        error = failure_of(failed[:1], command, hint="nothing was changed")
        error.message = f"{command}: {failed[0].error} (nothing was changed)"
        error.args = (error.message,)
        error.hint = None
        return error
    return failure_of(result.items, command)
