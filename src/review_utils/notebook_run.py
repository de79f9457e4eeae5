"""Run notebooks with papermill, reproducibly, and publish each run's outputs only if it succeeds.

    python -m review_utils.notebook_run 03_outcomes [--params age_at_onset]      one run
    python -m review_utils.notebook_run --queue .build/queue --stamps .build     the runs `make` queued

- parameters come from params/<name>.yaml (their one home); papermill injects them;
- the kernel writes figures and tables into a staging folder (REVIEW_OUTPUT_ROOT); they are moved
  into figures/ and tables/ (or figures/<run>/ for a sensitivity run) only when every cell succeeded,
  so a failing or interrupted notebook leaves the previous outputs in place;
- the executed notebook is stripped of volatile metadata (timestamps, durations, random cell ids,
  the Python patch version) and written atomically: the main run in place (notebooks/NAME.ipynb), a
  sensitivity run to notebooks/sensitivity/<run>/NAME.ipynb.

Queued runs (`make`): the runs share kernels (review_utils.notebook_kernel says how each is reset between
runs): as many kernels as `make -jN` allows (one per core without -j, at most four), each executing one run
after another, the longest runs of the last build first (.build/durations.json). A run that fails stops the
queue (runs under way finish); each run that succeeds gets its stamp, so `make` reruns only the others.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import re
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .io.atomic import write_text_atomic
from .notebook_kernel import KernelSession, register_engine
from .params import PROJECT_ROOT, load_parameters

NOTEBOOKS = PROJECT_ROOT / "notebooks"
STAGING = PROJECT_ROOT / ".build" / "staging"
DURATIONS = PROJECT_ROOT / ".build" / "durations.json"
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


# ------------------------------------------------------------------------------------------------- runs

@dataclass(frozen=True)
class Run:
    notebook: str
    params: str = "default"

    @property
    def key(self) -> str:
        """notebook.params, as in make's stamp files (.build/03_outcomes.age_at_onset.stamp)."""
        return f"{self.notebook}.{self.params}"

    @classmethod
    def parse(cls, key: str) -> "Run":
        notebook, _, params = key.strip().partition(".")
        return cls(notebook, params or "default")


def _shown(path: Path) -> Path:
    return path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path


def execute_run(session: KernelSession, run: Run, output_root: Path = PROJECT_ROOT, source_dir: Path = NOTEBOOKS,
                aborted: threading.Event | None = None) -> int:
    """Execute one run on `session`'s kernel; publish its outputs and notebook only if every cell succeeded."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    source = source_dir / f"{run.notebook}.ipynb"
    if not source.exists():
        print(f"notebook {source} does not exist", file=sys.stderr)
        return 2
    params = load_parameters(run.params)
    params["run_name"] = run.params
    staging = STAGING / f"{run.notebook}--{run.params}--{hashlib.sha1(str(output_root).encode()).hexdigest()[:8]}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    executed = staging / "executed.ipynb"
    try:
        session.execute(source, executed, params, staging / "outputs", source_dir)
    except PapermillExecutionError as error:
        print(f"FAILED: notebook {_shown(source)} (parameters: {run.params}), cell {error.cell_index + 1} "
              f"(In [{error.exec_count}]): {error.ename}: {error.evalue}", file=sys.stderr)
        print("The previous figures, tables and notebook were left in place.", file=sys.stderr)
        shutil.rmtree(staging, ignore_errors=True)
        return 1
    if aborted is not None and aborted.is_set():
        shutil.rmtree(staging, ignore_errors=True)
        return 130
    notebook = nbformat.read(executed, as_version=4)
    normalise(notebook)
    publish(staging / "outputs", output_root)
    write_text_atomic(output_notebook(run.notebook, run.params, output_root), nbformat.writes(notebook) + "\n")
    shutil.rmtree(staging, ignore_errors=True)
    return 0


def run(name: str, params_name: str = "default", output_root: Path = PROJECT_ROOT, source_dir: Path = NOTEBOOKS) -> int:
    """Execute notebooks/NAME.ipynb with params/PARAMS_NAME.yaml on a kernel of its own."""
    return run_many([Run(name, params_name)], jobs=1, output_root=output_root, source_dir=source_dir)


def _longest_first(runs: list[Run]) -> list[Run]:
    """Longest runs of the last build first (so the last to finish is short); unknown ones first of all."""
    try:
        durations = json.loads(DURATIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        durations = {}
    return sorted(runs, key=lambda r: -durations.get(r.key, float("inf")))


def _record_durations(seconds: dict[str, float]) -> None:
    try:
        known = json.loads(DURATIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    known.update({key: round(value, 2) for key, value in seconds.items()})
    DURATIONS.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(DURATIONS, json.dumps(known, indent=1, sort_keys=True) + "\n")


def _refresh_code_stamp(stamps: Path, item: Run, output_root: Path) -> None:
    """A main run rewrote notebooks/NAME.ipynb; where make follows that notebook's code (.build/NAME.code), say
    that the code was looked at after this write, so the next make has nothing to do."""
    code_stamp = stamps / f"{item.notebook}.code.stamp"
    if item.params == "default" and code_stamp.exists():
        from .notebook_code import write_if_changed

        write_if_changed(output_notebook(item.notebook, item.params, output_root), stamps / f"{item.notebook}.code")
        code_stamp.touch()


def run_many(runs: list[Run], jobs: int = 1, output_root: Path = PROJECT_ROOT, source_dir: Path = NOTEBOOKS,
             stamps: Path | None = None) -> int:
    """Execute `runs` on `jobs` kernels, each reused run after run; touch stamps/<run>.stamp after each success.

    After a failure no further run starts (those under way finish); the exit status is that of the first
    failure (1 a cell failed, 2 a notebook is missing, 130 interrupted), 0 when all succeeded.
    """
    register_engine()
    pending: queue.Queue[Run] = queue.Queue()
    for item in _longest_first(list(dict.fromkeys(runs))):
        pending.put(item)
    aborted, stop = threading.Event(), threading.Event()
    status: list[int] = []
    seconds: dict[str, float] = {}
    sessions: list[KernelSession] = []

    def work() -> None:
        session = KernelSession()
        sessions.append(session)
        try:
            while not stop.is_set():
                try:
                    item = pending.get_nowait()
                except queue.Empty:
                    return
                started = time.monotonic()
                try:
                    code = execute_run(session, item, output_root, source_dir, aborted)
                except Exception as error:  # noqa: BLE001 - the kernel died or could not start: say so, stop
                    print(f"FAILED: notebook {item.notebook} (parameters: {item.params}): "
                          f"{type(error).__name__}: {error}", file=sys.stderr)
                    print("The previous figures, tables and notebook were left in place.", file=sys.stderr)
                    code = 130 if aborted.is_set() else 1
                if code == 0:
                    seconds[item.key] = time.monotonic() - started
                    print(f"ran {_shown(source_dir / (item.notebook + '.ipynb'))} with params/{item.params}.yaml "
                          f"({seconds[item.key]:.1f} s)", flush=True)
                    if stamps is not None:
                        (stamps / f"{item.key}.stamp").touch()
                        _refresh_code_stamp(stamps, item, output_root)
                else:
                    status.append(code)
                    stop.set()
        finally:
            session.close()

    with _quiet_kernel_shutdown():
        if jobs <= 1:
            try:
                work()
            except KeyboardInterrupt:
                return 130
        else:
            workers = [threading.Thread(target=work, name=f"kernel-{i + 1}") for i in range(min(jobs, len(runs)))]
            for worker in workers:
                worker.start()
            try:
                for worker in workers:
                    worker.join()
            except KeyboardInterrupt:
                aborted.set()
                stop.set()
                for session in sessions:
                    session.interrupt()
                for worker in workers:
                    worker.join(timeout=60)
                return 130
    if seconds and output_root == PROJECT_ROOT:
        _record_durations(seconds)
    return status[0] if status else 0


MAX_DEFAULT_KERNELS = 4  # without -j: one kernel per core, at most this many (each holds a few hundred MB)


def jobs_from_makeflags(makeflags: str | None) -> int:
    """Kernels side by side: make's -jN gives N, a bare -j the number of cores; without -j, one per core (at
    most MAX_DEFAULT_KERNELS), since the notebook runs are nearly all the work of `make` (-j1 gives one)."""
    cores = os.cpu_count() or 1
    for word in (makeflags or "").split():
        match = re.fullmatch(r"-j(\d*)", word)
        if match:
            return max(1, int(match.group(1))) if match.group(1) else cores
    return min(cores, MAX_DEFAULT_KERNELS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?", help="notebook name in notebooks/, without .ipynb")
    parser.add_argument("--params", default="default", help="parameter set in params/ (default: default)")
    parser.add_argument("--output-root", default=str(PROJECT_ROOT),
                        help="where figures/, tables/ and notebooks/ are written (default: the project)")
    parser.add_argument("--queue", help="a file listing runs (notebook.params, one per line), as make writes it; "
                                        "it is removed when the runs are done")
    parser.add_argument("--stamps", help="folder where notebook.params.stamp is touched after each successful run")
    parser.add_argument("--jobs", type=int, help="kernels side by side (default: make's -jN; without -j one per "
                                                 f"core, at most {MAX_DEFAULT_KERNELS})")
    args = parser.parse_args(argv)
    if args.queue:
        queue_file = Path(args.queue)
        try:
            lines = queue_file.read_text(encoding="utf-8").split() if queue_file.exists() else []
            runs = [Run.parse(line) for line in lines]
            if not runs:
                return 0
            jobs = args.jobs or jobs_from_makeflags(os.environ.get("MAKEFLAGS"))
            return run_many(runs, jobs, Path(args.output_root), stamps=Path(args.stamps) if args.stamps else None)
        finally:
            queue_file.unlink(missing_ok=True)
    if not args.notebook:
        parser.error("name a notebook, or give --queue")
    return run_many([Run(args.notebook, args.params)], 1, Path(args.output_root),
                    stamps=Path(args.stamps) if args.stamps else None)


if __name__ == "__main__":
    raise SystemExit(main())
