"""Exact per-report intervals and the crude pooled proportion.

* Clopper & Pearson (1934): the 'exact' interval from the beta quantiles, as R's ``binom.test``.
* Wilson (1927): the score interval without continuity correction (an option).
* The crude pooled proportion sum(events) / sum(totals) over all patients, with its Clopper-Pearson
  interval. It ignores clustering by report; it is the descriptive anchor of every table and the
  fallback when a model cannot be fitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from .result import PoolResult

__all__ = ["clopper_pearson", "wilson", "study_ci", "crude_pool", "not_estimable", "as_counts", "check_level"]


# ---------------------------------------------------------------------------------------------------------
# Input checks shared by the pooling modules: whole numbers, 0 <= events <= totals, totals >= 1.


def _as_int_array(values: ArrayLike, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values))
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a flat list of counts, got an array of shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty: give at least one report.")
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be whole numbers, got {arr.tolist()!r}.")
    if arr.dtype.kind == "f":
        bad = [v for v in arr.tolist() if not (np.isfinite(v) and float(v).is_integer())]
        if bad:
            raise ValueError(f"{name} must be whole numbers; {bad[0]!r} is not.")
    out = arr.astype(np.int64)
    if (out < 0).any():
        raise ValueError(f"{name} must not be negative; got {int(out[out < 0][0])}.")
    return out


def as_counts(events: ArrayLike, totals: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate and return (events, totals) as int64 arrays of equal length.

    Raises ValueError naming the offending value and the fix.
    """
    x = _as_int_array(events, "events")
    n = _as_int_array(totals, "totals")
    if x.size != n.size:
        raise ValueError(
            f"events has {x.size} values but totals has {n.size}: give one events and one total per report."
        )
    zero = np.flatnonzero(n == 0)
    if zero.size:
        raise ValueError(f"report {zero[0] + 1} has total 0: every report needs at least one patient.")
    over = np.flatnonzero(x > n)
    if over.size:
        i = over[0]
        raise ValueError(
            f"report {i + 1} has events {x[i]} > total {n[i]}: events cannot exceed the number of patients."
        )
    return x, n


def as_labels(labels: Sequence[object] | None, k: int, name: str = "labels") -> list[str]:
    """Labels as strings, defaulting to 'report 1', 'report 2', ..."""
    if labels is None:
        return [f"report {i + 1}" for i in range(k)]
    out = [str(v) for v in labels]
    if len(out) != k:
        raise ValueError(f"{name} has {len(out)} values but there are {k} reports: give one per report.")
    return out

CRUDE_LABEL = "Crude pooled proportion (exact Clopper-Pearson CI)"


def check_level(level: float) -> float:
    """The confidence level as a float in (0, 1); a clear error otherwise (95 is not 0.95)."""
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level}.")
    return level


def clopper_pearson(events: ArrayLike, totals: ArrayLike, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson interval: lower = Beta(a/2; x, n-x+1), upper = Beta(1-a/2; x+1, n-x).

    At x = 0 the lower bound is 0; at x = n the upper bound is 1 (as ``binom.test``).
    """
    x, n = as_counts(events, totals)
    alpha = 1.0 - check_level(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(x == 0, 0.0, stats.beta.ppf(alpha / 2, x, n - x + 1))
        upper = np.where(x == n, 1.0, stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    return lower.astype(float), upper.astype(float)


def wilson(events: ArrayLike, totals: ArrayLike, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval without continuity correction (Wilson 1927; Newcombe 1998 method 3)."""
    x, n = as_counts(events, totals)
    z = stats.norm.ppf(1 - (1 - check_level(level)) / 2)
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    lower = np.where(x == 0, 0.0, centre - half)
    upper = np.where(x == n, 1.0, centre + half)
    return lower, upper


def study_ci(
    events: ArrayLike,
    totals: ArrayLike,
    level: float = 0.95,
    method: Literal["clopper_pearson", "wilson"] = "clopper_pearson",
) -> pd.DataFrame:
    """Per-report proportion and interval: columns events, total, proportion, ci_lower, ci_upper, method, level."""
    x, n = as_counts(events, totals)
    if method == "clopper_pearson":
        lower, upper = clopper_pearson(x, n, level)
    elif method == "wilson":
        lower, upper = wilson(x, n, level)
    else:
        raise ValueError(f"unknown interval method {method!r}: use 'clopper_pearson' or 'wilson'.")
    return pd.DataFrame(
        {
            "events": x,
            "total": n,
            "proportion": x / n,
            "ci_lower": lower,
            "ci_upper": upper,
            "method": method,
            "level": float(level),
        }
    )


def crude_pool(events: ArrayLike, totals: ArrayLike, level: float = 0.95) -> PoolResult:
    """Crude pooled proportion over all patients with its exact Clopper-Pearson CI."""
    x, n = as_counts(events, totals)
    ex, tot = int(x.sum()), int(n.sum())
    lower, upper = clopper_pearson(ex, tot, level)
    return PoolResult(
        method="crude",
        label=CRUDE_LABEL,
        k=int(x.size),
        patients=tot,
        events=ex,
        estimate=ex / tot,
        ci_lower=float(lower[0]),
        ci_upper=float(upper[0]),
        level=float(level),
        notes=("patients pooled across reports; clustering by report ignored",),
    )


def not_estimable(
    events: ArrayLike, totals: ArrayLike, method: str, label: str, level: float, reason: str
) -> PoolResult:
    """A result for a model that cannot be fitted: says why, carries the crude estimate and exact CI."""
    crude = crude_pool(events, totals, level)
    return PoolResult(
        method=method,
        label=label,
        k=crude.k,
        patients=crude.patients,
        events=crude.events,
        estimate=crude.estimate,
        ci_lower=crude.ci_lower,
        ci_upper=crude.ci_upper,
        level=float(level),
        estimable=False,
        notes=(f"not estimable: {reason}", "estimate and CI are the crude pooled proportion with exact Clopper-Pearson CI"),
    )
