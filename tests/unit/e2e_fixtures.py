"""Hand-built e2e reports shared by the unit tests (no broker)."""

from __future__ import annotations

from dataclasses import replace

from kctl import models
from kctl.services import e2e


def _steps(failed: str | None = None, skipped: tuple[str, ...] = ("transactions",)) -> tuple[models.E2EStep, ...]:
    out = []
    for name, title in e2e.STEPS:
        if name == failed:
            out.append(models.E2EStep(name, title, "failed", 12.5, "p50 1.0 ms", f"{name} went wrong"))
        elif name in skipped:
            out.append(models.E2EStep(name, title, "skipped", 0.0, "skipped: not requested (--transactional)"))
        else:
            out.append(models.E2EStep(name, title, "passed", 3.25, f"{name} fine"))
    return tuple(out)


def passed_report() -> models.E2EReport:
    stats = dict(p50_ms=1.0, p95_ms=2.0, p99_ms=3.0, max_ms=3.5)
    return models.E2EReport(
        ok=True, exit_code=0, instance=0, bootstrap="127.0.0.1:9092", topic="kctl-e2e-abc", group="kctl-e2e-abc",
        run_id="abc", started_at="2025-01-01T00:00:00.000+00:00", duration_ms=812.5,
        settings=models.E2ESettings(messages=100, partitions=3, replication_factor=None, consumers=2,
                                    transactional=False, cleanup=True, reuse=False, max_p99_ms=None, timeout_s=10.0),
        cluster=models.ClusterInfo("cid", 1, (models.BrokerInfo(1, "127.0.0.1", 9092, True),), 5),
        steps=_steps(), produced=100, consumed=100,
        assignment=(models.E2EMemberAssignment("kctl-e2e-abc-c0", (0, 1)), models.E2EMemberAssignment("kctl-e2e-abc-c1", (2,))),
        offsets=tuple(models.E2EPartitionOffsets(p, 33 + (p == 0), 33 + (p == 0)) for p in range(3)),
        latency=models.E2ELatency(models.LatencyStats(count=100, **stats),
                                  tuple(models.PartitionLatency(partition=p, count=33 + (p == 0), **stats) for p in range(3))),
    )


def failed_report() -> models.E2EReport:
    return replace(passed_report(), ok=False, exit_code=8, steps=_steps(failed="latency"),
                   transactions=models.E2ETransactions(3, 3, 3, 0, 3), cluster=None)
