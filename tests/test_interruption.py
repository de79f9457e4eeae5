"""An interrupted run leaves no partial output; the next run completes and equals a clean run byte for byte.

The notebook runner writes figures and tables into a staging folder and publishes them (one atomic rename
each) only after every cell succeeded; the executed notebook is written last, atomically.
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _start(output_root: Path, queued: bool) -> subprocess.Popen:
    """One run on a kernel of its own, or (as `make` runs them) a queue of runs on kernel threads (-j2)."""
    if queued:
        queue = output_root.parent / "queue"
        queue.write_text("03_outcomes.default\n")
        how = ["--queue", str(queue), "--jobs", "2"]
    else:
        how = ["03_outcomes"]
    return subprocess.Popen([sys.executable, "-m", "review_utils.notebook_run", *how, "--output-root",
                             str(output_root)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=_interruptible)


def _interruptible() -> None:
    """Ctrl-C as in a terminal: SIGINT at its default disposition, even when this test runs in a background job
    (a non-interactive shell starts background jobs with SIGINT ignored, and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_until_figures_are_being_drawn(process: subprocess.Popen, limit: float = 60.0) -> None:
    """Wait until the kernel has written its first staged figure (so the interruption falls mid-notebook)."""
    staging = ROOT / ".build" / "staging"
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if any(staging.glob("03_outcomes--default--*/outputs/figures/*.png")):
            return
        assert process.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.05)
    pytest.fail("no figure was staged within the time limit")


@pytest.mark.parametrize("queued", [False, True], ids=["one run", "queued runs"])
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_an_interrupted_notebook_run_publishes_nothing_and_the_rerun_is_complete(tmp_path, how, queued):
    tmp_path = tmp_path / "outputs"
    tmp_path.mkdir()
    process = _start(tmp_path, queued)
    _wait_until_figures_are_being_drawn(process)
    os.killpg(process.pid, how)  # the runner and its kernel
    process.wait(timeout=60)
    assert process.returncode != 0
    assert _files(tmp_path) == {}, "no figure, table or notebook was published by the interrupted run"
    if queued:
        return  # the rerun below is the same code path for both

    rerun = subprocess.run([sys.executable, "-m", "review_utils.notebook_run", "03_outcomes", "--output-root",
                            str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    produced = _files(tmp_path)
    assert "notebooks/03_outcomes.ipynb" in produced and any(k.startswith("figures/forest_") for k in produced)
    for name, digest in produced.items():
        assert digest == hashlib.sha256((ROOT / name).read_bytes()).hexdigest(), f"{name} differs from a clean run"


def test_a_failing_notebook_names_notebook_cell_and_error_and_publishes_nothing(tmp_path):
    """A cell that raises: exit 1, a message naming the notebook, the cell and the error, no output at all."""
    import nbformat

    from review_utils.notebook_run import run

    source_dir = tmp_path / "notebooks"
    source_dir.mkdir()
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("run_name = 'default'")
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters,
                      nbformat.v4.new_code_cell("from pathlib import Path\nimport os\n"
                                                "out = Path(os.environ['REVIEW_OUTPUT_ROOT']) / 'figures'\n"
                                                "out.mkdir(parents=True)\n(out / 'half_done.png').write_bytes(b'x')"),
                      nbformat.v4.new_code_cell("raise ValueError('deliberate failure')")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, source_dir / "99_failing.ipynb")
    output_root = tmp_path / "outputs"
    output_root.mkdir()
    completed = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from review_utils.notebook_run import run; "
         f"sys.exit(run('99_failing', 'default', Path({str(output_root)!r}), Path({str(source_dir)!r})))"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1
    # cell 4 of the executed notebook: parameters, the cell papermill injects, the writer, the failing cell
    assert "99_failing.ipynb" in completed.stderr and "cell 4 (In [4])" in completed.stderr
    assert "ValueError: deliberate failure" in completed.stderr and "left in place" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert _files(output_root) == {}, "the figure written before the failure was not published"
