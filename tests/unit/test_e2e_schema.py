"""The e2e JSON documents: the schema applied to built reports (tests/json_schema.py validates)."""

from __future__ import annotations

import json

import pytest

from kctl.render import to_jsonable
from kctl.services import e2e
from tests.json_schema import validate
from tests.unit.e2e_fixtures import failed_report, passed_report

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
