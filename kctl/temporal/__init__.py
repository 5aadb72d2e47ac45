"""The Temporal side of kctl: a worker on `kafka-messaging-queue` running the product spec's four
workflows (producer, consumer, topic management, end-to-end) made of its nineteen activities
(and delete_consumer_group, the end-to-end workflow's cleanup).

Activities are thin wrappers over kctl's client API and services (kctl.client, kctl.services); the
workflows are deterministic (no I/O, clock or randomness outside activities). temporalio is an
optional dependency (`pip install 'kctl-kafka[temporal]'`), imported only by the modules that need it.
"""

from __future__ import annotations

from kctl import install_hint
from kctl.errors import ConfigError

TASK_QUEUE = "kafka-messaging-queue"
NAMESPACE = "default"


def require_temporalio() -> None:
    """One clear line instead of an ImportError when the extra is not installed."""
    try:
        import temporalio  # noqa: F401 - heavy: temporalio
    except ImportError:
        raise ConfigError("the Temporal worker needs the temporalio package",
                          hint=f"install it with `{install_hint('temporal')}`") from None
