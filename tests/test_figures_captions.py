"""Captions and alt text are generated from the data each figure shows, and written deterministically."""

import json

import pandas as pd
import pytest

from review_utils.figures import (
    Caption,
    caption_for,
    forest_plot,
    prisma_diagram,
    swimmer_plot,
    toxicity_plot,
    write_captions,
)
from review_utils.figures.captions import KINDS
from review_utils.pooling.result import PoolResult

REPORTS = pd.DataFrame({"report_label": ["Krickau 2024", "He 2025", "Adult A 2023", "Adult B 2024", "Adult C 2024"],
                        "year": [2024, 2025, 2023, 2024, 2024],
                        "age_group": ["children", "children", "adults", "adults", "adults"],
                        "events": [1, 0, 3, 5, 2], "total": [1, 2, 10, 12, 8]})
POOLED = {"adults": PoolResult("glmm", "GLMM (ML, t-based CI)", 3, 30, 10, 0.333, 0.2, 0.5, 0.1, 0.7),
          "children": PoolResult("glmm", "GLMM (ML, t-based CI)", 2, 3, 1, 0.333, 0.008, 0.906, estimable=False)}


def test_forest_caption_counts_reports_and_patients_and_names_the_method():
    """2 reports of children (3 patients) and 3 of adults (30 patients); the method label; the pooled numbers
    in the alt text are the ones drawn."""
    _, table = forest_plot(REPORTS, POOLED, outcome="CRS any grade")
    caption, alt = caption_for("forest", table)
    assert "CRS any grade" in caption
    assert "2 reports of children (3 patients)" in caption and "3 reports of adults (30 patients)" in caption
    assert "GLMM (ML, t-based CI)" in caption and "Clopper-Pearson" in caption and "prediction interval" in caption
    assert "Adults: 10/30 patients with the outcome, pooled 33.3 [20.0, 50.0] %" in alt
    assert "not estimable" in alt


def test_prisma_caption_carries_the_flow_counts():
    """The alt text walks the flow with the counts of prisma_counts."""
    records = pd.DataFrame({"record_id": ["R1", "R2", "R3"], "identification_source": ["databases", "databases", "websites"],
                            "decision": ["included", "excluded", "included"], "exclusion_stage": ["NA", "duplicate", "NA"],
                            "exclusion_reason": ["NA", "duplicate record", "NA"]})
    _, counts = prisma_diagram(records, studies=2)
    caption, alt = caption_for("prisma", counts)
    assert "2 reports of 2 studies" in caption
    assert "2 records identified (2 from databases, 0 from registers); 1 duplicate and" in alt
    assert "1 screened" in alt


def test_swimmer_and_toxicity_alt_text_summarise_what_is_drawn():
    """Swimmer: number of children, diseases, follow-up, children with each event. Toxicity: any grade and
    grade 3+ per bar."""
    patients = pd.DataFrame({"patient_id": ["P1", "P2"], "disease": ["dermatomyositis", "dermatomyositis"],
                             "follow_up_months": [12, 6]})
    events = pd.DataFrame({"patient_id": ["P1", "P2"], "event": ["CRS", "relapse"], "onset_day": [1, 100],
                           "grade_astct": [1, "NA"]})
    _, shown = swimmer_plot(patients, events)
    _, alt = caption_for("swimmer", shown)
    assert alt.startswith("2 children (2 dermatomyositis); median follow-up 9.0 months (range 6.0–12.0)")
    assert "CRS in 1," in alt and "relapse in 1," in alt
    tox = pd.DataFrame({"age_group": ["adults"] * 3, "event": "CRS", "grade": [0, 1, 3], "count": [2, 1, 1]})
    _, table = toxicity_plot(tox)
    _, alt = caption_for("toxicity", table)
    assert "CRS in adults (n = 4): any grade 50%, grade 3 or higher 25%" in alt


def test_trajectory_appraisal_and_evidence_map_captions_count_what_is_drawn():
    """Trajectories: children and adults drawn and patients per tick; appraisal: reports per checklist and the
    items most often judged no or unclear; evidence map: reports per age group."""
    from review_utils.figures import appraisal_plot, evidence_map, trajectory_plot

    measures = pd.DataFrame({"patient_id": ["K1", "K1", "A1", "A1"], "age_group": ["children", "children", "adults", "adults"],
                             "measure": "SLEDAI-2K", "day": [0, 90, 0, 95], "value": [12, 2, 10, 4]})
    _, shown = trajectory_plot(measures)
    caption, alt = caption_for("trajectories", shown)
    assert caption.startswith("SLEDAI-2K against months since CAR T-cell infusion")
    assert "in 1 child and 1 adult." in alt and "3 months: children 1, adults 1" in alt
    appraisal = pd.DataFrame({"report_label": "R", "checklist": "JBI case report", "item": range(1, 9),
                              "judgement": ["yes", "no", "yes", "yes", "unclear", "yes", "yes", "yes"]})
    _, shown = appraisal_plot(appraisal)
    caption, alt = caption_for("appraisal", shown)
    assert "1 case report (8 items)" in caption
    assert "JBI case report: 1 report, 75% of judgements yes; most often no or unclear: Q2, Q5" in alt
    emap = pd.DataFrame({"report_id": ["a", "b", "c"], "year": [2023, 2024, 2024], "disease": "dermatomyositis",
                         "age_group": ["adults", "children", "adults"], "patients": [10, 1, 3],
                         "publication_type": "letter"})
    _, shown = evidence_map(emap)
    caption, alt = caption_for("evidence_map", shown)
    assert "3 included reports" in caption and "2023–2024: 2 with adults, 1 with children" in alt


def test_table_captions_and_unknown_kind():
    """Table kinds caption from the row count; an unknown kind is an error listing the known ones."""
    caption, _ = caption_for("table_ipd", pd.DataFrame({"Patient": ["K1", "K2", "K3"]}))
    assert caption == "Individual listing of the 3 children treated with CAR T cells."
    assert "forest" in KINDS and "table_pooled" in KINDS
    with pytest.raises(ValueError, match="unknown caption kind"):
        caption_for("pie chart", {})


def test_captions_file_and_json_twin_are_deterministic(tmp_path):
    """Same entries, same bytes; the JSON twin holds the same entries in the same order; names must be unique."""
    entries = [Caption("figure_forest_crs", "forest", "Forest plot.", "Alt.", "Figure 2"),
               {"name": "table_patients", "kind": "table_patients", "caption": "Patients: Sjögren.", "alt_text": "Table."}]
    md1, js1 = write_captions(entries, tmp_path / "a")
    md2, js2 = write_captions(entries, tmp_path / "b")
    assert md1.read_bytes() == md2.read_bytes() and js1.read_bytes() == js2.read_bytes()
    assert (md1.name, js1.name) == ("captions.md", "captions.json")
    data = json.loads(js1.read_text(encoding="utf-8"))
    assert [d["name"] for d in data] == ["figure_forest_crs", "table_patients"]
    assert data[1]["caption"] == "Patients: Sjögren."
    text = md1.read_text(encoding="utf-8")
    assert "## Figure 2: figure_forest_crs" in text and "**Alt text.** Alt." in text
    with pytest.raises(ValueError, match="repeated"):
        write_captions([entries[0], entries[0]], tmp_path / "c")
