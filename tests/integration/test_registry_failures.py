"""A Schema Registry that fails: its credentials never reach any output, and a registry that never
answers is bounded by --timeout and gives way to Ctrl-C / SIGTERM (against the real broker)."""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_kctl_process

pytestmark = pytest.mark.integration

PASSWORD = "Pw-0f-the-registry"
SCHEMA = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}


def _produce_args(kafka, topic, schema_file, url):
    return ("-i", str(kafka["instance"]), "produce", topic, "--value", '{"a": 1}', "--value-format", "avro",
            "--value-schema", str(schema_file), "--schema-registry", url)


@pytest.mark.parametrize("where", ["option", "context"])
def test_a_registry_password_in_the_url_reaches_no_stream(kafka, new_topic, tmp_path, where):
    topic = new_topic()
    schema_file = tmp_path / "r.avsc"
    schema_file.write_text(json.dumps(SCHEMA))
    log_file = tmp_path / "kctl.log"
    url = f"http://reader:{PASSWORD}@127.0.0.1:1"  # nothing listens on port 1: refused at once
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"current-context": "sr", "contexts": {"sr": {
        "instance": kafka["instance"], "schema_registry": url}}}))
    args = list(_produce_args(kafka, topic, schema_file, url))
    if where == "context":
        del args[-2:]
    result = run_kctl_process("-vv", "--debug", "--log-file", str(log_file), *args, env={"KCTL_CONFIG": str(config)})
    assert result.code == 6, result
    assert "the schema registry at http://127.0.0.1:1 is unreachable" in result.stderr, result
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr), ("log", log_file.read_text())):
        assert PASSWORD not in text, (name, text)
