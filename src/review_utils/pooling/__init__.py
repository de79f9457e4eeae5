"""Pooling of proportions from tiny paediatric reports: exact CIs, binomial-normal GLMM, logit inverse-variance
models, subgroups, sensitivity analyses and continuous outcomes from individual data.

``pool(events, totals, method)`` is the entry point; ``METHODS`` lists the methods in the order of the
method-comparison table. Agreement with R metafor 3.8-1 is tested against stored reference values.
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from .continuous import (
    change_from_baseline,
    mann_whitney_between,
    summarise_change,
    wilcoxon_within,
)
from .exact import check_level, clopper_pearson, crude_pool, study_ci, wilson
from .glmm import GLMM_LABELS, GlmmFit, fit_glmm, pool_glmm
from .inverse_variance import FT_LABEL, IV_LABELS, fit_rma, pool_freeman_tukey_legacy, pool_logit_iv
from .result import PoolResult, results_frame

__all__ = [
    "METHODS",
    "METHOD_LABELS",
    "PoolResult",
    "results_frame",
    "pool",
    "compare_methods",
    "study_ci",
    "clopper_pearson",
    "wilson",
    "crude_pool",
    "fit_glmm",
    "GlmmFit",
    "fit_rma",
    "subgroup_analysis",
    "moderator_test",
    "SubgroupAnalysis",
    "ModeratorTest",
    "risk_difference",
    "RiskDifference",
    "fisher_exact_counts",
    "FisherResult",
    "compare_groups",
    "leave_one_out",
    "cumulative",
    "method_comparison",
    "change_from_baseline",
    "summarise_change",
    "wilcoxon_within",
    "mann_whitney_between",
]

METHODS: tuple[str, ...] = (
    "glmm",
    "glmm_z",
    "iv_reml_knha",
    "iv_reml_z",
    "iv_dl_z",
    "iv_pm_z",
    "crude",
    "freeman_tukey_legacy",
)

METHOD_LABELS: dict[str, str] = {
    "glmm": GLMM_LABELS["t"],
    "glmm_z": GLMM_LABELS["z"],
    "iv_reml_knha": IV_LABELS[("REML", "knha")],
    "iv_reml_z": IV_LABELS[("REML", "z")],
    "iv_dl_z": IV_LABELS[("DL", "z")],
    "iv_pm_z": IV_LABELS[("PM", "z")],
    "crude": "Crude pooled proportion (exact Clopper-Pearson CI)",
    "freeman_tukey_legacy": FT_LABEL,
}


def pool(events: ArrayLike, totals: ArrayLike, method: str = "glmm", level: float = 0.95) -> PoolResult:
    """Pool one outcome's events/totals (one pair per independent report) with the named method."""
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


# these modules call pool() and so are imported after it is defined
from .sensitivity import cumulative, leave_one_out, method_comparison  # noqa: E402
from .subgroups import (  # noqa: E402
    FisherResult,
    ModeratorTest,
    RiskDifference,
    SubgroupAnalysis,
    compare_groups,
    fisher_exact_counts,
    moderator_test,
    risk_difference,
    subgroup_analysis,
)
