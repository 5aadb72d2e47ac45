"""The house rules of ARCHITECTURE.md ("Layers"), enforced by the suite instead of by review."""

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


def test_the_map_names_every_package_and_stays_short():
    """ARCHITECTURE.md is the map the code cites: every kctl package is on it, and it stays a map."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    packages = sorted(p.name for p in (ROOT / "kctl").iterdir() if (p / "__init__.py").exists())
    assert [p for p in packages if f"kctl/{p}/" not in text and f"kctl.{p}" not in text] == []
    assert len(text.splitlines()) <= 150
