"""`kctl configs`: describe and incrementally alter the configs of brokers, topics and groups.

describe: one DescribeConfigs; alter: one IncrementalAlterConfigs (SET and DELETE applied
together or not at all). A broker id not in the cluster is exit 4 before any config request
(librdkafka would wait for it until the deadline). Brokers accept unknown keys (for plugins),
so kctl checks a broker alter's keys against the configs the broker describes: an unknown key
is exit 2, as the broker's own refusal of an unknown topic key or an invalid value is.
"""

from __future__ import annotations

import time

from kctl import log
from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import KctlError, NotFoundError, UsageError
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


def alter(conf: dict, timeout: float, kind: str, name: str | None, set_: dict[str, str], delete: list[str],
          dry_run: bool = False, default: bool = False) -> OperationResult:
    """One incremental AlterConfigs: one row per key, all with the request's outcome."""
    _check(kind, name, default)
    if kind == "group":
        raise UsageError("configs alter takes broker ID or topic NAME")
    if not set_ and not delete:
        raise UsageError("nothing to change: give --set KEY=VALUE and/or --delete KEY")
    both = sorted(set(set_) & set(delete))
    if both:
        raise UsageError(f"--set and --delete name the same key: {', '.join(both)}")
    deadline = Deadline.after(timeout)
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        target = name
        if kind == "broker":
            target = _broker(admin, None if default else name, deadline)
            known = admin.describe_resource_configs([("broker", target)], deadline)[("broker", target)]
            if known.error is not None:
                raise known.error
            unknown = sorted((set(set_) | set(delete)) - {e.name for e in known.value})
            if unknown:
                raise UsageError(f"unknown broker config: {', '.join(unknown)} (broker {target} does not describe it)",
                                 hint=f"`kctl configs describe broker {target} --all` lists the broker's configs")
        elif delete:  # the broker takes a DELETE of a key no topic has and kctl said "deleted (back to the default)"
            known = admin.describe_resource_configs([("topic", name)], deadline)[("topic", name)]
            unknown = sorted(set(delete) - {e.name for e in known.value}) if known.error is None else []
            if unknown:
                raise UsageError(f"unknown topic config: {', '.join(unknown)} (nothing was changed)",
                                 hint=f"`kctl configs describe topic {name} --all` lists the topic's configs")
        if default:
            error = admin.alter_broker_default_config(set_, list(delete), validate_only=dry_run, timeout=deadline).error
            shown_by = target  # a live broker describes the cluster-wide defaults
            target = "(default)"
        else:
            error = admin.alter_resource_config(kind, target, set_, list(delete), validate_only=dry_run,
                                                timeout=deadline).error
        if error is None and not dry_run:
            resource, source = (("broker", shown_by), "broker-default") if default else ((kind, target), kind)
            _wait_applied(admin, resource, source, set_, delete, deadline)
    if error is not None and kind == "topic" and error.code_name in ("UNKNOWN_TOPIC_OR_PART", "_UNKNOWN_TOPIC"):
        error = NotFoundError(f"topic {name!r} does not exist", hint="`kctl topics list` shows the topics")
    items = []
    changes = [(k, f"set to {v}") for k, v in set_.items()] + [(k, "deleted (back to the default)") for k in delete]
    for key, what in changes:
        row = f"{kind} {target}:{key}"
        if error is None:
            items.append(ItemResult(row, True, ("valid: " if dry_run else "") + what))
        else:
            items.append(ItemResult(row, False, error=error.message, exit_code=int(error.exit_code)))
    log.event("configs_alter", resource_type=kind, resource=target, set=",".join(set_), delete=",".join(delete),
              dry_run=dry_run, ok=error is None, duration_ms=round((time.perf_counter() - start) * 1000))
    return OperationResult("configs alter", tuple(items), dry_run=dry_run)


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


def alter_failure(result: OperationResult):
    """The error `configs alter` ends with after its rows (None: applied). The keys of one request
    fail together, so the error is the broker's message, with its exit code (2: unknown key or
    invalid value; nothing was changed)."""
    from kctl.errors import failure_of

    failed = result.failed
    if failed and len(failed) == len(result.items) and len({(i.error, i.exit_code) for i in failed}) == 1:
        error = failure_of(failed[:1], "configs alter", hint="nothing was changed")
        error.message = f"configs alter: {failed[0].error} (nothing was changed)"
        error.args = (error.message,)
        error.hint = None
        return error
    return failure_of(result.items, "configs alter")
