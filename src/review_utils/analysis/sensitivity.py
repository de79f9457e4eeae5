"""Sensitivity analyses within one run: methods side by side, leave-one-report-out, cumulative by date.

Parameter sensitivity (age at onset, peer-reviewed only, stated links only, inverse variance as primary)
is a separate run of the outcome notebook with its own parameter file (params/*.yaml).
"""
from __future__ import annotations

import pandas as pd

from ..evidence import pooling_set
from ..pooling import cumulative, leave_one_out
from .context import Run
from .labels import report_labels
from .outcomes import GROUPS, OutcomeAnalysis


def method_comparison(run: Run, analysis: OutcomeAnalysis) -> pd.DataFrame:
    """Every method side by side for every outcome and age group (estimate [CI] in percent)."""
    frame = analysis.pooled[analysis.pooled["group"].isin(GROUPS)].copy()
    frame["estimate [CI], %"] = [
        (f"{100 * e:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]" if e == e else "NA") + ("" if ok else " (crude; model not estimable)")
        for e, lo, hi, ok in zip(frame["estimate"], frame["ci_lower"], frame["ci_upper"], frame["estimable"])]
    table = frame.pivot_table(index=["outcome", "group"], columns="label", values="estimate [CI], %", aggfunc="first",
                              sort=False).reset_index()
    table.columns.name = None
    return run.publisher.table(table, "method_comparison")


def _by_report(run: Run, outcome: str, group: str, how) -> pd.DataFrame:
    counts = pooling_set(run.extraction, run.evidence, outcome)
    counts = counts[counts["age_group"] == group].copy()
    if len(counts) < 2:
        return pd.DataFrame()
    counts["_date"] = counts["publication_date"].fillna(counts["year"].astype(int).astype(str))
    counts = counts.sort_values(["_date", "cohort"])
    labels = report_labels(run)
    out = how(counts["events"].to_numpy(), counts["total"].to_numpy(), [labels[c] for c in counts["report_id"]],
              method=run.method, level=run.level)
    out.insert(0, "age_group", group)
    out.insert(0, "outcome", outcome)
    return out


def leave_one_out_table(run: Run, outcomes: list[str]) -> pd.DataFrame:
    frames = [_by_report(run, o, g, leave_one_out) for o in outcomes for g in GROUPS]
    frames = [f for f in frames if len(f)]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return run.publisher.table(table, "leave_one_out")


def cumulative_table(run: Run, outcomes: list[str]) -> pd.DataFrame:
    frames = [_by_report(run, o, g, cumulative) for o in outcomes for g in GROUPS]
    frames = [f for f in frames if len(f)]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return run.publisher.table(table, "cumulative_by_date")
