"""The built package is what users get: the wheel built from this checkout, installed (not editable)
into a fresh virtual environment with its dependencies from the package index, run from a folder
outside the repository with a temporary HOME, starts a local broker, passes `kctl e2e run` and stops it.

The broker runs on ports of a registry of its own (tests/instances.py): every instance of the packaged
registry belongs to another test module. The Kafka jars come from the machine's kctl cache
(XDG_CACHE_HOME), which the rest of the suite fills through the same code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.instances import instance_of, write_registry

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = str(instance_of(__name__))  # of a registry of its own


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)


def test_the_installed_wheel_runs_the_main_job(tmp_path, kafka):
    # `kafka` (instance 0 of the suite) first: its start fills the jar cache this test reuses.
    dist = tmp_path / "dist"
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(ROOT),
                  "-w", str(dist)], cwd=tmp_path, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = dist.glob("kctl_kafka-*.whl")

    # Every data file of the package (poms, templates, the registry, the TUI's styles) is in the wheel.
    names = set(zipfile.ZipFile(wheel).namelist())
    data_files = {str(p.relative_to(ROOT)) for p in (ROOT / "kctl").rglob("*")
                  if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    assert data_files and sorted(data_files - names) == []

    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)], timeout=120).returncode == 0
    # Without PYTHONPATH: a checkout on it carries kctl_kafka's egg-info, and pip would take that for installed.
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    installed = _run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], env=clean, timeout=600)
    assert installed.returncode == 0, installed.stderr[-3000:]

    home = tmp_path / "home"
    outside = tmp_path / "elsewhere"
    home.mkdir()
    outside.mkdir()
    registry = write_registry(__name__, outside)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_CACHE_HOME": cache, "LANG": "C.UTF-8",
           **{k: v for k, v in os.environ.items() if k in ("JAVA_HOME", "KAFKA_HOME")}}
    kctl = [str(venv / "bin" / "kctl"), "--registry", str(registry)]

    version = _run([str(venv / "bin" / "kctl"), "--version"], cwd=outside, env=env, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("kctl "), version.stderr
    where = _run([str(venv / "bin" / "python"), "-c", "import kctl; print(kctl.__file__)"], cwd=outside, env=env, timeout=60)
    assert where.stdout.strip().startswith(str(venv)), where  # the installed copy, not this checkout

    try:
        up = _run([*kctl, "local", "up", "-i", INSTANCE, "--wait", "120"], cwd=outside, env=env, timeout=300)
        assert up.returncode == 0, up.stderr[-3000:]
        assert str(home) in up.stdout + up.stderr  # its state lives in the temporary HOME
        e2e = _run([*kctl, "-o", "json", "e2e", "run", "-i", INSTANCE, "--timeout", "60"], cwd=outside, env=env, timeout=180)
        assert e2e.returncode == 0, e2e.stdout[-3000:] + e2e.stderr[-3000:]
    finally:
        down = _run([*kctl, "local", "down", "-i", INSTANCE], cwd=outside, env=env, timeout=120)
    assert down.returncode == 0, down.stderr[-3000:]
