"""The e2e JSON documents: a small JSON Schema validator, and the schema applied to built reports."""

from __future__ import annotations

import json

import pytest

from kctl.render import to_jsonable
from kctl.services import e2e
from tests.unit.test_e2e_fixtures import failed_report, passed_report

_TYPES = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
    "integer": int, "number": (int, float),
}


def _is(value, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def validate(doc, schema: dict, path: str = "$") -> list[str]:
    """Errors of doc against the JSON Schema subset the e2e schemas use ([] when valid)."""
    errors: list[str] = []
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_is(doc, n) for n in names):
            return [f"{path}: {type(doc).__name__} is not {types}"]
    if "enum" in schema and doc not in schema["enum"]:
        errors.append(f"{path}: {doc!r} not in {schema['enum']}")
    if isinstance(doc, dict):
        for key in schema.get("required", ()):
            if key not in doc:
                errors.append(f"{path}: missing {key}")
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: unexpected {key}" for key in doc if key not in properties]
        for key, sub in properties.items():
            if key in doc:
                errors += validate(doc[key], sub, f"{path}.{key}")
    if isinstance(doc, list):
        if len(doc) < schema.get("minItems", 0) or len(doc) > schema.get("maxItems", len(doc)):
            errors.append(f"{path}: {len(doc)} items")
        for i, item in enumerate(doc):
            errors += validate(item, schema.get("items", {}), f"{path}[{i}]")
    return errors


def as_json(model) -> dict:
    return json.loads(json.dumps(to_jsonable(model)))


@pytest.mark.parametrize("report", [passed_report(), failed_report()], ids=["passed", "failed"])
def test_built_reports_match_the_documented_schema(report):
    assert validate(as_json(report), e2e.REPORT_SCHEMA) == []


def test_summary_matches_its_schema():
    summary = e2e.summarise([passed_report(), failed_report()], "repeat")
    assert validate(as_json(summary), e2e.SUMMARY_SCHEMA) == []


def test_the_validator_rejects_what_the_schema_forbids():
    doc = as_json(passed_report())
    doc["steps"] = doc["steps"][:8]
    doc["ok"] = "yes"
    doc["extra"] = 1
    del doc["latency"]
    errors = validate(doc, e2e.REPORT_SCHEMA)
    assert any("$.steps: 8 items" in e for e in errors)
    assert any("$.ok" in e for e in errors)
    assert any("unexpected extra" in e for e in errors)
    assert any("missing latency" in e for e in errors)


def test_schema_is_plain_json():
    assert json.loads(json.dumps(e2e.REPORT_SCHEMA)) == e2e.REPORT_SCHEMA
    assert json.loads(json.dumps(e2e.SUMMARY_SCHEMA)) == e2e.SUMMARY_SCHEMA
