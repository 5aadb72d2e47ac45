"""Views of kctl.models.schemas: `kctl schemas` (only the subject list is a table)."""

from __future__ import annotations

from kctl.render.view import Column, Lines, Section, View

SchemaSubject = View((
    Section("subjects", (
        Column("SUBJECT", "subject"),
        Column("VERSIONS", lambda s: ",".join(str(v) for v in s.versions) or "-"),
        Column("DELETED", lambda s: "yes" if s.deleted else ""),
    )),
))


def _version_head(v) -> str:
    head = f"subject {v.subject} version {v.version}, " if v.subject else ""
    return f"{head}id {v.schema_id}, {v.schema_type}"


SchemaVersion = View((Lines(lambda v: [_version_head(v), *v.schema.splitlines()]),))

SchemaCheck = View((Lines(lambda c: [f"{c.subject}: {'compatible' if c.compatible else 'NOT compatible'}", *c.messages]),))

SchemaConfig = View((Lines(lambda c: f"{c.subject or 'global'}: {c.compatibility}"),))


def _deleted(d) -> str:
    kind = "permanently deleted" if d.permanent else "deleted"
    if d.dry_run:
        kind = f"would be {kind} (dry run):"
    return f"{d.subject}: {kind} version(s) {', '.join(str(v) for v in d.versions)}"


SchemaDeleted = View((Lines(_deleted),))
