"""The table views of the models: `kctl.render.views.<module>.<Model>` is the view of
`kctl.models.<module>.<Model>` (kctl.render.view: Section, Column, Lines, Each)."""
