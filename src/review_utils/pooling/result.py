"""One tidy result type for every pooled proportion.

Tables, forest plots, the method-comparison table and the CLI all consume :class:`PoolResult`,
so a number shown anywhere comes from the same object.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

__all__ = ["PoolResult", "results_frame"]


@dataclass(frozen=True)
class PoolResult:
    """A pooled proportion with its uncertainty and heterogeneity, on the proportion scale.

    ``estimate``, ``ci_*`` and ``pi_*`` are proportions. ``logit`` and ``se`` are the pooled log odds and
    its standard error (``None`` where the method has no logit-scale estimate: crude, Freeman-Tukey).
    ``level`` is the confidence level (0.95). ``weights`` are per-report percent weights of the
    inverse-variance models (empty for the GLMM, which has no per-report weights, and for the crude pool).
    When ``estimable`` is False the model could not be fitted; ``notes`` say why, and ``estimate`` and
    ``ci_*`` then carry the crude pooled proportion with its exact Clopper-Pearson interval.
    """

    method: str
    label: str
    k: int
    patients: int
    events: int
    estimate: float | None
    ci_lower: float | None
    ci_upper: float | None
    pi_lower: float | None = None
    pi_upper: float | None = None
    tau2: float | None = None
    i2: float | None = None
    h2: float | None = None
    q: float | None = None
    q_p: float | None = None
    logit: float | None = None
    se: float | None = None
    level: float = 0.95
    estimable: bool = True
    notes: tuple[str, ...] = ()
    weights: tuple[float, ...] = ()

    def to_row(self) -> dict[str, Any]:
        """A flat dict for one table row: notes joined by '; ', weights kept as a tuple."""
        row = {f.name: getattr(self, f.name) for f in fields(self)}
        row["notes"] = "; ".join(self.notes)
        return row

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-safe dict: non-finite floats become None, tuples become lists."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = [_json_number(v) for v in value]
            else:
                value = _json_number(value)
            out[f.name] = value
        return out


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def results_frame(results: Iterable[PoolResult]) -> pd.DataFrame:
    """One row per result, columns in the order of :class:`PoolResult`'s fields."""
    rows = [r.to_row() for r in results]
    columns = [f.name for f in fields(PoolResult)]
    return pd.DataFrame(rows, columns=columns)
