"""Included reports and patients: characteristics tables, the evidence map, the child listing, the swimmer plot."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..evidence import CHILDREN, MIXED, POPULATION_GROUP, eligible_reports, individual_patients, with_persons
from ..figures.evidence_map import evidence_map
from ..figures.swimmer import swimmer_plot
from ..tables import child_listing, patient_characteristics, report_characteristics
from .context import Run


def _age_counts(run: Run) -> pd.DataFrame:
    patients = individual_patients(run.extraction, run.evidence)
    if patients.empty:
        return pd.DataFrame(columns=["report_id", "children", "adults"])
    table = patients.groupby(["report_id", "age_group"]).size().unstack(fill_value=0)
    return table.reindex(columns=["children", "adults"], fill_value=0).reset_index()


def included_reports(run: Run) -> pd.DataFrame:
    """Characteristics of every included report (all publication types; eligibility is a column)."""
    reports = run.extraction.reports.copy()
    reports = reports.merge(_age_counts(run), on="report_id", how="left")
    eligible = set(eligible_reports(run.extraction, run.evidence)["report_id"])
    reports["number_treated"] = reports["number_treated"].where(reports["number_treated"].notna(), "NR")
    table = report_characteristics(reports)
    table.insert(len(table.columns), "Pooled (eligible type)",
                 ["yes" if rid in eligible else "no" for rid in table["Report"]])
    return run.publisher.table(table, "included_reports", "table_characteristics", label="Table 1")


def patients(run: Run) -> pd.DataFrame:
    """Characteristics of the individually described patients (each person once), children against adults."""
    people = individual_patients(run.extraction, run.evidence)
    people = people.assign(sex=people["sex"].fillna("NR"), follow_up_months=people["follow_up_months"])
    table = patient_characteristics(people)
    return run.publisher.table(table, "patient_characteristics", "table_patients", label="Table 2")


def children(run: Run) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The IPD set of children and their events, keyed by person (patient_id)."""
    people = individual_patients(run.extraction, run.evidence)
    kids = people[people["age_group"] == CHILDREN].copy()
    kids["patient_id"] = kids["person_id"]
    events = with_persons(run.extraction, run.evidence, run.extraction.events)
    events = events[events["person_id"].isin(set(kids["patient_id"]))].assign(patient_id=lambda e: e["person_id"])
    return kids.reset_index(drop=True), events.reset_index(drop=True)


def child_table(run: Run) -> pd.DataFrame:
    kids, events = children(run)
    table = child_listing(kids, events)
    return run.publisher.table(table, "children_listing", "table_ipd", label="Table 3")


def swimmer(run: Run):
    kids, events = children(run)
    fig, data = swimmer_plot(kids[["patient_id", "disease", "follow_up_months"]], events)
    run.publisher.figure(fig, "swimmer_children", "swimmer", data, label="Figure 3")
    return data["lanes"]


def evidence(run: Run) -> pd.DataFrame:
    """Reports by year, disease and age group, sized by patients, shaped by publication type."""
    reports = run.extraction.reports
    rows = []
    for _, r in reports.iterrows():
        diseases = [d for d in str(r["diseases"] or "").split("; ") if d]
        group = POPULATION_GROUP.get(r["population"], MIXED)
        patients_n = r["number_treated"] if not np.isnan(r["number_treated"]) else 1
        for disease in diseases:
            rows.append({"report_id": r["report_id"], "year": int(r["year"]), "disease": disease,
                         "age_group": group, "patients": patients_n / len(diseases),
                         "publication_type": r["publication_type"]})
    frame = pd.DataFrame(rows)
    fig, data = evidence_map(frame)
    run.publisher.figure(fig, "evidence_map", "evidence_map", data, label="Figure 2")
    return data
