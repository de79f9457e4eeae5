"""Trajectories: one labelled line per child on top of the adults, and the patients behind each time point."""

import pandas as pd

from review_utils.figures.style import AGE_GROUP_COLOURS
from review_utils.figures.trajectories import DAYS_PER_MONTH, month_ticks, trajectory_plot

DATA = pd.DataFrame(
    [
        ("K1", "children", "SLEDAI-2K", -2, 16), ("K1", "children", "SLEDAI-2K", 30, 6), ("K1", "children", "SLEDAI-2K", 180, 0),
        ("K2", "children", "SLEDAI-2K", 0, 12), ("K2", "children", "SLEDAI-2K", 95, 4),
        ("A1", "adults", "SLEDAI-2K", -5, 10), ("A1", "adults", "SLEDAI-2K", 88, 2), ("A1", "adults", "SLEDAI-2K", 190, 0),
        ("A2", "adults", "SLEDAI-2K", 0, 8), ("A2", "adults", "SLEDAI-2K", 175, 2),
        ("A3", "adults", "SLEDAI-2K", 0, 14),
        ("A3", "adults", "C3", 0, 0.5),  # another measure: not drawn in the SLEDAI-2K plot
    ],
    columns=["patient_id", "age_group", "measure", "day", "value"],
)


def test_one_line_per_child_in_the_children_colour_labelled_with_the_patient():
    """Two children: two vermillion lines, each labelled with its patient id; three adults: three blue lines."""
    fig, shown = trajectory_plot(DATA)
    ax = fig.axes[0]
    colours = [ln.get_color() for ln in ax.lines]
    assert colours.count(AGE_GROUP_COLOURS["children"]) == 2
    assert colours.count(AGE_GROUP_COLOURS["adults"]) == 3
    labels = sorted(t.get_text() for t in ax.texts if t.get_text() in {"K1", "K2", "A1", "A2", "A3"})
    assert labels == ["K1", "K2"]
    lines = shown["lines"].set_index("patient_id")
    assert lines.loc["K1", "points"] == 3 and lines.loc["A3", "points"] == 1


def test_line_points_are_the_values_at_days_since_infusion_in_months():
    """K1's line passes through (day/30.44, value) for each of its measurements."""
    fig, _ = trajectory_plot(DATA)
    k1 = [ln for ln in fig.axes[0].lines if ln.get_color() == AGE_GROUP_COLOURS["children"]][0]
    assert list(k1.get_xdata()) == [d / DAYS_PER_MONTH for d in (-2, 30, 180)]
    assert list(k1.get_ydata()) == [16, 6, 0]


def test_patients_per_time_point_counted_by_nearest_tick_and_drawn_under_the_axis():
    """Ticks 0, 1, 3, 6 months. By hand: children 0 m {K1,K2}, 1 m {K1}, 3 m {K2}, 6 m {K1};
    adults 0 m {A1,A2,A3}, 3 m {A1}, 6 m {A1,A2}."""
    fig, shown = trajectory_plot(DATA)
    n = shown["n_at_tick"]
    assert list(n.columns) == [0, 1, 3, 6]
    assert n.loc["children"].tolist() == [2, 1, 1, 1]
    assert n.loc["adults"].tolist() == [3, 0, 1, 2]
    drawn = [t.get_text() for t in fig.axes[0].texts if t.get_text().isdigit()]
    assert drawn == ["2", "1", "1", "1", "3", "0", "1", "2"]


def test_month_ticks_stay_apart_so_the_n_row_is_legible():
    """Neighbouring ticks are at least a tenth of the axis apart and start at 0."""
    for max_day in (40, 100, 400, 800, 2000, 4000):
        ticks = month_ticks(max_day)
        assert ticks[0] == 0 and len(ticks) >= 2
        assert all(b - a >= ticks[-1] / 10 for a, b in zip(ticks, ticks[1:]))
