"""Services: typed arguments in, kctl.models out. No typer, no rich, no printing, no exiting."""
