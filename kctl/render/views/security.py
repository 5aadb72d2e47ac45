"""Views of kctl.models.security: ACLs and SCRAM users."""

from __future__ import annotations

from kctl.render.blocks import Styled
from kctl.render.view import Column, Lines, Section, View, as_list

_ACL_COLUMNS = (
    Column("PRINCIPAL", "principal"),
    Column("HOST", "host"),
    Column("OPERATION", "operation"),
    Column("PERMISSION", "permission", style=lambda a: "green" if a.permission == "allow" else "red"),
    Column("RESOURCE", "resource_type"),
    Column("NAME", "resource_name"),
    Column("PATTERN", "pattern_type"),
)

AclEntry = View((
    Section("acls", _ACL_COLUMNS),
    Lines(lambda acls: f"{len(as_list(acls))} ACL(s)"),
))


def _change_title(change) -> str:
    verb = {"create": "created", "delete": "deleted"}[change.operation]
    if change.dry_run:
        verb = f"would be {verb} (dry run)"
    return f"ACLs {verb}: {len(change.acls)}"


AclChange = View((
    Section("acls", _ACL_COLUMNS, rows=lambda c: c.acls, title=_change_title),
    Lines(lambda c: Styled(f"failed: {c.error}", "red") if c.error else None),
))

ScramUser = View((
    Section("users", (
        Column("USER", "user"),
        Column("MECHANISMS", lambda u: ", ".join(f"{c.mechanism} ({c.iterations} iterations)" for c in u.credentials)),
    )),
))
