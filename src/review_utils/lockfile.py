"""`make lock`: write requirements.lock and environment.yml from a `pip freeze` of a fresh resolve.

    python -m review_utils.lockfile FREEZE.txt

The two files always carry the same pins (tests/test_environment.py checks it); review the diff before
committing: new versions can change figure bytes.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .io.atomic import write_text_atomic
from .params import PROJECT_ROOT

LOCK_HEADER = ("# Exact versions of every package in the pipeline and test environment (.venv).\n"
               "# Regenerate with: make lock   (and update environment.yml: a test checks they agree)\n")
CONDA_HEADER = """# Conda environment for the review's analysis suite.
# Same packages and exact versions as requirements.lock (a test checks that they agree):
# conda provides Python and pip; pip installs the pinned packages. Then: pip install --no-deps -e .
#   conda env create -f environment.yml && conda activate car-t-paediatric-review && pip install --no-deps -e .
name: car-t-paediatric-review
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
"""


def pins(freeze: str) -> list[str]:
    return [line.strip() for line in freeze.splitlines()
            if "==" in line and not line.lower().startswith(("review-utils", "review_utils", "-e "))]


def write(freeze: str, root: Path = PROJECT_ROOT) -> None:
    lines = pins(freeze)
    write_text_atomic(root / "requirements.lock", LOCK_HEADER + "\n".join(lines) + "\n")
    write_text_atomic(root / "environment.yml", CONDA_HEADER + "".join(f"      - {line}\n" for line in lines))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    write(Path(argv[0]).read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
