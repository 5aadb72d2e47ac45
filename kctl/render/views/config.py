"""Views of kctl.models.config: `config view`, contexts, `config test-auth`."""

from __future__ import annotations

from kctl.render.blocks import Styled
from kctl.render.view import Column, Lines, Section, View, item

ConfigView = View((
    Section("target", (Column("SETTING", item(0)), Column("VALUE", item(1))), title=lambda v: "effective target",
            rows=lambda v: [("bootstrap", v.bootstrap), ("from", v.bootstrap_source), ("instance", v.instance),
                            ("registry", v.registry), ("context", v.context), ("config file", v.config_file)]),
    Section("properties", (Column("PROPERTY", item(0)), Column("VALUE", item(1)), Column("FROM", item(2))),
            title=lambda v: "client properties (secrets redacted)",
            rows=lambda v: [(k, str(value), v.property_sources.get(k, "")) for k, value in v.properties.items()]),
    Lines(lambda v: [Styled(f"warning: {problem}", "yellow") for problem in v.problems]),
))


def _target(c) -> str:
    return c.bootstrap or (f"instance {c.instance}" if c.instance is not None else "-")


def _security(c) -> str:
    return " ".join(v for v in (c.properties.get("security.protocol"), c.properties.get("sasl.mechanism")) if v) or "-"


ContextInfo = View((
    Section("contexts", (
        Column("CURRENT", lambda c: "*" if c.current else ""),
        Column("NAME", "name"),
        Column("TARGET", _target),
        Column("SECURITY", _security),
        Column("USER", lambda c: str(c.properties.get("sasl.username") or c.properties.get("sasl.oauthbearer.client.id")
                                     or "-")),
    )),
))

AuthTest = View((
    Section("steps", (Column("STEP", item(0)), Column("RESULT", item(1)), Column("DETAIL", item(2))),
            rows=lambda r: [(s.step, "ok" if s.ok else "FAILED", s.detail) for s in r.steps]
            + ([("principal", "-", f"{r.principal} ({r.principal_source})")] if r.principal else [])),
))
