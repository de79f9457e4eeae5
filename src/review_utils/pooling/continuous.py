"""Continuous outcomes from individual patient data: change from baseline at fixed time points.

Input: a long DataFrame with columns ``patient_id, group, measure, day, value`` (day since infusion;
day <= 0 is before infusion). Rules, per patient and measure:

* baseline = the last measurement at day <= 0 (several values on that day: their mean);
* the value at a time point T (e.g. 3 months = day 91) = the measurement at day > 0 nearest to T within
  ``window_days`` (ties: the earlier day; several values on that day: their mean);
* change = value - baseline. A patient without a baseline or without a measurement in the window keeps a
  row with a ``status`` that says which, and is left out of the summaries, whose ``n`` counts only patients
  with a change.

Summaries: median and interquartile range (quartiles by linear interpolation, R's default type 7).
Tests, with n stated: Wilcoxon signed-rank test of the change within a group (Wilcoxon 1945; zero changes
dropped, exact distribution for small n without ties, as scipy decides) and the Mann-Whitney U test between
two groups (Mann & Whitney 1947). Descriptive use with tiny n; no correction for multiplicity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "DEFAULT_TIME_POINTS",
    "DEFAULT_WINDOW_DAYS",
    "change_from_baseline",
    "summarise_change",
    "wilcoxon_within",
    "mann_whitney_between",
]

DEFAULT_TIME_POINTS: dict[str, int] = {"3 months": 91, "6 months": 183, "12 months": 365}
DEFAULT_WINDOW_DAYS = 30
REQUIRED_COLUMNS = ("patient_id", "group", "measure", "day", "value")

CHANGE_COLUMNS = [
    "patient_id",
    "group",
    "measure",
    "time_point",
    "target_day",
    "baseline_day",
    "baseline_value",
    "day",
    "value",
    "change",
    "status",
]


def _time_points(time_points: Mapping[str, int] | Sequence[int]) -> dict[str, int]:
    if isinstance(time_points, Mapping):
        out = {str(k): int(v) for k, v in time_points.items()}
    else:
        out = {f"day {int(t)}": int(t) for t in time_points}
    bad = [label for label, day in out.items() if day <= 0]
    if bad:
        raise ValueError(f"time point {bad[0]!r} must be after infusion (day > 0).")
    return out


def _check_frame(data: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED_COLUMNS if c not in data.columns]
    if missing:
        raise ValueError(f"measurement table lacks column(s) {', '.join(missing)}: need {', '.join(REQUIRED_COLUMNS)}.")
    frame = data.loc[:, list(REQUIRED_COLUMNS)].copy()
    frame["day"] = pd.to_numeric(frame["day"], errors="raise")
    frame["value"] = pd.to_numeric(frame["value"], errors="raise")
    frame = frame.dropna(subset=["day", "value"])
    groups_per_patient = frame.groupby("patient_id")["group"].nunique()
    conflict = groups_per_patient[groups_per_patient > 1]
    if len(conflict):
        raise ValueError(f"patient {conflict.index[0]!r} is in more than one group: give each patient one group.")
    return frame


def change_from_baseline(
    data: pd.DataFrame,
    measure: str,
    time_points: Mapping[str, int] | Sequence[int] = DEFAULT_TIME_POINTS,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> pd.DataFrame:
    """One row per patient x time point: baseline, value at the time point, change and status."""
    if window_days < 0:
        raise ValueError(f"window_days must be >= 0, got {window_days}.")
    points = _time_points(time_points)
    frame = _check_frame(data)
    frame = frame[frame["measure"] == measure]
    # several values of one patient on one day: their mean
    per_day = frame.groupby(["patient_id", "group", "day"], as_index=False, sort=True)["value"].mean()
    rows: list[dict[str, object]] = []
    for (patient, group), sub in per_day.groupby(["patient_id", "group"], sort=False):
        before = sub[sub["day"] <= 0]
        if len(before):
            base = before.loc[before["day"].idxmax()]
            base_day, base_value = float(base["day"]), float(base["value"])
        else:
            base_day, base_value = np.nan, np.nan
        after = sub[sub["day"] > 0]
        for label, target in points.items():
            distance = (after["day"] - target).abs()
            near = after[distance <= window_days]
            if len(near):
                dist = (near["day"] - target).abs()
                best = near.assign(_d=dist).sort_values(["_d", "day"], kind="stable").iloc[0]
                day, value = float(best["day"]), float(best["value"])
            else:
                day, value = np.nan, np.nan
            if np.isnan(base_value):
                status = "no baseline"
            elif np.isnan(value):
                status = f"no measurement within {window_days} days"
            else:
                status = "ok"
            rows.append(
                {
                    "patient_id": patient,
                    "group": group,
                    "measure": measure,
                    "time_point": label,
                    "target_day": target,
                    "baseline_day": base_day,
                    "baseline_value": base_value,
                    "day": day,
                    "value": value,
                    "change": value - base_value,
                    "status": status,
                }
            )
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    return out


def _time_point_order(changes: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(changes["time_point"].tolist()))


def summarise_change(changes: pd.DataFrame) -> pd.DataFrame:
    """Per group x time point: n with a change, median and IQR of baseline, value and change."""
    records = []
    for (group, label), sub in changes.groupby(["group", "time_point"], sort=False):
        ok = sub.dropna(subset=["change"])
        record: dict[str, object] = {
            "group": group,
            "time_point": label,
            "target_day": int(sub["target_day"].iloc[0]),
            "n": int(len(ok)),
            "n_missing": int(len(sub) - len(ok)),
        }
        for col in ("baseline_value", "value", "change"):
            values = ok[col].to_numpy(dtype=float)
            if values.size:
                q1, med, q3 = np.quantile(values, [0.25, 0.5, 0.75])
            else:
                q1 = med = q3 = np.nan
            name = col.replace("_value", "")
            record[f"median_{name}"] = med
            record[f"q1_{name}"] = q1
            record[f"q3_{name}"] = q3
        records.append(record)
    return pd.DataFrame(records)


def wilcoxon_within(changes: pd.DataFrame) -> pd.DataFrame:
    """Per group x time point: Wilcoxon signed-rank test of change = 0, with n and n of non-zero changes."""
    records = []
    for (group, label), sub in changes.groupby(["group", "time_point"], sort=False):
        values = sub["change"].dropna().to_numpy(dtype=float)
        nonzero = int(np.count_nonzero(values))
        if nonzero == 0:
            stat, p, note = np.nan, np.nan, "no non-zero change: test not possible"
        else:
            res = stats.wilcoxon(values, zero_method="wilcox", alternative="two-sided")
            stat, p, note = float(res.statistic), float(res.pvalue), ""
        records.append(
            {
                "group": group,
                "time_point": label,
                "n": int(values.size),
                "n_nonzero": nonzero,
                "median_change": float(np.median(values)) if values.size else np.nan,
                "statistic": stat,
                "p_value": p,
                "test": "Wilcoxon signed-rank (two-sided)",
                "notes": note,
            }
        )
    return pd.DataFrame(records)


def mann_whitney_between(
    changes: pd.DataFrame,
    group_a: str | None = None,
    group_b: str | None = None,
    value: str = "change",
) -> pd.DataFrame:
    """Per time point: Mann-Whitney U test of ``value`` between two groups (A vs B), with both n.

    Without group names the data must hold exactly two groups, taken in order of first appearance.
    """
    present = list(dict.fromkeys(changes["group"].tolist()))
    if group_a is None or group_b is None:
        if len(present) != 2:
            raise ValueError(f"give group_a and group_b: the data hold {len(present)} groups ({', '.join(map(str, present))}).")
        group_a, group_b = present
    records = []
    for label in _time_point_order(changes):
        sub = changes[changes["time_point"] == label]
        a = sub.loc[sub["group"] == group_a, value].dropna().to_numpy(dtype=float)
        b = sub.loc[sub["group"] == group_b, value].dropna().to_numpy(dtype=float)
        if a.size and b.size:
            res = stats.mannwhitneyu(a, b, alternative="two-sided")
            stat, p, note = float(res.statistic), float(res.pvalue), ""
        else:
            stat, p, note = np.nan, np.nan, "a group has no values: test not possible"
        records.append(
            {
                "time_point": label,
                "group_a": group_a,
                "group_b": group_b,
                "n_a": int(a.size),
                "n_b": int(b.size),
                "median_a": float(np.median(a)) if a.size else np.nan,
                "median_b": float(np.median(b)) if b.size else np.nan,
                "u_statistic": stat,
                "p_value": p,
                "test": "Mann-Whitney U (two-sided)",
                "notes": note,
            }
        )
    return pd.DataFrame(records)
