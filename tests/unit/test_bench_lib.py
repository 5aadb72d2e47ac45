"""The benchmark harness's own logic: medians, ratios, tables, child measurement, kctl command parsing."""

import os
import sys
from pathlib import Path

import pytest

from bench.benchlib import (
    GNU_TIME, REPO_ROOT, Case, Kctl, RunResult, count_lines, format_table, kctl_case, median, ratio, run_once,
    write_results,
)


def test_median_of_odd_and_even_counts_and_empty():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert median([]) is None


def test_ratio_is_kctl_over_other_and_none_when_a_side_is_missing():
    assert ratio(150.0, 1000.0) == 0.15
    assert ratio(2.0, 1.0) == 2.0
    assert ratio(None, 1.0) is None
    assert ratio(1.0, None) is None
    assert ratio(1.0, 0.0) is None


def _run(wall, ok=True, rss=1000):
    return RunResult(["x"], 0 if ok else 1, wall, cpu_s=wall / 2, peak_rss_kb=rss, error=None if ok else "exit 1")


def test_case_medians_leave_failed_runs_out():
    case = Case("kcat", "g", ["kcat"], runs=[_run(1.0), _run(0.01, ok=False), _run(3.0), _run(2.0)])
    assert case.median_of("wall_s") == 2.0
    assert case.median_of("peak_rss_kb") == 1000
    assert case.failures == ["exit 1"]
    assert [r.wall_s for r in case.good] == [1.0, 3.0, 2.0]


def test_case_with_only_failures_has_no_median():
    case = Case("kctl", "g", ["kctl"], is_kctl=True, runs=[_run(1.0, ok=False)])
    assert case.median_of("wall_s") is None


def test_kctl_case_picks_the_kctl_row_of_the_group():
    a = Case("kctl produce", "defaults", [], is_kctl=True)
    b = Case("kcat", "defaults", [])
    c = Case("kctl produce", "matched", [], is_kctl=True)
    assert kctl_case([b, a, c], "defaults") is a
    assert kctl_case([b, a, c], "matched") is c
    assert kctl_case([b], "defaults") is None


def test_format_table_aligns_columns_and_right_aligns_numbers():
    text = format_table(["tool", "msgs/s"], [["kcat", "1,800,000"], ["kctl produce", "900"]], right={1})
    lines = text.splitlines()
    assert lines[0] == "tool             msgs/s"
    assert lines[1] == "------------  ---------"
    assert lines[2] == "kcat          1,800,000"
    assert lines[3] == "kctl produce        900"


@pytest.mark.skipif(not os.path.exists(GNU_TIME), reason="GNU time (Debian package `time`) not installed")
def test_run_once_reports_exit_code_rss_cpu_and_stderr(tmp_path):
    out = tmp_path / "out"
    code = "import sys; b = bytearray(30 * 1024 * 1024); print('hi'); sys.stderr.write('oops'); sys.exit(3)"
    result = run_once([sys.executable, "-c", code], stdout_path=str(out))
    assert result.returncode == 3
    assert not result.ok and result.error == "exit 3"
    assert result.stderr_tail == "oops"
    assert out.read_text() == "hi\n"
    # GNU time measures the child itself: at least the 30 MiB it allocated.
    assert result.peak_rss_kb is not None and result.peak_rss_kb >= 30 * 1024
    assert result.cpu_s is not None and result.wall_s > 0


def test_run_once_feeds_stdin_from_a_file(tmp_path):
    src = tmp_path / "in"
    src.write_bytes(b"a\nb\nc\n")
    out = tmp_path / "out"
    result = run_once([sys.executable, "-c", "import sys; print(len(sys.stdin.readlines()))"],
                      stdin_path=str(src), stdout_path=str(out))
    assert result.ok
    assert out.read_text() == "3\n"


def test_run_once_kills_a_child_past_its_timeout():
    result = run_once([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5)
    assert not result.ok
    assert result.returncode != 0


def test_count_lines_counts_across_chunks(tmp_path):
    path = tmp_path / "data"
    path.write_bytes(b"x" * 99 + b"\n" + b"y\n" * 10 + b"tail")
    assert count_lines(str(path), chunk=7) == (11, 100 + 20 + 4)


def test_kctl_defaults_to_this_checkout_with_python_m_kctl():
    kctl = Kctl.parse(None, None)
    assert kctl("--help") == [sys.executable, "-m", "kctl", "--help"]
    assert kctl.cwd == str(REPO_ROOT)
    assert kctl.env["PYTHONPATH"].split(":")[0] == str(REPO_ROOT)


def test_kctl_command_and_root_are_configurable(tmp_path):
    kctl = Kctl.parse("python3 -m kctl", str(tmp_path))
    assert kctl("produce", "t") == ["python3", "-m", "kctl", "produce", "t"]
    assert kctl.cwd == str(tmp_path.resolve())
    plain = Kctl.parse("/usr/local/bin/kctl", None)
    assert plain.root is None and plain.cwd is None and plain("-h") == ["/usr/local/bin/kctl", "-h"]


def test_write_results_writes_json_into_the_directory(tmp_path):
    path = write_results("startup", {"cases": [1, 2]}, directory=tmp_path / "results")
    assert path.parent == tmp_path / "results"
    assert path.name.startswith("startup-") and path.suffix == ".json"
    assert '"cases"' in Path(path).read_text()
