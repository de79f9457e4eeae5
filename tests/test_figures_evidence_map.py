"""Evidence map: one marker per report and disease, at its year and disease, coloured by age group, sized by patients."""

import pandas as pd
import pytest
from matplotlib.colors import to_hex

from review_utils.figures.evidence_map import PUBLICATION_MARKERS, evidence_map
from review_utils.figures.style import AGE_GROUP_COLOURS

REPORTS = pd.DataFrame(
    [
        ("krickau2024", 2024, "systemic lupus erythematosus", "children", 1, "journal article"),
        ("mueller2024", 2024, "systemic lupus erythematosus", "adults", 8, "journal article"),
        ("schett2024", 2024, "systemic lupus erythematosus", "adults", 16, "letter"),
        ("nicolai2024", 2024, "dermatomyositis", "children", 2, "letter"),
        ("press2025", 2025, "dermatomyositis", "mixed", 4, "press or news item"),
    ],
    columns=["report_id", "year", "disease", "age_group", "patients", "publication_type"],
)


def test_one_marker_per_report_in_its_age_group_colour_and_publication_shape():
    """Five reports, five markers; colour by age group, shape by publication type."""
    fig, shown = evidence_map(REPORTS)
    assert len(shown) == 5
    assert sum(len(c.get_offsets()) for c in fig.axes[0].collections) == 5
    for _, row in shown.iterrows():
        assert row["colour"] == AGE_GROUP_COLOURS[row["age_group"]]
        assert row["marker"] == PUBLICATION_MARKERS[row["publication_type"]]
    drawn = {to_hex(c) for coll in fig.axes[0].collections for c in coll.get_facecolors()}
    assert drawn == {AGE_GROUP_COLOURS[g].lower() for g in ("children", "adults", "mixed")}


def test_marker_area_is_proportional_to_patients():
    """16 patients get twice the area of 8 (above the floor that keeps one patient visible)."""
    _, shown = evidence_map(REPORTS)
    area = shown.set_index("report_id")["area"]
    assert area["schett2024"] == pytest.approx(2 * area["mueller2024"])


def test_reports_sharing_a_year_and_disease_are_dodged_around_the_year():
    """Three SLE reports of 2024 sit side by side, centred on 2024; diseases with more reports are higher."""
    _, shown = evidence_map(REPORTS)
    sle = shown[shown["disease"] == "systemic lupus erythematosus"]
    assert len(set(sle["x"])) == 3 and sle["x"].mean() == pytest.approx(2024)
    assert shown.set_index("report_id").loc["krickau2024", "y"] == 0  # SLE has 3 reports: top row
    assert sorted(shown["y"].unique()) == [0, 1]
