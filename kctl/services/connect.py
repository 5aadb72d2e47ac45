"""`kctl connect`: the connectors of a Kafka Connect cluster, over its REST API.

Which Connect cluster a command talks to (first that is set wins):
  1. --connect-url URL
  2. $KCTL_CONNECT_URL
  3. the current context's `connect_url`
  4. the local instance's worker (`kctl local up --connect`) when it runs and the target is that instance

Every change is checked first: create and update validate the config with the plugin's own
validation (PUT /connector-plugins/{class}/config/validate) and change nothing when it refuses.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

from kctl.decode import Strict, decode, read_regular_file
from kctl.errors import ConfigError, NotFoundError, UsageError
from kctl.kafka.connect_rest import ConnectSettings, request
from kctl.models import (
    ConnectFieldError,
    ConnectorInfo,
    ConnectorSummary,
    ConnectorTask,
    ConnectPlugin,
    ItemResult,
    OperationResult,
)
from kctl.redact import REDACTED, is_secret_key
from kctl.services.local.connect import running_url

TRACE_LINES = 6
TRACE_WIDTH = 240
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def connect_settings(url: str | None, context: dict | None, registry, instance: int | None,
                     timeout: float = 10.0) -> ConnectSettings:
    """The ConnectSettings of a command, by the order in the module docstring; ConfigError (exit 3) when none."""
    if url:
        return ConnectSettings(url, timeout=timeout)
    if os.environ.get("KCTL_CONNECT_URL"):
        return ConnectSettings(os.environ["KCTL_CONNECT_URL"], timeout=timeout)
    entry = (context or {}).get("connect_url")
    if entry is not None:
        if not isinstance(entry, str) or not entry.strip().startswith(("http://", "https://")):
            raise ConfigError(f"context {context.get('name', '?')}: connect_url must be an http(s) URL")
        return ConnectSettings(entry, timeout=timeout)
    if instance is not None:
        local = running_url(registry, instance)
        if local:
            return ConnectSettings(local, timeout=timeout)
    where = f" (instance {instance} runs no Connect worker here)" if instance is not None else ""
    raise ConfigError(f"no Connect cluster given{where}",
                      hint="--connect-url URL, $KCTL_CONNECT_URL, a context's connect_url, or `kctl local up --connect`")


def check_name(name: str) -> str:
    if not name or not name.strip() or _CONTROL.search(name) or len(name) > 255:
        raise UsageError(f"invalid connector name {name!r}: 1 to 255 printable characters")
    return name


def _path(name: str, *rest: str) -> str:
    return "/connectors/" + "/".join([quote(check_name(name), safe=""), *rest])


def _trace(text) -> str | None:
    if not isinstance(text, str) or not text:
        return None
    return "\n".join(line[:TRACE_WIDTH] for line in text.strip().splitlines()[:TRACE_LINES])


def masked(config: dict) -> dict[str, str]:
    """A connector config safe to print: secret values masked, config-provider references (${file:...}) kept."""
    return {key: (REDACTED if is_secret_key(key) and "${" not in str(value) else str(value))
            for key, value in sorted(config.items())}


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _summary(name: str, entry: dict) -> ConnectorSummary:
    status, info = _dict(entry.get("status")), _dict(entry.get("info"))
    connector = _dict(status.get("connector"))
    tasks = [t for t in status.get("tasks") or () if isinstance(t, dict)]
    return ConnectorSummary(
        name=name, type=str(info.get("type") or status.get("type") or "unknown"),
        state=str(connector.get("state", "UNASSIGNED")), worker=str(connector.get("worker_id", "")),
        tasks=len(tasks), tasks_running=sum(1 for t in tasks if t.get("state") == "RUNNING"),
        tasks_failed=sum(1 for t in tasks if t.get("state") == "FAILED"),
    )


def list_connectors(settings: ConnectSettings) -> list[ConnectorSummary]:
    """Every connector. The expanded list leaves out a connector whose status the worker has not
    written yet (just created): the plain list of names is read first, and such a one is UNASSIGNED."""
    names = request(settings, "GET", "/connectors", what="list connectors")
    expanded = _dict(request(settings, "GET", "/connectors?expand=status&expand=info", what="list connectors"))
    every = {str(n) for n in names or () if isinstance(n, str)} | set(expanded)
    return [_summary(name, _dict(expanded.get(name))) for name in sorted(every)]


def _status(settings: ConnectSettings, name: str) -> dict:
    """The connector's status; a just-created connector has none yet (404): unassigned."""
    try:
        return _dict(request(settings, "GET", _path(name, "status"), what=f"connector {name}"))
    except NotFoundError:
        return {}


def describe(settings: ConnectSettings, name: str) -> ConnectorInfo:
    info = _dict(request(settings, "GET", _path(name), what=f"connector {name}"))
    status = _status(settings, name)
    connector = _dict(status.get("connector"))
    tasks = tuple(
        ConnectorTask(id=int(t.get("id", -1)), state=str(t.get("state", "")), worker=str(t.get("worker_id", "")),
                      trace=_trace(t.get("trace")))
        for t in sorted((t for t in status.get("tasks") or () if isinstance(t, dict)), key=lambda t: t.get("id", -1)))
    return ConnectorInfo(
        name=name, type=str(info.get("type") or status.get("type") or "unknown"),
        state=str(connector.get("state", "UNASSIGNED")), worker=str(connector.get("worker_id", "")),
        config=masked(_dict(info.get("config"))), tasks=tasks, trace=_trace(connector.get("trace")),
    )


def plugins(settings: ConnectSettings) -> list[ConnectPlugin]:
    answer = request(settings, "GET", "/connector-plugins?connectorsOnly=false", what="list plugins")
    return sorted((ConnectPlugin(class_name=str(p.get("class", "")), type=str(p.get("type", "")),
                                 version=str(p.get("version", "")))
                   for p in answer or () if isinstance(p, dict)), key=lambda p: (p.type, p.class_name))


# --- connector config files -------------------------------------------------------------------------

Scalar = str | int | float | bool


class WrappedConfig(Strict):
    """Connect's own shape of a connector: {"name": ..., "config": {...}}."""

    config: dict[str, Scalar]
    name: str | None = None


def _text(value: Scalar) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def read_config(path: str, name: str) -> dict[str, str]:
    """The connector config of a YAML or JSON file: a mapping of settings, or Connect's own
    {"name": ..., "config": {...}} shape. Values are strings, numbers or booleans; the name in
    the file, if any, must be `name`."""
    import yaml  # heavy: yaml

    check_name(name)
    raw = read_regular_file(path, error=UsageError, limit=4 * 1024 * 1024)
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    except RecursionError:
        raise UsageError(f"{path}: nested too deeply to decode") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{path} is not valid YAML or JSON: {' '.join(str(exc).split())}") from None
    if isinstance(data, dict) and "config" in data:
        wrapped = decode(data, WrappedConfig, path)
        if wrapped.name is not None and wrapped.name != name:
            raise UsageError(f"{path}: name is {wrapped.name!r}, not the connector {name!r}")
        settings = wrapped.config
    else:
        settings = decode(data, dict[str, Scalar], path)
    config = {key: _text(value) for key, value in settings.items()}
    if config.get("name", name) != name:
        raise UsageError(f"{path}: name is {config['name']!r}, not the connector {name!r}")
    if not config.get("connector.class"):
        raise UsageError(f"{path}: connector.class is missing")
    return {**config, "name": name}


def _plugin_class(settings: ConnectSettings, wanted: str) -> str:
    """The worker's plugin that connector.class names (its full name or an alias: FileStreamSource,
    FileStreamSourceConnector); NotFoundError (exit 4) naming what the worker has."""
    answer = request(settings, "GET", "/connector-plugins", what="list plugins")
    classes = [str(p.get("class", "")) for p in answer or () if isinstance(p, dict)]
    for full in classes:
        simple = full.rsplit(".", 1)[-1]
        if wanted in (full, simple, simple.removesuffix("Connector")):
            return full
    raise NotFoundError(f"the Connect worker at {settings.url} has no connector plugin {wanted!r}",
                        hint="it has " + (", ".join(c.rsplit(".", 1)[-1] for c in classes) or "none") + " (`kctl connect plugins`)")


def validate(settings: ConnectSettings, config: dict[str, str]) -> list[ConnectFieldError]:
    """The plugin's own verdict on the config: a row per refused setting (empty: valid)."""
    _plugin_class(settings, config["connector.class"])
    # The path names the class as the config does: Connect refuses an alias in one and the full name in the other.
    answer = _dict(request(settings, "PUT", f"/connector-plugins/{quote(config['connector.class'], safe='')}/config/validate",
                           config, what="validate"))
    errors = []
    for entry in answer.get("configs") or ():
        value = _dict(_dict(entry).get("value"))
        messages = tuple(str(m) for m in value.get("errors") or ())
        if messages:
            errors.append(ConnectFieldError(name=str(value.get("name", "?")), errors=messages))
    return errors


def _check_valid(settings: ConnectSettings, name: str, config: dict[str, str]) -> None:
    errors = validate(settings, config)
    if errors:
        listed = "; ".join(f"{e.name}: {' '.join(' '.join(e.errors).split())}" for e in errors)
        raise UsageError(f"connector {name}: {len(errors)} invalid setting{'s' if len(errors) > 1 else ''} "
                         f"(nothing changed): {listed}")


def _exists(settings: ConnectSettings, name: str) -> bool:
    try:
        request(settings, "GET", _path(name), what=f"connector {name}")
    except NotFoundError:
        return False
    return True


def create(settings: ConnectSettings, name: str, config: dict[str, str]) -> ConnectorInfo:
    if _exists(settings, name):
        raise UsageError(f"connector {name} already exists", hint=f"`kctl connect update {name} -f FILE` changes it")
    _check_valid(settings, name, config)
    request(settings, "POST", "/connectors", {"name": name, "config": config}, what=f"create connector {name}")
    return describe(settings, name)


def update(settings: ConnectSettings, name: str, config: dict[str, str]) -> ConnectorInfo:
    if not _exists(settings, name):
        raise NotFoundError(f"connector {name} does not exist", hint=f"`kctl connect create {name} -f FILE` makes it")
    _check_valid(settings, name, config)
    request(settings, "PUT", _path(name, "config"), config, what=f"update connector {name}")
    return describe(settings, name)


def delete_plan(settings: ConnectSettings, name: str) -> OperationResult:
    info = describe(settings, name)
    detail = (f"would delete the {info.type} connector ({info.state}, {len(info.tasks)} task"
              f"{'' if len(info.tasks) == 1 else 's'}, {info.config.get('connector.class', '?')}); "
              "records it wrote stay, its offsets stay in the worker's offsets topic")
    return OperationResult("connect delete", (ItemResult(name, True, detail),), dry_run=True)


def delete(settings: ConnectSettings, name: str) -> OperationResult:
    request(settings, "DELETE", _path(name), what=f"delete connector {name}")
    return OperationResult("connect delete", (ItemResult(name, True, "deleted"),))


def pause(settings: ConnectSettings, name: str) -> OperationResult:
    request(settings, "PUT", _path(name, "pause"), what=f"pause connector {name}")
    return OperationResult("connect pause", (ItemResult(name, True, "pausing (the connector and its tasks stop processing)"),))


def stop(settings: ConnectSettings, name: str) -> OperationResult:
    """PUT .../stop (KIP-875): the connector and its tasks shut down, its config stays (`resume` starts it)."""
    request(settings, "PUT", _path(name, "stop"), what=f"stop connector {name}")
    return OperationResult("connect stop", (ItemResult(name, True, "stopping (its tasks shut down, its config stays)"),))


def resume(settings: ConnectSettings, name: str) -> OperationResult:
    request(settings, "PUT", _path(name, "resume"), what=f"resume connector {name}")
    return OperationResult("connect resume", (ItemResult(name, True, "resuming"),))


def restart(settings: ConnectSettings, name: str, include_tasks: bool, only_failed: bool) -> OperationResult:
    """POST .../restart (KIP-745): a row for the connector and each task the worker restarts."""
    query = f"?includeTasks={'true' if include_tasks else 'false'}&onlyFailed={'true' if only_failed else 'false'}"
    answer = _dict(request(settings, "POST", _path(name, "restart") + query, what=f"restart connector {name}"))
    if not answer:  # 204: an older worker restarted just the connector
        return OperationResult("connect restart", (ItemResult(name, True, "restarted"),))
    rows = []
    connector = _dict(answer.get("connector"))
    state = str(connector.get("state", ""))
    rows.append(ItemResult(name, True, "restarting" if state == "RESTARTING" else f"left alone ({state})"))
    for task in sorted((t for t in answer.get("tasks") or () if isinstance(t, dict)), key=lambda t: t.get("id", -1)):
        state = str(task.get("state", ""))
        rows.append(ItemResult(f"{name} task {task.get('id')}", True,
                               "restarting" if state == "RESTARTING" else f"left alone ({state})"))
    return OperationResult("connect restart", tuple(rows))
