"""Views of kctl.models.quotas: client quotas and which one applies."""

from __future__ import annotations

from kctl.models.quotas import entity_text
from kctl.render.view import Column, Section, View, as_list, item


def _quota_rows(entries):
    """(entity, key, value): a row per quota; an entity without any as one row of dashes."""
    rows = []
    for entry in entries:
        if not entry.values:
            rows.append((entity_text(entry.entity), "-", "-"))
        rows += [(entity_text(entry.entity), key, f"{value:g}") for key, value in entry.values.items()]
    return rows


QuotaEntry = View((
    Section("quotas", (Column("ENTITY", item(0)), Column("QUOTA", item(1)), Column("VALUE", item(2))),
            rows=lambda entries: _quota_rows(as_list(entries))),
))

QuotaResolution = View((
    Section("quotas", (
        Column("QUOTA", "key"),
        Column("VALUE", lambda a: "-" if a.value is None else f"{a.value:g}"),
        Column("FROM", lambda a: "no quota applies" if a.entity is None else entity_text(a.entity)),
    ), rows=lambda r: r.applied),
))
