"""Tables of `kctl schemas`: BUILDERS (model name -> builder) is merged into kctl.render.tables."""

from __future__ import annotations

from typing import Callable

from kctl.render.blocks import new_table

BUILDERS: dict[str, Callable] = {}


def table_for(model_name: str):
    def register(fn):
        BUILDERS[model_name] = fn
        return fn

    return register


@table_for("SchemaSubject")
def subjects_table(subjects):
    table = new_table("SUBJECT", "VERSIONS", "DELETED")
    for s in subjects if isinstance(subjects, list) else [subjects]:
        table.add_row(s.subject, ",".join(str(v) for v in s.versions) or "-", "yes" if s.deleted else "")
    return table


@table_for("SchemaVersion")
def version_table(v):
    head = f"subject {v.subject} version {v.version}, " if v.subject else ""
    return [f"{head}id {v.schema_id}, {v.schema_type}", *v.schema.splitlines()]


@table_for("SchemaCheck")
def check_table(c):
    return [f"{c.subject}: {'compatible' if c.compatible else 'NOT compatible'}", *c.messages]


@table_for("SchemaConfig")
def config_table(c):
    return [f"{c.subject or 'global'}: {c.compatibility}"]


@table_for("SchemaDeleted")
def deleted_table(d):
    kind = "permanently deleted" if d.permanent else "deleted"
    if d.dry_run:
        kind = f"would be {kind} (dry run):"
    return [f"{d.subject}: {kind} version(s) {', '.join(str(v) for v in d.versions)}"]
