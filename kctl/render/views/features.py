"""Views of kctl.models.features: `cluster features`."""

from __future__ import annotations

from kctl.render.view import Column, Section, View

FeatureLevel = View((
    Section("features", (
        Column("FEATURE", "name"),
        Column("FINALIZED", "finalized"),
        Column("SUPPORTED", lambda f: f"{f.min_supported}-{f.max_supported}"),
        Column("NOTE", lambda f: f"can go up to {f.max_supported}" if f.upgradable else ""),
    )),
))
