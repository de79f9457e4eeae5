"""Toxicity profile: CRS and ICANS grade distributions by age group as 100% stacked bars with n."""

import pandas as pd
import pytest

from review_utils.figures.style import AGE_GROUP_COLOURS
from review_utils.figures.toxicity import GRADE_LEVELS, toxicity_plot

COUNTS = pd.DataFrame(
    [
        ("children", "CRS", 0, 1), ("children", "CRS", 1, 2), ("children", "CRS", 2, 1),
        ("children", "ICANS", 0, 4),
        ("adults", "CRS", 0, 20), ("adults", "CRS", 1, 60), ("adults", "CRS", 3, 15), ("adults", "CRS", 4, 3),
        ("adults", "CRS", 5, 2),
        ("adults", "ICANS", 0, 90), ("adults", "ICANS", 2, 10),
    ],
    columns=["age_group", "event", "grade", "count"],
)


def test_percentages_and_n_per_bar_equal_the_hand_count():
    """Children CRS n = 4: 25% grade 0, 50% grade 1, 25% grade 2. Adults CRS n = 100: grades 4 and 5 join as 4+ (5%)."""
    _, table = toxicity_plot(COUNTS)
    bars = table.set_index(["event", "age_group"])
    assert bars.loc[("CRS", "children"), "n"] == 4
    assert [bars.loc[("CRS", "children"), f"percent_{lv}"] for lv in GRADE_LEVELS] == [25, 50, 25, 0, 0]
    assert bars.loc[("CRS", "adults"), "n"] == 100
    assert [bars.loc[("CRS", "adults"), f"percent_{lv}"] for lv in GRADE_LEVELS] == [20, 60, 0, 15, 5]
    assert [bars.loc[("ICANS", "adults"), f"percent_{lv}"] for lv in GRADE_LEVELS] == [90, 0, 10, 0, 0]
    assert list(zip(table["event"], table["age_group"])) == [
        ("CRS", "children"), ("CRS", "adults"), ("ICANS", "children"), ("ICANS", "adults")]


def test_drawn_segments_stack_to_100_percent_and_n_labels_are_drawn():
    """Every bar's segments sum to 100; each bar carries its 'n = ...' label; tick labels take the age-group colour."""
    fig, table = toxicity_plot(COUNTS)
    ax = fig.axes[0]
    heights = {}
    for patch in ax.patches:
        x = round(patch.get_x() + patch.get_width() / 2, 6)
        heights[x] = heights.get(x, 0) + patch.get_height()
    assert len(heights) == 4 and all(h == pytest.approx(100) for h in heights.values())
    texts = [t.get_text() for t in ax.texts]
    assert [t for t in texts if t.startswith("n = ")] == ["n = 4", "n = 100", "n = 4", "n = 100"]
    assert "50%" in texts and "15%" in texts
    ticks = [(t.get_text(), t.get_color()) for t in ax.get_xticklabels()]
    assert ticks[0] == ("CRS\nChildren", AGE_GROUP_COLOURS["children"])
    assert ticks[1] == ("CRS\nAdults", AGE_GROUP_COLOURS["adults"])


def test_grades_outside_0_to_5_are_refused():
    """ASTCT grades are 0-5; a grade of 6 is an error."""
    with pytest.raises(ValueError, match="0-5"):
        toxicity_plot(pd.concat([COUNTS, pd.DataFrame([("adults", "CRS", 6, 1)], columns=COUNTS.columns)]))
