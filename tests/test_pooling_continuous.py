"""Change from baseline in a continuous measure from individual data (rules in review_utils.pooling.continuous):
baseline = last value at day <= 0; time-point value = nearest measurement after infusion within the window
(ties: the earlier day; same-day values averaged); medians and IQR; Wilcoxon and Mann-Whitney with n."""

from __future__ import annotations

import pandas as pd
import pytest

from review_utils.pooling import change_from_baseline, mann_whitney_between, summarise_change, wilcoxon_within

ROWS = [
    # patient, group, measure, day, value
    ("P1", "child", "SLEDAI-2K", -30, 20),
    ("P1", "child", "SLEDAI-2K", 0, 16),  # baseline: the last value at day <= 0
    ("P1", "child", "SLEDAI-2K", 85, 8),  # 6 days from day 91
    ("P1", "child", "SLEDAI-2K", 95, 6),  # 4 days from day 91: nearer, taken
    ("P1", "child", "SLEDAI-2K", 180, 4),
    ("P1", "child", "SLEDAI-2K", 300, 2),  # 65 days from day 365: outside the 30-day window
    ("P1", "child", "prednisolone mg/day", 0, 40),  # another measure: ignored
    ("P2", "child", "SLEDAI-2K", -10, 12),
    ("P2", "child", "SLEDAI-2K", 91, 4),
    ("P2", "child", "SLEDAI-2K", 91, 6),  # same day: mean 5
    ("P2", "child", "SLEDAI-2K", 170, 2),  # 13 days before day 183
    ("P2", "child", "SLEDAI-2K", 196, 0),  # 13 days after: tie, the earlier day wins
    ("P3", "child", "SLEDAI-2K", 10, 8),  # no baseline
    ("P3", "child", "SLEDAI-2K", 90, 4),
    ("P4", "adult", "SLEDAI-2K", -5, 10),
    ("P4", "adult", "SLEDAI-2K", 90, 8),
    ("P5", "adult", "SLEDAI-2K", -1, 8),
    ("P5", "adult", "SLEDAI-2K", 92, 8),
]
DATA = pd.DataFrame(ROWS, columns=["patient_id", "group", "measure", "day", "value"])


@pytest.fixture(scope="module")
def changes():
    return change_from_baseline(DATA, "SLEDAI-2K", window_days=30)


def _row(changes, patient, label):
    row = changes[(changes["patient_id"] == patient) & (changes["time_point"] == label)]
    assert len(row) == 1
    return row.iloc[0]


def test_baseline_is_the_last_value_on_or_before_day_0(changes):
    row = _row(changes, "P1", "3 months")
    assert (row["baseline_day"], row["baseline_value"]) == (0, 16)


def test_nearest_measurement_within_the_window_is_used(changes):
    """P1 at 3 months (day 91): day 95 (4 days away) beats day 85 (6 days away): change 6 - 16 = -10."""
    row = _row(changes, "P1", "3 months")
    assert (row["day"], row["value"], row["change"]) == (95, 6, -10)
    assert row["status"] == "ok"


def test_measurement_outside_the_window_leaves_the_time_point_missing(changes):
    row = _row(changes, "P1", "12 months")
    assert pd.isna(row["change"])
    assert row["status"] == "no measurement within 30 days"


def test_same_day_values_are_averaged_and_ties_take_the_earlier_day(changes):
    """P2: day 91 values 4 and 6 -> 5 (change -7); at day 183, days 170 and 196 are both 13 days away:
    day 170 (value 2) is taken, change -10."""
    assert _row(changes, "P2", "3 months")["change"] == -7
    row = _row(changes, "P2", "6 months")
    assert (row["day"], row["change"]) == (170, -10)


def test_patient_without_baseline_has_no_change(changes):
    row = _row(changes, "P3", "3 months")
    assert row["status"] == "no baseline" and pd.isna(row["change"])


def test_summary_gives_n_median_and_iqr(changes):
    """Children at 3 months: changes -10 and -7 (P3 has no baseline): n = 2, median -8.5,
    quartiles -9.25 and -7.75 (linear interpolation); adults: changes -2 and 0."""
    summary = summarise_change(changes).set_index(["group", "time_point"])
    child = summary.loc[("child", "3 months")]
    assert (child["n"], child["n_missing"]) == (2, 1)
    assert (child["median_change"], child["q1_change"], child["q3_change"]) == pytest.approx((-8.5, -9.25, -7.75))
    assert child["median_baseline"] == pytest.approx(14.0)
    adult = summary.loc[("adult", "3 months")]
    assert (adult["n"], adult["median_change"]) == (2, -1.0)


def test_wilcoxon_signed_rank_exact_p_for_five_improvements():
    """Five patients all improve by different amounts: the exact two-sided p is 2 / 2^5 = 0.0625."""
    rows = []
    for i, drop in enumerate([2, 4, 5, 7, 9]):
        rows += [(f"Q{i}", "child", "SLEDAI-2K", 0, 20), (f"Q{i}", "child", "SLEDAI-2K", 91, 20 - drop)]
    changes = change_from_baseline(pd.DataFrame(rows, columns=DATA.columns), "SLEDAI-2K", time_points={"3 months": 91})
    result = wilcoxon_within(changes).iloc[0]
    assert (result["n"], result["n_nonzero"]) == (5, 5)
    assert result["p_value"] == pytest.approx(0.0625, abs=1e-12)


def test_mann_whitney_exact_p_for_complete_separation():
    """Changes -10, -9, -8 against +1, +2, +3: U = 0 and the exact two-sided p is 2 / C(6, 3) = 0.1."""
    rows = []
    for i, (group, change) in enumerate([("child", -10), ("child", -9), ("child", -8), ("adult", 1), ("adult", 2), ("adult", 3)]):
        rows += [(f"R{i}", group, "SLEDAI-2K", 0, 20), (f"R{i}", group, "SLEDAI-2K", 91, 20 + change)]
    changes = change_from_baseline(pd.DataFrame(rows, columns=DATA.columns), "SLEDAI-2K", time_points={"3 months": 91})
    result = mann_whitney_between(changes, "child", "adult").iloc[0]
    assert (result["n_a"], result["n_b"]) == (3, 3)
    assert result["u_statistic"] == 0
    assert result["p_value"] == pytest.approx(0.1, abs=1e-12)


def test_missing_columns_are_reported():
    with pytest.raises(ValueError, match="lacks column"):
        change_from_baseline(DATA.drop(columns=["day"]), "SLEDAI-2K")


def test_patient_in_two_groups_is_rejected():
    bad = pd.concat([DATA, pd.DataFrame([("P1", "adult", "SLEDAI-2K", 50, 1)], columns=DATA.columns)])
    with pytest.raises(ValueError, match="more than one group"):
        change_from_baseline(bad, "SLEDAI-2K")
