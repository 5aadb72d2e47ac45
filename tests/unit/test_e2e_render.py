"""e2e output: the checklist tables, the live view and the JUnit XML (no broker)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from rich.console import Console

from kctl.render import render
from kctl.render.blocks import to_rich
from kctl.render.checklist import LiveChecklist, checklist_table
from kctl.render.junit import junit_xml, write_junit
from kctl.services import e2e
from tests.unit.e2e_fixtures import failed_report, passed_report


def _text(renderable) -> str:
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(renderable)
    return out.getvalue()


def test_report_table_lists_every_step_with_verdict_and_latency():
    out = io.StringIO()
    render(passed_report(), "table", file=out)
    text = out.getvalue()
    assert "e2e PASSED" in text
    for _, title in e2e.STEPS:
        assert title in text
    assert "latency" in text and "all" in text and "3.00" in text


def test_failed_step_shows_cross_and_error():
    text = _text(to_rich([checklist_table(failed_report().steps)]))
    line = next(row for row in text.splitlines() if "latency" in row.lower())
    assert "✗" in line and "latency went wrong" in line


def test_summary_table_has_a_row_per_run_and_unreachable_instances():
    out = io.StringIO()
    render(e2e.summarise([passed_report(), failed_report()], "all_instances", unreachable=(3,)), "table", file=out)
    text = out.getvalue()
    assert "1 passed, 1 failed" in text
    assert "failed (8)" in text and "latency: latency went wrong" in text
    assert "no answer" in text


def test_junit_has_one_case_per_step_and_records_the_failure(tmp_path):
    path = tmp_path / "e2e.xml"
    write_junit(failed_report(), str(path))
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites" and root.get("failures") == "1" and root.get("tests") == "9"
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(e2e.STEPS)
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 1 and "latency" in failed[0].get("name")
    assert failed[0].find("failure").get("message") == "latency went wrong"
    assert [c for c in cases if c.find("skipped") is not None][0].get("name").endswith("Transactions under read_committed")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["exit_code"] == "8" and props["topic"] == "kctl-e2e-abc"


def test_junit_of_a_summary_has_a_suite_per_run():
    root = ET.fromstring(junit_xml(e2e.summarise([passed_report(), failed_report()], "repeat")))
    assert len(root.findall("testsuite")) == 2
    assert root.get("tests") == "18" and root.get("failures") == "1"


def test_live_checklist_follows_progress_calls():
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=True, color_system=None)
    with LiveChecklist(console, transient=False) as live:
        live.run_started("instance 0", e2e.pending_steps())
        step = e2e.pending_steps()[0]
        from dataclasses import replace

        live.step_started(replace(step, status="running"))
        live.step_finished(replace(step, status="passed", duration_ms=5.0, detail="1 broker(s)"))
    assert live.steps[0].status == "passed"
    assert "1 broker(s)" in out.getvalue()
