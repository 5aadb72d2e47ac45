"""AppContext: the global options of one invocation, handed to every command via ctx.obj."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from functools import cached_property

import typer


@dataclass
class AppContext:
    output: str = "table"
    bootstrap: str | None = None
    instance: int | None = None
    context_name: str | None = None
    registry: str | None = None
    overrides: dict = field(default_factory=dict)
    command_config: str | None = None
    timeout: float = 10.0
    verbose: int = 0
    debug: bool = False
    quiet: bool = False
    allow_plaintext_password: bool = False
    _warned: set = field(default_factory=set, repr=False, compare=False)
    ask_password: bool = False

    @cached_property
    def context(self) -> dict | None:
        from kctl.config.contexts import get_context  # not on --help's path

        return get_context(self.context_name)

    @cached_property
    def target(self):
        from kctl.config.registry import resolve_target  # not on --help's path

        return resolve_target(self.bootstrap, self.instance, self.context, self.registry)

    @cached_property
    def registry_data(self):
        from kctl.config.registry import load_registry  # not on --help's path

        return load_registry(self.registry)

    def client_conf(self, **extra) -> dict:
        """librdkafka settings for this invocation (secrets resolved; never print it unredacted)."""
        from kctl.config.client_conf import build_conf  # not on --help's path

        password = None
        if self.ask_password:
            password = self._prompted_password
        from kctl.config.state import target_properties  # not on --help's path

        conf = build_conf(
            self.target.bootstrap,
            context_properties=target_properties(self.context, self.target.instance),
            command_config=self.command_config,
            overrides=self.overrides,
            password=password,
        )
        for key, value in extra.items():
            conf.setdefault(key, value)
        if "kctl.oauthbearer.method" in conf:  # a token command or a signer runs within --timeout
            from kctl.config.token_sources import TIMEOUT_MS  # not on topics list's path (token logins only)

            conf.setdefault(TIMEOUT_MS, str(int(self.timeout * 1000)))
        self._warn_cleartext(conf)
        return conf

    def _warn_cleartext(self, conf: dict) -> None:
        """One warning per run (and host) when a password mechanism goes over SASL_PLAINTEXT to
        another machine; --allow-plaintext-password says that is known and wanted."""
        from kctl.config.client_conf import cleartext_warning  # not on --help's path

        if self.allow_plaintext_password:
            return
        warning = cleartext_warning(conf)
        if warning and warning not in self._warned:
            self._warned.add(warning)
            sys.stderr.write(f"kctl: warning: {warning}\n")
            sys.stderr.flush()

    def unreachable_hint(self) -> str | None:
        """The hint for a cluster that does not answer when it is not a local instance (whose
        standard hint says `kctl local status`); None to keep the standard one."""
        try:
            target = self.target
        except Exception:  # noqa: BLE001 - no better hint than the standard one
            return None
        from kctl.config.client_conf import bootstrap_hosts, is_loopback_host  # not on --help's path

        if target.instance is not None:
            return None
        if target.source.startswith("context "):
            return f"check the bootstrap address {target.bootstrap}, the network and the credentials of {target.source}"
        if all(is_loopback_host(h) for h in bootstrap_hosts(target.bootstrap)):
            return None  # this machine: `kctl local status` may well be the answer
        return f"check the bootstrap address {target.bootstrap} (from {target.source}) and the network"

    @cached_property
    def _prompted_password(self) -> str:
        from kctl.config.client_conf import prompt_password  # not on --help's path

        return prompt_password()

    @property
    def stdout_is_tty(self) -> bool:
        return sys.stdout.isatty()

    @property
    def stderr_is_tty(self) -> bool:
        return sys.stderr.isatty()

    @property
    def progress_on_stderr(self) -> bool:
        """Progress bars and live status on stderr: on a terminal, unless -q/--quiet."""
        return not self.quiet and self.stderr_is_tty

    def note(self, text: str) -> None:
        """A note or summary line on stderr ("kctl: ..."), unless -q/--quiet (errors are not notes)."""
        if not self.quiet:
            sys.stderr.write(f"kctl: {text}\n")
            sys.stderr.flush()


def app_context(ctx: typer.Context) -> AppContext:
    """The AppContext of the root callback (a fresh default one when a command is invoked alone)."""
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        root.obj = AppContext()
    return root.obj


def no_empty_names(value):
    """Typer callback for names (topics, groups): an empty string is a usage error, not a request
    the client library rejects with an internal error (or, for an option, silently ignores)."""
    values = value if isinstance(value, (list, tuple)) else [value]
    if any(v is not None and str(v) == "" for v in values):
        raise typer.BadParameter("a name must not be empty")
    if any(v is not None and "\x00" in str(v) for v in values):  # librdkafka would cut the name short there
        raise typer.BadParameter("a name must not contain a NUL character")
    return value


def finite_number(value):
    """Typer callback for durations and limits: nan and inf are usage errors (a FloatRange lets
    nan through, and inf would mean waiting forever or an overflow further down)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number")
    return value


def positive_number(value):
    """Typer callback for rates: a finite number above 0."""
    value = finite_number(value)
    if value is not None and value <= 0:
        raise typer.BadParameter(f"{value} is not above 0")
    return value
