"""Named contexts in the user config file, like kubectl's.

File: $KCTL_CONFIG, else <user config dir>/config.yaml. Shape:

    current-context: prod
    contexts:
      prod:
        bootstrap: kafka-1.example.com:9093   # or: instance: 2
        properties:                           # any librdkafka property
          security.protocol: SASL_SSL
          sasl.mechanism: SCRAM-SHA-512
          sasl.username: alice
          sasl.password: ${env:PROD_KAFKA_PASSWORD}   # or ${file:~/.secrets/kafka}

Secrets are never stored in clear by kctl: a property value may reference an environment
variable or a file, resolved only when a client is built (kctl.config.client_conf).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from kctl.config.client_conf import split_userinfo
from kctl.config.registry import user_config_dir
from kctl.errors import ConfigError, UsageError


def config_path() -> Path:
    env = os.environ.get("KCTL_CONFIG")
    return Path(env) if env else user_config_dir() / "config.yaml"


def load_config() -> dict:
    """The contexts file as plain values, decoded strictly first (kctl.config.files.ContextsFile):
    unknown keys and values of the wrong type are a ConfigError naming their path (exit 3)."""
    path = config_path()
    if not os.path.lexists(path) or str(path) == os.devnull:  # KCTL_CONFIG=/dev/null: no contexts
        return {"contexts": {}}
    # only now: most runs have no config file, and yaml and msgspec cost ~35 ms to import
    from kctl.config.files import load_contexts  # not on topics list's path

    return load_contexts(str(path))


def save_config(data: dict) -> Path:
    import yaml  # heavy: yaml

    path = config_path()
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created private (0600): it holds user names and secret references, never secrets themselves.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(yaml.safe_dump(data, sort_keys=False))
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    except OSError as exc:
        raise ConfigError(f"cannot write config file {path}: {exc.strerror}") from None
    return path


def get_context(name: str | None) -> dict | None:
    """The named context (or the current one when name is None), with its name under 'name'."""
    data = load_config()
    wanted = name or data.get("current-context")
    if not wanted:
        return None
    context = data["contexts"].get(wanted)
    if context is None:
        if name:
            raise ConfigError(f"no context named {name!r}", hint="list them with `kctl config get-contexts`")
        raise ConfigError(
            f"current context {wanted!r} does not exist in {config_path()}",
            hint="pick another with `kctl config use-context NAME`",
        )
    if not isinstance(context, dict):
        raise ConfigError(f"malformed config file {config_path()}: context {wanted!r} must be a mapping")
    return {**context, "name": wanted}


_NAME = re.compile(r"^[A-Za-z0-9_.@:+-]+$")


def check_name(name: str) -> str:
    if not name or not _NAME.match(name):
        raise UsageError(f"invalid context name {name!r}: use letters, digits and _ . @ : + -")
    return name


def current_context_name() -> str | None:
    return load_config().get("current-context") or None


def list_contexts() -> tuple[str | None, dict[str, dict]]:
    """(current context name, {name: context mapping})."""
    data = load_config()
    contexts = {}
    for name, context in data["contexts"].items():
        if not isinstance(context, dict):
            raise ConfigError(f"malformed config file {config_path()}: context {name!r} must be a mapping")
        contexts[str(name)] = context
    return data.get("current-context") or None, contexts


def set_context(
    name: str,
    bootstrap: str | None = None,
    instance: int | None = None,
    properties: dict | None = None,
    unset: list[str] | tuple[str, ...] = (),
    use: bool = False,
    schema_registry: dict | None = None,
    connect_url: str | None = None,
    login: dict | None = None,
) -> tuple[dict, bool, Path]:
    """Create or update a context: (the context, whether it was created, the config file).

    A bootstrap replaces an instance and vice versa; properties are merged key by key,
    `unset` removes keys. Plain secret values must already have been refused by the caller.
    """
    check_name(name)
    if connect_url is not None:
        plain, _, secret = split_userinfo(connect_url)
        if secret is not None or not plain.startswith(("http://", "https://")):
            raise UsageError("--connect-url must be an http(s) URL without a password (a context stores no secret)")
    if bootstrap is not None and instance is not None:
        raise UsageError("a context has either a bootstrap or an instance, not both")
    data = load_config()
    existing = data["contexts"].get(name)
    created = existing is None
    context = dict(existing or {})
    if not isinstance(existing, (dict, type(None))):
        raise ConfigError(f"malformed config file {config_path()}: context {name!r} must be a mapping")
    if bootstrap is not None:
        context.pop("instance", None)
        context["bootstrap"] = bootstrap
    if instance is not None:
        context.pop("bootstrap", None)
        context["instance"] = instance
    if login:  # one token source: the new one replaces the other
        context.pop("token_command", None)
        context.pop("aws_msk_iam", None)
        context.update(login)
        if "security.protocol" not in (properties or {}) and "security.protocol" not in (context.get("properties") or {}):
            properties = {**(properties or {}), "security.protocol": "SASL_SSL"}  # a bearer token never in clear
    props = dict(context.get("properties") or {})
    props.update(properties or {})
    for key in unset:
        props.pop(key, None)
    if login:  # librdkafka's own OIDC login would be a second token source
        for key in [k for k in props if k.startswith(("sasl.oauthbearer.", "kctl.oauthbearer."))]:
            del props[key]
    inferred = infer_security_protocol(props)
    if inferred:
        props["security.protocol"] = inferred
    if props:
        context["properties"] = props
    else:
        context.pop("properties", None)
    if schema_registry is not None:
        context["schema_registry"] = schema_registry
    if connect_url is not None:
        context["connect_url"] = connect_url.rstrip("/")
    data["contexts"][name] = context
    if use:
        data["current-context"] = name
    return context, created, save_config(data)


def use_context(name: str) -> Path:
    data = load_config()
    if name not in data["contexts"]:
        raise ConfigError(f"no context named {name!r}", hint="list them with `kctl config get-contexts`")
    data["current-context"] = name
    return save_config(data)


def delete_context(name: str) -> tuple[bool, Path]:
    """Remove a context; (whether it was the current one, the config file)."""
    data = load_config()
    if name not in data["contexts"]:
        raise ConfigError(f"no context named {name!r}", hint="list them with `kctl config get-contexts`")
    del data["contexts"][name]
    was_current = data.get("current-context") == name
    if was_current:
        data.pop("current-context", None)
    return was_current, save_config(data)


def _env_ref(var: str, option: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var or ""):
        raise UsageError(f"{option} expects an environment variable name, got {var!r}")
    return "${env:" + var + "}"


def _existing_file(path: str, option: str) -> str:
    full = Path(path).expanduser().absolute()
    if not full.is_file():
        raise ConfigError(f"{option} {path}: no such file")
    return str(full)


def _url_password(url: str) -> bool:
    """Whether url's userinfo holds a password (scheme://user:PASSWORD@host)."""
    try:
        return urlsplit(url.strip()).password is not None
    except ValueError:  # not a URL kctl could use: refused later by the registry client, holds no userinfo
        return "@" in url and ":" in url.split("@", 1)[0].split("://", 1)[-1]


def schema_registry_entry(url: str | None, user: str | None = None, password_env: str | None = None,
                          password_file: str | None = None, ca_file: str | None = None) -> dict | None:
    """A context's `schema_registry` mapping (the password as a reference), or None when no URL is given."""
    if url is None:
        if user or password_env or password_file or ca_file:
            raise UsageError("the --schema-registry-* options need --schema-registry URL")
        return None
    if password_env and password_file:
        raise UsageError("give --schema-registry-password-env or --schema-registry-password-file, not both")
    if _url_password(url):
        raise UsageError("--schema-registry: a password in the URL is not accepted as a command-line value",
                         hint="give the URL without it, and --schema-registry-user USER with "
                              "--schema-registry-password-env VAR or --schema-registry-password-file PATH")
    entry: dict = {"url": url}
    if user:
        entry["user"] = user
    if password_env:
        entry["password"] = _env_ref(password_env, "--schema-registry-password-env")
    elif password_file:
        entry["password"] = "${file:" + _existing_file(password_file, "--schema-registry-password-file") + "}"
    if ca_file:
        entry["ca_file"] = _existing_file(ca_file, "--schema-registry-ca-file")
    return entry


def security_properties(
    security_protocol: str | None = None,
    sasl_mechanism: str | None = None,
    username: str | None = None,
    password_env: str | None = None,
    password_file: str | None = None,
    oauth_token_url: str | None = None,
    oauth_scope: str | None = None,
    ca_file: str | None = None,
    cert_file: str | None = None,
    key_file: str | None = None,
    key_password_env: str | None = None,
    key_password_file: str | None = None,
) -> dict[str, str]:
    """librdkafka properties for the `set-context` security options. Secrets become references:
    the config file never holds a password, only where to find it at run time."""
    props: dict[str, str] = {}
    if password_env and password_file:
        raise UsageError("give --password-env or --password-file, not both")
    if key_password_env and key_password_file:
        raise UsageError("give --key-password-env or --key-password-file, not both")
    password = None
    if password_env:
        password = _env_ref(password_env, "--password-env")
    elif password_file:
        password = "${file:" + _existing_file(password_file, "--password-file") + "}"
    oauth = sasl_mechanism == "OAUTHBEARER"
    if sasl_mechanism:
        props["sasl.mechanism"] = sasl_mechanism
    if oauth:
        # OIDC client credentials: librdkafka fetches and refreshes the token itself.
        if oauth_token_url:
            props["sasl.oauthbearer.method"] = "oidc"
            props["sasl.oauthbearer.token.endpoint.url"] = oauth_token_url
        if oauth_scope:
            props["sasl.oauthbearer.scope"] = oauth_scope
        if username:
            props["sasl.oauthbearer.client.id"] = username
        if password:
            props["sasl.oauthbearer.client.secret"] = password
    else:
        if oauth_token_url or oauth_scope:
            raise UsageError(f"{'--oauth-token-url' if oauth_token_url else '--oauth-scope'} needs --sasl-mechanism OAUTHBEARER")
        if username:
            props["sasl.username"] = username
        if password:
            props["sasl.password"] = password
    if ca_file:
        props["ssl.ca.location"] = _existing_file(ca_file, "--ca-file")
    if cert_file:
        props["ssl.certificate.location"] = _existing_file(cert_file, "--cert-file")
    if key_file:
        props["ssl.key.location"] = _existing_file(key_file, "--key-file")
    if key_password_env:
        props["ssl.key.password"] = _env_ref(key_password_env, "--key-password-env")
    elif key_password_file:
        props["ssl.key.password"] = "${file:" + _existing_file(key_password_file, "--key-password-file") + "}"
    if security_protocol:
        props["security.protocol"] = security_protocol
    return props


def token_login(mechanism: str | None, token_command: str | None, region: str | None, profile: str | None,
                role_arn: str | None, other=None) -> dict:
    """The context keys of `set-context --token-command` / `--sasl-mechanism AWS_MSK_IAM --aws-*`
    ({} for neither): `token_command` as argv, `aws_msk_iam` as a mapping."""
    from kctl.config.token_sources import command_argv  # not on topics list's path

    aws = {k: v for k, v in (("region", region), ("profile", profile), ("role_arn", role_arn)) if v}
    if aws and mechanism != "AWS_MSK_IAM":
        raise UsageError("--aws-region, --aws-profile and --aws-role-arn need --sasl-mechanism AWS_MSK_IAM")
    if token_command is not None and mechanism not in (None, "OAUTHBEARER"):
        raise UsageError(f"--token-command is an OAUTHBEARER login, not {mechanism}")
    if mechanism == "AWS_MSK_IAM":
        if other:
            raise UsageError("AWS_MSK_IAM signs with AWS credentials: no --username, --password-*, --oauth-token-url "
                             "or --oauth-scope with it")
        return {"aws_msk_iam": aws}
    if token_command is not None:
        if other:
            raise UsageError("--token-command is the token source: no --username, --password-*, --oauth-token-url "
                             "or --oauth-scope with it")
        try:
            return {"token_command": command_argv(token_command)}
        except ConfigError as exc:
            raise UsageError(f"--token-command: {exc.message.split(': ', 1)[-1]}") from None
    return {}


def infer_security_protocol(properties: dict) -> str | None:
    """SASL settings without security.protocol are silently ignored by librdkafka (it stays on
    PLAINTEXT): pick the protocol the other settings imply."""
    if properties.get("security.protocol"):
        return None
    sasl = any(key.startswith("sasl.") for key in properties)
    tls = any(key.startswith("ssl.") for key in properties)
    if sasl:
        return "SASL_SSL" if tls else "SASL_PLAINTEXT"
    return "SSL" if tls else None
