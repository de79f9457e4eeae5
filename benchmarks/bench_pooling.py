"""Benchmark of review_utils.pooling (not a test).

1. The binomial-normal GLMM on k = 500 reports (ML, adaptive quadrature).
2. The full outcome table: 10 outcomes x 2 age groups x every pooling method.

Prints the table and the timings. If ``Rscript`` is on PATH and ``library(metafor)`` (with lme4) loads, the
same fits are timed in R (rma.glmm nAGQ=25, rma.uni, binom.test) and the ratio is printed; otherwise the
script says that R is absent. Data are synthetic and fixed (seeded), so every run fits the same numbers.

    PYTHONPATH=src python benchmarks/bench_pooling.py [--no-r]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from review_utils.pooling import METHODS, compare_methods, pool, results_frame
from review_utils.pooling.glmm import _fit_cached

OUTCOMES = {  # outcome: (typical proportion in children, in adults)
    "any CRS": (0.75, 0.80),
    "CRS grade >= 3": (0.05, 0.04),
    "any ICANS": (0.10, 0.12),
    "ICANS grade >= 3": (0.0, 0.01),
    "severe infection": (0.10, 0.15),
    "death": (0.0, 0.0),
    "DORIS remission": (0.80, 0.85),
    "LLDAS": (0.90, 0.92),
    "drug-free remission": (0.95, 1.0),
    "manufacturing success": (1.0, 0.98),
}


def synthetic_k500(seed: int = 20240501) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    totals = rng.integers(1, 41, size=500)
    p = 1 / (1 + np.exp(-rng.normal(-0.5, 0.9, size=500)))
    return rng.binomial(totals, p), totals


def synthetic_outcomes(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for outcome, (p_child, p_adult) in OUTCOMES.items():
        for group, p, k, (lo, hi) in (("paediatric", p_child, 6, (1, 8)), ("adult", p_adult, 10, (3, 40))):
            totals = rng.integers(lo, hi + 1, size=k)
            logit = np.log(max(p, 1e-9) / max(1 - p, 1e-9)) + rng.normal(0, 0.5, size=k)
            probs = np.where(p in (0.0, 1.0), p, 1 / (1 + np.exp(-logit)))
            events = rng.binomial(totals, probs)
            for x, n in zip(events, totals, strict=True):
                rows.append({"outcome": outcome, "group": group, "events": int(x), "total": int(n)})
    return pd.DataFrame(rows)


def python_timings(events: np.ndarray, totals: np.ndarray, table: pd.DataFrame) -> tuple[dict[str, float], pd.DataFrame, dict]:
    timings: dict[str, float] = {}
    _fit_cached.cache_clear()
    t0 = time.perf_counter()
    glmm50 = pool(events, totals, method="glmm_z")
    timings["glmm_k500_50nodes"] = time.perf_counter() - t0
    _fit_cached.cache_clear()
    from review_utils.pooling.glmm import pool_glmm

    t0 = time.perf_counter()
    glmm25 = pool_glmm(events, totals, test="z", n_nodes=25)
    timings["glmm_k500_25nodes"] = time.perf_counter() - t0

    _fit_cached.cache_clear()
    frames = []
    t0 = time.perf_counter()
    for (outcome, group), sub in table.groupby(["outcome", "group"], sort=False):
        frame = results_frame(compare_methods(sub["events"].to_numpy(), sub["total"].to_numpy()))
        frame.insert(0, "group", group)
        frame.insert(0, "outcome", outcome)
        frames.append(frame)
    timings["outcome_table"] = time.perf_counter() - t0
    fits = {"glmm50": glmm50, "glmm25": glmm25}
    return timings, pd.concat(frames, ignore_index=True), fits


R_SCRIPT = r"""
suppressMessages({library(metafor); library(lme4)})
args <- commandArgs(trailingOnly = TRUE)
k500 <- read.csv(file.path(args[1], "k500.csv"))
tab <- read.csv(file.path(args[1], "table.csv"))
t0 <- proc.time()[["elapsed"]]
g <- try(rma.glmm(measure = "PLO", xi = k500$events, ni = k500$total, nAGQ = 25), silent = TRUE)
t_glmm <- proc.time()[["elapsed"]] - t0
fit_all <- function(x, n) {
  out <- list()
  out$glmm_t <- try(rma.glmm(measure = "PLO", xi = x, ni = n, nAGQ = 25, test = "t"), silent = TRUE)
  out$glmm_z <- try(rma.glmm(measure = "PLO", xi = x, ni = n, nAGQ = 25), silent = TRUE)
  for (m in c("REML", "DL", "PM")) out[[m]] <- try(rma(measure = "PLO", xi = x, ni = n, method = m), silent = TRUE)
  out$knha <- try(rma(measure = "PLO", xi = x, ni = n, method = "REML", test = "knha"), silent = TRUE)
  out$crude <- binom.test(sum(x), sum(n))
  out$ft <- try(rma(measure = "PFT", xi = x, ni = n, method = "REML"), silent = TRUE)
  out
}
t0 <- proc.time()[["elapsed"]]
for (key in unique(paste(tab$outcome, tab$group, sep = "|"))) {
  sub <- tab[paste(tab$outcome, tab$group, sep = "|") == key, ]
  invisible(suppressWarnings(fit_all(sub$events, sub$total)))
}
t_table <- proc.time()[["elapsed"]] - t0
cat(sprintf("R_GLMM %.6f\nR_TABLE %.6f\n", t_glmm, t_table))
if (!inherits(g, "try-error")) cat(sprintf("R_K500 %.10f %.10f %.10f\n", coef(g), g$se, g$tau2))
"""


def r_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(
        ["Rscript", "-e", "suppressMessages({library(metafor); library(lme4)})"], capture_output=True, text=True, check=False
    )
    return probe.returncode == 0


def r_timings(events: np.ndarray, totals: np.ndarray, table: pd.DataFrame) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pd.DataFrame({"events": events, "total": totals}).to_csv(folder / "k500.csv", index=False)
        table.to_csv(folder / "table.csv", index=False)
        (folder / "bench.R").write_text(R_SCRIPT)
        proc = subprocess.run(["Rscript", str(folder / "bench.R"), str(folder)], capture_output=True, text=True, check=False)
    out: dict[str, object] = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts[0] in ("R_GLMM", "R_TABLE"):
            out[parts[0]] = float(parts[1])
        elif parts[0] == "R_K500":
            out["R_K500"] = tuple(float(v) for v in parts[1:])
    if "R_GLMM" not in out:
        out["error"] = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no output"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    args = parser.parse_args(argv)

    events, totals = synthetic_k500()
    table = synthetic_outcomes()
    timings, frame, fits = python_timings(events, totals, table)

    pd.set_option("display.width", 200)
    shown = frame[["outcome", "group", "method", "k", "events", "patients", "estimate", "ci_lower", "ci_upper", "tau2", "estimable"]]
    print("Outcome table: 10 outcomes x 2 age groups x", len(METHODS), "methods (synthetic data)")
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print()
    n_fits = len(frame)
    g50, g25 = fits["glmm50"], fits["glmm25"]
    print(f"GLMM k=500 (ML, 50 nodes): logit {g50.logit:.6f}  SE {g50.se:.6f}  tau2 {g50.tau2:.6f}")
    print(f"GLMM k=500 (ML, 25 nodes): logit {g25.logit:.6f}  SE {g25.se:.6f}  tau2 {g25.tau2:.6f}")
    print()
    rows = [
        ("GLMM, k = 500, 50 nodes (default)", timings["glmm_k500_50nodes"]),
        ("GLMM, k = 500, 25 nodes", timings["glmm_k500_25nodes"]),
        (f"outcome table ({n_fits} results; the t and z GLMM share one fit)", timings["outcome_table"]),
    ]
    if args.no_r or not r_available():
        print("R with metafor and lme4 is absent (or --no-r): no side-by-side timing.")
        for name, seconds in rows:
            print(f"  {name:<62} python {seconds:8.3f} s")
        return 0
    r = r_timings(events, totals, table)
    if "error" in r:
        print(f"R run failed: {r['error']}")
        for name, seconds in rows:
            print(f"  {name:<62} python {seconds:8.3f} s")
        return 0
    print(f"{'':<64}{'python':>10}{'R metafor':>12}{'python/R':>10}")
    r_times = [r["R_GLMM"], r["R_GLMM"], r["R_TABLE"]]
    labels = ["", " (R: nAGQ=25)", " (R refits t and z separately)"]
    for (name, seconds), r_sec, extra in zip(rows, r_times, labels, strict=True):
        print(f"  {name:<62}{seconds:9.3f}s{r_sec:11.3f}s{seconds / r_sec:10.2f}{extra}")
    if "R_K500" in r:
        mu, se, tau2 = r["R_K500"]
        print()
        print(f"R metafor k=500 (nAGQ=25): logit {mu:.6f}  SE {se:.6f}  tau2 {tau2:.6f}")
        print(f"difference (python 25 nodes - R): logit {g25.logit - mu:.2e}  SE {g25.se - se:.2e}  tau2 {g25.tau2 - tau2:.2e}")
    print(json.dumps({"python": timings, "r": {k: v for k, v in r.items() if k != "R_K500"}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
