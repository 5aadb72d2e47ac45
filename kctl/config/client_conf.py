"""librdkafka configuration: instance + context + --command-config + -X overrides + secrets.

Later layers win: built-in defaults < context properties < --command-config file < -X key=value.
Secret values may be written as ${env:VAR} or ${file:PATH}; they are resolved here, at the
last moment, and kctl.redact hides them (and any password-like key) wherever kctl echoes config.
"""

from __future__ import annotations

import ipaddress
import os
import re
import sys
import warnings
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from kctl.errors import ConfigError, UsageError
from kctl.models.choices import PASSWORD_MECHANISMS
from kctl.redact import REFERENCE, is_reference, is_secret_key, remember_secret, remember_secrets


def reject_plain_secrets(properties: dict, option: str) -> None:
    """A secret is never accepted as a literal command-line value (it would land in shell history
    and `ps`): only as a ${env:VAR} / ${file:PATH} reference, or through --ask-password."""
    for key, value in (properties or {}).items():
        if is_secret_key(key) and not is_reference(value):
            raise UsageError(
                f"{option} {key}: secrets are not accepted as command-line values",
                hint=f"use {key}=${{env:VAR}}, {key}=${{file:PATH}} or --ask-password",
            )


def split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """(the URL without its userinfo, user, password): credentials are sent as basic auth, never
    shown (the password is remembered as a secret)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None, None
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, sep, password = userinfo.partition(":")
    password = unquote(password) if sep else None
    if password:
        remember_secret(password)
        remember_secret(userinfo.partition(":")[2])  # as written (percent-encoded) too
    return urlunsplit(parts._replace(netloc=host)), unquote(user) or None, password


def parse_key_values(pairs: list[str] | tuple[str, ...], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or ():
        try:
            pair.encode("utf-8")
        except UnicodeEncodeError as exc:  # an argument that is not UTF-8 arrives surrogate-escaped
            raise UsageError(f"{option} is not valid UTF-8 (byte {exc.start})") from None
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} expects key=value, got {pair!r}")
        out[key.strip()] = value
    return out


def read_command_config(path: str) -> dict[str, str]:
    """A Java-style .properties file or a YAML mapping of librdkafka properties (decoded strictly:
    kctl.config.files.load_command_config). Only a regular file is read."""
    file = Path(path).expanduser()
    if file.suffix in (".yaml", ".yml"):
        from kctl.config.files import load_command_config  # not on topics --help's path

        return {k: _scalar(v) for k, v in load_command_config(str(file)).items()}
    from kctl.decode import read_regular_file  # not on topics --help's path

    raw = read_regular_file(str(file), f"cannot read --command-config {path}", ConfigError)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read --command-config {path}: not a UTF-8 text file") from None
    out: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        match = re.match(r"([^=:\s]+)\s*[=:]\s*(.*)$", line)
        if not match:
            raise ConfigError(f"malformed --command-config {path} line {number}: expected key=value")
        out[match.group(1)] = match.group(2)
    return out


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def resolve_secret(key: str, value):
    """Resolve ${env:VAR} and ${file:PATH} references."""
    if not isinstance(value, str):
        return value
    match = REFERENCE.match(value)
    if not match:
        return value
    kind, ref = match.groups()
    if kind == "env":
        if ref not in os.environ:
            raise ConfigError(f"{key} refers to environment variable {ref}, which is not set")
        return os.environ[ref]
    try:
        return Path(ref).expanduser().read_text().rstrip("\n")
    except OSError as exc:
        raise ConfigError(f"{key} refers to file {ref}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{key} refers to file {ref}: not a UTF-8 text file") from None


def merge_layers(
    bootstrap: str,
    context_properties: dict | None = None,
    command_config: str | None = None,
    overrides: dict | None = None,
) -> tuple[dict, dict]:
    """The merged properties with secret references unresolved, and the layer each key came from."""
    reject_plain_secrets(overrides or {}, "-X")
    conf: dict = {"bootstrap.servers": bootstrap}
    sources: dict = {"bootstrap.servers": "target"}
    for source, layer in (
        ("context", {str(k): _scalar(v) for k, v in (context_properties or {}).items()}),
        ("--command-config", read_command_config(command_config) if command_config else {}),
        ("-X", overrides or {}),
    ):
        conf.update(layer)
        sources.update(dict.fromkeys(layer, source))
    return conf, sources


def build_conf(
    bootstrap: str,
    context_properties: dict | None = None,
    command_config: str | None = None,
    overrides: dict | None = None,
    password: str | None = None,
) -> dict:
    """Merge the layers and resolve secrets; the result goes straight to a librdkafka client."""
    conf, _ = merge_layers(bootstrap, context_properties, command_config, overrides)
    if password is not None:  # typed at the prompt: replaces any stored reference, unresolved
        conf["sasl.password"] = password
    elif "sasl.username" in conf and "sasl.password" not in conf and "KCTL_SASL_PASSWORD" in os.environ:
        conf["sasl.password"] = os.environ["KCTL_SASL_PASSWORD"]
    conf = {key: value if key == "sasl.password" and password is not None else resolve_secret(key, value)
            for key, value in conf.items()}
    remember_secrets(conf)
    return conf


def prompt_password(prompt: str = "Password: ") -> str:
    """--ask-password: read the password from the terminal without echo; without a terminal
    (a pipe, CI), read one line from stdin, like `docker login --password-stdin`."""
    import getpass  # not on topics --help's path

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", getpass.GetPassWarning)
            password = getpass.getpass(prompt, stream=sys.stderr)
    except getpass.GetPassWarning:
        password = sys.stdin.readline().rstrip("\r\n")
    except EOFError:
        password = ""
    if not password:
        raise ConfigError("--ask-password: no password given")
    remember_secrets({"sasl.password": password})
    return password


def is_loopback_host(host: str) -> bool:
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def bootstrap_hosts(bootstrap: str) -> list[str]:
    """The host names of a bootstrap list: 'a:9092,[::1]:9093,SASL_SSL://b:9094' -> ['a', '::1', 'b']."""
    hosts = []
    for item in str(bootstrap or "").split(","):
        item = item.strip()
        if "://" in item:
            item = item.split("://", 1)[1]
        if not item:
            continue
        if item.startswith("["):
            host = item[1:].split("]", 1)[0]
        elif item.count(":") == 1:
            host = item.rsplit(":", 1)[0]
        else:
            host = item
        hosts.append(host)
    return hosts


def cleartext_login(conf: dict) -> tuple[str, list[str]] | None:
    """(mechanism, non-loopback hosts) when conf logs in with a password mechanism over a
    listener without TLS (security.protocol SASL_PLAINTEXT) to a host other than this machine."""
    if str(conf.get("security.protocol", "")).upper() != "SASL_PLAINTEXT":
        return None
    mechanism = str(conf.get("sasl.mechanism") or conf.get("sasl.mechanisms") or "GSSAPI").upper()
    if mechanism not in PASSWORD_MECHANISMS:
        return None
    remote = [h for h in bootstrap_hosts(conf.get("bootstrap.servers", "")) if not is_loopback_host(h)]
    return (mechanism, remote) if remote else None


def cleartext_warning(conf: dict) -> str | None:
    """The one-line warning for cleartext_login(conf), or None."""
    found = cleartext_login(conf)
    if found is None:
        return None
    mechanism, hosts = found
    what = "password sent in clear" if mechanism == "PLAIN" else f"{mechanism} login and records sent unencrypted"
    return (f"{what} to {', '.join(hosts)} (SASL_PLAINTEXT); use SASL_SSL (--ca-file or -X security.protocol=SASL_SSL) "
            "or --allow-plaintext-password")
