"""`kctl config`: named contexts (like kubectl's) and the effective configuration."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import List, Optional

import typer

from kctl.cli.context import app_context
from kctl.config.client_conf import parse_key_values, reject_plain_secrets
from kctl.errors import ConfigError, UsageError
from kctl.models import ContextInfo, ItemResult, OperationResult
from kctl.models.choices import SASL_MECHANISMS
from kctl.render import render

app = typer.Typer(help="Named contexts and the effective client configuration.", no_args_is_help=True)


class SecurityProtocol(str, Enum):
    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"


# AWS_MSK_IAM is kctl's name for OAUTHBEARER with the MSK IAM signer's token (kctl/config/token_sources.py)
SaslMechanism = Enum("SaslMechanism", {name: name for name in (*SASL_MECHANISMS, "AWS_MSK_IAM")}, type=str)


def _done(ctx: typer.Context, operation: str, name: str, detail: str) -> None:
    render(OperationResult(operation, (ItemResult(name, True, detail),)), app_context(ctx).output)


@app.command("view")
def view(ctx: typer.Context):
    """Show where kctl connects (and why) and the merged client properties, secrets redacted.

    Example: kctl config view --context prod -o yaml
    """
    from kctl.config.view import effective_view  # not on config --help's path

    obj = app_context(ctx)
    render(
        effective_view(obj.target, obj.context, obj.registry, obj.command_config, obj.overrides, obj.ask_password),
        obj.output,
    )


@app.command("get-contexts")
def get_contexts(ctx: typer.Context):
    """List the contexts of the config file; the current one is marked with *.

    Example: kctl config get-contexts -o json
    """
    from kctl.config.view import contexts  # not on config --help's path

    render(contexts(), app_context(ctx).output, kind=ContextInfo)


@app.command("current-context")
def current_context(ctx: typer.Context):
    """Print the name of the current context (exit 3 when none is set).

    Example: kctl config current-context
    """
    from kctl.config.contexts import config_path, current_context_name  # not on config --help's path

    name = current_context_name()
    if not name:
        raise ConfigError(f"no current context is set in {config_path()}", hint="`kctl config use-context NAME`")
    output = app_context(ctx).output
    if output in ("table", "wide", "csv"):
        typer.echo(name)
    else:
        render({"current_context": name}, output)


@app.command("use-context")
def use_context(ctx: typer.Context, name: str = typer.Argument(..., help="Context name.")):
    """Make NAME the current context: commands without -b/-i/KCTL_* use it.

    Example: kctl config use-context prod
    """
    from kctl.config.contexts import use_context as use  # not on config --help's path

    path = use(name)
    _done(ctx, "use-context", name, f"current context in {path}")


@app.command("delete-context")
def delete_context(ctx: typer.Context, name: str = typer.Argument(..., help="Context name.")):
    """Remove a context from the config file (and unset it if it was current).

    Example: kctl config delete-context staging
    """
    from kctl.config.contexts import delete_context as delete  # not on config --help's path

    was_current, path = delete(name)
    _done(ctx, "delete-context", name, f"deleted from {path}" + (" (it was the current context)" if was_current else ""))


@app.command("set-context")
def set_context(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Context name (created if new, updated otherwise)."),
    bootstrap: Optional[str] = typer.Option(None, "--bootstrap", "-b", help="Bootstrap servers HOST:PORT[,...]."),
    instance: Optional[int] = typer.Option(None, "--instance", "-i", help="An instance of port_registry.yaml instead.", min=0),
    properties: List[str] = typer.Option([], "--property", "-X", metavar="KEY=VALUE",
                                         help="librdkafka property (repeatable), as the global -X."),
    unset: List[str] = typer.Option([], "--delete", "--unset", metavar="KEY",
                                    help="Remove a property (repeatable; --unset is the same)."),
    security_protocol: Optional[SecurityProtocol] = typer.Option(None, "--security-protocol", help="security.protocol (inferred from SASL/TLS options when omitted)."),
    sasl_mechanism: Optional[SaslMechanism] = typer.Option(None, "--sasl-mechanism", help="sasl.mechanism."),
    username: Optional[str] = typer.Option(None, "--username", help="SASL user name (OAUTHBEARER: the OIDC client id)."),
    password_env: Optional[str] = typer.Option(None, "--password-env", metavar="VAR", help="Read the password from this environment variable at run time."),
    password_file: Optional[str] = typer.Option(None, "--password-file", metavar="PATH", help="Read the password from this file at run time."),
    oauth_token_url: Optional[str] = typer.Option(None, "--oauth-token-url", help="OAUTHBEARER: OIDC token endpoint (client credentials)."),
    oauth_scope: Optional[str] = typer.Option(None, "--oauth-scope", help="OAUTHBEARER: the scope to ask the token endpoint for."),
    token_command: Optional[str] = typer.Option(None, "--token-command", metavar="CMD",
                                                help="OAUTHBEARER: a program printing a token (JSON token/expires_in or a JWT); shell words, no shell."),
    aws_region: Optional[str] = typer.Option(None, "--aws-region", help="AWS_MSK_IAM: the cluster's region (else AWS_REGION or the bootstrap host)."),
    aws_profile: Optional[str] = typer.Option(None, "--aws-profile", help="AWS_MSK_IAM: the AWS profile whose credentials sign."),
    aws_role_arn: Optional[str] = typer.Option(None, "--aws-role-arn", help="AWS_MSK_IAM: a role to assume (STS) for signing."),
    ca_file: Optional[str] = typer.Option(None, "--ca-file", help="TLS: CA certificate(s) to trust (PEM)."),
    cert_file: Optional[str] = typer.Option(None, "--cert-file", help="mTLS: client certificate (PEM)."),
    key_file: Optional[str] = typer.Option(None, "--key-file", help="mTLS: client private key (PEM)."),
    key_password_env: Optional[str] = typer.Option(None, "--key-password-env", metavar="VAR", help="mTLS: the key's password from this environment variable."),
    key_password_file: Optional[str] = typer.Option(None, "--key-password-file", metavar="PATH", help="mTLS: the key's password from this file."),
    use: bool = typer.Option(False, "--use", help="Also make it the current context."),
    password: Optional[str] = typer.Option(None, "--password", hidden=True),
    schema_registry: Optional[str] = typer.Option(None, "--schema-registry", help="The context's Schema Registry URL."),
    schema_registry_user: Optional[str] = typer.Option(None, "--schema-registry-user", help="Schema Registry basic-auth user."),
    schema_registry_password_env: Optional[str] = typer.Option(None, "--schema-registry-password-env", metavar="VAR", help="Schema Registry password from this environment variable at run time."),
    schema_registry_password_file: Optional[str] = typer.Option(None, "--schema-registry-password-file", metavar="PATH", help="Schema Registry password from this file at run time."),
    schema_registry_ca_file: Optional[str] = typer.Option(None, "--schema-registry-ca-file", help="TLS CA certificate(s) for the Schema Registry (PEM)."),
    connect_url: Optional[str] = typer.Option(None, "--connect-url", metavar="URL", help="The context's Kafka Connect REST URL (`kctl connect`; no password in it)."),
):
    """Create or update a context: a target plus security settings and client properties.

    Passwords are stored as references (${env:VAR} or ${file:PATH}), never as values.

    Example: kctl config set-context prod -b kafka:9093 --sasl-mechanism SCRAM-SHA-512 --username alice --password-env PROD_PW --ca-file ca.pem --use
    """
    from kctl.config.contexts import security_properties, token_login  # not on config --help's path
    from kctl.config.contexts import set_context as store  # not on config --help's path

    if password is not None:
        raise UsageError(
            "--password is not accepted: a password on the command line ends up in shell history and `ps`",
            hint="use --password-env VAR, --password-file PATH, or --ask-password when running a command",
        )
    props = parse_key_values(properties, "-X/--property")
    reject_plain_secrets(props, "-X/--property")
    mechanism = sasl_mechanism.value if sasl_mechanism else None
    login = token_login(mechanism, token_command, aws_region, aws_profile, aws_role_arn,
                        other=username or password_env or password_file or oauth_token_url or oauth_scope)
    if login:
        mechanism = "OAUTHBEARER"
    props.update(
        security_properties(
            security_protocol=security_protocol.value if security_protocol else None,
            sasl_mechanism=mechanism,
            username=username,
            password_env=password_env,
            password_file=password_file,
            oauth_token_url=oauth_token_url,
            oauth_scope=oauth_scope,
            ca_file=ca_file,
            cert_file=cert_file,
            key_file=key_file,
            key_password_env=key_password_env,
            key_password_file=key_password_file,
        )
    )
    from kctl.config.contexts import schema_registry_entry  # not on config --help's path

    registry_entry = schema_registry_entry(schema_registry, schema_registry_user, schema_registry_password_env,
                                           schema_registry_password_file, schema_registry_ca_file)
    _, created, path = store(name, bootstrap, instance, props, unset, use, schema_registry=registry_entry,
                             connect_url=connect_url, login=login)
    _done(ctx, "set-context", name, ("created in " if created else "updated in ") + str(path) + (" (current)" if use else ""))


@app.command("test-auth")
def test_auth(
    ctx: typer.Context,
    name: Optional[str] = typer.Argument(None, metavar="[CONTEXT]", help="The context to test (default: the target of this invocation: --context, -b, -i, the current context)."),
):
    """Log in step by step (DNS, TCP, TLS, token, login, metadata) and report each; exit with the failing step's code.

    Exit codes: 6 a host that does not resolve or answer (or an OAuth issuer that is down), 3 a
    certificate that does not verify against the CA file (or a file that cannot be read), 9 a
    login, token or client certificate the broker or issuer refuses. All within --timeout.

    Example: kctl config test-auth prod --timeout 10
    """
    from kctl.services import auth_test  # not on config --help's path

    obj = app_context(ctx)
    if name is not None:
        if obj.bootstrap or obj.instance is not None:
            raise UsageError("give a CONTEXT or -b/-i, not both")
        obj = dataclasses.replace(obj, context_name=name)  # a fresh AppContext: its context and target anew
    conf = obj.client_conf()
    context = (obj.context or {}).get("name") if obj.bootstrap is None and obj.instance is None else None
    try:
        result = auth_test.run(conf, context, obj.timeout)
    except auth_test.AuthTestFailed as failed:
        render(failed.result, obj.output)  # the steps so far, the failed one last
        raise auth_test.step_error(failed) from None
    render(result, obj.output)
