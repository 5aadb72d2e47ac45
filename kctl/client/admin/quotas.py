"""AdminClient: client quotas (users, client ids, IP addresses)."""

from __future__ import annotations

from kctl.deadline import Deadline


class QuotaAdmin:
    def describe_quotas(self, filters: dict, strict: bool = False,
                        timeout: "float | Deadline | None" = None) -> list[tuple[dict, dict]]:
        """[(entity, {key: value})] matching the filters (entity type -> name; None: the default;
        kctl.kafka.quota_admin.ANY: any name)."""
        from kctl.kafka import quota_admin  # not on topics list's path

        deadline = self._deadline(timeout)
        return quota_admin.describe(self._kpy(deadline), deadline, filters, strict)

    def alter_quotas(self, entity: dict, ops: dict, validate_only: bool = False,
                     timeout: "float | Deadline | None" = None) -> None:
        """Set (float) or remove (None) quota keys of one entity."""
        from kctl.kafka import quota_admin  # not on topics list's path

        deadline = self._deadline(timeout)
        quota_admin.alter(self._kpy(deadline), deadline, entity, ops, validate_only)
