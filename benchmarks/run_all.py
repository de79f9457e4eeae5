"""`make bench`: one table of what the suite costs on this machine (not a test; nothing here asserts a time).

Measures, each as a separate process with its wall time and peak memory (GNU time):
  fresh setup        a new venv from requirements.lock (pip) + the package, in a temporary folder
  full make          every notebook rerun (build stamps removed), warm .venv, `make -j2`
  no-op make         `make` with nothing changed
  make test          unit tests + nbval
  check, 500 books   `review-utils check` on 500 synthetic report workbooks (100,000 measurement rows)
  GLMM, k = 500      one binomial-normal GLMM fit (and R metafor side by side when installed)
Then the pooling and figure benchmarks print their own tables.

    .venv/bin/python benchmarks/run_all.py [--skip-setup] [--skip-test]
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def measure(label: str, command: list[str] | str, cwd: Path = ROOT, shell: bool = False) -> tuple[str, float, float, int]:
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        wrapped = ["/usr/bin/time", "-v", "-o", report.name, *(["bash", "-c", command] if shell else command)]
        start = time.perf_counter()
        run = subprocess.run(wrapped, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
        text = Path(report.name).read_text()
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if run.returncode != 0:  # a benchmark that failed says why (its time is not a measurement)
        print(f"{label}: exit {run.returncode}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}", file=sys.stderr)
    return label, seconds, (int(peak.group(1)) / 1024 if peak else float("nan")), run.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-setup", action="store_true")
    parser.add_argument("--skip-test", action="store_true")
    args = parser.parse_args()
    rows = []
    if not args.skip_setup:
        with tempfile.TemporaryDirectory() as tmp:
            venv = Path(tmp) / "venv"
            rows.append(measure("fresh setup (venv + pip install -r requirements.lock)",
                                f"python3 -m venv {venv} && "
                                f"{venv}/bin/pip install -q -r requirements.lock && "
                                f"{venv}/bin/pip install -q --no-deps --no-build-isolation -e .", shell=True))
    shutil.rmtree(ROOT / ".build", ignore_errors=True)
    rows.append(measure("full make, warm .venv (make -j2, all notebooks)", ["make", "-j2"]))
    rows.append(measure("no-op make", ["make"]))
    if not args.skip_test:
        rows.append(measure("make test (unit tests + nbval)", ["make", "test"]))
    rows.append(measure("review-utils check, 500 workbooks / 100,000 rows", [PY, "benchmarks/bench_check.py"]))
    rows.append(measure("GLMM k = 500 and outcome table (pooling benchmark)", [PY, "benchmarks/bench_pooling.py"]))
    rows.append(measure("all figures, fixture data (figure benchmark)", [PY, "benchmarks/bench_figures.py"]))
    print(f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"date {time.strftime('%Y-%m-%d')}")
    print(f"| what | wall (s) | peak memory (MB) | exit |")
    print("|---|---:|---:|---:|")
    for label, seconds, peak, code in rows:
        print(f"| {label} | {seconds:.1f} | {peak:.0f} | {code} |")
    print()
    for script in ("bench_check.py", "bench_pooling.py", "bench_figures.py"):
        print(f"## {script}")
        sys.stdout.flush()
        subprocess.run([PY, f"benchmarks/{script}"], cwd=ROOT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
