"""Copy a trained run's agent package into the zoo, after checking that it loads.

    python scripts/zoo_install.py runs/skull-p4/agent skull/p4
    python scripts/zoo_install.py runs/duel/agent liars-dice-duel

The destination is ``agents/zoo/<NAME>[/<SUB>]``; an existing package there is replaced.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agents.package import read_manifest  # noqa: E402


def main() -> None:
    """Check and copy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the run's agent package directory")
    parser.add_argument("dest", help="zoo entry (NAME or NAME/SUB)")
    args = parser.parse_args()
    manifest = read_manifest(args.package)  # refuses a malformed package
    target = ROOT / "agents" / "zoo" / args.dest
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in ("agent.json", "actor.safetensors"):
        shutil.copy2(args.package / name, target / name)
    read_manifest(target)
    print(f"installed {manifest.describe()} as {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
