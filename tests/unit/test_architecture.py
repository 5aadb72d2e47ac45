"""The house rules of GUIDE.md section 2, enforced by the suite instead of by review."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold():
    """Layers (cli/temporal -> services -> client -> kafka), only kctl.kafka imports the Kafka
    libraries, models/errors/render import no command code, no import cycles (pyproject.toml)."""
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_only_kctl_kafka_names_the_kafka_libraries():
    """`grep -r confluent_kafka kctl/` finds only kctl/kafka/ (the one adapter layer)."""
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "kctl").rglob("*.py")
                 if "kafka" not in path.relative_to(ROOT / "kctl").parts[:1] and "confluent_kafka" in path.read_text()]
    assert offenders == []


def test_ruff_is_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "kctl", "tests", "bench", "scripts"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:]


def test_no_module_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "kctl").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 420}
    assert long == {}
