"""`kctl export`, `kctl diff`, `kctl plan`, `kctl apply`: cluster state as code."""

from __future__ import annotations

import dataclasses
import sys
from typing import List, Optional

import typer

from kctl.cli.confirm import DRY_RUN, YES, approve, plural, where
from kctl.cli.context import app_context
from kctl.errors import CheckFailed, ConfigError, UsageError
from kctl.parsing import check_writable
from kctl.render import render

ONLY = typer.Option(None, "--only", metavar="KINDS",
                    help="Only these kinds: topics,acls,users,quotas,broker_configs,subjects,connectors.")
FILE = typer.Option(..., "--file", "-f", metavar="FILE|DIR", help="The ClusterState document (a folder: every .yaml/.json in it).")
PRUNE = typer.Option(None, "--prune", metavar="KINDS",
                     help="Also delete what the document does not list, of these kinds it manages (topics,acls,...).")
PRUNE_ALL = typer.Option(False, "--prune-all", help="--prune of every kind the document manages.")
REGISTRY = typer.Option(None, "--schema-registry", metavar="URL",
                        help="The Schema Registry of the subjects (default: $KCTL_SCHEMA_REGISTRY, the context's, "
                             "or the local instance's).")
CONNECT_URL = typer.Option(None, "--connect-url", metavar="URL",
                           help="The Kafka Connect cluster of the connectors (default: $KCTL_CONNECT_URL, the "
                                "context's connect_url, or the local instance's worker).")


def _connect(obj, url: str | None, required: bool = False):
    """Like _registry, for the Connect cluster (found the way `kctl connect` finds it)."""
    from kctl.services.connect import connect_settings  # not on export --help's path

    def settings():
        try:
            return connect_settings(url, obj.context, obj.registry_data, obj.target.instance if not url else None,
                                    obj.timeout)
        except ConfigError:
            if required or url is not None:
                raise
            return None

    return settings


def _registry(obj, url: str | None, required: bool = False):
    """A function giving the registry's settings the way `kctl schemas` finds them, or None when
    none is known (then the subjects are left out, unless they were asked for: required)."""
    from kctl.services.schemas.settings import registry_settings  # not on export --help's path

    def settings():
        try:
            return registry_settings(url, obj.context, obj.registry_data, obj.target.instance, obj.timeout)
        except ConfigError:
            if required or url is not None:
                raise
            return None

    return settings


def export(
    ctx: typer.Context,
    only: Optional[str] = ONLY,
    include_internal: bool = typer.Option(False, "--include-internal", help="Also the internal topics (__consumer_offsets...)."),
    file: Optional[str] = typer.Option(None, "--file", "-f", help="Write the document here instead of stdout."),
    include_schemas: bool = typer.Option(False, "--include-schemas", help="Each subject's schema versions too."),
    schema_registry: Optional[str] = REGISTRY,
    connect_url: Optional[str] = CONNECT_URL,
):
    """Write the cluster's state as a ClusterState YAML document (topics, ACLs, users, configs, schemas, connectors).

    Subjects (the Schema Registry's) when a registry is known, connectors when a Connect cluster is.

    Stable: the same cluster gives the same bytes. Users are names and mechanisms, never credentials;
    a connector's secret is written as a ${env:KCTL_CONNECTOR_<NAME>_<KEY>} reference.

    Example: kctl export -i 1 --only topics,acls -f cluster.yaml
    """
    from kctl.services import state  # not on export --help's path

    obj = app_context(ctx)
    kinds = state.parse_sections(only, "--only")
    if file is not None:  # checked before the cluster is read (the file itself is written only at the end)
        if not file:
            raise UsageError("--file must not be empty (leave it out for stdout)")
        check_writable(file, "--file")
    if include_schemas and "subjects" not in kinds:
        raise UsageError("--include-schemas goes with the subjects: add subjects to --only")
    asked = include_schemas or (only is not None and "subjects" in kinds)
    text = state.export(obj.client_conf(), obj.timeout, kinds, include_internal,
                        _registry(obj, schema_registry, required=asked), include_schemas,
                        _connect(obj, connect_url, required=only is not None and "connectors" in kinds))
    if not file:
        sys.stdout.write(text)
        return
    try:
        with open(file, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"--file {file}: {exc.strerror or exc}") from None


def diff(
    ctx: typer.Context,
    file: Optional[str] = typer.Option(None, "--file", "-f", metavar="FILE|DIR", help="The document to compare the cluster with."),
    to_instance: Optional[int] = typer.Option(None, "--to-instance", metavar="N", help="Compare with this instance instead."),
    to_context: Optional[str] = typer.Option(None, "--to-context", metavar="NAME", help="Compare with this context instead."),
    to_bootstrap: Optional[str] = typer.Option(None, "--to-bootstrap", metavar="HOST:PORT[,...]",
                                               help="Compare with this cluster instead."),
    only: Optional[str] = ONLY,
    ignore: List[str] = typer.Option([], "--ignore", metavar="KIND/NAME/FIELD",
                                     help="Leave out matching differences (glob, repeatable): 'topics/*/configs.retention.ms'."),
    schema_registry: Optional[str] = REGISTRY,
    connect_url: Optional[str] = CONNECT_URL,
):
    """Show what differs between a document and the cluster, or between two clusters; exit 8 when anything does.

    Example: kctl diff -f cluster.yaml --ignore 'topics/tmp-*/*'   |   kctl diff -i 0 --to-instance 1
    """
    from kctl.services import state  # not on export --help's path

    obj = app_context(ctx)
    other = (to_instance, to_context, to_bootstrap)
    if (file is None) == all(v is None for v in other):
        raise UsageError("compare with what? give --file FILE, or another cluster: --to-instance/--to-context/--to-bootstrap")
    kinds = state.parse_sections(only, "--only")  # checked before any cluster is read
    if file is not None and only is not None:  # it was silently ignored: the document says what it manages
        raise UsageError("--only goes with another cluster; with --file the document's kinds are compared")
    if file is not None:
        result = state.diff_file(obj.client_conf(), obj.timeout, file, where(obj), tuple(ignore),
                                 _registry(obj, schema_registry), _connect(obj, connect_url))
    else:
        right = dataclasses.replace(obj, instance=to_instance, context_name=to_context, bootstrap=to_bootstrap)
        # The other cluster's registry is its context's or instance's (--schema-registry is this one's).
        result = state.diff_clusters(obj.client_conf(), right.client_conf(), obj.timeout, (where(obj), where(right)),
                                     kinds, tuple(ignore), (_registry(obj, schema_registry), _registry(right, None)),
                                     (_connect(obj, connect_url), _connect(right, None)))
    render(result, obj.output)
    if not result.equal:
        raise CheckFailed(f"{plural(len(result.differences), 'difference')} between {result.left} and {result.right}")


def _one_prune(prune, prune_all: bool) -> None:
    if prune is not None and prune_all:
        raise UsageError("give --prune KINDS or --prune-all, not both")


def plan(ctx: typer.Context, file: str = FILE, prune: Optional[str] = PRUNE, prune_all: bool = PRUNE_ALL,
         schema_registry: Optional[str] = REGISTRY, connect_url: Optional[str] = CONNECT_URL):
    """Show the ordered changes that would make the cluster match the document (nothing changes).

    Example: kctl plan -f cluster.yaml --prune acls
    """
    from kctl.services import state  # not on export --help's path

    obj = app_context(ctx)
    _one_prune(prune, prune_all)
    kinds = state.parse_sections(prune, "--prune") if prune is not None else None
    result = state.plan_file(obj.client_conf(), obj.timeout, file, where(obj), kinds, prune_all,
                             _registry(obj, schema_registry), _connect(obj, connect_url))
    render(result, obj.output)
    error = state.failure(result)
    if error is not None:
        raise error


def apply(
    ctx: typer.Context,
    file: Optional[str] = typer.Option(None, "--file", "-f", metavar="FILE|DIR", help="The ClusterState document."),
    prune: Optional[str] = PRUNE,
    prune_all: bool = PRUNE_ALL,
    undo: Optional[str] = typer.Option(None, "--undo", metavar="SNAPSHOT", help="Put back what an earlier apply changed."),
    yes: bool = YES,
    dry_run: bool = DRY_RUN,
    schema_registry: Optional[str] = REGISTRY,
    connect_url: Optional[str] = CONNECT_URL,
):
    """Make the cluster match the document: the plan, a question naming the cluster, then each change in order.

    Stops at the first failure (saying what was applied); a snapshot of what it replaced allows
    `kctl apply --undo SNAPSHOT`.

    Example: kctl apply -f cluster.yaml --yes
    """
    from kctl.services import state  # not on export --help's path

    obj = app_context(ctx)
    if (file is None) == (undo is None):
        raise UsageError("apply what? give --file FILE (or --undo SNAPSHOT)")

    def confirm(planned) -> bool:
        action = f"apply {plural(len(planned.changes), 'change')}" if undo is None else f"undo {plural(len(planned.changes), 'change')}"
        return approve(obj, planned, action, yes=yes, dry_run=dry_run, changes=bool(planned.changes))

    if undo is not None:
        result = state.undo(obj.client_conf(), obj.timeout, undo, confirm)
    else:
        _one_prune(prune, prune_all)
        kinds = state.parse_sections(prune, "--prune") if prune is not None else None
        result = state.apply_file(obj.client_conf(), obj.timeout, file, where(obj), confirm, kinds, prune_all,
                                  _registry(obj, schema_registry), _connect(obj, connect_url))
    render(result, obj.output)
    if result.snapshot and not obj.quiet:
        obj.note(f"snapshot: {result.snapshot} (kctl apply --undo {result.snapshot})")
    for why in result.not_undone if not obj.quiet else ():
        obj.note(f"not undoable: {why}")
    error = state.failure(result)
    if error is not None:
        raise error
