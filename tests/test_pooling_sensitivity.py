"""Sensitivity analyses: leave-one-report-out, cumulative pooling by date, method comparison.

The crude pooled proportion makes hand computation possible: reports 1/4, 2/5, 3/6 (15 patients).
"""

from __future__ import annotations

import pytest

from review_utils.pooling import METHOD_LABELS, METHODS, cumulative, leave_one_out, method_comparison, pool

EVENTS, TOTALS, LABELS = [1, 2, 3], [4, 5, 6], ["smith2023", "jones2021", "lee2024"]


def test_leave_one_out_omits_each_report_in_turn():
    """Without smith2023: 5/11; without jones2021: 4/10; without lee2024: 3/9."""
    frame = leave_one_out(EVENTS, TOTALS, LABELS, method="crude")
    assert frame["omitted"].tolist() == LABELS
    assert frame["estimate"].tolist() == pytest.approx([5 / 11, 4 / 10, 3 / 9])
    assert frame["k"].tolist() == [2, 2, 2]


def test_leave_one_out_rows_equal_pooling_the_remaining_reports():
    frame = leave_one_out(EVENTS, TOTALS, LABELS, method="glmm")
    expected = pool(EVENTS[1:], TOTALS[1:], method="glmm")
    assert frame.iloc[0]["estimate"] == expected.estimate
    assert frame.iloc[0]["ci_upper"] == expected.ci_upper


def test_cumulative_pooling_follows_publication_date():
    """Sorted by date: jones2021 (2/5), smith2023 (+1/4 -> 3/9), lee2024 (+3/6 -> 6/15)."""
    frame = cumulative(EVENTS, TOTALS, LABELS, method="crude", order=["2023-05-01", "2021-02-01", "2024-01-09"])
    assert frame["added"].tolist() == ["jones2021", "smith2023", "lee2024"]
    assert frame["estimate"].tolist() == pytest.approx([2 / 5, 3 / 9, 6 / 15])
    assert frame["k"].tolist() == [1, 2, 3]


def test_cumulative_first_step_of_a_model_is_not_estimable():
    """One report cannot be meta-analysed: the first cumulative GLMM step says so and carries the crude 1/4."""
    frame = cumulative(EVENTS, TOTALS, LABELS, method="glmm")
    first = frame.iloc[0]
    assert not first["estimable"]
    assert first["estimate"] == pytest.approx(1 / 4)
    assert "k = 1" in first["notes"]
    assert frame["estimable"].tolist()[1:] == [True, True]


def test_method_comparison_has_every_method_in_order():
    frame = method_comparison([0, 3, 8], [4, 4, 15])
    assert frame["method"].tolist() == list(METHODS)
    assert frame["label"].tolist() == [METHOD_LABELS[m] for m in METHODS]
    crude = frame.set_index("method").loc["crude"]
    assert crude["estimate"] == pytest.approx(11 / 23)


def test_order_must_match_reports():
    with pytest.raises(ValueError, match="one per report"):
        cumulative(EVENTS, TOTALS, LABELS, order=["2020"])
