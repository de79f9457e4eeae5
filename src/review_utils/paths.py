"""Where a run reads its extraction and writes its figures and tables.

Notebooks resolve every path from the project root, so they work the same under `make`
(papermill), nbval and JupyterLab, whatever the working directory. The notebook runner sets
REVIEW_OUTPUT_ROOT to a staging folder so outputs appear only when a notebook has succeeded;
nbval runs set it to a temporary folder so `make test` never touches tracked outputs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .params import PROJECT_ROOT

OUTPUT_ROOT_VARIABLE = "REVIEW_OUTPUT_ROOT"
PROJECT_ROOT_VARIABLE = "REVIEW_PROJECT_ROOT"  # tests point a run at a copy of the extraction


@dataclass(frozen=True)
class RunPaths:
    extraction: Path
    figures: Path
    tables: Path


def run_paths(extraction_path: str = "extraction", figures_path: str = "figures", tables_path: str = "tables",
              run_name: str = "default") -> RunPaths:
    """Paths of one run; a sensitivity run (run_name other than default) writes into its own subfolders."""
    project = Path(os.environ.get(PROJECT_ROOT_VARIABLE) or PROJECT_ROOT)
    root = Path(os.environ.get(OUTPUT_ROOT_VARIABLE) or project)
    sub = "" if run_name == "default" else run_name
    return RunPaths(extraction=(project / extraction_path).resolve(),
                    figures=root / figures_path / sub, tables=root / tables_path / sub)
