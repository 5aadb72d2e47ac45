"""`kctl schemas`: subjects and schemas of a Schema Registry (the Confluent API)."""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from kctl.cli.confirm import DRY_RUN, YES, approved, plural
from kctl.cli.context import app_context, no_empty_names
from kctl.errors import CheckFailed
from kctl.models import SchemaSubject
from kctl.models.choices import SCHEMA_TYPES
from kctl.render import render
from kctl.services import schemas

app = typer.Typer(help="Schema Registry subjects and schemas (Confluent API; `kctl local up --schema-registry`).",
                  no_args_is_help=True)

SchemaType = Enum("SchemaType", {name: name for name in SCHEMA_TYPES}, type=str)
REGISTRY = typer.Option(None, "--schema-registry", help="Schema Registry URL (default: $KCTL_SCHEMA_REGISTRY, the context's, or the local instance's).")


def _settings(ctx: typer.Context, url: Optional[str]):
    from kctl.services.schemas.settings import registry_settings  # not on schemas --help's path

    obj = app_context(ctx)
    return registry_settings(url, obj.context, obj.registry_data, obj.target.instance, obj.timeout)


def _render(ctx: typer.Context, data, kind=None) -> None:
    render(data, app_context(ctx).output, kind=kind)


@app.command("list")
def list_(ctx: typer.Context, deleted: bool = typer.Option(False, "--deleted", help="Also soft-deleted subjects and versions."),
          schema_registry: Optional[str] = REGISTRY):
    """List subjects and their versions.

    Example: kctl schemas list -o json
    """
    _render(ctx, schemas.list_subjects(_settings(ctx, schema_registry), deleted), SchemaSubject)


@app.command()
def get(ctx: typer.Context, subject: Optional[str] = typer.Argument(None, help="The subject (or use --id).", callback=no_empty_names),
        version: str = typer.Option("latest", "--version", help="A version number or latest."),
        schema_id: Optional[int] = typer.Option(None, "--id", min=1, max=2**31 - 1,
                                                help="Get the schema of this global id instead."),
        schema_registry: Optional[str] = REGISTRY):
    """Show one schema: a subject's version (latest by default) or a schema id.

    Example: kctl schemas get orders-value --version 2
    """
    _render(ctx, schemas.get(_settings(ctx, schema_registry), subject, version, schema_id))


@app.command()
def register(ctx: typer.Context, subject: str = typer.Argument(..., help="The subject to register under.", callback=no_empty_names),
             file: str = typer.Argument(..., help="Schema file (.avsc, .proto, .json)."),
             schema_type: Optional[SchemaType] = typer.Option(None, "--type", help="Schema type (default from the file's suffix; avro otherwise)."),
             schema_registry: Optional[str] = REGISTRY):
    """Register a schema under a subject (the registry checks its compatibility; refused: exit 2).

    Example: kctl schemas register orders-value order.avsc
    """
    _render(ctx, schemas.register(_settings(ctx, schema_registry), subject, file, schema_type.value if schema_type else None))


@app.command()
def check(ctx: typer.Context, subject: str = typer.Argument(..., help="The subject to check against (its latest version).",
                                         callback=no_empty_names),
          file: str = typer.Argument(..., help="Schema file (.avsc, .proto, .json)."),
          schema_type: Optional[SchemaType] = typer.Option(None, "--type", help="Schema type (default from the file's suffix)."),
          schema_registry: Optional[str] = REGISTRY):
    """Check a schema's compatibility with a subject's latest version, without registering it (incompatible: exit 8).

    Example: kctl schemas check orders-value order-v2.avsc
    """
    result = schemas.check(_settings(ctx, schema_registry), subject, file, schema_type.value if schema_type else None)
    _render(ctx, result)
    if not result.compatible:
        raise CheckFailed(f"{file} is not compatible with {subject}")


@app.command()
def delete(ctx: typer.Context, subject: str = typer.Argument(..., help="The subject to delete.", callback=no_empty_names),
           version: Optional[str] = typer.Option(None, "--version", help="Only this version."),
           permanent: bool = typer.Option(False, "--permanent", help="Delete for good (not just soft-delete)."),
           yes: bool = YES, dry_run: bool = DRY_RUN, schema_registry: Optional[str] = REGISTRY):
    """Delete a subject or one of its versions (shows the versions and asks first).

    Example: kctl schemas delete old-value --permanent --yes
    """
    settings = _settings(ctx, schema_registry)
    go, plan = approved(app_context(ctx), lambda: schemas.delete_plan(settings, subject, version, permanent),
                        lambda p: f"{'permanently ' if permanent else ''}delete {plural(len(p.versions), 'version')} of "
                                  f"subject {subject}", yes=yes, dry_run=dry_run, changes=lambda p: bool(p.versions),
                        cluster=f"Schema Registry {settings.url}")
    _render(ctx, schemas.delete(settings, subject, version, permanent) if go else plan)


@app.command()
def config(ctx: typer.Context, subject: Optional[str] = typer.Argument(None, help="A subject (default: the registry's global setting).",
                                                  callback=no_empty_names),
           set_compatibility: Optional[str] = typer.Option(None, "--set-compatibility", help="Set the compatibility level: BACKWARD, FORWARD, FULL (_TRANSITIVE), NONE."),
           schema_registry: Optional[str] = REGISTRY):
    """Show (or set) the compatibility level, globally or of a subject.

    Example: kctl schemas config orders-value --set-compatibility FULL
    """
    _render(ctx, schemas.config(_settings(ctx, schema_registry), subject, set_compatibility))
