"""What a run is asked to do (E2EOptions) and the checks of the options before anything connects."""

from __future__ import annotations

import math
from dataclasses import dataclass

from kctl.errors import UsageError
from kctl.models.choices import GROUP_PROTOCOLS, REMOTE_ASSIGNORS

# Cleanup runs after the run's deadline too: it gets at least min(timeout, this) more seconds.
CLEANUP_GRACE_S = 5.0
# Records in each of the committed and the aborted transaction of the transactions step.
TXN_RECORDS = 3


@dataclass(frozen=True)
class E2EOptions:
    topic: str | None = None
    messages: int = 100
    partitions: int = 3
    replication_factor: int | None = None
    group: str | None = None
    consumers: int = 2
    cleanup: bool = True
    reuse: bool = False
    transactional: bool = False
    max_p99_ms: float | None = None
    timeout: float = 10.0
    group_protocol: str | None = None  # classic or consumer (KIP-848); None: the settings' (classic)
    assignor: str | None = None  # with the consumer protocol: uniform or range (the broker's default: uniform)

    def validate(self) -> None:
        for name, value in (("--messages", self.messages), ("--partitions", self.partitions),
                            ("--consumers", self.consumers)):
            if value < 1:
                raise UsageError(f"{name} must be at least 1, got {value}")
        if self.replication_factor is not None and self.replication_factor < 1:
            raise UsageError(f"--replication-factor must be at least 1, got {self.replication_factor}")
        if self.max_p99_ms is not None:
            # nan compares false with everything: it would switch the latency check off.
            if not math.isfinite(self.max_p99_ms) or self.max_p99_ms < 0:
                raise UsageError(f"--max-p99-ms must be a finite number of 0 or more, got {self.max_p99_ms:g}")
        if self.group_protocol is not None and self.group_protocol not in GROUP_PROTOCOLS:
            raise UsageError(f"--group-protocol must be one of {', '.join(GROUP_PROTOCOLS)}")
        if self.assignor is not None:
            if self.assignor not in REMOTE_ASSIGNORS:
                raise UsageError(f"--assignor must be one of {', '.join(REMOTE_ASSIGNORS)}")
            if self.group_protocol != "consumer":
                raise UsageError("--assignor needs --group-protocol consumer")
        if not math.isfinite(self.timeout) or self.timeout <= 0:
            raise UsageError(f"--timeout must be a finite number above 0, got {self.timeout:g}")


def check_modes(repeat: int | None = None, interval: float | None = None, all_instances: bool = False,
                target_options: tuple[str, ...] = ()) -> None:
    """The options that choose how many runs against which clusters: none may be ignored silently.

    repeat/interval: None when not given; target_options: the cluster-choosing options that were
    given (say ("--bootstrap",)), which --all-instances would otherwise drop."""
    if repeat is not None and repeat < 1:
        raise UsageError(f"--repeat must be at least 1, got {repeat}")
    if interval is not None:
        if not math.isfinite(interval) or interval < 0:
            raise UsageError(f"--interval must be a finite number of seconds of 0 or more, got {interval:g}")
        if (repeat or 1) < 2:
            raise UsageError("--interval needs --repeat (the seconds between the starts of 2 or more runs)")
    if all_instances and target_options:
        raise UsageError(f"--all-instances cannot be combined with {' or '.join(target_options)}: "
                         "it runs against every instance of the registry")
