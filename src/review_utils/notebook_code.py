"""The code of a notebook, kept in a file that changes only when the code changes.

    python -m review_utils.notebook_code notebooks/03_outcomes.ipynb .build/03_outcomes.code

A sensitivity run executes the outcome notebook's code with other parameters. The main run rewrites that
notebook (its outputs) every time it runs, so the notebook's date says nothing about its code; this file's
date does: it holds the cells' types and sources (not outputs, not papermill's injected parameters) and is
rewritten only when they differ, so `make` reruns the sensitivity runs after a code change and not after
every main run (which may then run side by side with them).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .io.atomic import write_text_atomic


def notebook_code(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    kept = [{"cell_type": cell["cell_type"], "source": "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]}
            for cell in cells if "injected-parameters" not in cell.get("metadata", {}).get("tags", [])]
    return json.dumps(kept, indent=1, ensure_ascii=False) + "\n"


def write_if_changed(notebook: Path, target: Path) -> bool:
    """Write the code of `notebook` to `target` unless it already holds exactly that; True when written."""
    code = notebook_code(notebook)
    if target.exists() and target.read_text(encoding="utf-8") == code:
        return False
    write_text_atomic(target, code)
    return True


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m review_utils.notebook_code NOTEBOOK.ipynb TARGET", file=sys.stderr)
        return 2
    write_if_changed(Path(args[0]), Path(args[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
