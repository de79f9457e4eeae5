"""Subgroups and two-group comparisons: per-group fits, the test for subgroup differences, risk
differences with Newcombe and Miettinen-Nurminen intervals, Fisher's exact test.

Published values: Newcombe RG (1998) Interval estimation for the difference between independent
proportions: comparison of eleven methods. Stat Med 17:873-890, Table II (methods 10 and 6), to 4 dp.
"""

from __future__ import annotations

import pytest

from review_utils.pooling import (
    compare_groups,
    fisher_exact_counts,
    moderator_test,
    pool,
    risk_difference,
    subgroup_analysis,
)

# Newcombe 1998 Table II, method 10 (hybrid score, no continuity correction)
NEWCOMBE_10 = [
    pytest.param((56, 70, 48, 80), (0.0524, 0.3339), id="a-56/70-vs-48/80"),
    pytest.param((9, 10, 3, 10), (0.1705, 0.8090), id="b-9/10-vs-3/10"),
    pytest.param((5, 56, 0, 29), (-0.0381, 0.1926), id="d-5/56-vs-0/29"),
    pytest.param((0, 10, 0, 20), (-0.1611, 0.2775), id="e-0/10-vs-0/20"),
    pytest.param((10, 10, 0, 20), (0.6791, 1.0000), id="f-10/10-vs-0/20"),
]
# Newcombe 1998 Table II, method 6 (Miettinen-Nurminen score)
MIETTINEN_NURMINEN = [
    pytest.param((56, 70, 48, 80), (0.0528, 0.3382), id="a-56/70-vs-48/80"),
    pytest.param((10, 10, 0, 20), (0.7156, 1.0000), id="f-10/10-vs-0/20"),
]


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE_10)
def test_newcombe_hybrid_score_interval_matches_newcombe_1998(counts, expected):
    res = risk_difference(*counts, method="newcombe")
    assert res.estimate == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert (round(res.ci_lower, 4), round(res.ci_upper, 4)) == expected


@pytest.mark.parametrize(("counts", "expected"), MIETTINEN_NURMINEN)
def test_miettinen_nurminen_interval_matches_newcombe_1998(counts, expected):
    res = risk_difference(*counts, method="miettinen_nurminen")
    assert (round(res.ci_lower, 4), round(res.ci_upper, 4)) == expected


def test_risk_difference_is_group_a_minus_group_b():
    """Children 1/4 against adults 3/4: the difference is 1/4 - 3/4 = -0.5, and swapping groups negates it."""
    ab = risk_difference(1, 4, 3, 4)
    ba = risk_difference(3, 4, 1, 4)
    assert ab.estimate == pytest.approx(-0.5)
    assert (ba.ci_lower, ba.ci_upper) == pytest.approx((-ab.ci_upper, -ab.ci_lower))


def test_fisher_exact_two_sided_p_of_the_tea_tasting_table():
    """Fisher's lady tasting tea, [[3, 1], [1, 3]]: the tables as or more extreme have probabilities
    1/70, 16/70, 16/70, 1/70, so the two-sided p is 34/70 (hand computation)."""
    res = fisher_exact_counts(3, 4, 1, 4)
    assert res.table == ((3, 1), (1, 3))
    assert res.p_value == pytest.approx(34 / 70, abs=1e-12)
    assert res.odds_ratio == pytest.approx(9.0)


def test_compare_groups_sums_patients_per_group():
    """Reports 6/8, 1/1, 1/1 (children) and 11/15, 10/13 (adults): pooled counts 8/10 and 21/28."""
    rd, fisher = compare_groups([6, 1, 1, 11, 10], [8, 1, 1, 15, 13], ["child"] * 3 + ["adult"] * 2, "child", "adult")
    assert (rd.events_a, rd.total_a, rd.events_b, rd.total_b) == (8, 10, 21, 28)
    assert rd.estimate == pytest.approx(8 / 10 - 21 / 28)
    assert fisher.table == ((8, 2), (21, 7))


def test_subgroup_analysis_pools_each_group_separately():
    """Each group's result equals pooling that group's reports alone."""
    events, totals = [6, 1, 1, 11, 10, 8, 0, 5], [8, 1, 1, 15, 13, 10, 3, 6]
    groups = ["paediatric"] * 3 + ["adult"] * 5
    analysis = subgroup_analysis(events, totals, groups, method="glmm")
    assert list(analysis.results) == ["paediatric", "adult"]
    assert analysis.results["paediatric"] == pool(events[:3], totals[:3], method="glmm")
    assert analysis.results["adult"] == pool(events[3:], totals[3:], method="glmm")
    frame = analysis.frame()
    assert frame["group"].tolist() == ["paediatric", "adult"]
    assert analysis.test.df == 1


def test_moderator_test_with_three_groups_has_two_degrees_of_freedom():
    test = moderator_test([1, 2, 5, 6, 8, 9], [10, 10, 10, 10, 10, 10], list("aabbcc"))
    assert test.df == 2 and test.estimable
    assert test.qm > 0 and 0 < test.p < 1


def test_moderator_test_with_one_group_is_not_estimable():
    test = moderator_test([1, 2, 3], [4, 4, 4], ["a", "a", "a"])
    assert not test.estimable and test.notes


def test_subgroup_groups_must_match_reports():
    with pytest.raises(ValueError, match="one group per report"):
        subgroup_analysis([1, 2], [3, 3], ["a"])
