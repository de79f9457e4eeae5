"""The notebooks: parameters have one home, the committed copies are executed, and they reproduce to the byte.

- Each notebook's `parameters` cell holds the defaults of params/default.yaml (so an interactive run in
  JupyterLab computes what `make` computes).
- Each committed notebook was executed by `make` (papermill): every code cell has run, none failed, and the
  injected parameters are those of its parameter file.
- Regenerating the outputs gives the committed figures and tables byte for byte: checked on the files the
  nbval run writes (tests/test_outputs_reproduce.py, run by `make nbval` right after the notebooks), and for
  the notebooks themselves by CI, which runs `make` on a clean clone and requires that no tracked file changes.
- nbval can fail: after a workbook value changes, the committed notebook no longer reproduces.
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook

from review_utils.params import load_parameters

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SENSITIVITY = sorted((ROOT / "notebooks" / "sensitivity").glob("*/*.ipynb"))


def _assignments(source: str) -> dict:
    values = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def _tagged(notebook, tag: str):
    return [c for c in notebook.cells if tag in c.get("metadata", {}).get("tags", [])]


def test_there_are_notebooks_and_sensitivity_runs():
    assert [p.stem for p in NOTEBOOKS] == ["01_screening", "02_characteristics", "03_outcomes", "04_sensitivity",
                                           "05_appraisal"]
    runs = {p.parent.name for p in SENSITIVITY}
    assert runs == {p.stem for p in (ROOT / "params").glob("*.yaml")} - {"default"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_parameters_cell_holds_the_defaults_of_params_default_yaml(path):
    notebook = nbformat.read(path, as_version=4)
    cells = _tagged(notebook, "parameters")
    assert len(cells) == 1, "exactly one cell tagged parameters"
    values = _assignments(cells[0].source)
    expected = {**load_parameters("default"), "run_name": "default"}
    assert values == expected


@pytest.mark.parametrize("path", NOTEBOOKS + SENSITIVITY, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_the_committed_notebook_was_executed_with_its_parameter_file(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "every code cell ran (nbval compares only executed cells)"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"], "no cell failed"
    injected = _tagged(notebook, "injected-parameters")
    assert len(injected) == 1, "run by papermill"
    run_name = "default" if path.parent.name == "notebooks" else path.parent.name
    assert _assignments(injected[0].source) == {**load_parameters(run_name), "run_name": run_name}
    assert "papermill" not in notebook.metadata and "version" not in notebook.metadata.get("language_info", {}), \
        "volatile metadata stripped"


def test_nbval_fails_when_a_workbook_changed_but_the_notebooks_were_not_rerun(tmp_path):
    """A copy of the project whose Becilli CRS count was edited (6/8 -> 5/8): the committed outcome notebook
    no longer reproduces, and nbval says so."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "extraction", project / "extraction")
    shutil.copytree(ROOT / "notebooks", project / "notebooks", ignore=shutil.ignore_patterns("sensitivity"))
    path = project / "extraction" / "reports" / "becilli2026natmed.xlsx"
    workbook = load_workbook(path)
    sheet = workbook["aggregates"]
    header = [c.value for c in sheet[1]]
    changed = False
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("outcome_or_measure")].value == "CRS any grade":
            assert row[header.index("events")].value == 6
            row[header.index("events")].value = 5
            changed = True
    assert changed
    workbook.save(path)
    env = {**os.environ, "REVIEW_PROJECT_ROOT": str(project), "REVIEW_OUTPUT_ROOT": str(tmp_path / "out")}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
               str(project / "notebooks" / "03_outcomes.ipynb")]
    failed = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert failed.returncode == 1, failed.stdout[-2000:]
    assert "5/8" in failed.stdout, "the failure shows the new count"
