#!/usr/bin/env python3
"""Write the shell completion scripts completions/kctl.{bash,zsh,fish} from the kctl CLI.

    python scripts/gen_completions.py            # regenerate completions/
    python scripts/gen_completions.py OUTDIR     # write them elsewhere
    python scripts/gen_completions.py --check    # exit 1 if completions/ is stale

The scripts are what `_KCTL_COMPLETE=source_<shell> kctl` prints; tests/unit/test_completions.py
fails when the committed ones differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import typer.main  # noqa: E402

from kctl.cli.app import app  # noqa: E402
from kctl.cli.complete import SHELLS, script  # noqa: E402


def generate() -> dict[str, str]:
    cli = typer.main.get_command(app)
    return {f"kctl.{shell}": script(shell, cli) for shell in SHELLS}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    out = Path(args[0]) if args else ROOT / "completions"
    stale = []
    for name, text in generate().items():
        path = out / name
        if check:
            if not path.is_file() or path.read_text() != text:
                stale.append(str(path))
            continue
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
    if stale:
        print("stale completion scripts (run python scripts/gen_completions.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
