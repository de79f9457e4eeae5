"""Swimmer plot: one lane per child, bar length = follow-up, events as markers where they happened."""

import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from review_utils.figures.style import disease_colour
from review_utils.figures.swimmer import DAYS_PER_MONTH, swimmer_plot

PATIENTS = pd.DataFrame(
    {
        "patient_id": ["A/P1", "B/P1", "B/P2", "C/P1"],
        "disease": ["systemic lupus erythematosus", "dermatomyositis", "systemic lupus erythematosus", "systemic sclerosis"],
        "follow_up_months": [12.0, 6.5, "NR", 3.0],
    }
)
EVENTS = pd.DataFrame(
    [
        ("A/P1", "CRS", 1, 1, "yes"),
        ("A/P1", "DORIS remission", 90, "NA", "yes"),
        ("B/P1", "CRS", 2, 2, "yes"),
        ("B/P1", "ICANS", 5, 1, "yes"),
        ("B/P1", "relapse", 170, "NA", "yes"),
        ("B/P2", "CRS", 1, 0, "yes"),  # grade 0 = did not occur
        ("B/P2", "IVIG replacement", "NR", "NA", "yes"),  # onset not reported
        ("C/P1", "relapse", 40, "NA", "no"),  # stated not to have happened
    ],
    columns=["patient_id", "event", "onset_day", "grade_astct", "occurred"],
)


def bars(fig):
    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]


def test_one_lane_per_child_longest_follow_up_first_and_nr_last():
    """Four children, four lanes, labelled with the patient ids; sorted by follow-up, not-reported last."""
    fig, shown = swimmer_plot(PATIENTS, EVENTS)
    lanes = shown["lanes"]
    assert lanes["patient_id"].tolist() == ["A/P1", "B/P1", "C/P1", "B/P2"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == lanes["patient_id"].tolist()
    assert len(bars(fig)) == 4


def test_bar_length_is_follow_up_and_colour_is_disease():
    """Each bar spans 0 to the follow-up in months and has its disease's colour."""
    fig, shown = swimmer_plot(PATIENTS, EVENTS)
    by_lane = {round(b.get_y() + b.get_height() / 2): b for b in bars(fig)}
    for _, lane in shown["lanes"].iterrows():
        bar = by_lane[lane["lane"]]
        assert bar.get_x() == 0
        if not lane["follow_up_nr"]:
            assert bar.get_width() == pytest.approx(lane["follow_up_months"])
            assert bar.get_facecolor()[:3] == pytest.approx(_rgb(disease_colour(lane["disease"])))


def test_not_reported_follow_up_is_a_hatched_labelled_stub_not_zero():
    """B/P2's follow-up is NR: a hatched bar of positive length and the words 'follow-up NR', never a zero bar."""
    fig, shown = swimmer_plot(PATIENTS, EVENTS)
    lane = shown["lanes"].set_index("patient_id").loc["B/P2"]
    assert lane["follow_up_nr"] and lane["bar_months"] > 0
    hatched = [b for b in bars(fig) if b.get_hatch()]
    assert len(hatched) == 1 and hatched[0].get_width() == pytest.approx(lane["bar_months"])
    assert any(t.get_text().startswith("follow-up NR") for t in fig.axes[0].texts)


def test_markers_sit_at_onset_with_grade_and_skip_events_that_did_not_happen():
    """CRS and ICANS are drawn at their onset day (in months) with the ASTCT grade; CRS grade 0 and an event
    with occurred = no are not drawn; an event without onset day goes to the 'onset NR' panel, not to a day."""
    fig, shown = swimmer_plot(PATIENTS, EVENTS)
    markers = shown["markers"]
    assert sorted(zip(markers["patient_id"], markers["event"])) == [
        ("A/P1", "CRS"), ("A/P1", "DORIS remission"), ("B/P1", "CRS"), ("B/P1", "ICANS"), ("B/P1", "relapse")]
    crs = markers[(markers["patient_id"] == "B/P1") & (markers["event"] == "CRS")].iloc[0]
    assert crs["month"] == pytest.approx(2 / DAYS_PER_MONTH) and crs["label"] == "2"
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("2") == 1 and texts.count("1") == 2  # B/P1 CRS 2; A/P1 CRS 1 and B/P1 ICANS 1
    unplaced = shown["unplaced"]
    assert list(zip(unplaced["patient_id"], unplaced["event"], unplaced["lane"])) == [("B/P2", "IVIG replacement", 3)]
    onset_nr = fig.axes[1]
    assert onset_nr.get_xlabel() == "onset\nNR"
    points = [(float(x), float(y)) for ln in onset_nr.lines for x, y in zip(ln.get_xdata(), ln.get_ydata())]
    assert points == [(0.0, 3.0)]


def test_disease_legend_lists_each_disease_once():
    """The disease legend names the children's diseases (sorted) plus the NR hatch key."""
    fig, _ = swimmer_plot(PATIENTS, EVENTS)
    legend = fig.axes[0].get_legend()  # the last legend added: events; the disease legend is an artist
    disease_legend = [a for a in fig.axes[0].artists if a is not legend][0]
    labels = [t.get_text() for t in disease_legend.get_texts()]
    assert labels == ["dermatomyositis", "systemic lupus erythematosus", "systemic sclerosis", "follow-up NR"]


def test_repeated_patient_or_event_of_an_unknown_child_is_refused():
    """One lane per child: a repeated patient_id is an error, and so is an event of a child without a lane."""
    with pytest.raises(ValueError, match="unique"):
        swimmer_plot(pd.concat([PATIENTS, PATIENTS.iloc[:1]]), EVENTS)
    with pytest.raises(ValueError, match="Z/P9"):
        swimmer_plot(PATIENTS, pd.concat([EVENTS, EVENTS.iloc[:1].assign(patient_id="Z/P9")]))


def _rgb(hex_colour):
    return tuple(int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
