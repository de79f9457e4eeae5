"""Properties every pooled proportion must have, checked on random paediatric-sized data
(1 to 8 reports of 1 to 8 patients, any number of events including 0/n and n/n)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review_utils.pooling import METHODS, clopper_pearson, crude_pool, fit_rma, pool, wilson
from review_utils.pooling.inverse_variance import logit_escalc

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)


@st.composite
def reports(draw, min_k: int = 1, max_k: int = 8, max_n: int = 8):
    k = draw(st.integers(min_k, max_k))
    totals = draw(st.lists(st.integers(1, max_n), min_size=k, max_size=k))
    events = [draw(st.integers(0, n)) for n in totals]
    return events, totals


@SETTINGS
@given(data=reports())
def test_estimates_and_intervals_are_proportions_and_cover_the_estimate(data):
    """For every method: 0 <= ci_lower <= estimate <= ci_upper <= 1, and the prediction interval contains
    the confidence interval (it adds tau^2 to the variance)."""
    events, totals = data
    for method in METHODS:
        res = pool(events, totals, method=method)
        assert 0.0 <= res.ci_lower <= res.estimate <= res.ci_upper <= 1.0, method
        if res.pi_lower is not None:
            assert 0.0 <= res.pi_lower <= res.ci_lower + 1e-12, method
            assert res.ci_upper - 1e-12 <= res.pi_upper <= 1.0, method


@SETTINGS
@given(data=reports(min_k=2))
def test_swapping_events_and_non_events_mirrors_the_estimate(data):
    """Counting non-events instead of events maps p to 1 - p and the CI [l, u] to [1 - u, 1 - l]
    (logit models: mu -> -mu with the same SE and tau^2; the 1/2 correction is symmetric)."""
    events, totals = data
    mirrored = [n - x for x, n in zip(events, totals, strict=True)]
    for method in ("glmm", "iv_reml_knha", "iv_reml_z", "iv_dl_z", "iv_pm_z", "crude"):
        a = pool(events, totals, method=method)
        b = pool(mirrored, totals, method=method)
        assert a.estimable == b.estimable, method
        assert b.estimate == pytest.approx(1 - a.estimate, abs=1e-6), method
        assert b.ci_lower == pytest.approx(1 - a.ci_upper, abs=1e-6), method
        assert b.ci_upper == pytest.approx(1 - a.ci_lower, abs=1e-6), method


@SETTINGS
@given(data=reports())
def test_crude_pool_adding_a_report_at_the_pooled_proportion_narrows_the_exact_ci(data):
    """Crude pool: adding a report with the same events/patients as all reports together (so its
    proportion equals the pooled X/N) keeps the estimate and gives a strictly narrower Clopper-Pearson CI."""
    events, totals = data
    before = crude_pool(events, totals)
    after = crude_pool(events + [sum(events)], totals + [sum(totals)])
    assert after.estimate == pytest.approx(before.estimate, abs=1e-15)
    assert after.ci_upper - after.ci_lower < before.ci_upper - before.ci_lower
    assert before.ci_lower <= after.ci_lower and after.ci_upper <= before.ci_upper


@SETTINGS
@given(data=reports(), v_new=st.floats(0.05, 20.0))
def test_fixed_effect_logit_model_adding_a_report_at_the_pooled_logit_narrows_the_ci(data, v_new):
    """Inverse-variance model with tau^2 = 0 (fixed effect): a new report whose logit equals the pooled
    logit leaves the estimate unchanged and strictly narrows the CI (1/SE^2 grows by 1/v_new).
    (With tau^2 estimated this need not hold: the new report changes tau^2.)"""
    events, totals = data
    yi, vi = logit_escalc(events, totals)
    if yi.size < 2:
        yi, vi = np.append(yi, yi), np.append(vi, vi)
    before = fit_rma(yi, vi, method="FE", test="z")
    mu = before.beta[0]
    after = fit_rma(np.append(yi, mu), np.append(vi, v_new), method="FE", test="z")
    assert after.beta[0] == pytest.approx(mu, abs=1e-10)
    assert after.se[0] < before.se[0]


@SETTINGS
@given(data=reports(max_n=60))
def test_exact_and_wilson_intervals_contain_the_observed_proportion(data):
    """Per report: Clopper-Pearson and Wilson intervals lie in [0, 1] and contain x/n; at 0/n the lower
    bound is 0 and at n/n the upper bound is 1."""
    events, totals = data
    x, n = np.array(events), np.array(totals)
    for lower, upper in (clopper_pearson(x, n), wilson(x, n)):
        assert np.all((0 <= lower) & (lower <= x / n) & (x / n <= upper) & (upper <= 1))
        assert np.all(lower[x == 0] == 0) and np.all(upper[x == n] == 1)
