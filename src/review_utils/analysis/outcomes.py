"""Pooled binary outcomes for children and adults, with every method and the children-adults comparison.

This is the computation behind the outcome notebook, the pooled-estimates table and the forest plots:
one pooling set per outcome (evidence.pooling_set), pooled per age group and overall with every method,
then the test for subgroup differences, the risk difference and Fisher's exact test.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..evidence import ADULTS, CHILDREN, EvidenceParameters, pooling_set
from ..extraction import Extraction
from ..pooling import compare_methods, fisher_exact_counts, moderator_test, results_frame, risk_difference, study_ci

GROUPS = (CHILDREN, ADULTS)
OVERALL = "all"


@dataclass
class OutcomeAnalysis:
    per_report: pd.DataFrame  # outcome, cohort, age_group, events, total, ci_lower, ci_upper, year, basis
    pooled: pd.DataFrame  # outcome, group, then PoolResult fields (one row per method)
    comparisons: pd.DataFrame  # outcome, children/adult counts, risk difference, Fisher p, subgroup test
    results: dict  # (outcome, group, method) -> PoolResult, for the forest plots


def _per_report(outcome: str, counts: pd.DataFrame, level: float) -> pd.DataFrame:
    frame = counts.copy()
    frame.insert(0, "outcome", outcome)
    if frame.empty:
        return frame.assign(estimate=[], ci_lower=[], ci_upper=[])
    ci = study_ci(frame["events"].to_numpy(), frame["total"].to_numpy(), level=level)
    frame["estimate"] = frame["events"] / frame["total"]
    frame["ci_lower"] = list(ci["ci_lower"])
    frame["ci_upper"] = list(ci["ci_upper"])
    return frame


def _comparison(outcome: str, counts: pd.DataFrame, level: float) -> dict:
    kids = counts[counts["age_group"] == CHILDREN]
    adults = counts[counts["age_group"] == ADULTS]
    row = {"outcome": outcome,
           "children_reports": len(kids), "children_events": int(kids["events"].sum()), "children_total": int(kids["total"].sum()),
           "adults_reports": len(adults), "adults_events": int(adults["events"].sum()), "adults_total": int(adults["total"].sum())}
    if kids.empty or adults.empty:
        row["notes"] = "comparison not possible: " + ("no paediatric report" if kids.empty else "no adult report")
        return row
    for method in ("newcombe", "miettinen_nurminen"):
        rd = risk_difference(row["children_events"], row["children_total"], row["adults_events"], row["adults_total"],
                             method=method, level=level)
        row["risk_difference"] = rd.estimate
        row[f"rd_{method}_lower"], row[f"rd_{method}_upper"] = rd.ci_lower, rd.ci_upper
    fisher = fisher_exact_counts(row["children_events"], row["children_total"], row["adults_events"], row["adults_total"])
    row["fisher_p"] = fisher.p_value
    both = pd.concat([kids, adults])
    test = moderator_test(both["events"].to_numpy(), both["total"].to_numpy(), list(both["age_group"]))
    row.update({"subgroup_qm": test.qm, "subgroup_df": test.df, "subgroup_p": test.p, "subgroup_estimable": test.estimable,
                "notes": "; ".join(test.notes)})
    return row


def analyse_outcomes(extraction: Extraction, params: EvidenceParameters, outcomes: list[str],
                     level: float = 0.95) -> OutcomeAnalysis:
    per_report, pooled, comparisons, results = [], [], [], {}
    for outcome in outcomes:
        counts = pooling_set(extraction, params, outcome)
        counts = counts[counts["age_group"].isin(GROUPS)]
        per_report.append(_per_report(outcome, counts, level))
        for group in (*GROUPS, OVERALL):
            subset = counts if group == OVERALL else counts[counts["age_group"] == group]
            if subset.empty:
                continue
            fits = compare_methods(subset["events"].to_numpy(), subset["total"].to_numpy(), level=level)
            for fit in fits:
                results[(outcome, group, fit.method)] = fit
            frame = results_frame(fits)
            frame.insert(0, "group", group)
            frame.insert(0, "outcome", outcome)
            pooled.append(frame)
        comparisons.append(_comparison(outcome, counts, level))
    return OutcomeAnalysis(
        per_report=pd.concat(per_report, ignore_index=True) if per_report else pd.DataFrame(),
        pooled=pd.concat(pooled, ignore_index=True) if pooled else pd.DataFrame(),
        comparisons=pd.DataFrame(comparisons),
        results=results,
    )
