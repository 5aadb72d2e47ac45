"""`kctl completion bash` sourced in a real bash completes topic names from the cluster."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import run_kctl

ROOT = Path(__file__).resolve().parents[2]


def _bin_dir(tmp_path: Path) -> Path:
    """A `kctl` on PATH that runs this checkout (what the script calls back on <TAB>)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "kctl"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kctl "$@"\n')
    wrapper.chmod(0o755)
    return bin_dir


def _press_tab(tmp_path: Path, words: list[str]) -> list[str]:
    script = tmp_path / "kctl.bash"
    generated = run_kctl("completion", "bash")
    assert generated.code == 0 and generated.stderr == ""
    script.write_text(generated.stdout)
    quoted = " ".join(f"'{w}'" for w in words)
    program = (
        f"source {script}\n"
        "complete -p kctl\n"  # the function is registered for kctl
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}\n"
        "_kctl_completion kctl\n"
        'printf "reply:%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{_bin_dir(tmp_path)}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc
    assert "-F _kctl_completion" in proc.stdout and proc.stderr == "", proc
    return [line[len("reply:"):] for line in proc.stdout.splitlines() if line.startswith("reply:") and line != "reply:"]


def test_bash_completes_a_topic_after_consume(tmp_path, kafka, new_topic):
    topic = new_topic()
    prefix = topic[: topic.rindex("-")]  # unique to this test: no other topic starts with it
    assert _press_tab(tmp_path, ["kctl", "-i", str(kafka["instance"]), "consume", prefix]) == [topic]
    # global options after the command choose the cluster too; produce and topics delete complete topics as well
    assert _press_tab(tmp_path, ["kctl", "consume", "-i", str(kafka["instance"]), prefix]) == [topic]
    assert _press_tab(tmp_path, ["kctl", "-i", str(kafka["instance"]), "produce", prefix]) == [topic]
    assert _press_tab(tmp_path, ["kctl", "-i", str(kafka["instance"]), "topics", "delete", prefix]) == [topic]


def test_group_ids_complete_for_groups_describe_and_consume_g(kafka, new_topic, unique_name):
    topic = new_topic()
    group = unique_name("g")
    result = run_kctl("-i", str(kafka["instance"]), "consume", topic, "-g", group, "--until", "end", "-q")
    assert result.code == 0, result
    prefix = group[: group.rindex("-")]
    for line in (f"kctl -i {kafka['instance']} groups describe {prefix}", f"kctl -i {kafka['instance']} consume t -g {prefix}"):
        words = line.split(" ")
        got = run_kctl(env={"_KCTL_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)})
        assert got.code == 0 and got.stderr == "", got
        assert got.stdout.split() == [group], (line, got)
