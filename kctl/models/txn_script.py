"""The result of `kctl txn run SCRIPT.yaml`: one row per step."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScriptStep:
    index: int  # 1-based position in the script; 0 for the automatic abort after a failure
    step: str  # begin commit abort send send-offsets sleep
    detail: str  # what it did: topic/partition@offset, the offsets, the seconds
    status: str  # ok | failed | fatal | skipped
    elapsed_ms: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class ScriptResult:
    transactional_id: str
    outcome: str  # ok | failed (aborted) | fatal (fenced or broken producer)
    committed: int  # transactions committed
    aborted: int  # transactions aborted (by the script or after a failure)
    steps: tuple[ScriptStep, ...]
    error: str | None = None
