"""Runs that share a kernel give what a kernel of their own gives.

`make` executes its queued runs on reused kernels (starting a kernel and importing the libraries costs more
than most notebooks' own work). Before each run the kernel is reset, and these tests state what that reset
must guarantee: no variable of the previous run survives, execution counts start at 1, a warning the previous
run triggered is shown again, and outputs go to the run's own folder. A failed run gets no stamp and stops
the queue. (`make test` checks the real notebooks the same way: nbval re-executes each committed notebook in
a kernel of its own and the figures and tables are compared byte for byte.)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from review_utils.notebook_run import MAX_DEFAULT_KERNELS, Run, jobs_from_makeflags, run_many

ROOT = Path(__file__).resolve().parents[1]

HELPER = '''import warnings


def warn():
    warnings.warn("a library warning, shown once per place by default", UserWarning)
'''


def _notebook(folder: Path, name: str, *sources: str) -> None:
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("run_name = 'default'")
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, *(nbformat.v4.new_code_cell(source) for source in sources)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / f"{name}.ipynb")


@pytest.fixture
def notebooks(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "helper_warn.py").write_text(HELPER)
    write_output = ("from pathlib import Path\nimport os\n"
                    "out = Path(os.environ['REVIEW_OUTPUT_ROOT']) / 'tables'\nout.mkdir(parents=True, exist_ok=True)\n"
                    "(out / '{name}.txt').write_text('{name}')")
    _notebook(folder, "first", "left_behind = 42\nimport helper_warn\nhelper_warn.warn()",
              write_output.format(name="first"))
    _notebook(folder, "second", "'left_behind' in globals()", "import helper_warn\nhelper_warn.warn()",
              write_output.format(name="second"))
    _notebook(folder, "failing", "raise ValueError('deliberate failure')")
    return folder


def _code_cells(path: Path) -> list[dict]:
    cells = json.loads(path.read_text())["cells"]
    return [{"source": c["source"], "execution_count": c["execution_count"], "outputs": c["outputs"]}
            for c in cells if c["cell_type"] == "code"]


def test_a_run_on_a_reused_kernel_equals_a_run_on_a_kernel_of_its_own(notebooks, tmp_path):
    shared, alone = tmp_path / "shared", tmp_path / "alone"
    shared.mkdir(), alone.mkdir()
    assert run_many([Run("first"), Run("second")], jobs=1, output_root=shared, source_dir=notebooks) == 0
    assert run_many([Run("second")], jobs=1, output_root=alone, source_dir=notebooks) == 0

    after_first = _code_cells(shared / "notebooks" / "second.ipynb")
    assert after_first == _code_cells(alone / "notebooks" / "second.ipynb")
    # and what that equality means:
    assert [c["execution_count"] for c in after_first] == [1, 2, 3, 4, 5]  # parameters, injected, 3 cells
    assert "".join(after_first[2]["outputs"][0]["data"]["text/plain"]) == "False"  # no variable of the first run
    assert "a library warning" in "".join(after_first[3]["outputs"][0]["text"])  # shown again
    # each run wrote into its own output folder, published under the output root
    assert (shared / "tables" / "first.txt").read_text() == "first"
    assert (shared / "tables" / "second.txt").read_text() == "second"


def test_queued_runs_get_a_stamp_each_and_a_failure_stops_the_queue(notebooks, tmp_path):
    stamps, output = tmp_path / "stamps", tmp_path / "out"
    stamps.mkdir(), output.mkdir()
    assert run_many([Run("first")], jobs=1, output_root=output, source_dir=notebooks, stamps=stamps) == 0
    assert (stamps / "first.default.stamp").exists()

    code = run_many([Run("failing"), Run("second")], jobs=1, output_root=output, source_dir=notebooks, stamps=stamps)
    assert code == 1
    assert not (stamps / "failing.default.stamp").exists()
    assert not (output / "notebooks" / "failing.ipynb").exists()


def test_two_kernels_side_by_side_publish_every_run(notebooks, tmp_path):
    output = tmp_path / "out"
    output.mkdir()
    assert run_many([Run("first"), Run("second")], jobs=2, output_root=output, source_dir=notebooks) == 0
    assert sorted(p.name for p in (output / "tables").iterdir()) == ["first.txt", "second.txt"]
    assert sorted(p.name for p in (output / "notebooks").iterdir()) == ["first.ipynb", "second.ipynb"]


CORES = os.cpu_count() or 1


@pytest.mark.parametrize("makeflags, jobs", [
    (" -j2 --jobserver-auth=3,4", 2), ("s -j3 --jobserver-auth=fifo:/tmp/x", 3), (" -j1", 1), (" -j", CORES),
    ("", min(CORES, MAX_DEFAULT_KERNELS)), (None, min(CORES, MAX_DEFAULT_KERNELS)), ("k", min(CORES, MAX_DEFAULT_KERNELS)),
])
def test_the_runner_uses_as_many_kernels_as_make_was_given_jobs_else_one_per_core(makeflags, jobs):
    assert jobs_from_makeflags(makeflags) == jobs


def test_the_queue_file_is_consumed(tmp_path):
    """An empty queue runs nothing and the queue file is removed after the runs (make writes a new one)."""
    queue = tmp_path / "queue"
    queue.write_text("")
    completed = subprocess.run([sys.executable, "-m", "review_utils.notebook_run", "--queue", str(queue)],
                               cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert not queue.exists()
