"""Models of replica placement: `topics set-replication`, `topics move`, `cluster reassignments`
(field names are the JSON/YAML contract)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReplicaMove:
    """One partition of a reassignment plan. status: planned (not executed), started (the
    controller accepted it), unchanged (already so), cancelled, or failed (error says why)."""

    topic: str
    partition: int
    current: tuple[int, ...]
    target: tuple[int, ...]
    status: str
    error: str | None = None
    exit_code: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ReplicaReassignment:
    """operation: set-replication, move or cancel; executed false: the plan only (no --execute);
    throttle_bytes: the replication throttle set on the brokers involved (bytes/s), or null."""

    operation: str
    topic: str | None
    moves: tuple[ReplicaMove, ...]
    executed: bool
    throttle_bytes: int | None = None


@dataclass(frozen=True)
class Reassignment:
    """A reassignment in progress: replicas is the full set while it runs (old and new)."""

    topic: str
    partition: int
    replicas: tuple[int, ...]
    adding: tuple[int, ...]
    removing: tuple[int, ...]
