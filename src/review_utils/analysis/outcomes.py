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
from .labels import report_labels
from ..pooling import compare_methods, fisher_exact_counts, moderator_test, results_frame, risk_difference, study_ci

GROUPS = (CHILDREN, ADULTS)
OVERALL = "overall"  # the pool of all reports, children and adults together


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


# ---------------------------------------------------------------- figures and tables of the outcome notebook

def _slug(outcome: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in outcome.lower()).strip("_").replace("__", "_")


def forest_plots(run, analysis: OutcomeAnalysis) -> pd.DataFrame:
    """One forest plot per outcome with the primary method; returns what each plot shows (its text table)."""
    from ..figures.forest import forest_plot

    labels = report_labels(run)
    shown = []
    for outcome in analysis.per_report["outcome"].unique() if len(analysis.per_report) else []:
        rows = analysis.per_report[analysis.per_report["outcome"] == outcome]
        reports = pd.DataFrame({"report_label": rows["report_id"].map(labels), "year": rows["year"],
                                "age_group": rows["age_group"], "events": rows["events"].astype(int),
                                "total": rows["total"].astype(int)})
        pooled = {group: analysis.results.get((outcome, group, run.method)) for group in (*GROUPS, OVERALL)}
        fig, table = forest_plot(reports, pooled, outcome=outcome, level=run.level)
        run.publisher.figure(fig, f"forest_{_slug(outcome)}", "forest", table)
        shown.append(table.assign(outcome=outcome))
    return pd.concat(shown, ignore_index=True) if shown else pd.DataFrame()


def pooled_table(run, analysis: OutcomeAnalysis) -> pd.DataFrame:
    from ..tables import pooled_estimates

    frame = analysis.pooled.rename(columns={"group": "age_group"})
    table = pooled_estimates(frame)
    return run.publisher.table(table, "pooled_estimates", "table_pooled", label="Table 4")


def primary_summary(run, analysis: OutcomeAnalysis) -> pd.DataFrame:
    """The headline: per outcome, children and adults with the primary method, side by side."""
    rows = []
    for outcome in dict.fromkeys(analysis.pooled["outcome"]) if len(analysis.pooled) else []:
        row = {"outcome": outcome}
        for group in GROUPS:
            fit = analysis.results.get((outcome, group, run.method))
            if fit is None:
                row[group] = "no report"
                continue
            text = f"{fit.events}/{fit.patients} ({fit.k} reports): {100 * fit.estimate:.0f}% [{100 * fit.ci_lower:.0f}, {100 * fit.ci_upper:.0f}]"
            row[group] = text if fit.estimable else f"{text} crude, model not estimable"
        rows.append(row)
    return pd.DataFrame(rows, columns=["outcome", *GROUPS])


def toxicity(run) -> pd.DataFrame:
    """CRS and ICANS grade profile by age group, from individually described patients (each person once)."""
    from ..evidence import with_persons
    from ..figures.toxicity import toxicity_plot

    events = with_persons(run.extraction, run.evidence, run.extraction.events)
    events = events[events["event"].isin(["CRS", "ICANS"]) & events["grade_astct"].notna()]
    worst = events.groupby(["person_id", "age_group", "event"], as_index=False)["grade_astct"].max()
    counts = worst.groupby(["age_group", "event", "grade_astct"], as_index=False).size()
    counts = counts.rename(columns={"grade_astct": "grade", "size": "count"})
    counts = counts[counts["age_group"].isin(GROUPS)]
    if counts.empty:
        return counts
    fig, table = toxicity_plot(counts)
    run.publisher.figure(fig, "toxicity_profile", "toxicity", table)
    return table


def measurements_long(run) -> pd.DataFrame:
    """Measurements with person ids and age groups: patient_id, age_group, measure, day, value."""
    from ..evidence import with_persons

    m = with_persons(run.extraction, run.evidence, run.extraction.measurements)
    m = m[m["value"].notna()].rename(columns={"person_id": "patient_id", "day_since_infusion": "day"})
    out = m[["patient_id", "age_group", "measure", "day", "value"]]
    return out.sort_values(["patient_id", "measure", "day"]).drop_duplicates().reset_index(drop=True)


def trajectories(run, measure: str = "SLEDAI-2K") -> pd.DataFrame:
    from ..figures.trajectories import trajectory_plot

    data = measurements_long(run)
    data = data[data["measure"] == measure]
    if data.empty:
        return pd.DataFrame(columns=["patient_id", "age_group", "points"])
    fig, shown = trajectory_plot(data, measure)
    run.publisher.figure(fig, f"trajectories_{_slug(measure)}", "trajectories", shown)
    return shown["lines"]


def continuous(run, measures=("SLEDAI-2K", "prednisolone dose")) -> pd.DataFrame:
    """Change from baseline at the time points: median [IQR] with n, per age group."""
    from ..pooling import change_from_baseline, summarise_change

    data = measurements_long(run).rename(columns={"age_group": "group"})
    frames = []
    points = {f"{m} months": int(round(m * 30.4375)) for m in run.params["time_points_months"]}
    for measure in measures:
        if (data["measure"] == measure).any():
            changes = change_from_baseline(data, measure, points, run.params["time_window_days"])
            frames.append(summarise_change(changes).assign(measure=measure))
    if not frames:
        return pd.DataFrame(columns=["measure", "group", "time_point", "n"])
    table = pd.concat(frames, ignore_index=True)
    return run.publisher.table(table, "continuous_outcomes")
