"""Run one notebook with papermill, reproducibly, and publish its outputs only if it succeeds.

    python -m review_utils.notebook_run 03_outcomes [--params age_at_onset]

- parameters come from params/<name>.yaml (their one home); papermill injects them;
- the kernel writes figures and tables into a staging folder (REVIEW_OUTPUT_ROOT); they are moved
  into figures/ and tables/ (or figures/<run>/ for a sensitivity run) only when every cell succeeded,
  so a failing or interrupted notebook leaves the previous outputs in place;
- the executed notebook is stripped of volatile metadata (timestamps, durations, random cell ids,
  the Python patch version) and written atomically: the main run in place (notebooks/NAME.ipynb), a
  sensitivity run to notebooks/sensitivity/<run>/NAME.ipynb.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from .io.atomic import write_text_atomic
from .params import PROJECT_ROOT, load_parameters
from .paths import OUTPUT_ROOT_VARIABLE

NOTEBOOKS = PROJECT_ROOT / "notebooks"
STAGING = PROJECT_ROOT / ".build" / "staging"
VOLATILE_CELL_METADATA = ("papermill", "execution", "collapsed", "scrolled")


def normalise(notebook) -> None:
    """Strip what changes between identical runs; keep outputs and execution counts."""
    notebook.metadata.pop("papermill", None)
    notebook.metadata.pop("widgets", None)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    info = notebook.metadata.get("language_info", {})
    info.pop("version", None)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:02d}"
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.get("cell_type") == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)


def output_notebook(name: str, run: str, root: Path = PROJECT_ROOT) -> Path:
    folder = root / "notebooks"
    return folder / f"{name}.ipynb" if run == "default" else folder / "sensitivity" / run / f"{name}.ipynb"


def publish(staging: Path, root: Path = PROJECT_ROOT) -> list[Path]:
    """Move every staged output file into the project (figures/, tables/), one atomic rename each."""
    moved = []
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = root / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        moved.append(target)
    return moved


# jupyter_client interrupts a kernel before shutting it down; ipykernel then logs this line on stderr. It is
# expected, not an error, so it is kept out of `make`'s output (every other stderr line passes through).
KERNEL_SHUTDOWN_NOISE = re.compile(rb"KeyboardInterrupt caught in kernel|Kernel is running over TCP without encryption")


@contextmanager
def _quiet_kernel_shutdown():
    """Filter file descriptor 2 (which the kernel inherits) through a thread that drops the shutdown noise."""
    sys.stderr.flush()
    original = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def pump() -> None:
        with os.fdopen(read_end, "rb") as source, os.fdopen(os.dup(original), "wb", buffering=0) as sink:
            for line in source:
                if not KERNEL_SHUTDOWN_NOISE.search(line):
                    sink.write(line)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(original, 2)
        os.close(original)
        thread.join(timeout=5)


def run(name: str, params_name: str = "default", output_root: Path = PROJECT_ROOT, source_dir: Path = NOTEBOOKS) -> int:
    """Execute notebooks/NAME.ipynb; publish outputs under `output_root` (the project, or a folder for tests)."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = source_dir / f"{name}.ipynb"
    if not source.exists():
        print(f"notebook {source} does not exist", file=sys.stderr)
        return 2
    params = load_parameters(params_name)
    params["run_name"] = params_name
    staging = STAGING / f"{name}--{params_name}--{hashlib.sha1(str(output_root).encode()).hexdigest()[:8]}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    target = output_notebook(name, params_name, output_root)
    executed = staging / "executed.ipynb"
    os.environ[OUTPUT_ROOT_VARIABLE] = str(staging / "outputs")
    try:
        with _quiet_kernel_shutdown():
            papermill.execute_notebook(
                str(source), str(executed), parameters=params, kernel_name="python3", cwd=str(source_dir),
                progress_bar=False, request_save_on_cell_execute=False, log_output=False)
    except PapermillExecutionError as error:
        shown = source.relative_to(PROJECT_ROOT) if source.is_relative_to(PROJECT_ROOT) else source
        print(f"FAILED: notebook {shown} (parameters: {params_name}), cell {error.cell_index + 1} "
              f"(In [{error.exec_count}]): {error.ename}: {error.evalue}", file=sys.stderr)
        print("The previous figures, tables and notebook were left in place.", file=sys.stderr)
        shutil.rmtree(staging, ignore_errors=True)
        return 1
    notebook = nbformat.read(executed, as_version=4)
    normalise(notebook)
    publish(staging / "outputs", output_root)
    write_text_atomic(target, nbformat.writes(notebook) + "\n")
    shutil.rmtree(staging, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", help="notebook name in notebooks/, without .ipynb")
    parser.add_argument("--params", default="default", help="parameter set in params/ (default: default)")
    parser.add_argument("--output-root", default=str(PROJECT_ROOT),
                        help="where figures/, tables/ and notebooks/ are written (default: the project)")
    args = parser.parse_args(argv)
    return run(args.notebook, args.params, Path(args.output_root))


if __name__ == "__main__":
    raise SystemExit(main())
