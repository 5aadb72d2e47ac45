"""The ClusterState document (kctl.services.state.document) and the plan logic (compare), without a
broker: the bad-input table of `kctl plan/apply/diff -f`, the order of changes, what --prune may touch."""

from __future__ import annotations

import os

import pytest

from kctl.errors import UsageError
from kctl.services.state.compare import diff, plan_changes
from kctl.services.state.document import ClusterState, load, to_yaml
from tests.helpers import run_kctl

HEAD = "apiVersion: kctl/v1\nkind: ClusterState\n"

BAD_DOCUMENTS = [
    ("topics: [\n", "not valid YAML"),
    ("apiVersion: kctl/v2\nkind: ClusterState\n", "apiVersion"),
    ("apiVersion: kctl/v1\nkind: Topic\n", "kind"),
    (HEAD + "topic: []\n", "unknown field `topic`"),
    (HEAD + "topics:\n- {name: a, partitions: '3', replication_factor: 1}\n", "topics[0].partitions: expected `int`, got `str`"),
    (HEAD + "topics:\n- {name: a, partitions: 0, replication_factor: 1}\n", "topics[0].partitions: expected `int` >= 1"),
    (HEAD + "topics:\n- {name: a, partitions: 1, replication_factor: 1, color: red}\n", "topics[0]: object contains unknown field `color`"),
    (HEAD + "topics:\n- {name: 'a b', partitions: 1, replication_factor: 1}\n", "not a valid topic name"),
    (HEAD + "topics: orders\n", "topics: expected `array | null`, got `str`"),
    (HEAD + "users:\n- {name: bob, mechanisms: [SCRAM-SHA-512], password: hunter2}\n", "users[0].password"),
    (HEAD + "users:\n- {name: bob, mechanisms: [MD5]}\n", "users[0].mechanisms[0]"),
    (HEAD + "quotas:\n- {entity: {user: a}, values: {connection_creation_rate: 5}}\n", "not a quota of this entity"),
    (HEAD + "quotas:\n- {entity: {user: a, ip: 1.2.3.4}, values: {connection_creation_rate: 5}}\n", "an ip stands alone"),
    (HEAD + "quotas:\n- {entity: {group: a}, values: {producer_byte_rate: 5}}\n", "quotas[0].entity"),
    (HEAD + "quotas:\n- {entity: {user: a}, values: {producer_byte_rate: -5}}\n", "quotas[0].values[...]: expected `float` > 0.0"),
    (HEAD + "acls:\n- {principal: 'User:a', operation: read, resource_type: table, resource_name: t}\n", "acls[0].resource_type"),
    (HEAD + "broker_configs:\n  a: 1\n  a: 2\n", "the key 'a' is given twice"),
    ("[" * 5000 + "]" * 5000, "nested too deeply"),
    (HEAD + "subjects:\n- {name: s, compatibility: STRICT}\n", "subjects[0].compatibility"),
    (HEAD + "subjects:\n- {name: s, compatibility: backward}\n", "subjects[0].compatibility"),
    (HEAD + "subjects:\n- {name: s, level: NONE}\n", "subjects[0]: object contains unknown field `level`"),
    (HEAD + "subjects:\n- {name: '', compatibility: NONE}\n", "subjects[0].name"),
    (HEAD + "subjects:\n- {name: \"s\\tx\"}\n", "subjects[0].name"),
    (HEAD + "subjects:\n- {name: s, schemas: []}\n", "subjects[0].schemas: empty"),
    (HEAD + "subjects:\n- {name: s, schemas: [{type: XML, schema: '<a/>'}]}\n", "subjects[0].schemas[0].type"),
    (HEAD + "subjects:\n- {name: s, schemas: [{type: AVRO}]}\n", "subjects[0].schemas[0]: object missing required field `schema`"),
    (HEAD + "subjects:\n- {name: s, schemas: [{schema: '{\"type\": '}]}\n", "subjects[0].schemas[0].schema: not JSON"),
    (HEAD + "subjects:\n- {name: s, schemas: [{schema: '\"int\"', references: [{name: a, subject: b, version: 0}]}]}\n",
     "subjects[0].schemas[0].references[0].version: expected `int` >= 1"),
    (HEAD + "subjects:\n- {name: s, schemas: [{schema: '\"int\"', references: [{name: a}]}]}\n",
     "subjects[0].schemas[0].references[0]: object missing required field `subject`"),
    (HEAD + "subjects: {name: s}\n", "subjects: expected `array | null`, got `object`"),
    (HEAD + "connectors:\n- {name: c, config: {connector.class: X, db.password: hunter2}}\n",
     "connectors[0].config.db.password: a secret is written as a reference"),
    (HEAD + "connectors:\n- {name: c, config: {file: /tmp/x}}\n", "connectors[0].config: connector.class is missing"),
    (HEAD + "connectors:\n- {name: c, config: {connector.class: X, name: d}}\n", "connectors[0].config.name"),
    (HEAD + "connectors:\n- {name: \"c\\nd\", config: {connector.class: X}}\n", "connectors[0].name"),
    (HEAD + "connectors:\n- {name: c}\n", "connectors[0]: object missing required field `config`"),
    (HEAD + "connectors:\n- {name: c, config: {connector.class: X, tasks.max: [1]}}\n", "connectors[0].config[...]"),
    (HEAD + "connectors:\n- {name: c, config: {connector.class: X}, state: RUNNING}\n", "unknown field `state`"),
]


@pytest.mark.parametrize("text, message", BAD_DOCUMENTS, ids=[m for _, m in BAD_DOCUMENTS])
def test_a_bad_document_is_one_line_naming_the_path_and_exit_2(tmp_path, text, message):
    path = tmp_path / "state.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        load(str(path))
    assert message in caught.value.message and str(path) in caught.value.message
    result = run_kctl("-b", "127.0.0.1:1", "--timeout", "0.5", "plan", "-f", str(path))
    assert result.code == 2 and result.stderr.count("kctl: error:") == 1 and "Traceback" not in result.stderr, result


def test_a_folder_merges_its_files_and_refuses_a_resource_declared_twice(tmp_path):
    (tmp_path / "a.yaml").write_text(HEAD + "topics:\n- {name: t1, partitions: 1, replication_factor: 1}\n")
    (tmp_path / "b.yaml").write_text(HEAD + "topics:\n- {name: t2, partitions: 2, replication_factor: 1}\nquotas: []\n")
    state = load(str(tmp_path))
    assert [t.name for t in state.topics] == ["t1", "t2"] and state.quotas == [] and state.acls is None
    (tmp_path / "c.yaml").write_text(HEAD + "topics:\n- {name: t1, partitions: 3, replication_factor: 1}\n")
    with pytest.raises(UsageError, match="declared in .*a.yaml too"):
        load(str(tmp_path))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UsageError, match="no .yaml"):
        load(str(empty))
    os.mkfifo(tmp_path / "fifo.yaml")
    with pytest.raises(UsageError, match="not a regular file"):
        load(str(tmp_path / "fifo.yaml"))


def _state(**sections) -> ClusterState:
    from kctl.decode import decode

    return decode({"apiVersion": "kctl/v1", "kind": "ClusterState", **sections}, ClusterState, "test")


def test_changes_come_in_dependency_order_and_prune_only_touches_what_is_asked():
    desired = _state(topics=[{"name": "new", "partitions": 2, "replication_factor": 1},
                             {"name": "old", "partitions": 4, "replication_factor": 1, "configs": {"retention.ms": 1000}}],
                     acls=[{"principal": "User:a", "operation": "read", "resource_type": "topic", "resource_name": "new"}],
                     quotas=[{"entity": {"user": "a"}, "values": {"producer_byte_rate": 10}}])
    actual = _state(topics=[{"name": "old", "partitions": 2, "replication_factor": 1, "configs": {"segment.ms": "5"}},
                            {"name": "stray", "partitions": 1, "replication_factor": 1}],
                    acls=[], quotas=[{"entity": {"user": "b"}, "values": {"consumer_byte_rate": 1}}])
    steps = [(c.kind, c.action, c.name) for c in plan_changes(desired, actual)]
    assert steps == [("topics", "create", "new"), ("topics", "add-partitions", "old"), ("topics", "alter-configs", "old"),
                     ("acls", "create", steps[3][2]), ("quotas", "set", "user=a")]
    pruned = [(c.kind, c.action, c.name) for c in plan_changes(desired, actual, prune=("topics",))]
    assert pruned[-1] == ("topics", "delete", "stray") and ("quotas", "delete", "user=b") not in pruned
    alter = next(c for c in plan_changes(desired, actual) if c.action == "alter-configs")
    assert alter.params == {"set": {"retention.ms": "1000"}, "delete": ["segment.ms"]}


def test_a_shrink_is_a_change_that_cannot_be_made():
    desired = _state(topics=[{"name": "t", "partitions": 1, "replication_factor": 1}])
    actual = _state(topics=[{"name": "t", "partitions": 3, "replication_factor": 1}])
    (change,) = plan_changes(desired, actual)
    assert change.error and "cannot shrink" in change.error


def test_diff_names_fields_and_export_is_stable():
    left = _state(topics=[{"name": "t", "partitions": 1, "replication_factor": 1, "configs": {"a": True}}],
                  broker_configs={"x": 1.0})
    right = _state(topics=[{"name": "t", "partitions": 2, "replication_factor": 1}], broker_configs={"x": "1"})
    found = [(d.field, d.change, d.left, d.right) for d in diff(left, right, ("topics", "broker_configs"))]
    assert found == [("configs.a", "missing", "true", None), ("partitions", "changed", 1, 2)]
    shuffled = _state(topics=[{"name": "b", "partitions": 1, "replication_factor": 1},
                              {"name": "a", "partitions": 1, "replication_factor": 1, "configs": {"z": "1", "y": "2"}}])
    text = to_yaml(shuffled)
    assert text.index("name: a") < text.index("name: b") and text.index("y: '2'") < text.index("z: '1'")
    assert to_yaml(load_text(text)) == text


def load_text(text: str) -> ClusterState:
    import yaml

    from kctl.decode import decode

    return decode(yaml.safe_load(text), ClusterState, "text")


def test_subjects_plan_levels_before_versions_and_prune_soft_deletes():
    avro = '{"type": "record", "name": "A", "fields": [{"name": "id", "type": "int"}]}'
    desired = _state(subjects=[
        {"name": "new", "compatibility": "FULL", "schemas": [{"schema": '"string"'}, {"schema": '{"type": "string"}'}]},
        {"name": "same", "compatibility": "BACKWARD", "schemas": [{"schema": avro}]},
        {"name": "newer", "schemas": [{"schema": '"int"'}, {"schema": avro}]},
        {"name": "level-only", "compatibility": "NONE"}])
    actual = _state(subjects=[
        {"name": "same", "compatibility": "BACKWARD", "schemas": [{"schema": avro.replace(" ", "")}]},
        {"name": "newer", "compatibility": "NONE", "schemas": [{"schema": '{"type": "int"}'}]},
        {"name": "level-only", "compatibility": "FULL"},
        {"name": "stray", "compatibility": "NONE"}])
    steps = [(c.action, c.name) for c in plan_changes(desired, actual)]
    assert steps == [("set-compatibility", "new"), ("set-compatibility", "level-only"), ("create", "new"),
                     ("register", "newer")]  # "same": the layout of the JSON is not a difference
    register = next(c for c in plan_changes(desired, actual) if c.action == "register")
    assert register.params == {"schemas": [{"type": "AVRO", "schema": avro, "references": []}]}  # the latest only
    pruned = plan_changes(desired, actual, prune=("subjects",))
    assert [(c.action, c.name) for c in pruned][-1] == ("delete", "stray")
    missing = plan_changes(_state(subjects=[{"name": "ghost", "compatibility": "NONE"}]), _state(subjects=[]))
    assert [c.error for c in missing] == ["subject ghost does not exist and the document gives no schema for it"]


def test_subjects_diff_the_level_and_latest_schema_and_align_drops_what_the_file_leaves_out():
    from kctl.services.state.compare import align

    desired = _state(subjects=[{"name": "s", "compatibility": "FULL"},
                               {"name": "t", "schemas": [{"schema": '"int"'}]}])
    actual = _state(subjects=[{"name": "s", "compatibility": "NONE", "schemas": [{"schema": '"long"'}]},
                              {"name": "t", "compatibility": "NONE", "schemas": [{"schema": '"long"'}, {"schema": '{"type": "int"}'}]}])
    found = [(d.name, d.field, d.change, d.left, d.right) for d in diff(desired, align(desired, actual), ("subjects",))]
    assert found == [("s", "compatibility", "changed", "FULL", "NONE")]
    assert [d.field for d in diff(desired, actual, ("subjects",))] == ["compatibility", "schema.references",
                                                                        "schema.text", "schema.type", "compatibility"]
    text = to_yaml(actual)
    assert "references" not in text and text.index("type: AVRO") < text.index("schema: '\"long\"'")
    assert to_yaml(load_text(text)) == text


def test_connector_secrets_are_references_and_compared_by_value_without_being_shown(monkeypatch):
    from kctl.services.state import connectors

    assert connectors.secret_reference("pg-sink.1", "connection.password") == "${env:KCTL_CONNECTOR_PG_SINK_1_CONNECTION_PASSWORD}"
    desired = _state(connectors=[{"name": "c", "config": {"connector.class": "X", "tasks.max": 2,
                                                          "db.password": "${env:PW}", "token": "${vault:a:b}"}},
                                 {"name": "new", "config": {"connector.class": "Y"}}])
    actual = _state(connectors=[{"name": "c", "config": {"connector.class": "X", "tasks.max": "2", "db.password": "R",
                                                         "token": "${vault:a:b}"}},
                                {"name": "old", "config": {"connector.class": "Z"}}])
    secrets = {"c": {"db.password": "s3cret"}, "old": {}}
    monkeypatch.setenv("PW", "s3cret")
    aligned = connectors.align(desired, actual, secrets)
    assert diff(desired, aligned, ("connectors",))[0].name == "new"  # c is equal: the reference gives the value
    assert [(c.action, c.name) for c in plan_changes(desired, aligned, prune=("connectors",))] == [
        ("create", "new"), ("delete", "old")]
    monkeypatch.setenv("PW", "other")
    changed = [d for d in diff(desired, connectors.align(desired, actual, secrets), ("connectors",)) if d.name == "c"]
    assert [(d.field, d.left, d.right) for d in changed] == [("config.db.password", "${env:PW}", connectors.HIDDEN)]
    (update,) = [c for c in plan_changes(desired, connectors.align(desired, actual, secrets)) if c.name == "c"]
    assert update.action == "update" and "s3cret" not in str(update) and "other" not in str(update)
    assert connectors.resolved(update.params["config"])["db.password"] == "other"  # only when it is sent
    assert connectors.resolved(update.params["config"])["token"] == "${vault:a:b}"  # the worker's own provider
    assert "hunter" not in to_yaml(actual) and to_yaml(load_text(to_yaml(desired))) == to_yaml(desired)
