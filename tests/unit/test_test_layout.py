"""The layout of the test suite: shared code lives in helper modules, never in a test module that
another one imports (its tests would be collected twice, its fixtures leak); the local instances and
ports of tests/instances.py are the only ones, and no two modules meet on an instance or a port."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kctl.config.registry import load_registry
from tests import instances

TESTS = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for p in TESTS.rglob("*.py") if "__snapshots__" not in p.parts)
SERVICES = {  # registry section -> the Registry fields of its ports
    "kafka_ui": ("ui_port",), "temporal": ("temporal_frontend_port", "temporal_ui_port"),
    "schema_registry": ("schema_registry_port", "schema_registry_management_port"), "oidc": ("oidc_port",),
    "connect": ("connect_rest_port",),
}


def _imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}  # from tests.integration import test_x
    return names


def _is_test_module(name: str) -> bool:
    return name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")


def test_no_module_imports_a_test_module():
    offenders = {str(path.relative_to(TESTS)): sorted(filter(_is_test_module, _imported_modules(ast.parse(path.read_text()))))
                 for path in SOURCES}
    assert {path: names for path, names in offenders.items() if names} == {}


def _ports(name: str, entry: instances.Private, tmp_path: Path) -> dict[int, str]:
    """port -> what, of every port the module's instances may open."""
    if entry.registry is None:
        registry, sections = load_registry(str(instances.PACKAGED_REGISTRY)), set(SERVICES)
    else:
        folder = tmp_path / name
        folder.mkdir()
        registry = load_registry(str(instances.write_registry(name, folder)))
        sections = set(entry.registry) & set(SERVICES)  # the services it has ports of its own for
    ports = {}
    for instance in entry.instances:
        for broker in range(entry.brokers):
            ports[registry.broker_port_of(instance, broker)] = f"{name} instance {instance} broker {broker}"
            ports[registry.controller_port_of(instance, broker)] = f"{name} instance {instance} controller {broker}"
        for section in sections:
            for field in SERVICES[section]:
                ports[getattr(registry, field) + instance * registry.instance_increment] = f"{name} instance {instance} {field}"
    return ports


@pytest.fixture
def private_ports(tmp_path) -> dict[str, dict[int, str]]:
    return {name: _ports(name, entry, tmp_path) for name, entry in instances.PRIVATE.items()}


STARTS = re.compile(r'"local", "up"|\blocal\.up\(|start_schema_registry\(|_start_broker\(')


def test_every_module_that_starts_an_instance_is_in_the_table():
    starting = {path.stem for path in SOURCES if path.parent.name == "integration" and STARTS.search(path.read_text())}
    assert starting - set(instances.PRIVATE) == set()
    assert set(instances.PRIVATE) <= {path.stem for path in SOURCES}


def test_no_two_modules_share_an_instance_number():
    packaged = [(n, name) for name, e in instances.PRIVATE.items() if e.registry is None for n in e.instances]
    numbers = [n for n, _ in packaged]
    assert len(numbers) == len(set(numbers)), packaged
    assert not set(numbers) & set(instances.SHARED), packaged
    by_registry: dict[str, list[int]] = {}
    for entry in instances.PRIVATE.values():
        if entry.registry is not None:
            by_registry.setdefault(repr(entry.registry), []).extend(entry.instances)
    assert all(len(n) == len(set(n)) for n in by_registry.values()), by_registry  # e.g. LOGIN's split


def test_no_two_modules_share_a_port(private_ports, tmp_path):
    shared = _ports("shared", instances.Private(tuple(instances.SHARED), brokers=max(instances.SHARED.values())), tmp_path)
    seen: dict[int, str] = dict(shared)
    clashes = []
    for ports in private_ports.values():
        for port, what in ports.items():
            if port in seen:
                clashes.append(f"{port}: {what} and {seen[port]}")
            seen[port] = what
    assert clashes == []


NUMBER = re.compile(r"(?<![\w.])\d{4,5}(?![\w.])")


def test_no_private_port_is_written_outside_the_table(private_ports):
    """The ports of the registries of their own (the packaged registry's are kctl's to derive from an
    instance number, and tests of that derivation write them)."""
    ports = {port: what for name, by_module in private_ports.items() if instances.PRIVATE[name].registry
             for port, what in by_module.items()}
    found = []
    for path in SOURCES:
        if path.name == "instances.py" or path == Path(__file__).resolve():
            continue
        for number, line in ((m.group(), n) for n, text in enumerate(path.read_text().splitlines(), 1)
                             for m in NUMBER.finditer(text)):
            if int(number) in ports:
                found.append(f"{path.relative_to(TESTS)}:{line}: {number} ({ports[int(number)]})")
    assert found == []
