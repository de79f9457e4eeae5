"""JBI appraisal: one robvis-coloured circle per judgement, and summary bars per item, one panel per checklist."""

import pandas as pd
import pytest
from matplotlib.colors import to_hex

from review_utils.figures.appraisal import JUDGEMENT_COLOURS, appraisal_plot

ROWS = []
for item, judgement in enumerate(["yes", "yes", "no", "unclear", "yes", "not applicable", "yes", "yes"], start=1):
    ROWS.append(("Krickau 2024", "JBI case report", item, judgement))
for item, judgement in enumerate(["yes", "no", "no", "yes", "unclear", "yes", "yes"], start=1):  # item 8 missing
    ROWS.append(("He 2025", "JBI case report", item, judgement))
for item in range(1, 11):
    ROWS.append(("Series 2023", "JBI case series", item, "yes" if item % 2 else "unclear"))
DATA = pd.DataFrame(ROWS, columns=["report_label", "checklist", "item", "judgement"])


def collections(fig):
    return {c.get_gid(): c for ax in fig.axes for c in ax.collections if c.get_gid()}


def test_one_circle_per_judgement_with_the_robvis_colour():
    """25 judgements, 25 circles; each circle at (item, report row) in its judgement's colour; the missing
    item 8 of He 2025 is an empty cell."""
    fig, shown = appraisal_plot(DATA)
    cells = shown["cells"]
    assert len(cells) == len(DATA) == 25
    circles = collections(fig)
    for checklist, sub in cells.groupby("checklist"):
        coll = circles[f"traffic-light {checklist}"]
        offsets = [tuple(o) for o in coll.get_offsets()]
        colours = [to_hex(c) for c in coll.get_facecolors()]
        drawn = dict(zip(offsets, colours))
        assert len(drawn) == len(sub)
        for _, cell in sub.iterrows():
            assert drawn[(cell["item"], cell["row"])] == JUDGEMENT_COLOURS[cell["judgement"]].lower()
    he = cells[cells["report_label"] == "He 2025"]
    assert 8 not in set(he["item"])


def test_symbols_follow_the_judgement():
    """yes '+', no '−', unclear '?', not applicable 'NA' are written in the circles."""
    fig, shown = appraisal_plot(DATA)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    expected = {"+": 14, "\u2212": 3, "?": 7, "NA": 1}
    for symbol, n in expected.items():
        assert texts.count(symbol) == n
    assert shown["cells"]["symbol"].value_counts().to_dict() == expected


def test_checklists_get_separate_panels_with_their_item_count():
    """Case reports have 8 item columns and case series 10, in separate traffic lights and summaries."""
    fig, shown = appraisal_plot(DATA)
    circles = collections(fig)
    assert set(circles) == {"traffic-light JBI case report", "traffic-light JBI case series"}
    summary = shown["summary"]
    assert summary.groupby("checklist")["item"].max().to_dict() == {"JBI case report": 8, "JBI case series": 10}


def test_summary_shares_are_computed_per_item():
    """Case report item 3: Krickau no, He no -> 100% no. Item 8: only Krickau judged (yes) -> n = 1, 100% yes."""
    _, shown = appraisal_plot(DATA)
    s = shown["summary"].set_index(["checklist", "item"])
    assert s.loc[("JBI case report", 3), "percent_no"] == 100
    assert s.loc[("JBI case report", 8), "n"] == 1 and s.loc[("JBI case report", 8), "percent_yes"] == 100
    assert s.loc[("JBI case report", 4), "percent_unclear"] == 50 and s.loc[("JBI case report", 4), "percent_yes"] == 50


def test_unknown_judgement_is_refused():
    """Only the codebook judgements are allowed."""
    with pytest.raises(ValueError, match="probably"):
        appraisal_plot(DATA.assign(judgement=["probably"] + DATA["judgement"].tolist()[1:]))
