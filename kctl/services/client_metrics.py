"""`kctl cluster client-metrics`: KIP-714 subscriptions (which metrics matching clients push to
the brokers, how often): list, describe, set (create or change) and delete, each change checked
by the broker first (validate-only), then shown as a plan and confirmed."""

from __future__ import annotations

import re

from kctl import log
from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import KctlError, NotFoundError, UsageError
from kctl.models import ClientMetricsSubscription, ItemResult, OperationResult

MATCH_KEYS = ("client_id", "client_instance_id", "client_software_name", "client_software_version",
              "client_source_address", "client_source_port")
INTERVAL_MS = (100, 3_600_000)  # the broker's bounds of interval.ms
_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise UsageError(f"subscription name {name!r}: 1-249 letters, digits, '.', '_' or '-'"[:200])
    return name


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def subscription(name: str, configs: dict[str, str]) -> ClientMetricsSubscription:
    interval = configs.get("interval.ms")
    return ClientMetricsSubscription(name, _split(configs.get("metrics")),
                                     int(interval) if interval and interval.isdigit() else None,
                                     _split(configs.get("match")))


def list_subscriptions(conf: dict, timeout: float) -> list[ClientMetricsSubscription]:
    with AdminClient(conf, timeout=timeout) as admin:
        found = admin.client_metrics(None, Deadline.after(timeout))
    return [subscription(name, configs) for name, configs in sorted(found.items())]


def describe(conf: dict, timeout: float, name: str) -> ClientMetricsSubscription:
    check_name(name)
    with AdminClient(conf, timeout=timeout) as admin:
        deadline = Deadline.after(timeout)
        if name not in admin.client_metrics(None, deadline):
            raise NotFoundError(f"client metrics subscription {name!r} does not exist",
                                hint="see `kctl cluster client-metrics list`")
        configs = admin.client_metrics([name], deadline)[name]
    return subscription(name, configs)


def changes(metrics: list[str] | None, interval_ms: float | None, match: list[str] | None) -> dict[str, str]:
    """The configs to SET, every value checked (the broker checks again, validate-only)."""
    out: dict[str, str] = {}
    if metrics is not None:
        prefixes = [m.strip() for value in metrics for m in value.split(",")]
        if prefixes == [""]:
            prefixes = []  # --metrics '': the subscription asks for no metric
        if any(not p or any(c.isspace() for c in p) for p in prefixes):
            raise UsageError(f"--metrics: metric name prefixes separated by commas, got {','.join(metrics)!r}"[:200],
                             hint="org.apache.kafka.producer., org.apache.kafka.consumer.fetch.manager. or * for all")
        out["metrics"] = ",".join(prefixes)
    if interval_ms is not None:
        low, high = INTERVAL_MS
        if not low <= interval_ms <= high or interval_ms != int(interval_ms):
            raise UsageError(f"--interval must be a whole number of ms from {low} ms to 1 h, got {interval_ms:g} ms")
        out["interval.ms"] = str(int(interval_ms))
    if match is not None:
        rules = []
        for value in match:
            key, sep, pattern = value.partition("=")
            if not sep or key not in MATCH_KEYS or not pattern:
                raise UsageError(f"--match: KEY=REGEX with KEY one of {', '.join(MATCH_KEYS)}, got {value!r}"[:300])
            try:
                re.compile(pattern)
            except re.error as exc:
                raise UsageError(f"--match {key}: invalid regular expression: {exc}") from None
            if "," in pattern:
                raise UsageError(f"--match {key}: a ',' separates rules; it cannot be inside a pattern")
            rules.append(f"{key}={pattern}")
        out["match"] = ",".join(rules)
    if not out:
        raise UsageError("set: give --metrics, --interval and/or --match")
    return out


def _describe_change(before: dict, key: str, value: str | None) -> str:
    old = before.get(key)
    return f"{key}: {old if old is not None else '(unset)'} -> {value if value is not None else '(unset)'}"


def set_subscription(conf: dict, timeout: float, name: str, metrics: list[str] | None, interval_ms: float | None,
                     match: list[str] | None, confirm) -> OperationResult:
    """Create or change a subscription: the values checked here and by the broker (validate-only),
    the plan (each config before -> after), confirm(plan), then one IncrementalAlterConfigs."""
    check_name(name)
    wanted = changes(metrics, interval_ms, match)
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        exists = name in admin.client_metrics(None, deadline)
        before = admin.client_metrics([name], deadline)[name] if exists else {}
        admin.alter_client_metrics(name, wanted, validate_only=True, timeout=deadline)
        verb = "change" if exists else "create"
        plan = OperationResult(f"{verb} client metrics {name}", tuple(
            ItemResult(f"{name} {key}", True, "would set " + _describe_change(before, key, value))
            for key, value in wanted.items()), dry_run=True)
        if not confirm(plan):
            return plan
        try:
            admin.alter_client_metrics(name, wanted, timeout=deadline)
        except KctlError as exc:
            return OperationResult(plan.operation, (ItemResult(name, False, error=exc.message, exit_code=int(exc.exit_code)),))
    log.event("client_metrics_set", subscription=name, created=not exists, configs=",".join(sorted(wanted)))
    return OperationResult(plan.operation, tuple(ItemResult(f"{name} {key}", True, "set " + _describe_change(before, key, value))
                                                 for key, value in wanted.items()))


def delete_subscription(conf: dict, timeout: float, name: str, confirm) -> OperationResult:
    """Delete a subscription (all its configs in one request); NotFoundError when there is none."""
    check_name(name)
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        if name not in admin.client_metrics(None, deadline):
            raise NotFoundError(f"client metrics subscription {name!r} does not exist",
                                hint="see `kctl cluster client-metrics list`")
        before = admin.client_metrics([name], deadline)[name]
        shown = ", ".join(f"{k}={v}" for k, v in sorted(before.items())) or "no configs"
        plan = OperationResult(f"delete client metrics {name}", (ItemResult(name, True, f"would delete ({shown})"),),
                               dry_run=True)
        if not confirm(plan):
            return plan
        try:
            admin.alter_client_metrics(name, {}, sorted(set(before) | {"metrics", "interval.ms", "match"}), timeout=deadline)
        except KctlError as exc:
            return OperationResult(plan.operation, (ItemResult(name, False, error=exc.message, exit_code=int(exc.exit_code)),))
    log.event("client_metrics_delete", subscription=name)
    return OperationResult(plan.operation, (ItemResult(name, True, f"deleted ({shown})"),))
