"""Models of `kctl local`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LocalBroker:
    node_id: int
    port: int
    controller_port: int
    pid: int | None
    running: bool
    data_dir: str
    log_file: str


@dataclass(frozen=True)
class LocalInstance:
    instance: int
    bootstrap: str
    running: bool
    brokers: tuple[LocalBroker, ...]
    kafka_version: str | None = None
    already_running: bool = False
