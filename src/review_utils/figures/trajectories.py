"""Trajectories of a disease-activity measure (SLEDAI-2K by default) against time since infusion.

Input: a long DataFrame, one row per patient, measure and day, columns ``patient_id``, ``age_group``
("children" or "adults"), ``measure`` (codebook measure term), ``day`` (days since infusion; <= 0 = baseline)
and ``value``.

Each child is one labelled line in the children's colour (vermillion), drawn on top; adults are thin lines in the
adults' colour (blue), faint, in the background. Under the axis, a row per age group gives the number of
patients behind each time point: every measurement is assigned to the nearest tick (in days) and the distinct
patients per tick are counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from .style import AGE_GROUP_COLOURS, AGE_GROUP_LABELS, new_figure, style_context

__all__ = ["trajectory_plot", "month_ticks", "patients_per_tick"]

DAYS_PER_MONTH = 365.25 / 12
_CANDIDATE_MONTHS = (0, 1, 3, 6, 9, 12, 18, 24, 30, 36, 48, 60, 72, 84, 96, 120)
_CHILD_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")


def month_ticks(max_day: float) -> list[int]:
    """Tick positions in months from 0, 1, 3, 6, 9, 12, 18, 24, ... up to the last day, at least 1/10 of the axis apart."""
    months = max(float(max_day), 0.0) / DAYS_PER_MONTH
    ticks = [m for m in _CANDIDATE_MONTHS if m <= months * 1.1] or [0]
    # Keep the n row legible: neighbouring ticks at least 1/10 of the axis apart (the later tick is kept).
    min_gap = ticks[-1] / 10.0
    kept = [ticks[-1]]
    for t in reversed(ticks[:-1]):
        if kept[-1] - t >= min_gap or t == 0:
            if t == 0 and kept[-1] - t < min_gap and len(kept) > 1:
                kept.pop()
            kept.append(t)
    out = sorted(set(kept))
    return out if len(out) > 1 else [0, 1]


def patients_per_tick(data: pd.DataFrame, ticks: list[int]) -> pd.DataFrame:
    """Distinct patients per age group behind each tick (each measurement goes to the nearest tick in days).

    Returns a DataFrame indexed by age group with one column per tick (months).
    """
    tick_days = np.asarray(ticks, dtype=float) * DAYS_PER_MONTH
    days = np.clip(data["day"].to_numpy(dtype=float), 0.0, None)  # baseline (<= 0) belongs to tick 0
    nearest = np.abs(days[:, None] - tick_days[None, :]).argmin(axis=1) if len(days) else np.array([], dtype=int)
    assigned = data.assign(tick=[ticks[i] for i in nearest])
    counts = assigned.groupby(["age_group", "tick"])["patient_id"].nunique().unstack(fill_value=0)
    groups = [g for g in ("children", "adults") if g in set(data["age_group"])]
    return counts.reindex(index=groups, columns=ticks, fill_value=0).astype(int)


def trajectory_plot(
    data: pd.DataFrame,
    measure: str = "SLEDAI-2K",
    *,
    unit: str = "",
    width: str | float = "single",
    label_children: bool = True,
) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Draw the trajectories of `measure`; return (figure, {"lines": ..., "n_at_tick": ...}).

    ``lines``: one row per drawn line: patient_id, age_group, points (number of values), first_day, last_day,
    label (the text written at the end of a child's line; empty for adults).
    ``n_at_tick``: patients per age group (rows) and tick in months (columns), as printed under the axis.
    """
    for col in ("patient_id", "age_group", "measure", "day", "value"):
        if col not in data.columns:
            raise ValueError(f"trajectory plot: data lack column {col!r}.")
    sub = data[data["measure"] == measure].copy()
    sub["value"] = pd.to_numeric(sub["value"], errors="coerce")
    sub["day"] = pd.to_numeric(sub["day"], errors="coerce")
    sub = sub.dropna(subset=["value", "day"])
    sub["patient_id"] = sub["patient_id"].astype(str)
    sub = sub.sort_values(["age_group", "patient_id", "day"], kind="mergesort").reset_index(drop=True)
    ticks = month_ticks(sub["day"].max() if len(sub) else 0.0)
    n_at_tick = patients_per_tick(sub, ticks)
    groups = list(n_at_tick.index)

    rows = []
    children = sorted(set(sub.loc[sub["age_group"] == "children", "patient_id"]))
    height = 62.0 + 3.0 * len(groups)
    bottom_mm = 13.0 + 3.2 * len(groups)
    with style_context():
        fig = new_figure(width, height)
        right = 0.80 if label_children and children else 0.96
        ax = fig.add_axes((0.15, bottom_mm / height, right - 0.15, (height - bottom_mm - 6.0) / height))
        for pid, g in sub[sub["age_group"] == "adults"].groupby("patient_id", sort=True):
            # A small marker too, so that an adult with a single value is still visible.
            ax.plot(g["day"] / DAYS_PER_MONTH, g["value"], color=AGE_GROUP_COLOURS["adults"], alpha=0.35,
                    linewidth=0.5, marker="o", markersize=1.2, zorder=1)
            rows.append(dict(patient_id=pid, age_group="adults", points=len(g), first_day=g["day"].min(),
                             last_day=g["day"].max(), label=""))
        label_y = []
        for i, pid in enumerate(children):
            g = sub[(sub["age_group"] == "children") & (sub["patient_id"] == pid)]
            ax.plot(g["day"] / DAYS_PER_MONTH, g["value"], color=AGE_GROUP_COLOURS["children"], linewidth=1.2,
                    marker=_CHILD_MARKERS[i % len(_CHILD_MARKERS)], markersize=3, zorder=3)
            rows.append(dict(patient_id=pid, age_group="children", points=len(g), first_day=g["day"].min(),
                             last_day=g["day"].max(), label=pid if label_children else ""))
            label_y.append((float(g["value"].iloc[-1]), float(g["day"].iloc[-1]) / DAYS_PER_MONTH, pid))
        last_month = float(sub["day"].max()) / DAYS_PER_MONTH if len(sub) else 0.0
        x_hi = max(ticks[-1], last_month)
        ax.set_xlim(min(-0.03 * x_hi, sub["day"].min() / DAYS_PER_MONTH) - 0.03 * x_hi if len(sub) else -0.5,
                    x_hi * 1.03 + 0.1)
        if measure in ("SLEDAI-2K", "clinical SLEDAI-2K", "CMAS", "mRSS"):
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ymax = float(sub["value"].max()) if len(sub) else 1.0
        ax.set_ylim(0 if (not len(sub) or sub["value"].min() >= 0) else None, ymax * 1.08 + 0.5)
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.set_xlabel("Months since infusion", labelpad=2)
        ax.set_ylabel(f"{measure}{f' ({unit})' if unit else ''}")
        if label_children and label_y:
            # Labels at the right margin, in the order of the last values, spread so they never overlap.
            label_y.sort()
            lo, hi = ax.get_ylim()
            gap = (hi - lo) * 0.075
            placed: list[float] = []
            for value, _, _ in label_y:
                placed.append(max(value, placed[-1] + gap) if placed else value)
            overflow = placed[-1] - hi if placed else 0
            if overflow > 0:
                placed = [p - overflow for p in placed]
            tf = blended_transform_factory(ax.transAxes, ax.transData)
            for (value, last_month, pid), y in zip(label_y, placed):
                ax.annotate(pid, xy=(last_month, value), xycoords="data", xytext=(1.02, y), textcoords=tf,
                            fontsize=5.5, color=AGE_GROUP_COLOURS["children"], va="center", ha="left",
                            arrowprops=dict(arrowstyle="-", color=AGE_GROUP_COLOURS["children"], linewidth=0.4,
                                            alpha=0.6, shrinkA=0, shrinkB=2))
        # The n row(s) under the axis.
        tf = blended_transform_factory(ax.transData, fig.transFigure)
        for j, group in enumerate(groups):
            y = (bottom_mm - 9.5 - 3.2 * j) / height
            fig.text(0.02, y, f"n {AGE_GROUP_LABELS[group].lower()}", fontsize=6, va="center", ha="left",
                     color=AGE_GROUP_COLOURS[group])
            for t in ticks:
                ax.text(t, y, str(int(n_at_tick.loc[group, t])), transform=tf, fontsize=6, va="center", ha="center",
                        color=AGE_GROUP_COLOURS[group])
        handles = [Line2D([], [], color=AGE_GROUP_COLOURS[g], linewidth=1.2 if g == "children" else 0.6,
                          alpha=1 if g == "children" else 0.6, label=f"{AGE_GROUP_LABELS[g]} (n = {sub.loc[sub['age_group'] == g, 'patient_id'].nunique()})")
                   for g in groups]
        if handles:
            ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(handles), borderaxespad=0.2)
    lines = pd.DataFrame(rows, columns=["patient_id", "age_group", "points", "first_day", "last_day", "label"])
    lines.attrs.update(measure=measure)
    return fig, {"lines": lines, "n_at_tick": n_at_tick}
