"""Subgroups (children against adults) and two-group comparisons.

* Per-group pooled estimates with any pooling method.
* Test for subgroup differences: the mixed-effects meta-regression ``rma(yi, vi, mods = ~ group,
  method = "REML")`` of the logit proportions (escalc "PLO", 1/2 only for 0/n and n/n), whose omnibus Wald
  test of the group coefficients QM is chi-square with (groups - 1) df (metafor; Viechtbauer 2005 for REML,
  Borenstein et al. 2009 ch. 19-20 for the approach).
* Risk difference of group A minus group B from pooled patient counts, with Newcombe's (1998) hybrid
  Wilson score interval (his method 10) or the Miettinen & Nurminen (1985) score interval (with the
  N / (N - 1) variance factor).
* Fisher's exact test on the 2x2 table of patient counts (``scipy.stats.fisher_exact``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, stats

from .exact import as_counts, wilson
from .inverse_variance import fit_rma, logit_escalc
from .result import PoolResult, results_frame

__all__ = [
    "ModeratorTest",
    "SubgroupAnalysis",
    "RiskDifference",
    "FisherResult",
    "group_order",
    "moderator_test",
    "subgroup_analysis",
    "risk_difference",
    "fisher_exact_counts",
    "compare_groups",
]

MODERATOR_METHOD = "mixed-effects meta-regression on logit proportions (REML, QM Wald test; metafor rma(mods=~group))"


@dataclass(frozen=True)
class ModeratorTest:
    """Test for subgroup differences: QM, its degrees of freedom and p-value (chi-square)."""

    qm: float
    df: int
    p: float
    tau2: float  # residual heterogeneity (REML)
    k: int
    method: str = MODERATOR_METHOD
    estimable: bool = True
    notes: tuple[str, ...] = ()

    def to_row(self) -> dict[str, object]:
        return {
            "qm": self.qm,
            "df": self.df,
            "p": self.p,
            "tau2": self.tau2,
            "k": self.k,
            "method": self.method,
            "estimable": self.estimable,
            "notes": "; ".join(self.notes),
        }


@dataclass(frozen=True)
class SubgroupAnalysis:
    """Per-group pooled results (in group order) and the test for subgroup differences."""

    method: str
    results: Mapping[str, PoolResult]
    test: ModeratorTest
    groups: tuple[str, ...] = field(default=())

    def frame(self) -> pd.DataFrame:
        """One row per group: a 'group' column then the PoolResult fields."""
        frame = results_frame(self.results.values())
        frame.insert(0, "group", list(self.results.keys()))
        return frame


def group_order(groups: Sequence[object]) -> list[str]:
    """Distinct group names in order of first appearance."""
    seen: dict[str, None] = {}
    for g in groups:
        seen.setdefault(str(g), None)
    return list(seen)


def _check_groups(groups: Sequence[object], k: int) -> list[str]:
    labels = [str(g) for g in groups]
    if len(labels) != k:
        raise ValueError(f"groups has {len(labels)} values but there are {k} reports: give one group per report.")
    return labels


def moderator_test(events: ArrayLike, totals: ArrayLike, groups: Sequence[object]) -> ModeratorTest:
    """QM test of subgroup differences as metafor ``rma(escalc("PLO"), mods = ~ factor(group), method="REML")``."""
    x, n = as_counts(events, totals)
    labels = _check_groups(groups, x.size)
    order = group_order(labels)
    m = len(order) - 1
    if m < 1:
        return ModeratorTest(float("nan"), 0, float("nan"), float("nan"), int(x.size), estimable=False,
                             notes=("only one group: nothing to compare",))
    X = np.column_stack([np.ones(x.size)] + [[1.0 if g == level else 0.0 for g in labels] for level in order[1:]])
    if x.size <= X.shape[1]:
        return ModeratorTest(float("nan"), m, float("nan"), float("nan"), int(x.size), estimable=False,
                             notes=(f"{x.size} reports for {X.shape[1]} coefficients: residual heterogeneity not estimable",))
    yi, vi = logit_escalc(x, n)
    try:
        fit = fit_rma(yi, vi, X=X, method="REML", test="z")
    except (ArithmeticError, np.linalg.LinAlgError) as exc:
        return ModeratorTest(float("nan"), m, float("nan"), float("nan"), int(x.size), estimable=False,
                             notes=(f"model fit failed ({exc})",))
    return ModeratorTest(qm=fit.qm, df=fit.qm_df, p=fit.qm_p, tau2=fit.tau2, k=int(x.size))


def subgroup_analysis(
    events: ArrayLike,
    totals: ArrayLike,
    groups: Sequence[object],
    method: str = "glmm",
    level: float = 0.95,
) -> SubgroupAnalysis:
    """Pool each group separately with ``method`` and test for subgroup differences (QM, REML)."""
    from . import pool  # late import: the package defines pool() after importing this module

    x, n = as_counts(events, totals)
    labels = _check_groups(groups, x.size)
    order = group_order(labels)
    results: dict[str, PoolResult] = {}
    for g in order:
        idx = [i for i, lab in enumerate(labels) if lab == g]
        results[g] = pool(x[idx], n[idx], method=method, level=level)
    return SubgroupAnalysis(method=method, results=results, test=moderator_test(x, n, labels), groups=tuple(order))


# ---------------------------------------------------------------------------------------------------------
# Two groups from pooled patient counts


@dataclass(frozen=True)
class RiskDifference:
    """Risk difference p_a - p_b with its CI."""

    estimate: float
    ci_lower: float
    ci_upper: float
    method: str
    level: float
    events_a: int
    total_a: int
    events_b: int
    total_b: int
    label: str = ""

    def to_row(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class FisherResult:
    """Fisher's exact test of the 2x2 table [[events_a, non-events_a], [events_b, non-events_b]]."""

    odds_ratio: float  # sample (unconditional) odds ratio as scipy returns it
    p_value: float
    alternative: str
    table: tuple[tuple[int, int], tuple[int, int]]

    def to_row(self) -> dict[str, object]:
        return dict(self.__dict__)


def _check_pair(events: int, total: int, name: str) -> tuple[int, int]:
    x, n = as_counts([events], [total])
    return int(x[0]), int(n[0])


def _newcombe(xa: int, na: int, xb: int, nb: int, level: float) -> tuple[float, float]:
    """Newcombe (1998) method 10: hybrid of the two Wilson score intervals (no continuity correction)."""
    (la, lb), (ua, ub) = wilson([xa, xb], [na, nb], level)
    pa, pb = xa / na, xb / nb
    d = pa - pb
    lower = d - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    upper = d + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    return lower, upper


def _mn_restricted(pa: float, na: int, pb: float, nb: int, delta: float) -> tuple[float, float]:
    """Restricted ML estimates (p_a, p_b) under p_a - p_b = delta (Miettinen & Nurminen 1985, closed form)."""
    theta = nb / na
    a = 1 + theta
    b = -(1 + theta + pa + theta * pb + delta * (theta + 2))
    c = delta * delta + delta * (2 * pa + theta + 1) + pa + theta * pb
    d = -pa * delta * (1 + delta)
    v = b**3 / (27 * a**3) - b * c / (6 * a * a) + d / (2 * a)
    s = b * b / (9 * a * a) - c / (3 * a)
    u = math.copysign(math.sqrt(max(s, 0.0)), v) if v != 0 else math.sqrt(max(s, 0.0))
    if u == 0:
        ra = -b / (3 * a)
    else:
        ratio = max(-1.0, min(1.0, v / u**3))
        w = (math.pi + math.acos(ratio)) / 3
        ra = 2 * u * math.cos(w) - b / (3 * a)
    ra = min(1.0, max(0.0, ra))
    rb = min(1.0, max(0.0, ra - delta))
    return ra, rb


def _miettinen_nurminen(xa: int, na: int, xb: int, nb: int, level: float) -> tuple[float, float]:
    """Score interval of Miettinen & Nurminen (1985): {delta: (d - delta)^2 / V(delta) <= chi2_1(level)}."""
    pa, pb = xa / na, xb / nb
    d = pa - pb
    total = na + nb
    crit = stats.chi2.ppf(level, 1)

    def excess(delta: float) -> float:
        ra, rb = _mn_restricted(pa, na, pb, nb, delta)
        var = (ra * (1 - ra) / na + rb * (1 - rb) / nb) * total / (total - 1)
        if var <= 0:
            return math.inf if d != delta else -crit
        return (d - delta) ** 2 / var - crit

    edge = 1e-12
    lower = -1.0 if excess(-1 + edge) <= 0 else optimize.brentq(excess, -1 + edge, d, xtol=1e-14, rtol=1e-14)
    upper = 1.0 if excess(1 - edge) <= 0 else optimize.brentq(excess, d, 1 - edge, xtol=1e-14, rtol=1e-14)
    return lower, upper


def risk_difference(
    events_a: int,
    total_a: int,
    events_b: int,
    total_b: int,
    method: Literal["newcombe", "miettinen_nurminen"] = "newcombe",
    level: float = 0.95,
) -> RiskDifference:
    """Risk difference events_a/total_a - events_b/total_b (e.g. children minus adults) with its CI."""
    xa, na = _check_pair(events_a, total_a, "group A")
    xb, nb = _check_pair(events_b, total_b, "group B")
    if method == "newcombe":
        lower, upper = _newcombe(xa, na, xb, nb, level)
        label = "Newcombe hybrid Wilson score (method 10)"
    elif method == "miettinen_nurminen":
        lower, upper = _miettinen_nurminen(xa, na, xb, nb, level)
        label = "Miettinen-Nurminen score"
    else:
        raise ValueError(f"unknown risk-difference CI {method!r}: use 'newcombe' or 'miettinen_nurminen'.")
    return RiskDifference(
        estimate=xa / na - xb / nb,
        ci_lower=float(lower),
        ci_upper=float(upper),
        method=method,
        level=float(level),
        events_a=xa,
        total_a=na,
        events_b=xb,
        total_b=nb,
        label=label,
    )


def fisher_exact_counts(
    events_a: int,
    total_a: int,
    events_b: int,
    total_b: int,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
) -> FisherResult:
    """Fisher's exact test on patient counts of two groups."""
    xa, na = _check_pair(events_a, total_a, "group A")
    xb, nb = _check_pair(events_b, total_b, "group B")
    table = ((xa, na - xa), (xb, nb - xb))
    res = stats.fisher_exact(table, alternative=alternative)
    return FisherResult(odds_ratio=float(res.statistic), p_value=float(res.pvalue), alternative=alternative, table=table)


def compare_groups(
    events: ArrayLike,
    totals: ArrayLike,
    groups: Sequence[object],
    group_a: str,
    group_b: str,
    method: Literal["newcombe", "miettinen_nurminen"] = "newcombe",
    level: float = 0.95,
) -> tuple[RiskDifference, FisherResult]:
    """Sum patient counts per group, then risk difference (A minus B) and Fisher's exact test."""
    x, n = as_counts(events, totals)
    labels = _check_groups(groups, x.size)
    for g in (group_a, group_b):
        if g not in labels:
            raise ValueError(f"group {g!r} not found: groups are {', '.join(group_order(labels))}.")
    sel_a = np.array([lab == group_a for lab in labels])
    sel_b = np.array([lab == group_b for lab in labels])
    xa, na, xb, nb = int(x[sel_a].sum()), int(n[sel_a].sum()), int(x[sel_b].sum()), int(n[sel_b].sum())
    return risk_difference(xa, na, xb, nb, method=method, level=level), fisher_exact_counts(xa, na, xb, nb)
