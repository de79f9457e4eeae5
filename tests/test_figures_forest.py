"""Forest plot: every number shown comes from the events/totals and the PoolResult given.

The expected texts are computed here independently (scipy's beta quantiles for the Clopper-Pearson interval)
and compared with the returned text table and with the text artists actually drawn.
"""

from collections import Counter

import pandas as pd
import pytest
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from scipy import stats

from review_utils.figures.forest import ROW_MM, forest_plot
from review_utils.figures.style import AGE_GROUP_COLOURS
from review_utils.pooling.result import PoolResult

# Rows deliberately out of order: the plot sorts children first, then by year and label.
REPORTS = pd.DataFrame(
    [
        ("Zeta 2023", 2023, "adults", 3, 10),
        ("He 2025", 2025, "children", 0, 1),
        ("Alpha 2024", 2024, "adults", 0, 12),
        ("Krickau 2024", 2024, "children", 1, 1),
        ("Beta 2022", 2022, "adults", 5, 5),
        ("Nicolai 2024", 2024, "children", 2, 2),
    ],
    columns=["report_label", "year", "age_group", "events", "total"],
)
# Weights in the order of each group's rows in REPORTS: adults Zeta, Alpha, Beta.
ADULTS = PoolResult("iv_reml_knha", "Logit inverse-variance (REML, Knapp-Hartung)", 3, 27, 8, 0.30, 0.05, 0.78,
                    pi_lower=0.01, pi_upper=0.97, weights=(40.0, 45.0, 15.0))
CHILDREN = PoolResult("glmm", "GLMM (ML, t-based CI)", 3, 4, 3, 0.75, 0.194, 0.994, estimable=False,
                      notes=("not estimable: no finite ML estimate of tau^2",))
OVERALL = PoolResult("iv_reml_knha", "Logit inverse-variance (REML, Knapp-Hartung)", 6, 31, 11, 0.35, 0.15, 0.62,
                     pi_lower=0.05, pi_upper=0.85)
POOLED = {"children": CHILDREN, "adults": ADULTS, "overall": OVERALL}


def cp_text(x: int, n: int) -> str:
    lo = 0.0 if x == 0 else stats.beta.ppf(0.025, x, n - x + 1)
    hi = 1.0 if x == n else stats.beta.ppf(0.975, x + 1, n - x)
    return f"{100 * x / n:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]"


def test_report_rows_show_events_totals_and_exact_ci_sorted_children_first():
    """Each report row shows events/total and the exact Clopper-Pearson 95% CI as percentages; children come
    first, then adults, each sorted by year and label."""
    _, table = forest_plot(REPORTS, POOLED, outcome="CRS any grade")
    rows = table[table["kind"] == "report"]
    expected = [
        ("Krickau 2024", "2024", "1/1", cp_text(1, 1)),
        ("Nicolai 2024", "2024", "2/2", cp_text(2, 2)),
        ("He 2025", "2025", "0/1", cp_text(0, 1)),
        ("Beta 2022", "2022", "5/5", cp_text(5, 5)),
        ("Zeta 2023", "2023", "3/10", cp_text(3, 10)),
        ("Alpha 2024", "2024", "0/12", cp_text(0, 12)),
    ]
    assert expected[0][3] == "100.0 [2.5, 100.0]"  # the 1/1 interval as R's binom.test gives it
    assert list(zip(rows["label"], rows["year"], rows["events_total"], rows["estimate_ci"])) == expected
    assert rows["age_group"].tolist() == ["children"] * 3 + ["adults"] * 3


def test_pooled_rows_and_prediction_interval_come_from_the_pool_result():
    """A pooled row shows the PoolResult's events/patients and estimate [CI]; the row below shows its prediction
    interval; a result that is not estimable says so and carries its crude estimate."""
    _, table = forest_plot(REPORTS, POOLED)
    pooled = table[table["kind"] == "pooled"].set_index("age_group")
    assert pooled.loc["adults", "events_total"] == "8/27"
    assert pooled.loc["adults", "estimate_ci"] == "30.0 [5.0, 78.0]"
    assert pooled.loc["overall", "estimate_ci"] == "35.0 [15.0, 62.0]"
    assert pooled.loc["children", "estimate_ci"] == "not estimable (crude 75.0 [19.4, 99.4])"
    prediction = table[table["kind"] == "prediction"].set_index("age_group")["estimate_ci"].to_dict()
    assert prediction == {"adults": "[1.0, 97.0]", "overall": "[5.0, 85.0]"}  # none for the unfitted children model


def test_every_table_cell_is_drawn_and_nothing_else_in_the_rows():
    """The text artists in the plot rows are exactly the non-empty cells of the returned table."""
    fig, table = forest_plot(REPORTS, POOLED)
    ax = fig.axes[0]
    drawn = Counter(t.get_text() for t in ax.texts)
    cells = Counter(v for col in table.columns if col not in ("kind", "age_group") for v in table[col] if v)
    assert drawn == cells


def test_weights_are_matched_to_reports_and_size_the_squares():
    """Weights are given in input order; after sorting each report keeps its own weight, and a larger weight
    draws a larger square."""
    fig, table = forest_plot(REPORTS, POOLED)
    adults = table[(table["kind"] == "report") & (table["age_group"] == "adults")]
    assert dict(zip(adults["label"], adults["weight"])) == {"Zeta 2023": "40.0%", "Alpha 2024": "45.0%", "Beta 2022": "15.0%"}
    squares = [ln for ln in fig.axes[0].lines if isinstance(ln, Line2D) and ln.get_marker() == "s"]
    size_by_x = {round(float(ln.get_xdata()[0]), 6): ln.get_markersize() for ln in squares
                 if ln.get_color() == AGE_GROUP_COLOURS["adults"]}
    # x positions: Alpha 0/12 -> 0, Zeta 3/10 -> 0.3, Beta 5/5 -> 1.
    assert size_by_x[0.0] > size_by_x[0.3] > size_by_x[1.0]


def test_without_weights_squares_are_uniform_and_no_weight_column():
    """The GLMM has no per-report weights: the weight column is left out and all squares have one size."""
    pooled = {"adults": PoolResult("glmm", "GLMM (ML, t-based CI)", 3, 27, 8, 0.3, 0.1, 0.6, pi_lower=0.05, pi_upper=0.8)}
    fig, table = forest_plot(REPORTS[REPORTS["age_group"] == "adults"], pooled)
    assert "weight" not in table.columns
    sizes = {ln.get_markersize() for ln in fig.axes[0].lines if ln.get_marker() == "s"}
    assert len(sizes) == 1


def test_not_estimable_pool_is_an_open_diamond_and_the_method_is_named_in_the_footer():
    """The unfitted children model is drawn as an open (white) diamond; fitted ones are filled; the footer names
    every method used."""
    fig, _ = forest_plot(REPORTS, POOLED)
    diamonds = [p for p in fig.axes[0].patches if isinstance(p, Polygon)]
    faces = sorted(tuple(round(c, 3) for c in p.get_facecolor()[:3]) for p in diamonds)
    assert len(diamonds) == 3
    assert faces.count((1.0, 1.0, 1.0)) == 1
    footer = " ".join(t.get_text() for t in fig.texts)
    assert "GLMM (ML, t-based CI)" in footer and "Logit inverse-variance (REML, Knapp-Hartung)" in footer
    assert "Not estimable" in footer


def test_not_estimable_without_estimate_draws_no_diamond():
    """A result with no estimate at all shows the words 'not estimable' and no diamond."""
    pooled = {"children": PoolResult("glmm", "GLMM", 3, 4, 3, None, None, None, estimable=False)}
    fig, table = forest_plot(REPORTS[REPORTS["age_group"] == "children"], pooled)
    assert table.loc[table["kind"] == "pooled", "estimate_ci"].tolist() == ["not estimable"]
    assert not [p for p in fig.axes[0].patches if isinstance(p, Polygon)]


def test_height_grows_by_one_row_per_report_so_40_reports_stay_legible():
    """Every added report adds the same fixed row height; the text size does not shrink."""
    def fig_for(n):
        rows = pd.DataFrame({"report_label": [f"R{i:02d}" for i in range(n)], "year": 2024, "age_group": "adults",
                             "events": 1, "total": 4})
        return forest_plot(rows, {})[0]
    small, large = fig_for(4), fig_for(40)
    grown_mm = (large.get_figheight() - small.get_figheight()) * 25.4
    assert grown_mm == pytest.approx(36 * ROW_MM)
    assert {t.get_fontsize() for t in large.axes[0].texts} == {t.get_fontsize() for t in small.axes[0].texts}


def test_children_and_adults_keep_their_colours():
    """Children's squares are vermillion and adults' blue, as everywhere in the review."""
    fig, _ = forest_plot(REPORTS, POOLED)
    colours = Counter(ln.get_color() for ln in fig.axes[0].lines if ln.get_marker() == "s")
    assert colours == {AGE_GROUP_COLOURS["children"]: 3, AGE_GROUP_COLOURS["adults"]: 3}


def test_unknown_age_group_is_refused():
    """Only 'children' and 'adults' are forest-plot groups; anything else is an error naming the value."""
    bad = REPORTS.assign(age_group=["adults", "kids", "adults", "children", "adults", "children"])
    with pytest.raises(ValueError, match="kids"):
        forest_plot(bad, POOLED)


def test_an_age_group_without_any_report_is_shown_as_such_not_left_out():
    """No child's report gives the outcome: the plot still has the Children heading, saying so."""
    adults_only = REPORTS[REPORTS["age_group"] == "adults"]
    fig, table = forest_plot(adults_only, {"children": None, "adults": ADULTS, "overall": None}, outcome="DORIS remission")
    first_rows = table[["label"]].head(2)["label"].tolist()
    assert first_rows == ["Children", "No report gives this outcome"]
    drawn = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "No report gives this outcome" in drawn
