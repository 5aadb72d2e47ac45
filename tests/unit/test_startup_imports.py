"""Start-up stays light (issue 14): what `kctl --help` and `kctl topics list` import, run in a fresh
interpreter through kctl.__main__.main with stdout piped, and the pieces that make it so
(kctl/kafka/lib.py, kctl/cli/lazy.py). Speed itself is bench/startup's business, never a test's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs kctl in-process, then writes the exit code and every loaded module's name to argv[1].
WRAPPER = (
    "import sys\n"
    "from kctl.__main__ import main\n"
    "code = main(sys.argv[2:])\n"
    "modules = sorted(sys.modules)\n"
    "import json\n"  # after the list: kctl's own imports only
    "open(sys.argv[1], 'w').write(json.dumps({'code': code, 'modules': modules}))\n"
)
# The rule is cost, not name: kctl's own modules and light libraries may load on any path; these may
# not, on the way to a first answer. Module -> ms it costs to import (`python -X importtime -c "import M"`,
# cumulative, median of 5 fresh interpreters, on the 2-core machine of issue 23). TLS is librdkafka's own,
# in C; rich is only for a terminal (the tests pipe stdout).
HEAVY = {
    "asyncio": 39, "ssl": 8, "rich.console": 25, "yaml": 17, "msgspec": 21, "pydantic": 55, "temporalio": 163,
    "textual": 94, "kafka": 116,  # kafka-python
    "fastavro": 41, "google.protobuf.descriptor_pb2": 19, "cel": 238, "urllib.request": 22, "http.client": 20,
    "multiprocessing": 6, "importlib.metadata": 28, "concurrent.futures.thread": 1,
    "confluent_kafka.deserializing_consumer": 34,  # confluent_kafka's __init__, beyond kctl/kafka/lib.py's light load
    "confluent_kafka.cimpl": 44, "concurrent.futures": 6,  # the C client and its futures: commands that talk to Kafka
}
KAFKA_CLIENT = ("confluent_kafka.cimpl", "concurrent.futures")


def heavy(modules: set[str], allowed: tuple[str, ...] = ()) -> list[str]:
    return [m for m in HEAVY if m in modules and m not in allowed]


UNREACHABLE = ["-b", "127.0.0.1:1", "--timeout", "0.5"]  # port 1 never answers: the same path up to the network


def loaded(tmp_path, *args: str, env: dict | None = None) -> tuple[int, set[str]]:
    out = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", WRAPPER, str(out), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})})
    assert out.exists(), proc.stderr
    data = json.loads(out.read_text())
    return data["code"], set(data["modules"])


def cli_modules(modules: set[str]) -> set[str]:
    return {m for m in modules if m.startswith("kctl.cli.")} - {
        "kctl.cli.app", "kctl.cli.argv", "kctl.cli.clicklib", "kctl.cli.complete", "kctl.cli.confirm", "kctl.cli.context",
        "kctl.cli.lazy", "kctl.cli.options"}


@pytest.mark.parametrize("args", [["--help"], ["topics", "--help"], ["produce", "--help"]], ids=" ".join)
def test_help_imports_no_kafka_library_and_builds_one_group_at_most(tmp_path, args):
    code, modules = loaded(tmp_path, *args)
    assert code == 0
    assert heavy(modules) == [] and "confluent_kafka" not in modules
    assert cli_modules(modules) == ({f"kctl.cli.{args[0]}"} if len(args) > 1 else set())


def test_topics_list_loads_only_the_c_client_and_its_own_command(tmp_path):
    code, modules = loaded(tmp_path, *UNREACHABLE, "topics", "list")
    assert code == 6  # it did go as far as asking the (absent) cluster
    assert "confluent_kafka.cimpl" in modules and "confluent_kafka.admin" in modules
    assert heavy(modules, allowed=KAFKA_CLIENT) == []
    assert cli_modules(modules) == {"kctl.cli.topics"}


def test_the_plain_import_is_forced_by_the_environment(tmp_path):
    """KCTL_PLAIN_CONFLUENT_IMPORT=1 runs confluent_kafka's own __init__ (and this test can tell)."""
    code, modules = loaded(tmp_path, *UNREACHABLE, "topics", "list", env={"KCTL_PLAIN_CONFLUENT_IMPORT": "1"})
    assert code == 6
    assert "confluent_kafka.deserializing_consumer" in modules and "asyncio" in modules


def _fresh(code: str, env: dict | None = None) -> str:
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_the_light_package_completes_itself_for_other_users_of_confluent_kafka():
    """Code in the same process that wants the rest of confluent_kafka still gets it."""
    out = _fresh(
        "import sys\n"
        "from kctl.kafka.lib import allow_light_import, confluent, confluent_admin, is_light\n"
        "allow_light_import(); ck = confluent(); confluent_admin()\n"
        "light = is_light(ck) and 'asyncio' not in sys.modules\n"
        "import confluent_kafka\n"
        "from confluent_kafka import DeserializingConsumer, Producer, OFFSET_BEGINNING\n"
        "from confluent_kafka.admin import AdminClient, NewTopic\n"
        "print(light, confluent_kafka is ck, not is_light(ck), Producer is ck.cimpl.Producer,\n"
        "      confluent_kafka.__version__ == ck.version(), len(confluent_kafka.__all__) > 20)\n"
    )
    assert out == "True True True True True True"


def test_an_unexpected_layout_falls_back_to_the_plain_import():
    out = _fresh(
        "import importlib.util, sys\n"
        "import kctl.kafka.lib as lib\n"
        "lib.allow_light_import()\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'confluent_kafka' else real(name, *a)\n"
        "ck = lib.confluent()\n"
        "print(lib.is_light(ck), 'confluent_kafka.deserializing_consumer' in sys.modules, ck.Producer is not None)\n"
    )
    assert out == "False True True"


def test_an_already_imported_confluent_kafka_is_used_as_it_is():
    out = _fresh("import confluent_kafka, kctl.kafka.lib as lib; print(lib.confluent() is confluent_kafka)")
    assert out == "True"


def test_only_kctl_kafka_lib_imports_confluent_kafka():
    """Every kctl/kafka module gets the library through kctl.kafka.lib (the light load)."""
    offenders = []
    for path in (ROOT / "kctl").rglob("*.py"):
        if path.name == "lib.py" and path.parent.name == "kafka":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            text = line.strip()
            if text.startswith(("import confluent_kafka", "from confluent_kafka")):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def test_lazy_summaries_are_the_commands_own_help():
    """`kctl --help` lists the table's summaries: each is the first paragraph of the command's help."""
    import typer.main

    from kctl.cli.app import COMMANDS, app

    root = typer.main.get_command(app)
    for name, entry in COMMANDS.items():
        command = root.commands[name]
        assert (command.help or "").split("\n\n")[0] == entry.summary, name
        assert command.hidden == entry.hidden, name


def test_lazy_commands_build_on_lookup_and_keep_every_name():
    import typer.main

    from kctl.cli.app import COMMANDS, app

    root = typer.main.get_command(app)
    assert list(root.commands) == list(COMMANDS)
    assert "topics" in root.commands and "nope" not in root.commands
    assert root.commands._built == {}  # listing and membership built nothing
    topics = root.commands.get("topics")
    assert set(root.commands._built) == {"topics"} and topics is root.commands["topics"]
    assert "list" in topics.commands


def test_submodules_of_the_light_package_import_in_the_same_process():
    """After kctl's light load, code of the same process importing confluent_kafka's other
    submodules itself (the schema registry serdes: a user's script, the schema tests) gets them;
    they once failed with a circular import between serialization and error."""
    code = ("from kctl.kafka.lib import allow_light_import, confluent, confluent_admin, is_light\n"
            "allow_light_import()\n"
            "assert is_light(confluent()) and confluent_admin()\n"
            "from confluent_kafka.schema_registry.avro import AvroDeserializer\n"
            "from confluent_kafka.serialization import SerializationError\n"
            "import confluent_kafka\n"
            "assert confluent_kafka.DeserializingConsumer and not is_light(confluent_kafka)\n"
            "print('ok')\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


WHY = ("heavy: ", "# not on ", "# cycle", "# after main() has installed", "# with urllib.request")


def test_an_import_inside_a_function_says_why():
    """Imports belong at module tops; one inside a function says why it waits: a HEAVY module,
    a kctl module off some measured command's path, an import cycle."""
    import ast

    silent = []
    for path in (ROOT / "kctl").rglob("*.py"):
        lines = path.read_text().splitlines()
        for func in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(func):
                    if isinstance(node, (ast.Import, ast.ImportFrom)) and not any(
                            why in lines[node.end_lineno - 1] for why in WHY):
                        silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert sorted(set(silent)) == []
