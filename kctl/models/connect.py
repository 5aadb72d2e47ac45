"""Models of `kctl connect` (a Kafka Connect cluster over its REST API). Their fields are the
-o json|yaml shapes documented in docs/connect.md."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConnectorSummary:
    """One row of `kctl connect list`."""

    name: str
    type: str  # source | sink | unknown
    state: str  # RUNNING | PAUSED | STOPPED | FAILED | UNASSIGNED | RESTARTING
    worker: str  # the worker_id running the connector itself
    tasks: int
    tasks_running: int
    tasks_failed: int


@dataclass(frozen=True)
class ConnectorTask:
    id: int
    state: str
    worker: str
    trace: str | None = None  # the first lines of a failed task's stack trace


@dataclass(frozen=True)
class ConnectorInfo:
    """`kctl connect describe NAME` (and what create/update/pause/resume/restart show)."""

    name: str
    type: str
    state: str
    worker: str
    config: dict[str, str]  # secrets masked; ${file:...}/${env:...} references shown as written
    tasks: tuple[ConnectorTask, ...]
    trace: str | None = None  # the connector's own trace when it failed


@dataclass(frozen=True)
class ConnectPlugin:
    """One row of `kctl connect plugins`."""

    class_name: str
    type: str  # source | sink | transformation | predicate | converter | header_converter
    version: str


@dataclass(frozen=True)
class ConnectFieldError:
    """A setting the connector plugin's own validation refused."""

    name: str
    errors: tuple[str, ...]
