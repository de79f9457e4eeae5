"""Merge the captions each notebook recorded (figures/captions/<notebook>.json) into one file per run:
figures/captions.md and captions.json (and figures/<run>/captions.md for sensitivity runs).

    python -m review_utils.captions_index figures
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .figures.captions import Caption, write_captions


def merge(folder: Path) -> list[Path]:
    written = []
    for parts in sorted({p.parent for p in folder.rglob("captions/*.json")}):
        entries = []
        for path in sorted(parts.glob("*.json")):
            entries += [Caption(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))]
        written += write_captions(entries, parts.parent)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for path in merge(Path(argv[0] if argv else "figures")):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
