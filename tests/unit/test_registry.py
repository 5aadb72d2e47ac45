"""Registry lookup and target resolution, in the order documented in kctl/config/registry.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kctl.config import registry as reg
from kctl.errors import ConfigError, UsageError
from tests.helpers import run_kctl

REPO_ROOT = Path(__file__).resolve().parents[2]
KCTL_VARS = ("KCTL_BOOTSTRAP", "KCTL_INSTANCE", "KCTL_REGISTRY", "KCTL_CONFIG", "KCTL_CONTEXT")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No KCTL_* variables, an empty user config dir, a cwd without port_registry.yaml."""
    for var in KCTL_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("KCTL_CONFIG", str(tmp_path / "xdg" / "kctl" / "config.yaml"))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def write_registry(path: Path, broker_port=9092, controller_port=19093, increment=100, max_instances=10,
                   host="127.0.0.1", extra: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"kafka:\n  host: {host}\n  broker_port: {broker_port}\n  controller_port: {controller_port}\n"
        f"  instance_increment: {increment}\n  max_instances: {max_instances}\n{extra}"
    )
    return path


# ---------------------------------------------------------------- the registry file itself


def test_packaged_registry_matches_the_one_at_the_repo_root():
    assert (REPO_ROOT / "port_registry.yaml").read_text() == reg.PACKAGED_REGISTRY.read_text()


def test_packaged_registry_ports():
    registry = reg.load_registry()
    assert registry.path == str(reg.PACKAGED_REGISTRY)
    assert (registry.broker_port_of(0), registry.controller_port_of(0)) == (9092, 19093)
    assert (registry.broker_port_of(1), registry.controller_port_of(1)) == (9192, 19193)
    # the extra brokers of a 3-broker instance, as the registry's comment documents
    assert [registry.broker_port_of(1, k) for k in range(3)] == [9192, 9202, 9212]
    assert [registry.controller_port_of(1, k) for k in range(3)] == [19193, 19203, 19213]
    assert registry.ui_port_of(0) == 8080 and registry.ui_port_of(2) == 8280
    assert registry.bootstrap_of(9) == "127.0.0.1:9992"


@pytest.mark.parametrize("instance", [-1, 10, 99])
def test_instance_out_of_range(instance):
    registry = reg.load_registry()
    with pytest.raises(ConfigError, match=rf"instance {instance} is out of range \(0\.\.9\)"):
        registry.bootstrap_of(instance)


# ---------------------------------------------------------------- which registry file is read


def test_lookup_order_explicit_env_cwd_userdir_packaged(isolated, monkeypatch):
    explicit = write_registry(isolated / "explicit.yaml", broker_port=1000)
    env = write_registry(isolated / "env.yaml", broker_port=2000)
    cwd = write_registry(Path.cwd() / "port_registry.yaml", broker_port=3000)
    user = write_registry(isolated / "xdg" / "kctl" / "port_registry.yaml", broker_port=4000)
    monkeypatch.setenv("KCTL_REGISTRY", str(env))

    assert reg.find_registry_path(str(explicit)) == explicit
    assert reg.load_registry(str(explicit)).broker_port == 1000
    assert reg.load_registry().broker_port == 2000
    monkeypatch.delenv("KCTL_REGISTRY")
    assert reg.load_registry().broker_port == 3000
    cwd.unlink()
    assert reg.load_registry().broker_port == 4000
    user.unlink()
    assert reg.find_registry_path() == reg.PACKAGED_REGISTRY


def test_user_config_dir_defaults_to_home_config(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert reg.user_config_dir() == tmp_path / ".config" / "kctl"


def test_missing_explicit_and_env_registry_are_errors(isolated, monkeypatch):
    with pytest.raises(ConfigError, match="registry file not found: .*nope.yaml$"):
        reg.find_registry_path(str(isolated / "nope.yaml"))
    monkeypatch.setenv("KCTL_REGISTRY", str(isolated / "gone.yaml"))
    with pytest.raises(ConfigError, match=r"\(from KCTL_REGISTRY\)"):
        reg.find_registry_path()


# ---------------------------------------------------------------- malformed registries


MALFORMED = {
    "bad_yaml": ("kafka: [unclosed\n", r"malformed registry .*: .*line \d+"),
    "not_a_mapping": ("- 1\n- 2\n", r"no 'kafka' mapping"),
    "empty": ("", r"no 'kafka' mapping"),
    "kafka_is_a_list": ("kafka: [9092]\n", r"no 'kafka' mapping"),
    "missing_key": (
        "kafka:\n  broker_port: 9092\n  controller_port: 19093\n  max_instances: 10\n",
        r"kafka: object missing required field `instance_increment`",
    ),
    "string_port": (
        "kafka:\n  broker_port: '9092'\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 10\n",
        r"kafka\.broker_port: expected `int`, got `str`",
    ),
    "bool_value": (
        "kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: true\n",
        r"kafka\.max_instances: expected `int`, got `bool`",
    ),
    "negative": (
        "kafka:\n  broker_port: -1\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 10\n",
        r"kafka\.broker_port: expected `int` >= 0",
    ),
    "zero_instances": (
        "kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 0\n",
        r"max_instances and instance_increment must be at least 1",
    ),
    "host_not_a_string": (
        "kafka:\n  host: [a, b]\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 10\n",
        r"kafka\.host: expected `str`, got `array`",
    ),
    "ui_not_a_mapping": (
        "kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 10\n"
        "kafka_ui: 8080\n",
        r"kafka_ui: expected `object \| null`, got `int`",
    ),
    "ui_port_string": (
        "kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 10\n"
        "kafka_ui:\n  ui_port: http\n",
        r"kafka_ui\.ui_port: expected `int`, got `str`",
    ),
    "port_above_65535": (
        "kafka:\n  broker_port: 65000\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 10\n",
        r"would be 65\d\d\d, above 65535",
    ),
    "brokers_collide_with_next_instance": (
        "kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 20\n  max_instances: 10\n",
        r"instance 1 broker 0 \(9112\) is also the broker port of instance 0 broker 2",
    ),
    "temporal_not_a_mapping": (
        "kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 10\n"
        "temporal: 7233\n",
        r"temporal: expected `object \| null`, got `int`",
    ),
    "temporal_port_string": (
        "kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 10\n"
        "temporal:\n  frontend_port: grpc\n",
        r"temporal\.frontend_port: expected `int`, got `str`",
    ),
    "temporal_collides_with_a_broker": (
        "kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 10\n"
        "temporal:\n  frontend_port: 9202\n",
        r"Temporal frontend port of instance 0 \(9202\) is also the broker port of instance 1 broker 1",
    ),
    "temporal_ui_collides_with_frontend": (
        "kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 10\n"
        "temporal:\n  frontend_port: 7233\n  ui_port: 7433\n",
        r"Temporal frontend port of instance 2 \(7433\) is also the Temporal UI port of instance 0",
    ),
    "temporal_port_above_65535": (
        "kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n  max_instances: 10\n"
        "temporal:\n  ui_port: 65000\n",
        r"Temporal UI port of instance \d would be 65\d\d\d, above 65535",
    ),
    "broker_and_controller_overlap": (
        "kafka:\n  broker_port: 9092\n  controller_port: 9192\n  instance_increment: 100\n  max_instances: 10\n",
        r"\(9192\) is also the controller port of instance 0 broker 0",
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_registry_is_a_config_error(isolated, name):
    text, pattern = MALFORMED[name]
    path = isolated / f"{name}.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=pattern):
        reg.load_registry(str(path))


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_registry_through_the_cli_exits_3_with_one_line(isolated, name):
    text, _ = MALFORMED[name]
    path = isolated / f"{name}.yaml"
    path.write_text(text)
    result = run_kctl("topics", "list", "--registry", str(path))
    assert result.code == 3, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"kctl: error: malformed registry {path}"), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_malformed_registry_from_env_and_from_cwd_exit_3(isolated):
    bad = isolated / "bad.yaml"
    bad.write_text("kafka: {broker_port: x}\n")
    assert run_kctl("topics", "list", env={"KCTL_REGISTRY": str(bad)}).code == 3
    (Path.cwd() / "port_registry.yaml").write_text("kafka: {broker_port: 9092\n")
    result = run_kctl("topics", "list")
    assert result.code == 3 and "malformed registry" in result.stderr, result


def test_registry_option_works_after_the_subcommand(isolated):
    bad = isolated / "bad.yaml"
    bad.write_text("nonsense: true\n")
    result = run_kctl("topics", "list", "--registry", str(bad), "-o", "json")
    assert result.code == 3 and "no 'kafka' mapping" in result.stderr


def test_missing_registry_file_through_the_cli(isolated):
    result = run_kctl("topics", "list", "--registry", str(isolated / "missing.yaml"))
    assert result.code == 3
    assert result.stderr.strip() == f"kctl: error: registry file not found: {isolated / 'missing.yaml'}"


@pytest.mark.parametrize("args,env,expected", [
    (["-i", "10"], {}, "instance 10 is out of range (0..9) (from --instance)"),
    (["--instance", "-3"], {}, "instance -3 is out of range (0..9) (from --instance)"),
    ([], {"KCTL_INSTANCE": "42"}, "instance 42 is out of range (0..9) (from KCTL_INSTANCE)"),
    ([], {"KCTL_INSTANCE": "two"}, "instance must be a whole number, got 'two' (KCTL_INSTANCE)"),
    ([], {"KCTL_INSTANCE": "1.5"}, "instance must be a whole number, got '1.5' (KCTL_INSTANCE)"),
])
def test_bad_instance_through_the_cli_exits_3(args, env, expected):
    result = run_kctl("topics", "list", *args, env=env)
    assert result.code == 3, result
    assert result.stderr.startswith(f"kctl: error: {expected}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_small_registry_limits_instances(isolated):
    small = write_registry(isolated / "small.yaml", max_instances=2)
    result = run_kctl("topics", "list", "-i", "2", "--registry", str(small))
    assert result.code == 3 and "instance 2 is out of range (0..1)" in result.stderr
    assert f"max_instances in {small}" in result.stderr


# ---------------------------------------------------------------- which brokers a command talks to


CTX_INSTANCE = {"name": "dev", "instance": 3}
CTX_BOOTSTRAP = {"name": "prod", "bootstrap": "kafka.example.com:9093"}


@pytest.mark.parametrize(
    "bootstrap,instance,context,env,expected",
    [
        # 1. --bootstrap beats everything
        ("b:1", 2, CTX_BOOTSTRAP, {"KCTL_BOOTSTRAP": "e:1", "KCTL_INSTANCE": "4"}, ("b:1", None, "--bootstrap")),
        # 2. KCTL_BOOTSTRAP beats --instance, KCTL_INSTANCE and the context
        (None, 2, CTX_BOOTSTRAP, {"KCTL_BOOTSTRAP": "e:1", "KCTL_INSTANCE": "4"}, ("e:1", None, "KCTL_BOOTSTRAP")),
        # 3. --instance beats KCTL_INSTANCE and the context
        (None, 2, CTX_BOOTSTRAP, {"KCTL_INSTANCE": "4"}, ("127.0.0.1:9292", 2, "--instance")),
        (None, 0, CTX_INSTANCE, {}, ("127.0.0.1:9092", 0, "--instance")),
        # 4. KCTL_INSTANCE beats the context
        (None, None, CTX_BOOTSTRAP, {"KCTL_INSTANCE": "4"}, ("127.0.0.1:9492", 4, "KCTL_INSTANCE")),
        # 5. the context: its bootstrap, or its instance
        (None, None, CTX_BOOTSTRAP, {}, ("kafka.example.com:9093", None, "context prod")),
        (None, None, CTX_INSTANCE, {}, ("127.0.0.1:9392", 3, "context dev")),
        (None, None, {"name": "both", "bootstrap": "x:1", "instance": 5}, {}, ("x:1", None, "context both")),
        # 6. instance 0
        (None, None, None, {}, ("127.0.0.1:9092", 0, "default instance 0")),
        (None, None, {"name": "empty"}, {}, ("127.0.0.1:9092", 0, "default instance 0")),
        # empty values count as unset
        ("", None, None, {"KCTL_BOOTSTRAP": "", "KCTL_INSTANCE": ""}, ("127.0.0.1:9092", 0, "default instance 0")),
    ],
)
def test_resolution_order(bootstrap, instance, context, env, expected):
    target = reg.resolve_target(bootstrap, instance, context, environ=env)
    assert (target.bootstrap, target.instance, target.source) == expected


def test_resolution_reads_os_environ_by_default(monkeypatch):
    monkeypatch.setenv("KCTL_INSTANCE", "1")
    assert reg.resolve_target(None, None, None).bootstrap == "127.0.0.1:9192"
    monkeypatch.setenv("KCTL_BOOTSTRAP", "h:7")
    assert reg.resolve_target(None, None, None).source == "KCTL_BOOTSTRAP"


def test_resolution_uses_the_chosen_registry(isolated):
    custom = write_registry(isolated / "r.yaml", broker_port=7000, increment=50, host="kafka.local")
    assert reg.resolve_target(None, 2, None, registry_path=str(custom), environ={}).bootstrap == "kafka.local:7100"


GOOD_BOOTSTRAPS = ["h:1", "localhost", "10.0.0.1:9092", "[::1]:9092", "a.b-c_d:65535", "h1:9092, h2:9093",
                   "SASL_SSL://kafka.example.com:9093"]
BAD_BOOTSTRAPS = [("h:0", "port 0"), ("h:99999", "port 99999"), ("h:", "is not host:port"), (":9092", "is not host:port"),
                  ("a b:1", "is not host:port"), ("h:1,,h:2", "an empty entry"), ("http://h:1", "is not host:port"),
                  ("h:1,", "an empty entry"), ("h:x", "is not host:port"), ("h\x00:1", "is not host:port")]


@pytest.mark.parametrize("value", GOOD_BOOTSTRAPS)
def test_well_formed_bootstraps_pass(value):
    assert reg.resolve_target(value, None, None, environ={}).bootstrap == value


@pytest.mark.parametrize("value, says", BAD_BOOTSTRAPS, ids=[v for v, _ in BAD_BOOTSTRAPS])
def test_a_malformed_bootstrap_is_refused_naming_its_source(value, says):
    # --bootstrap is a usage error (exit 2); the environment or a context a configuration error (exit 3)
    with pytest.raises(UsageError, match=f"from --bootstrap.*{re.escape(says)}"):
        reg.resolve_target(value, None, None, environ={})
    with pytest.raises(ConfigError, match=f"from KCTL_BOOTSTRAP.*{re.escape(says)}"):
        reg.resolve_target(None, None, None, environ={"KCTL_BOOTSTRAP": value})
    with pytest.raises(ConfigError, match=f"from context prod.*{re.escape(says)}"):
        reg.resolve_target(None, None, {"name": "prod", "bootstrap": value}, environ={})


def test_bootstrap_does_not_need_a_registry(isolated):
    bad = isolated / "bad.yaml"
    bad.write_text("{{{")
    assert reg.resolve_target("h:1", None, None, registry_path=str(bad), environ={}).bootstrap == "h:1"


@pytest.mark.parametrize("value", [True, 1.5, "x", None, [1]])
def test_context_instance_must_be_a_whole_number(value):
    context = {"name": "c", "instance": value}
    if value is None:  # no instance at all: falls through to instance 0
        assert reg.resolve_target(None, None, context, environ={}).source == "default instance 0"
        return
    with pytest.raises(ConfigError, match=r"instance must be a whole number, got .* \(context c\)"):
        reg.resolve_target(None, None, context, environ={})


def test_context_instance_out_of_range_names_the_context():
    with pytest.raises(ConfigError, match=r"instance 12 is out of range \(0\.\.9\) \(from context c\)"):
        reg.resolve_target(None, None, {"name": "c", "instance": 12}, environ={})


def test_plain_registry_parser_agrees_with_yaml_on_the_packaged_file():
    import yaml

    from kctl.config.registry import PACKAGED_REGISTRY, _parse_plain_registry

    text = PACKAGED_REGISTRY.read_text()
    assert _parse_plain_registry(text) == yaml.safe_load(text)


@pytest.mark.parametrize(
    "text",
    [
        "kafka:\n  broker_port: [1, 2]\n",        # a list: real YAML
        "kafka: {broker_port: 9092}\n",           # flow mapping
        "kafka:\n  broker_port: 9092\n  broker_port: 9093\n",  # duplicate key
        "kafka:\n    broker_port: 9092\n",        # unusual indent
        "kafka:\n  host: 'quoted'\n",             # quoting
        "kafka:\n  max_instances: true\n",        # a YAML boolean
        "kafka:\n  broker_port: 0123\n",          # a YAML 1.1 octal
        "kafka:\n  broker_port: 1e3\n",           # a float
    ],
)
def test_plain_registry_parser_leaves_anything_else_to_yaml(text):
    from kctl.config.registry import _parse_plain_registry

    assert _parse_plain_registry(text) is None


def test_connect_rest_ports_follow_the_instance_increment(isolated):
    path = write_registry(isolated / "c.yaml", extra="connect:\n  rest_port: 8383\n")
    registry = reg.load_registry(str(path))
    assert registry.connect_of(2).rest_port == 8583 and registry.connect_of(0).url == "http://127.0.0.1:8383"
    assert reg.load_registry().connect_of(1).rest_port == 8183  # the packaged default: 8083 + 100·N


def test_a_connect_port_meeting_another_is_refused(isolated):
    path = write_registry(isolated / "c.yaml", extra="connect:\n  rest_port: 8081\n")  # the Schema Registry's
    with pytest.raises(reg.ConfigError, match="Connect REST port of instance 0 .8081. is also"):
        reg.load_registry(str(path))
