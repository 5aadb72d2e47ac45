"""What `kctl worker` and `kctl workflow` call: where Temporal is, running the worker until a
signal, and starting/awaiting workflows (kctl.temporal does the Temporal work)."""

from __future__ import annotations

import asyncio
import gc
import os
import signal

from kctl.decode import parse_json, read_regular_file
from kctl.errors import KctlError, UsageError
from kctl.models import E2EReport
from kctl.services import e2e
from kctl.temporal import require_temporalio


def temporal_address(registry, instance: int | None, explicit: str | None) -> str:
    """--temporal > $KCTL_TEMPORAL_ADDRESS > the registry instance's Temporal frontend port (a
    workflow's: the instance its parameters name, else the command's)."""
    if explicit:
        return checked_address(explicit, "--temporal")
    if os.environ.get("KCTL_TEMPORAL_ADDRESS"):
        return checked_address(os.environ["KCTL_TEMPORAL_ADDRESS"], "$KCTL_TEMPORAL_ADDRESS")
    return registry.temporal_of(instance or 0).address


def checked_address(address: str, source: str) -> str:
    """A Temporal frontend address is HOST:PORT (temporalio adds the scheme itself: no http://);
    an IPv6 host in brackets ([::1]:7233)."""
    value = address.strip()
    host, sep, port = value.rpartition(":")
    if host.startswith("["):
        ok = host.endswith("]") and len(host) > 2 and "]" not in host[1:-1]
    else:
        ok = bool(host) and not any(c in host for c in ":/[]@ ")
    if not (sep and ok and port.isdigit() and 0 < int(port) < 65536):
        raise UsageError(f"{source}: expected HOST:PORT (e.g. localhost:7233), got {address!r}")
    return value


def worker_options(registry, instance, temporal, namespace, task_queue, max_concurrent_activities, grace,
                   connect_timeout: float = 10.0, debug: bool = False):
    require_temporalio()
    from kctl.temporal.worker import WorkerOptions  # heavy: asyncio (via kctl.temporal.worker)

    return WorkerOptions(temporal_address(registry, instance, temporal), namespace, task_queue,
                         max_concurrent_activities, grace, connect_timeout, debug)


def run_worker(kafka_conf: dict, options, on_ready=None) -> None:
    """Run the worker until SIGTERM (drain, then return) or SIGINT (drain, then KeyboardInterrupt: 130);
    on_ready() once it polls."""
    from kctl.temporal.worker import run_worker as run  # heavy: asyncio (via kctl.temporal.worker)

    received: list[int] = []

    async def main():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda s=sig: (received.append(s), stop.set()))
        await run(kafka_conf, options, stop, on_ready)

    asyncio.run(main())
    if received and received[0] == signal.SIGINT:
        raise KeyboardInterrupt


def load_params(kind: str, params_file: str | None, overrides: dict):
    """Workflow parameters: the JSON file (or {}) with the command-line options on top, decoded
    strictly (kctl.decode) before anything is started."""
    from kctl.temporal.params import decode_params  # heavy: msgspec (via kctl.temporal.params)

    source = f"--params-file {params_file}" if params_file else f"{kind} workflow parameters"
    document: object = {}
    if params_file:
        document = parse_json(read_regular_file(params_file, source), source)
        if not isinstance(document, dict):
            raise UsageError(f"{source}: expected a JSON object")
    document = {**document, **{k: v for k, v in overrides.items() if v is not None}}
    return decode_params(kind, document, source)


def _run_with_client(address: str, namespace: str, timeout_s: float, work):
    """asyncio.run(work(client)). Errors are raised only after the loop and the Temporal client are
    gone: a client still referenced by a traceback while the interpreter shuts down aborts it
    (a Rust runtime thread releases the GIL too late)."""
    from kctl.temporal.worker import connect  # heavy: asyncio (via kctl.temporal.worker)

    received: list[int] = []

    async def main():
        # A signal cancels the wait (kctl's own SIGTERM/SIGINT handlers would raise inside the event
        # loop, whose shutdown then waited on the Temporal client: `timeout 60 kctl workflow run`
        # was seen still waiting an hour later).
        task, loop = asyncio.current_task(), asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda s=sig: (received.append(s), task.cancel()))
        try:
            return await work(await connect(address, namespace, timeout_s)), None
        except KctlError as exc:
            return None, exc
        except asyncio.CancelledError:
            return None, None

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        value, error = asyncio.run(main())
    finally:
        for sig, handler in previous.items():  # the loop put SIG_DFL back: kctl's own handlers return
            signal.signal(sig, handler)
    if received:
        handler = previous[received[0]]
        if callable(handler):
            handler(received[0], None)  # kctl's handler: notes SIGTERM and raises (exit 130 / 143)
        raise KeyboardInterrupt
    if error is not None:
        error.__traceback__ = None
        gc.collect()
        raise error
    return value


def start_workflow(address: str, namespace: str, task_queue: str, kind: str, params, workflow_id: str | None,
                   wait: bool, timeout_s: float):
    """Start a workflow; with wait, return its result, else its id. Connecting and (with wait) a
    worker picking the workflow up are bounded by timeout_s; the run itself is not (a signal ends the wait)."""
    require_temporalio()
    from kctl.temporal import starter  # heavy: asyncio (via kctl.temporal.starter)

    async def work(client):
        handle = await starter.start(client, kind, params, workflow_id, task_queue)
        if not wait:
            return handle.id
        await starter.picked_up(client, handle.id, task_queue, address, timeout_s)
        return await starter.result(client, handle.id, kind)

    return _run_with_client(address, namespace, timeout_s, work)


def workflow_result(address: str, namespace: str, workflow_id: str, timeout_s: float):
    require_temporalio()
    from kctl.temporal import starter  # heavy: asyncio (via kctl.temporal.starter)

    return _run_with_client(address, namespace, timeout_s, lambda client: starter.result(client, workflow_id))


def failure(result) -> KctlError | None:
    """A workflow that ran but whose check failed (the e2e report) exits like `kctl e2e run`."""
    if isinstance(result, E2EReport):
        return e2e.failure(result)
    return None
