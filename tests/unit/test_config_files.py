"""Issue 22: the bad-input table of kctl's configuration files, each decoded by kctl.decode (typed
models in kctl/config/files.py): the contexts file ($KCTL_CONFIG), a port registry (--registry,
$KCTL_REGISTRY) and a YAML --command-config. Every bad file is exit 3 with one line naming the file
and the path of the bad value; a valid file still works (tests/unit/test_contexts.py, test_registry.py)."""

from __future__ import annotations

import os

import pytest

from tests.helpers import run_kctl

NO_BROKER = ("-b", "127.0.0.1:1", "--timeout", "0.5")
REGISTRY = ("kafka:\n  broker_port: 9092\n  controller_port: 19093\n  instance_increment: 100\n"
            "  max_instances: 10\n")
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, n in zip("abcdefgh", "bcdefghi"))


def _deep(key: str) -> str:
    return f"{key}: " + "[" * 300 + "]" * 300 + "\n"


# kind: {case: (file text, or a kind of path; what the one error line must say after the file name)}
CASES = {
    "contexts": {
        "unknown key": ("colour: red\n", "object contains unknown field `colour`"),
        "unknown key in a context": ("contexts:\n  prod:\n    bootstrap_servers: [h:1]\n",
                                     "contexts.prod: object contains unknown field `bootstrap_servers`"),
        "wrong type": ("current-context: 3\n", "current-context: expected `str | null`, got `int`"),
        "contexts a list": ("contexts: [a, b]\n", "contexts: expected `object | null`, got `array`"),
        "nested wrong type": ("contexts:\n  prod:\n    bootstrap: 3\n", "contexts.prod.bootstrap: expected `str | null`, got `int`"),
        "a property that is a list": ("contexts:\n  prod:\n    properties:\n      acks: [1]\n",
                                      "contexts.prod.properties.acks: expected `bool | int | float | str`, got `array`"),
        "schema registry without url": ("contexts:\n  p:\n    schema_registry: {user: u}\n",
                                        "contexts.p.schema_registry: object missing required field `url`"),
        "invalid YAML": ("contexts: {\n", "not valid YAML"),
        "a FIFO": ("<fifo>", "not a regular file"),
        "a directory": ("<dir>", "not a regular file"),
        "huge": ("# " + "x" * (1 << 20) + "\n", "larger than 1048576 bytes"),
        "deep": (_deep("contexts"), "nested too deeply"),
        "an alias bomb": (ALIAS_BOMB, "more than 200000 values"),
    },
    "registry": {
        "unknown key": (REGISTRY + "mirror:\n  port: 8083\n", "object contains unknown field `mirror`"),
        "unknown key in a section": (REGISTRY + "  brokers: 3\n", "kafka: object contains unknown field `brokers`"),
        "wrong type": (REGISTRY.replace("9092", "'9092'"), "kafka.broker_port: expected `int`, got `str`"),
        "nested wrong type": (REGISTRY + "temporal:\n  ui_port: [1]\n", "temporal.ui_port: expected `int`, got `array`"),
        "a float port": (REGISTRY.replace("9092", "9092.5"), "kafka.broker_port: expected `int`, got `float`"),
        "invalid YAML": ("kafka: [\n", "not valid YAML"),
        "a FIFO": ("<fifo>", "not a regular file"),
        "a directory": ("<dir>", "not a regular file"),
        "empty": ("", "no 'kafka' mapping"),
        "huge": (REGISTRY + "# " + "x" * (1 << 20) + "\n", "larger than 1048576 bytes"),
        "deep": (REGISTRY + _deep("temporal"), "nested too deeply"),
        "an alias bomb": (ALIAS_BOMB + REGISTRY, "more than 200000 values"),
    },
    "command-config": {
        "a list": ("- acks\n", "expected `object`, got `array`"),
        "wrong type": ("acks: [all]\n", "acks: expected `bool | int | float | str`, got `array`"),
        "nested wrong type": ("linger.ms: {ms: 5}\n", "linger.ms: expected `bool | int | float | str`, got `object`"),
        "a null value": ("acks:\n", "acks: expected `bool | int | float | str`, got `null`"),
        "invalid YAML": ("acks: [\n", "not valid YAML"),
        "a FIFO": ("<fifo>", "not a regular file"),
        "a directory": ("<dir>", "not a regular file"),
        "huge": ("# " + "x" * (1 << 20) + "\n", "larger than 1048576 bytes"),
        "deep": (_deep("acks"), "nested too deeply"),
        "an alias bomb": (ALIAS_BOMB, "more than 200000 values"),
    },
}
TABLE = [(kind, case, *spec) for kind, cases in CASES.items() for case, spec in cases.items()]
PREFIX = {"contexts": "malformed config file {path}", "registry": "malformed registry {path}",
          "command-config": "malformed --command-config {path}"}


def _make(tmp_path, kind: str, text: str) -> str:
    path = tmp_path / ("config.yaml" if kind == "contexts" else f"{kind}.yaml")
    if text == "<fifo>":
        os.mkfifo(path)  # reading it would wait for a writer: refused by its type, never opened for reading
    elif text == "<dir>":
        path.mkdir()
    else:
        path.write_text(text)
    return str(path)


def _run(kind: str, path: str):
    if kind == "contexts":
        return run_kctl("config", "view", env={"KCTL_CONFIG": path})
    if kind == "registry":
        return run_kctl("--registry", path, "config", "view", env={"KCTL_CONFIG": os.devnull})
    return run_kctl("--command-config", path, "topics", "list", *NO_BROKER, env={"KCTL_CONFIG": os.devnull})


@pytest.mark.parametrize("kind, case, text, message", TABLE, ids=[f"{t[0]}: {t[1]}" for t in TABLE])
def test_a_bad_configuration_file_is_exit_3_with_one_line_naming_the_path(tmp_path, kind, case, text, message):
    path = _make(tmp_path, kind, text)
    result = _run(kind, path)
    assert result.code == 3, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    line = lines[0]
    if kind == "registry" and text in ("<fifo>", "<dir>"):
        assert line.startswith(f"kctl: error: cannot read registry {path}"), line
    else:
        assert line.startswith("kctl: error: " + PREFIX[kind].format(path=path)), line
    assert message in line, line
    assert result.stdout == ""


@pytest.mark.parametrize("kind", ["contexts", "command-config"])
def test_an_empty_file_is_no_settings(tmp_path, kind):
    """As before: an empty contexts file has no contexts, an empty --command-config no properties."""
    path = _make(tmp_path, kind, "")
    result = run_kctl("config", "view", "-o", "json", env={"KCTL_CONFIG": path}) if kind == "contexts" else \
        run_kctl("--command-config", path, "config", "view", "-o", "json", env={"KCTL_CONFIG": os.devnull})
    assert result.code == 0, result


def test_the_registry_plain_path_knows_the_models_fields():
    """kctl.config.registry reads a plain-shaped registry without msgspec: its list of fields must be
    RegistryFile's, or a key the model refuses would pass (or one it accepts be sent to the decoder)."""
    import typing

    from kctl.config import files, registry
    from kctl.decode import MAX_CONFIG_BYTES

    assert registry.MAX_CONFIG_BYTES == MAX_CONFIG_BYTES
    assert set(registry.PLAIN_FIELDS) == set(files.RegistryFile.__struct_fields__)
    for name, fields in registry.PLAIN_FIELDS.items():
        model = typing.get_args(typing.get_type_hints(files.RegistryFile)[name])[0] if name != "kafka" else files.KafkaPorts
        hints = typing.get_type_hints(model)
        assert set(fields) == set(model.__struct_fields__), name
        assert {k: typing.get_args(hints[k])[0] if typing.get_args(hints[k]) else hints[k] for k in fields} == fields


@pytest.mark.parametrize("missing", sorted(["broker_port", "controller_port", "instance_increment", "max_instances"]))
def test_a_plain_registry_without_a_required_key_goes_to_the_decoder(tmp_path, missing):
    text = "".join(line + "\n" for line in REGISTRY.splitlines() if not line.strip().startswith(missing))
    path = _make(tmp_path, "registry", text)
    result = _run("registry", path)
    assert result.code == 3 and f"object missing required field `{missing}`" in result.stderr, result


def test_a_users_plain_registry_is_read_without_the_decoder(tmp_path):
    """A registry in the usual plain shape (cwd, --registry) costs no msgspec import (start-up rule)."""
    import json
    import subprocess
    import sys

    path = tmp_path / "port_registry.yaml"
    path.write_text(REGISTRY.replace("9092", "23092"))  # no broker there: no instance of tests/instances.py has it
    code = ("import sys, json; from kctl.__main__ import main; c = main(['--registry', sys.argv[1], '-i', '0', "
            "'--timeout', '0.3', 'topics', 'list']); print(json.dumps([c, 'msgspec' in sys.modules]))")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "KCTL_CONFIG": os.devnull})
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [6, False], proc.stderr
