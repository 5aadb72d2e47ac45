"""Several runs: canary mode (`--repeat N --interval S`), every answering registry instance
(`--all-instances`), their E2ESummary, and the error a failed run or summary exits with."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from kctl.errors import AuthError, BrokerUnavailable, ExitCode, KctlError, error_for_exit_code, hint_for
from kctl.models import E2EReport, E2ESummary
from kctl.services.e2e.options import E2EOptions, check_modes
from kctl.services.e2e.run import Progress, label_of, run
from kctl.services.e2e.state import answers

# How long each registry instance gets to answer before --all-instances counts it as not running.
DISCOVERY_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Target:
    instance: int | None
    bootstrap: str
    conf: dict


def run_requested(options: E2EOptions, progress: Progress | None = None, *, target: Callable[[], Target],
                  repeat: int | None = None, interval: float | None = None, all_instances: bool = False,
                  registry=None, conf_of: Callable[[str], dict] | None = None,
                  target_options: tuple[str, ...] = ()) -> E2EReport | E2ESummary:
    """What `kctl e2e run` was asked for: one run against target(), `repeat` runs (canary mode),
    or runs against every registry instance that answers (conf_of(bootstrap): its settings).
    target_options: the cluster-choosing options given, which --all-instances refuses."""
    options.validate()
    check_modes(repeat, interval, all_instances, target_options)
    if all_instances:
        targets, silent = answering_instances(registry, conf_of, min(DISCOVERY_TIMEOUT_S, options.timeout))
        return run_many(targets, options, progress, repeat=repeat or 1, interval=interval, mode="all_instances",
                        unreachable=silent)
    one = target()
    if (repeat or 1) > 1:
        return run_many([one], options, progress, repeat=repeat, interval=interval, mode="repeat")
    return run(one.conf, options, progress, instance=one.instance, bootstrap=one.bootstrap)


def run_many(targets: list[Target], options: E2EOptions, progress: Progress | None = None, *, repeat: int = 1,
             interval: float | None = None, mode: str = "repeat", unreachable: tuple[int, ...] = (),
             sleep: Callable[[float], None] = time.sleep) -> E2ESummary:
    """`repeat` rounds over the targets, a round starting every `interval` seconds."""
    options.validate()
    check_modes(repeat, interval)
    reports: list[E2EReport] = []
    first = time.monotonic()
    for round_number in range(repeat):
        if round_number:
            sleep(max(0.0, first + round_number * (interval or 0.0) - time.monotonic()))
        for target in targets:
            label = label_of(target.instance, target.bootstrap)
            if repeat > 1:
                label = f"run {round_number + 1}/{repeat}: {label}"
            reports.append(run(target.conf, options, progress, instance=target.instance, bootstrap=target.bootstrap,
                               label=label))
    return summarise(reports, mode, unreachable)


def summarise(reports: list[E2EReport], mode: str, unreachable: tuple[int, ...] = ()) -> E2ESummary:
    failed = [r for r in reports if not r.ok]
    durations = [r.duration_ms for r in reports]
    p99s = [r.latency.overall.p99_ms for r in reports if r.latency is not None]
    return E2ESummary(
        mode=mode,
        ok=not failed,
        exit_code=failed[0].exit_code if failed else 0,
        runs=tuple(reports),
        passed=len(reports) - len(failed),
        failed=len(failed),
        unreachable=tuple(unreachable),
        duration_p50_ms=round(statistics.median(durations), 1) if durations else None,
        duration_max_ms=round(max(durations), 1) if durations else None,
        p99_p50_ms=round(statistics.median(p99s), 3) if p99s else None,
        p99_max_ms=round(max(p99s), 3) if p99s else None,
    )


def answering_instances(registry, conf_of: Callable[[str], dict], timeout: float = 2.0) -> tuple[list[Target], tuple[int, ...]]:
    """Probe every registry instance at once (metadata, short timeout): (answering targets, silent numbers)."""
    numbers = list(range(registry.max_instances))
    bootstraps = {n: registry.bootstrap_of(n) for n in numbers}
    with ThreadPoolExecutor(max_workers=len(numbers)) as pool:
        answered = dict(zip(numbers, pool.map(lambda n: answers(conf_of(bootstraps[n]), timeout), numbers)))
    targets = [Target(n, bootstraps[n], conf_of(bootstraps[n])) for n in numbers if answered[n]]
    silent = tuple(n for n in numbers if not answered[n])
    if not targets:
        raise BrokerUnavailable(f"no instance of {registry.path} answers within {timeout:g}s",
                                hint="start one with `kctl local up`")
    return targets, silent


def failure(result: E2EReport | E2ESummary) -> KctlError | None:
    """The error to raise (after rendering) for a failed run or summary, of the class that exits
    with its exit code; None when all passed. A rejected login is told as every command tells it."""
    if result.ok:
        return None
    hint = None
    if isinstance(result, E2ESummary):
        message = f"e2e: {result.failed} of {len(result.runs)} runs failed"
        first = next(r for r in result.runs if not r.ok)
        step = first.failed_steps[0] if first.failed_steps else None
        if step is not None:
            message += f" (first: {label_of(first.instance, first.bootstrap)}: {step.name}: {step.error})"
    else:
        step = result.failed_steps[0] if result.failed_steps else None
        message = f"e2e: step {step.name} failed: {step.error}" if step else "e2e: failed"
        if result.exit_code == ExitCode.AUTH and step is not None:
            message, hint = step.error, hint_for(AuthError)
    return error_for_exit_code(result.exit_code, message, hint)
