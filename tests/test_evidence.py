"""Each patient is counted once; outcomes are counted per independent cohort (design.md section 3).

The fixtures mimic the real overlap patterns: a single case report later contained in a series, a
press item naming a child of that series, an abstract superseded by a later data cut.
"""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from review_utils.evidence import (EvidenceParameters, independent_cohorts, individual_patients, patient_outcome,
                                   pooling_set, unique_patient_counts)
from review_utils.extraction import ExtractionInvalid, load_extraction
from workbook_factory import ROWS, write_report, write_screening

P = ROWS["patients"][0]
DEFAULT = EvidenceParameters()


def patient(label, age, onset=None, disease="systemic lupus erythematosus", same=None, certainty=None, follow_up=12):
    return {**P, "patient_label": label, "age_at_infusion_years": age, "age_at_onset_years": onset if onset is not None else "NR",
            "disease": disease, "same_patient_as": same or "", "same_patient_certainty": certainty or "",
            "follow_up_months": follow_up, "disease_duration_years": "NR"}


def crs(label, occurred="yes", grade=1):
    return {**ROWS["events"][0], "patient_label": label, "occurred": occurred, "grade_astct": grade if occurred == "yes" else 0}


def link(target, kind="contained_in", certainty="stated"):
    return {"link_type": kind, "target_report_id": target, "certainty": certainty, "source": "abstract",
            "notes": "" if certainty == "stated" else "same centre, dates and ages"}


def aggregate(outcome, events, total, population="paediatric", disease="systemic lupus erythematosus"):
    return {**ROWS["aggregates"][0], "population": population, "disease": disease, "outcome_or_measure": outcome,
            "events": events, "total": total}


@pytest.fixture()
def folder(tmp_path) -> Path:
    """Case report (1 child) ⊂ series (3 children, counts only); press item on one series child;
    an adult cohort with individual data; an adult abstract superseded by a later data cut."""
    root = tmp_path / "extraction"
    reports = root / "reports"
    reports.mkdir(parents=True)
    write_report(reports / "smith2024case.xlsx",
                 form={"number_treated": 1},
                 rows={"patients": [patient("P1", 15, follow_up=30)], "events": [crs("P1", "no")],
                       "links": [link("becker2026series", certainty="inferred")], "aggregates": []})
    write_report(reports / "becker2026series.xlsx",
                 form={"number_treated": 3, "design": "case series", "patients_described_individually": "no",
                       "diseases": "systemic lupus erythematosus; dermatomyositis"},
                 rows={"patients": [], "events": [], "measurements": [], "appraisal": [],
                       "aggregates": [aggregate("CRS any grade", 2, 3, disease="other rheumatic disease"),
                                      aggregate("patients treated", "NA", 2), aggregate("patients treated", "NA", 1,
                                                                                         disease="dermatomyositis")]})
    write_report(reports / "news2025child.xlsx",
                 form={"publication_type": "press or news item", "number_treated": 1, "design": "case report"},
                 rows={"patients": [patient("girl", 17)], "events": [], "measurements": [], "aggregates": [],
                       "appraisal": [], "links": [link("becker2026series", certainty="inferred")]})
    write_report(reports / "adams2023adults.xlsx",
                 form={"population": "adult", "number_treated": 2, "design": "case series"},
                 rows={"patients": [patient("A1", 20, onset=16), patient("A2", 35, onset=30)],
                       "events": [crs("A1", "yes", 1), crs("A2", "yes", 3)], "measurements": [],
                       "aggregates": [], "appraisal": []})
    write_report(reports / "adams2022abstract.xlsx",
                 form={"population": "adult", "number_treated": 1, "publication_type": "conference abstract",
                       "design": "case report"},
                 rows={"patients": [patient("case", 20, onset=16, same="adams2023adults/A1", certainty="stated")],
                       "events": [crs("case", "yes", 1)], "measurements": [], "aggregates": [], "appraisal": [],
                       "links": [link("adams2023adults", kind="superseded_by")]})
    write_screening(root / "screening.xlsx", ["smith2024case", "becker2026series", "news2025child",
                                              "adams2023adults", "adams2022abstract"])
    return root


def test_the_fixture_is_valid(folder):
    extraction = load_extraction(folder)
    assert [p for p in extraction.problems if p.severity == "error"] == []


def test_a_supersedes_link_written_in_the_later_report_points_the_other_way(folder):
    """The same overlap written from the later report (supersedes) gives the same cohorts."""
    write_report(folder / "reports" / "adams2022abstract.xlsx",
                 form={"population": "adult", "number_treated": 1, "publication_type": "conference abstract",
                       "design": "case report"},
                 rows={"patients": [patient("case", 20, onset=16, same="adams2023adults/A1", certainty="stated")],
                       "events": [crs("case", "yes", 1)], "measurements": [], "aggregates": [], "appraisal": []})
    write_report(folder / "reports" / "adams2023adults.xlsx",
                 form={"population": "adult", "number_treated": 2, "design": "case series"},
                 rows={"patients": [patient("A1", 20, onset=16), patient("A2", 35, onset=30)],
                       "events": [crs("A1", "yes", 1), crs("A2", "yes", 3)], "measurements": [],
                       "aggregates": [], "appraisal": [], "links": [link("adams2022abstract", kind="supersedes")]})
    cohorts = independent_cohorts(load_extraction(folder), DEFAULT)
    assert list(cohorts["report_id"]) == ["adams2023adults", "becker2026series"]


def test_contained_and_superseded_reports_are_not_independent_cohorts(folder):
    cohorts = independent_cohorts(load_extraction(folder), DEFAULT)
    # smith2024case ⊂ becker2026series; adams2022abstract superseded by adams2023adults; press item not eligible
    assert list(cohorts["report_id"]) == ["adams2023adults", "becker2026series"]


def test_unique_patients_count_the_series_once_and_the_child_of_the_case_report_inside_it(folder):
    counts = unique_patient_counts(load_extraction(folder), DEFAULT).by("age_group", "disease")
    got = {(r.age_group, r.disease): r.patients for r in counts.itertuples()}
    # 3 children (2 SLE + 1 DM from the series' own split), 2 adults (A1 = the abstract's case, counted once)
    assert got == {("children", "systemic lupus erythematosus"): 2, ("children", "dermatomyositis"): 1,
                   ("adults", "systemic lupus erythematosus"): 2}


def test_without_inferred_links_the_case_report_counts_as_its_own_cohort(folder):
    params = replace(DEFAULT, include_inferred_links=False)
    cohorts = independent_cohorts(load_extraction(folder), params)
    assert "smith2024case" in set(cohorts["report_id"])
    counts = unique_patient_counts(load_extraction(folder), params).by("age_group")
    assert dict(zip(counts["age_group"], counts["patients"])) == {"adults": 2, "children": 4}


def test_same_patient_links_merge_people_and_keep_the_longest_follow_up(folder):
    ipd = individual_patients(load_extraction(folder), DEFAULT)
    # The abstract's case and A1 are one person: one row, from the report with the longer follow-up
    merged = ipd[ipd["reports"] == "adams2022abstract; adams2023adults"]
    assert len(merged) == 1
    # Individually described persons of eligible reports: A1 (= the abstract's case), A2, and the case report's
    # child (the press item's girl is not eligible): three rows.
    assert len(ipd) == 3
    assert merged["follow_up_months"].iloc[0] == 12


def test_age_at_onset_moves_childhood_onset_adults_into_the_children_group(folder):
    params = replace(DEFAULT, age_definition="onset")
    counts = unique_patient_counts(load_extraction(folder), params).by("age_group")
    # A1 (treated at 20, onset 16) becomes a child; A2 (onset 30) stays an adult
    assert dict(zip(counts["age_group"], counts["patients"])) == {"adults": 1, "children": 4}


def test_pooling_set_has_one_count_per_independent_cohort_and_age_group(folder):
    crs_any = pooling_set(load_extraction(folder), DEFAULT, "CRS any grade")
    rows = {(r.cohort, r.report_id, r.age_group): (r.events, r.total, r.basis) for r in crs_any.itertuples()}
    # the series' own count (2/3) is used, not the case report inside it; the adult series' own patients,
    # not the superseded abstract
    assert rows == {("becker2026series", "becker2026series", "children"): (2, 3, "aggregate"),
                    ("adams2023adults", "adams2023adults", "adults"): (2, 2, "individual")}


def test_a_cohort_silent_on_an_outcome_falls_back_to_the_largest_report_inside_it(folder):
    """The series gives no severe-CRS count; the case report inside it does (its child had no CRS): 0/1."""
    severe = pooling_set(load_extraction(folder), DEFAULT, "CRS grade 3 or higher")
    rows = {(r.cohort, r.report_id, r.age_group): (r.events, r.total) for r in severe.itertuples()}
    assert rows == {("becker2026series", "smith2024case", "children"): (0, 1),
                    ("adams2023adults", "adams2023adults", "adults"): (1, 2)}


def test_peer_reviewed_only_drops_the_abstract_and_press_item(folder):
    params = replace(DEFAULT, eligible_publication_types=("journal article", "letter"))
    cohorts = set(independent_cohorts(load_extraction(folder), params)["report_id"])
    assert cohorts == {"adams2023adults", "becker2026series"}


def test_an_invalid_extraction_stops_the_loader_with_every_problem(folder):
    from openpyxl import load_workbook

    path = folder / "reports" / "adams2023adults.xlsx"
    wb = load_workbook(path)
    wb["patients"]["B2"] = 200
    wb.save(path)
    with pytest.raises(ExtractionInvalid) as caught:
        load_extraction(folder)
    assert any(p.cell == "B2" and p.sheet == "patients" for p in caught.value.problems)


@pytest.mark.parametrize("events, outcome, expected", [
    ([("CRS", "yes", 1.0)], "CRS any grade", 1.0),
    ([("CRS", "no", float("nan"))], "CRS any grade", 0.0),
    ([], "CRS any grade", float("nan")),  # not reported: not assessable, not "no CRS"
    ([("CRS", "yes", 3.0)], "CRS grade 3 or higher", 1.0),
    ([("CRS", "yes", 2.0)], "CRS grade 3 or higher", 0.0),
    ([("CRS", "yes", float("nan"))], "CRS grade 3 or higher", float("nan")),  # occurred, grade unknown
    ([("CRS", "no", float("nan"))], "CRS grade 3 or higher", 0.0),
    ([("ICANS", "yes", 4.0)], "CRS grade 3 or higher", float("nan")),  # another event says nothing about CRS
    ([("infection", "yes", 3.0), ("infection", "yes", 1.0)], "severe infection", 1.0),
])
def test_a_patient_counts_for_an_outcome_only_when_the_report_says_enough(events, outcome, expected):
    """Methods: a patient is an event (1) or a non-event (0) for an outcome only when the report says so; an
    unreported event, or a severe-grade outcome with the grade unknown, leaves the patient out (NaN)."""
    value = patient_outcome(events, outcome)
    assert (math.isnan(value) and math.isnan(expected)) or value == expected
