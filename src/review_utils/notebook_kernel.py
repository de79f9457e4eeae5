"""A Jupyter kernel reused for several notebook runs, each run as if on a kernel of its own.

Starting a kernel and importing pandas, matplotlib and scipy costs about two seconds per run, more than most
of the review's notebooks take to compute, so `make` executes its runs on a few kernels, one run after
another (review_utils.notebook_run). papermill still executes every run; this module gives it an engine that
uses a kernel it is handed instead of starting one, and that first runs a prelude, silently and outside the
notebook: a fresh namespace and history (IPython's reset, which also restarts the execution count at 1),
warnings shown before are shown again, and the run's output folder is set in the environment.

tests/test_kernel_reuse.py states those guarantees; `make test` checks the real notebooks the same way (nbval
executes each committed notebook on a kernel of its own and compares every output).
"""
from __future__ import annotations

import signal
from pathlib import Path

from .paths import OUTPUT_ROOT_VARIABLE

ENGINE = "review_utils"


def _prelude(output_root: Path) -> str:
    """What the kernel runs (silently, outside the notebook) before a run: a fresh namespace and history,
    execution count 1, warnings shown once before shown again, and this run's output folder."""
    return (
        "import os as _os, warnings as _warnings\n"
        f"_os.environ[{OUTPUT_ROOT_VARIABLE!r}] = {str(output_root)!r}\n"
        "_filters = list(_warnings.filters)\n"
        "_warnings.resetwarnings()\n"  # forgets which warnings were shown ...
        "_warnings.filters[:] = _filters\n"  # ... and keeps the kernel's filters
        "_warnings.onceregistry.clear()\n"
        "get_ipython().reset(new_session=True)\n"  # namespace, In/Out, execution count 1
    )


def register_engine() -> None:
    """A papermill engine that executes on a given kernel (kept alive between runs), after a prelude."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from traitlets import Unicode

    class PreludeClient(PapermillNotebookClient):
        prelude = Unicode("").tag(config=True)

        def papermill_execute_cells(self):
            reply = self.wait_for_reply(self.kc.execute(self.prelude, silent=True, store_history=False))
            if reply is None or reply["content"].get("status") != "ok":
                raise RuntimeError("the kernel could not be reset before the run")
            super().papermill_execute_cells()

    class KernelReusingEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                     start_timeout=60, execution_timeout=None, km=None, prelude="", kernel_cwd=None,
                                     **kwargs):
            client = PreludeClient(nb_man, km=km, prelude=prelude, timeout=execution_timeout,
                                   startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                                   log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            try:
                return client.execute(cwd=kernel_cwd)  # where the kernel starts (the first run of a session)
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, KernelReusingEngine)


class KernelSession:
    """One Jupyter kernel, started by the first run and reused by the next; use it from one thread only."""

    def __init__(self) -> None:
        self.km = None

    def execute(self, source: Path, executed: Path, params: dict, output_root: Path, cwd: Path) -> None:
        import papermill
        from jupyter_client.manager import AsyncKernelManager

        if self.km is None:
            self.km = AsyncKernelManager(kernel_name="python3")
        papermill.execute_notebook(
            str(source), str(executed), parameters=params, kernel_name="python3", engine_name=ENGINE,
            progress_bar=False, request_save_on_cell_execute=False, log_output=False,
            km=self.km, prelude=_prelude(output_root), kernel_cwd=str(cwd))

    def interrupt(self) -> None:
        """Send SIGINT to the kernel process (from any thread): the running cell fails."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)

    def close(self) -> None:
        if self.km is not None and self.km.has_kernel:
            from jupyter_core.utils import run_sync

            try:
                run_sync(self.km.shutdown_kernel)(now=False)
            except Exception:  # noqa: BLE001 - a kernel that is already gone needs no shutdown
                pass
        self.km = None
