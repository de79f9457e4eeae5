"""Pooling of proportions from tiny paediatric reports: exact CIs, binomial-normal GLMM, logit inverse-variance
models, subgroups, sensitivity analyses and continuous outcomes from individual data.

``pool(events, totals, method)`` is the entry point; ``METHODS`` lists the methods in the order of the
method-comparison table. Agreement with R metafor 3.8-1 is tested against stored reference values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

from .labels import GLMM_LABELS, FT_LABEL, IV_LABELS, METHOD_LABELS, METHODS

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .result import PoolResult

# name -> module: the numerical modules (and scipy) load on first use, so code that only needs a method's
# label (the report, the tables) does not pay for them.
_WHERE = {
    "change_from_baseline": "continuous", "mann_whitney_between": "continuous", "summarise_change": "continuous",
    "wilcoxon_within": "continuous",
    "check_level": "exact", "clopper_pearson": "exact", "crude_pool": "exact", "study_ci": "exact", "wilson": "exact",
    "GlmmFit": "glmm", "fit_glmm": "glmm", "pool_glmm": "glmm",
    "fit_rma": "inverse_variance", "pool_freeman_tukey_legacy": "inverse_variance", "pool_logit_iv": "inverse_variance",
    "PoolResult": "result", "results_frame": "result",
    "cumulative": "sensitivity", "leave_one_out": "sensitivity", "method_comparison": "sensitivity",
    "FisherResult": "subgroups", "ModeratorTest": "subgroups", "RiskDifference": "subgroups",
    "SubgroupAnalysis": "subgroups", "compare_groups": "subgroups", "fisher_exact_counts": "subgroups",
    "moderator_test": "subgroups", "risk_difference": "subgroups", "subgroup_analysis": "subgroups",
}


__getattr__ = lazy_attributes(__name__, _WHERE)


__all__ = ["METHODS", "METHOD_LABELS", "GLMM_LABELS", "IV_LABELS", "FT_LABEL", "pool", "compare_methods", *_WHERE]


def pool(events: ArrayLike, totals: ArrayLike, method: str = "glmm", level: float = 0.95) -> PoolResult:
    """Pool one outcome's events/totals (one pair per independent report) with the named method."""
    from .exact import check_level, crude_pool
    from .glmm import pool_glmm
    from .inverse_variance import pool_freeman_tukey_legacy, pool_logit_iv

    level = check_level(level)
    if method == "glmm":
        return pool_glmm(events, totals, test="t", level=level)
    if method == "glmm_z":
        return pool_glmm(events, totals, test="z", level=level)
    if method == "iv_reml_knha":
        return pool_logit_iv(events, totals, "REML", "knha", level)
    if method == "iv_reml_z":
        return pool_logit_iv(events, totals, "REML", "z", level)
    if method == "iv_dl_z":
        return pool_logit_iv(events, totals, "DL", "z", level)
    if method == "iv_pm_z":
        return pool_logit_iv(events, totals, "PM", "z", level)
    if method == "crude":
        return crude_pool(events, totals, level)
    if method == "freeman_tukey_legacy":
        return pool_freeman_tukey_legacy(events, totals, level)
    raise ValueError(f"unknown pooling method {method!r}: use one of {', '.join(METHODS)}.")


def compare_methods(events: ArrayLike, totals: ArrayLike, level: float = 0.95) -> list[PoolResult]:
    """Every method of ``METHODS``, in that order, on the same data."""
    return [pool(events, totals, method, level) for method in METHODS]
