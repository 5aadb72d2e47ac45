"""The test session itself: a user's kctl config (contexts, a current context) changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
USER_CONFIG = "current-context: dev\ncontexts:\n  dev:\n    bootstrap: 127.0.0.1:1\n    properties:\n      client.id: users-own\n"


def test_a_users_config_file_is_not_read_by_the_tests(tmp_path):
    """The start-up test runs `topics list` and asserts that yaml stays unloaded: with a config
    file in the user's HOME (or named by KCTL_CONFIG) kctl loaded yaml to read it, and the test
    failed on that user's machine."""
    home = tmp_path / "home"
    (home / ".config" / "kctl").mkdir(parents=True)
    (home / ".config" / "kctl" / "config.yaml").write_text(USER_CONFIG)
    env = {**os.environ, "HOME": str(home), "KCTL_CONFIG": str(home / ".config" / "kctl" / "config.yaml"),
           "KCTL_CONTEXT": "dev"}
    env.pop("XDG_CONFIG_HOME", None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/unit/test_startup_imports.py::test_topics_list_loads_only_the_c_client_and_its_own_command"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:]

