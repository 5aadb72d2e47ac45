"""Models of `kctl cluster health`, `kctl doctor` and `kctl configs` (field names are the JSON/YAML contract).

Severities, from least to most serious: info, warning, error, critical. `cluster health` and
`doctor` exit 8 when any finding is at warning or worse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("ok", "info", "warning", "error", "critical")
FAILING = ("warning", "error", "critical")


def worst(severities) -> str:
    """The most serious of the severities ("ok" for none)."""
    return max(severities, key=SEVERITIES.index, default="ok")


@dataclass(frozen=True)
class Finding:
    """One thing `cluster health` found. check: offline, under-replicated, under-min-isr,
    at-min-isr, missing-broker, quorum; subject: what it concerns (topic:partition, broker N)."""

    check: str
    severity: str
    subject: str
    message: str


@dataclass(frozen=True)
class HealthReport:
    """status: the worst severity of the findings ("ok" when there are none); expected_brokers
    and its source (--expect-brokers, the local instance's broker count, or null)."""

    JSON_EXTRA = ("status", "healthy")

    cluster_id: str | None
    brokers: tuple[int, ...]
    expected_brokers: int | None
    expected_source: str | None
    topics: int
    partitions: int
    findings: tuple[Finding, ...] = ()
    quorum: dict | None = None  # leader_id, voters, observers (DescribeQuorum), null when not reported

    @property
    def status(self) -> str:
        return worst(f.severity for f in self.findings)

    @property
    def healthy(self) -> bool:
        return self.status not in FAILING


@dataclass(frozen=True)
class DoctorCheck:
    """One item of `kctl doctor`: verdict ok, info, warning or error; evidence: what was seen;
    advice: what to do (empty when the verdict is ok)."""

    check: str
    title: str
    verdict: str
    evidence: str
    advice: str = ""


@dataclass(frozen=True)
class DoctorReport:
    JSON_EXTRA = ("status", "healthy")

    bootstrap: str | None
    cluster_id: str | None
    checks: tuple[DoctorCheck, ...]
    duration_ms: int = 0

    @property
    def status(self) -> str:
        return worst(c.verdict for c in self.checks)

    @property
    def healthy(self) -> bool:
        return self.status not in FAILING


@dataclass(frozen=True)
class ConfigValue:
    """One config of `kctl configs describe`: value null when sensitive (masked) or unset;
    source: topic, broker, broker-default, static, default, group or unknown."""

    name: str
    value: str | None
    source: str
    is_default: bool
    read_only: bool
    sensitive: bool


@dataclass(frozen=True)
class ConfigDescription:
    """resource_type: broker, topic or group; name: the broker id ("" for the cluster-wide
    broker defaults), topic or group; configs: the non-default ones unless --all."""

    resource_type: str
    name: str
    configs: tuple[ConfigValue, ...] = field(default_factory=tuple)
