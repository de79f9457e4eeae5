"""Agreement with R metafor 3.8-1 (lme4 1.1-31) on the stored reference cases.

Expected values come only from ``tests/data/metafor_proportions.json`` (a verbatim copy of
``shared/reference/metafor_proportions.json``; see that folder's README for the R calls). Tolerances
(design section 4): exact CIs 1e-8; logit inverse-variance models 1e-6; the GLMM (fitted with accurate
50-node adaptive quadrature) 1e-4 against metafor's 25-point adaptive quadrature. Against metafor's default 7-point quadrature the GLMM agrees only loosely
(see ``test_glmm_agq7_close_to_accurate_fit``): lme4 with 7 nodes is itself off by up to 3e-3 (relative)
in tau^2 for the heterogeneous case, and this suite integrates accurately instead.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import expit

from review_utils.pooling import crude_pool, fit_glmm, moderator_test, pool, study_ci, subgroup_analysis
from review_utils.pooling.glmm import marginal_loglik

DATA = Path(__file__).resolve().parent / "data" / "metafor_proportions.json"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "metafor_proportions.json"
CASES = json.loads(DATA.read_text())
BY_NAME = {case["name"]: case for case in CASES}

# JSON key -> (our method name, tolerance on logit-scale quantities)
IV_KEYS = {
    "logit_iv_reml_z": "iv_reml_z",
    "logit_iv_reml_knha": "iv_reml_knha",
    "logit_iv_dl_z": "iv_dl_z",
    "logit_iv_pm_z": "iv_pm_z",
}
GLMM_KEYS = {
    "glmm_ml_z_agq25": "glmm_z",
    "glmm_ml_t_agq25": "glmm",  # the default method: ML with t-based CI
}


def _params(keys: dict[str, str]) -> list:
    out = []
    for case in CASES:
        for key, method in keys.items():
            if key in case:
                out.append(pytest.param(case["name"], key, method, id=f"{case['name']}-{key}"))
    return out


def test_repo_copy_equals_shared_reference():
    """The repository's copy of the reference file is byte-identical to shared/reference (when present)."""
    if not SHARED.exists():
        pytest.skip("shared/reference is not next to the repository")
    assert DATA.read_bytes() == SHARED.read_bytes()


@pytest.mark.parametrize("name", [c["name"] for c in CASES])
def test_clopper_pearson_per_report_matches_binom_test(name):
    """Per-report exact CIs equal R binom.test()$conf.int to 1e-8."""
    case = BY_NAME[name]
    frame = study_ci(case["events"], case["totals"])
    expected = case["study_exact_ci"]
    assert len(frame) == len(expected)
    np.testing.assert_allclose(frame["ci_lower"], [e["lower"] for e in expected], rtol=0, atol=1e-8)
    np.testing.assert_allclose(frame["ci_upper"], [e["upper"] for e in expected], rtol=0, atol=1e-8)


@pytest.mark.parametrize("name", [c["name"] for c in CASES])
def test_crude_pooled_proportion_with_exact_ci(name):
    """Sum of events over sum of patients, with binom.test on the sums, to 1e-8."""
    case = BY_NAME[name]
    res = crude_pool(case["events"], case["totals"])
    ref = case["crude"]
    assert res.estimate == pytest.approx(ref["estimate"], abs=1e-12)
    assert res.ci_lower == pytest.approx(ref["lower"], abs=1e-8)
    assert res.ci_upper == pytest.approx(ref["upper"], abs=1e-8)


@pytest.mark.parametrize(("name", "key", "method"), _params(IV_KEYS))
def test_logit_inverse_variance_matches_metafor(name, key, method):
    """escalc("PLO", to="only0") + rma(method, test): every reported quantity to 1e-6."""
    case = BY_NAME[name]
    ref = case[key]
    res = pool(case["events"], case["totals"], method=method)
    assert res.estimable
    for field in ("logit", "se", "tau2", "q", "q_p", "estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper"):
        assert getattr(res, field) == pytest.approx(ref[field], abs=1e-6), field
    # I^2 is a percentage: 1e-6 on the scale of tau^2 / (tau^2 + s^2)
    assert res.i2 / 100 == pytest.approx(ref["i2"] / 100, abs=1e-6)
    assert sum(res.weights) == pytest.approx(100.0)


@pytest.mark.parametrize(("name", "key", "method"), _params(GLMM_KEYS))
def test_glmm_matches_metafor_agq25(name, key, method):
    """rma.glmm(measure="PLO", method="ML", nAGQ=25): logit, SE, tau^2 and interval bounds to 1e-4;
    where metafor cannot fit the ML model, the result is not estimable and carries the crude exact CI."""
    case = BY_NAME[name]
    ref = case[key]
    res = pool(case["events"], case["totals"], method=method)
    if "error" in ref:
        assert "Cannot fit ML model" in ref["error"]
        _assert_not_estimable_with_crude(res, case)
        return
    assert res.estimable
    for field in ("logit", "se", "tau2", "estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper"):
        assert getattr(res, field) == pytest.approx(ref[field], abs=1e-4), field
    assert res.weights == ()


@pytest.mark.parametrize(("name",), [pytest.param(c["name"], id=c["name"]) for c in CASES if "glmm_ml_z_agq7" in c])
def test_glmm_agq7_close_to_accurate_fit(name):
    """metafor's default nAGQ=7 differs from accurate integration; our accurate fit stays within
    1e-3 (logit), 2e-3 (SE, CI bounds) and 0.5% (tau^2) of it, and fails to fit exactly where it fails."""
    case = BY_NAME[name]
    ref = case["glmm_ml_z_agq7"]
    res = pool(case["events"], case["totals"], method="glmm_z")
    if "error" in ref:
        _assert_not_estimable_with_crude(res, case)
        return
    assert res.logit == pytest.approx(ref["logit"], abs=1e-3)
    assert res.se == pytest.approx(ref["se"], abs=2e-3)
    assert res.tau2 == pytest.approx(ref["tau2"], rel=5e-3, abs=1e-6)
    assert res.ci_lower == pytest.approx(ref["ci_lower"], abs=2e-3)
    assert res.ci_upper == pytest.approx(ref["ci_upper"], abs=2e-3)


def _assert_not_estimable_with_crude(res, case):
    crude = case["crude"]
    assert not res.estimable
    assert any("not estimable" in note for note in res.notes)
    assert res.estimate == pytest.approx(crude["estimate"], abs=1e-12)
    assert res.ci_lower == pytest.approx(crude["lower"], abs=1e-8)
    assert res.ci_upper == pytest.approx(crude["upper"], abs=1e-8)
    assert res.logit is None and res.se is None and res.tau2 is None


@pytest.mark.parametrize("method", ["glmm", "glmm_z", "iv_reml_knha", "iv_reml_z", "iv_dl_z", "iv_pm_z", "freeman_tukey_legacy"])
def test_single_report_is_not_estimable_and_carries_crude(method):
    """k = 1 (the single_study case, 3/4): no model is fitted; the crude 3/4 with binom.test's CI is reported."""
    case = BY_NAME["single_study"]
    res = pool(case["events"], case["totals"], method=method)
    assert res.k == 1
    _assert_not_estimable_with_crude(res, case)


def test_moderator_test_matches_metafor_qm():
    """rma(yi, vi, mods = ~ group, method = "REML"): QM (df = 1) and its p-value to 1e-4."""
    case = BY_NAME["paediatric_vs_adult"]
    test = moderator_test(case["events"], case["totals"], case["groups"])
    assert test.df == 1
    assert test.qm == pytest.approx(case["subgroup"]["mixed_effects_qm"], abs=1e-4)
    assert test.p == pytest.approx(case["subgroup"]["qm_p"], abs=1e-4)


@pytest.mark.parametrize("group", ["adult", "paediatric"])
def test_per_group_reml_fits_match_metafor(group):
    """Per-group rma(method="REML") on the logit scale: logit, SE and tau^2 to 1e-6."""
    case = BY_NAME["paediatric_vs_adult"]
    analysis = subgroup_analysis(case["events"], case["totals"], case["groups"], method="iv_reml_z")
    ref = next(g for g in case["subgroup"]["per_group_reml"] if g["group"] == group)
    res = analysis.results[group]
    assert res.logit == pytest.approx(ref["logit"], abs=1e-6)
    assert res.se == pytest.approx(ref["se"], abs=1e-6)
    assert res.tau2 == pytest.approx(ref["tau2"], abs=1e-6)


@pytest.mark.parametrize(("n_nodes", "tolerance"), [(50, 1e-9), (25, 1e-6)])
def test_glmm_quadrature_equals_adaptive_integration(n_nodes, tolerance):
    """The adaptive Gauss-Hermite marginal log-likelihood equals scipy.integrate.quad over the random effect
    at the heterogeneous case's ML estimate (tau^2 = 6.44, the hardest stored case): to 1e-9 with the
    default 50 nodes, to 1e-6 with metafor's nAGQ=25."""
    case = BY_NAME["heterogeneous"]
    ref = case["glmm_ml_z_agq25"]
    mu, tau = ref["logit"], math.sqrt(ref["tau2"])
    by_quad = 0.0
    for x, n in zip(case["events"], case["totals"], strict=True):
        def integrand(b, x=x, n=n):
            return stats.binom.pmf(x, n, expit(mu + b)) * stats.norm.pdf(b, scale=tau)

        value, _ = integrate.quad(integrand, -12 * tau, 12 * tau, epsabs=1e-14, epsrel=1e-12, limit=200)
        by_quad += math.log(value)
    assert marginal_loglik(mu, tau, case["events"], case["totals"], n_nodes=n_nodes) == pytest.approx(by_quad, abs=tolerance)


def test_glmm_boundary_fit_is_the_fixed_effect_logistic_model():
    """tiny_mixed (0/4, 3/4, 8/15): metafor's tau^2 is 0, so mu = logit(11/23) and
    SE = 1/sqrt(23 * p * (1 - p)) with p = 11/23 exactly (hand computation)."""
    case = BY_NAME["tiny_mixed"]
    fit = fit_glmm(case["events"], case["totals"])
    p = 11 / 23
    assert fit.at_boundary and fit.tau2 == 0.0
    assert fit.mu == pytest.approx(math.log(p / (1 - p)), abs=1e-12)
    assert fit.se == pytest.approx(1 / math.sqrt(23 * p * (1 - p)), abs=1e-12)
