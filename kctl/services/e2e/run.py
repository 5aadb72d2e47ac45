"""The step runner: runs the nine steps of one run in order against one deadline, skips a step
whose prerequisite did not pass, always runs cleanup, and builds the E2EReport."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone
from typing import Protocol

from kctl import log
from kctl.deadline import Deadline
from kctl.errors import ExitCode, KctlError
from kctl.models import E2EReport, E2ESettings, E2EStep
from kctl.services.e2e.checks import STEPS, pending_steps
from kctl.services.e2e.cleanup import Cleanup
from kctl.services.e2e.options import E2EOptions
from kctl.services.e2e.state import RunState
from kctl.services.e2e.steps import Steps

# step -> (the step it needs, "passed" or "attempted": passed or failed, not skipped)
NEEDS = {
    "create_topic": ("connect", "passed"),
    "produce": ("create_topic", "passed"),
    "consume": ("produce", "passed"),
    "verify": ("consume", "attempted"),
    "commit": ("consume", "passed"),
    "transactions": ("create_topic", "passed"),
    "latency": ("verify", "attempted"),
}


class Progress(Protocol):
    """What the CLI hands in to follow a run (the live checklist); every method optional."""

    def run_started(self, label: str, steps: tuple[E2EStep, ...]) -> None: ...

    def step_started(self, step: E2EStep) -> None: ...

    def step_finished(self, step: E2EStep) -> None: ...


def label_of(instance: int | None, bootstrap: str) -> str:
    return f"instance {instance} ({bootstrap})" if instance is not None else bootstrap


class StepRunner:
    def __init__(self, state: RunState, progress: Progress | None = None):
        self.state = state
        self.progress = progress
        self.steps = {step.name: step for step in pending_steps()}
        self.bodies = Steps(state)

    def _notify(self, method: str, *args) -> None:
        fn = getattr(self.progress, method, None) if self.progress is not None else None
        if fn is not None:
            fn(*args)

    def execute(self) -> E2EReport:
        started_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        start = time.monotonic()
        try:
            for name, _ in STEPS[:-1]:
                reason = self._skip_reason(name)
                if reason:
                    self._finish(name, "skipped", 0.0, reason)
                else:
                    self._do(name, getattr(self.bodies, name))
        finally:
            self._do("cleanup", Cleanup(self.state).run)
        return self._report(started_at, time.monotonic() - start)

    def _skip_reason(self, name: str) -> str | None:
        if self.state.first_failure == ExitCode.UNAVAILABLE:
            return "skipped: the cluster is unreachable"
        if name == "connect":
            return None
        if self.steps["connect"].status != "passed":
            return "skipped: not connected"
        if name == "transactions" and not self.state.options.transactional:
            return "skipped: not requested (--transactional)"
        before, want = NEEDS[name]
        status = self.steps[before].status
        if (want == "passed" and status != "passed") or (want == "attempted" and status not in ("passed", "failed")):
            return f"skipped: {before} did not pass" if status != "skipped" else f"skipped: {before} was skipped"
        return None

    def _finish(self, name: str, status: str, duration_ms: float, detail: str = "", error: str | None = None) -> None:
        step = replace(self.steps[name], status=status, duration_ms=round(duration_ms, 1), detail=detail, error=error)
        self.steps[name] = step
        self._notify("step_finished", step)

    def _do(self, name: str, body) -> None:
        s = self.state
        step = replace(self.steps[name], status="running")
        self.steps[name] = step
        self._notify("step_started", step)
        t0 = time.monotonic()
        status, detail, error, code = "passed", "", None, None
        try:
            if name != "cleanup" and s.deadline.expired:
                raise s.stalled(f"the run's time limit (--timeout {s.options.timeout:g}s) was reached")
            detail = body() or ""
            if detail.startswith("skipped: "):
                status = "skipped"
        except KctlError as exc:
            status, error, code = "failed", exc.message, int(exc.exit_code)
            detail = getattr(exc, "detail", "") or ""
        except Exception as exc:  # noqa: BLE001 - a bug must not skip the cleanup; exit 1
            status, error, code = "failed", f"internal error: {type(exc).__name__}: {exc}", int(ExitCode.INTERNAL)
        duration = (time.monotonic() - t0) * 1000
        if status == "failed" and s.first_failure is None:
            s.first_failure = code
        log.event("e2e_step", step=name, status=status, duration_ms=round(duration, 1), error=error)
        self._finish(name, status, duration, detail, error)

    def _report(self, started_at: str, seconds: float) -> E2EReport:
        s, opts = self.state, self.state.options
        ok = all(step.status != "failed" for step in self.steps.values())
        result = s.result
        report = E2EReport(
            ok=ok,
            exit_code=0 if ok else int(s.first_failure or ExitCode.CHECK_FAILED),
            instance=s.instance,
            bootstrap=s.bootstrap,
            topic=s.topic,
            group=s.group,
            run_id=s.run_id,
            started_at=started_at,
            duration_ms=round(seconds * 1000, 1),
            settings=E2ESettings(
                messages=opts.messages, partitions=s.partitions, replication_factor=opts.replication_factor,
                consumers=opts.consumers, transactional=opts.transactional, cleanup=opts.cleanup,
                reuse=opts.reuse, max_p99_ms=opts.max_p99_ms, timeout_s=opts.timeout,
                group_protocol=s.group_protocol, assignor=opts.assignor,
            ),
            cluster=s.cluster,
            steps=tuple(self.steps[name] for name, _ in STEPS),
            produced=sum(1 for d in s.deliveries.values() if d.error is None),
            consumed=result.consumed if result else 0,
            missing=result.missing if result else 0,
            duplicates=result.duplicates if result else 0,
            out_of_order=result.out_of_order if result else 0,
            corrupt=result.corrupt if result else 0,
            assignment=s.assignment,
            offsets=s.offsets,
            latency=s.latency,
            transactions=s.transactions,
        )
        log.event("e2e_run", ok=report.ok, exit_code=report.exit_code, topic=s.topic, bootstrap=s.bootstrap,
                  duration_ms=report.duration_ms, failed=",".join(step.name for step in report.failed_steps) or None)
        return report


def run(conf: dict, options: E2EOptions, progress: Progress | None = None, *, instance: int | None = None,
        bootstrap: str | None = None, label: str | None = None) -> E2EReport:
    """One end-to-end run against the cluster of `conf` (see the package docstring)."""
    options.validate()
    bootstrap = bootstrap or str(conf.get("bootstrap.servers", ""))
    state = RunState(conf, options, instance, bootstrap, Deadline.after(options.timeout))
    runner = StepRunner(state, progress)
    if progress is not None and hasattr(progress, "run_started"):
        progress.run_started(label or label_of(instance, bootstrap), tuple(runner.steps.values()))
    return runner.execute()
