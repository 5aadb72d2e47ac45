"""The one failure sink of a producer's deliveries (produce, copy, restore).

librdkafka reports a record it could not deliver through a callback; a producer given
`on_delivery_error=FailureSink()` counts them and keeps the first error, which the command
names in its one error line (the rest are counted, not listed).
"""

from __future__ import annotations

from kctl.errors import KctlError


class FailureSink:
    """Counts failed deliveries; the first error (and where its record came from) explains them."""

    def __init__(self):
        self.count = 0
        self.first: KctlError | None = None
        self.first_where: str | None = None

    def __call__(self, error: KctlError, *_delivery) -> None:
        """The on_delivery_error sink: (error, metadata, key, value), the record's details unused."""
        self.add(error)

    def add(self, error: KctlError, where: str | None = None) -> None:
        self.count += 1
        if self.first is None:
            self.first, self.first_where = error, where

    @property
    def first_text(self) -> str | None:
        """The first error's message, after its record's origin when known (`data.txt:3: ...`)."""
        if self.first is None:
            return None
        text = self.first.message
        return f"{self.first_where}: {text}" if self.first_where else text
