"""`kctl cluster features`: the cluster's finalized feature levels (KIP-584)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeatureLevel:
    """finalized: the level the cluster runs (null: not finalized, i.e. level 0 / off);
    min_supported..max_supported: what every broker accepts."""

    name: str
    finalized: int | None
    min_supported: int
    max_supported: int

    JSON_EXTRA = ("upgradable",)

    @property
    def upgradable(self) -> bool:
        """The brokers support a higher level than the finalized one (say, share.version off on Kafka 4.1)."""
        return (self.finalized or 0) < self.max_supported
