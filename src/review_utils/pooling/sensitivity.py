"""Sensitivity analyses of a pooled proportion.

* Leave-one-report-out: the pooled estimate without each report in turn (influence; Viechtbauer &
  Cheung 2010, metafor ``leave1out``).
* Cumulative pooling in a given order, e.g. by publication date: how the estimate evolved as reports
  appeared (the living-review view; Lau et al. 1992, metafor ``cumul``).
* Method comparison: every pooling method side by side on the same data.

All return tidy pandas DataFrames whose columns are the :class:`PoolResult` fields plus an identifying
column, so tables and plots consume them directly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .exact import as_counts, as_labels
from .result import results_frame

__all__ = ["leave_one_out", "cumulative", "method_comparison"]


def leave_one_out(
    events: ArrayLike,
    totals: ArrayLike,
    labels: Sequence[object] | None = None,
    method: str = "glmm",
    level: float = 0.95,
) -> pd.DataFrame:
    """Pool without each report in turn; column 'omitted' names the report left out."""
    from . import pool

    x, n = as_counts(events, totals)
    names = as_labels(labels, x.size)
    results = []
    for i in range(x.size):
        keep = np.arange(x.size) != i
        results.append(pool(x[keep], n[keep], method=method, level=level))
    frame = results_frame(results)
    frame.insert(0, "omitted", names)
    return frame


def cumulative(
    events: ArrayLike,
    totals: ArrayLike,
    labels: Sequence[object] | None = None,
    method: str = "glmm",
    level: float = 0.95,
    order: Sequence[object] | None = None,
) -> pd.DataFrame:
    """Pool the first 1, 2, ..., k reports; column 'added' names the report added at each step.

    Reports are taken in the given order, or sorted by ``order`` (e.g. publication dates; a stable sort,
    so ties keep the given order). Steps with one report are not estimable for the models and say so.
    """
    from . import pool

    x, n = as_counts(events, totals)
    names = as_labels(labels, x.size)
    if order is not None:
        keys = list(order)
        if len(keys) != x.size:
            raise ValueError(f"order has {len(keys)} values but there are {x.size} reports: give one per report.")
        idx = sorted(range(x.size), key=lambda i: keys[i])
    else:
        idx = list(range(x.size))
    results = [pool(x[idx[: j + 1]], n[idx[: j + 1]], method=method, level=level) for j in range(len(idx))]
    frame = results_frame(results)
    frame.insert(0, "added", [names[i] for i in idx])
    if order is not None:
        frame.insert(1, "order", [keys[i] for i in idx])
    return frame


def method_comparison(events: ArrayLike, totals: ArrayLike, level: float = 0.95) -> pd.DataFrame:
    """Every method in ``METHODS`` order, one row each (the method-comparison table)."""
    from . import compare_methods

    return results_frame(compare_methods(events, totals, level))
