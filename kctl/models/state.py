"""`kctl export`, `diff`, `plan` and `apply`: a cluster's state as code."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StateDifference:
    """One field that differs. change: missing (on the left only: the file, or the first cluster),
    extra (on the right only: the cluster), changed; field "" is the whole resource."""

    kind: str
    name: str
    field: str
    change: str
    left: object = None
    right: object = None


@dataclass(frozen=True)
class StateDiff:
    left: str
    right: str
    differences: tuple[StateDifference, ...]

    JSON_EXTRA = ("equal",)

    @property
    def equal(self) -> bool:
        return not self.differences


@dataclass(frozen=True)
class StateChange:
    """One step of a plan, in the order apply takes them. action: create, add-partitions,
    set-replication, alter-configs, set, delete; params: what the step sends (secrets as references);
    error: why the step cannot be made (apply then changes nothing); status (apply): planned,
    applied, failed, not run."""

    step: int
    kind: str
    name: str
    action: str
    detail: str
    params: dict = field(default_factory=dict)
    error: str | None = None
    status: str = "planned"
    exit_code: int = 0


@dataclass(frozen=True)
class StatePlan:
    """The changes that make the cluster match the document; counts: per action."""

    target: str
    changes: tuple[StateChange, ...]
    applied: bool = False
    snapshot: str | None = None
    not_undone: tuple[str, ...] = ()

    JSON_EXTRA = ("counts", "empty")

    @property
    def counts(self) -> dict:
        out: dict = {}
        for change in self.changes:
            out[change.action] = out.get(change.action, 0) + 1
        return out

    @property
    def empty(self) -> bool:
        return not self.changes
