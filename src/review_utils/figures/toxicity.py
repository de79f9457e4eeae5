"""Toxicity profile: the distribution of CRS and ICANS grades by age group, as 100% stacked bars.

Input: one row per age group, event and grade, columns ``age_group`` ("children"/"adults"), ``event`` ("CRS" or
"ICANS"), ``grade`` (ASTCT grade 0-5; 0 = did not occur) and ``count`` (patients). Grades 4 and 5 are shown
together as "4+". Each bar is labelled with its n (patients with a known grade) and each segment of at least
8% with its percentage.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .style import AGE_GROUP_COLOURS, AGE_GROUP_LABELS, new_figure, style_context

__all__ = ["toxicity_plot", "grade_distribution", "GRADE_LEVELS", "GRADE_COLOURS"]

GRADE_LEVELS = ("0", "1", "2", "3", "4+")
# Sequential and colour-blind safe (robvis colour-blind palette, ColorBrewer YlOrBr), grade 0 a light grey.
GRADE_COLOURS = {"0": "#E6E6E6", "1": "#FED98E", "2": "#FE9929", "3": "#D95F0E", "4+": "#993404"}
EVENTS = ("CRS", "ICANS")
GROUPS = ("children", "adults")
MIN_LABEL_PERCENT = 8.0


def grade_distribution(counts: pd.DataFrame) -> pd.DataFrame:
    """One row per (event, age group) bar: n and the count and percentage of each grade level.

    Columns: event, age_group, n, then count_0 ... count_4+ and percent_0 ... percent_4+ (percent of n).
    Bars are ordered CRS then ICANS, children then adults; bars with n = 0 are dropped.
    """
    for col in ("age_group", "event", "grade", "count"):
        if col not in counts.columns:
            raise ValueError(f"toxicity plot: counts lack column {col!r}.")
    data = counts.copy()
    grade = pd.to_numeric(data["grade"], errors="coerce")
    if grade.isna().any() or ((grade < 0) | (grade > 5)).any():
        raise ValueError("toxicity plot: grade must be a whole number 0-5 (ASTCT; 0 = did not occur).")
    data["level"] = [GRADE_LEVELS[min(int(g), 4)] for g in grade]
    data["count"] = pd.to_numeric(data["count"]).astype(int)
    rows = []
    for event in EVENTS:
        for group in GROUPS:
            sub = data[(data["event"] == event) & (data["age_group"] == group)]
            n = int(sub["count"].sum())
            if n == 0:
                continue
            row: dict = {"event": event, "age_group": group, "n": n}
            for level in GRADE_LEVELS:
                k = int(sub.loc[sub["level"] == level, "count"].sum())
                row[f"count_{level}"] = k
            for level in GRADE_LEVELS:
                row[f"percent_{level}"] = 100.0 * row[f"count_{level}"] / n
            rows.append(row)
    columns = ["event", "age_group", "n", *[f"count_{lv}" for lv in GRADE_LEVELS], *[f"percent_{lv}" for lv in GRADE_LEVELS]]
    return pd.DataFrame(rows, columns=columns)


def toxicity_plot(counts: pd.DataFrame, *, width: str | float = "single") -> tuple[Figure, pd.DataFrame]:
    """Draw the grade profile; return (figure, :func:`grade_distribution` table with the drawn labels).

    The table gains ``bar_label`` (the x tick text) and ``n_label`` (the "n = ..." text above the bar).
    """
    table = grade_distribution(counts)
    table["bar_label"] = [f"{e}\n{AGE_GROUP_LABELS[g]}" for e, g in zip(table["event"], table["age_group"])]
    table["n_label"] = [f"n = {n}" for n in table["n"]]
    with style_context():
        fig = new_figure(width, 62.0)
        ax = fig.add_axes((0.13, 0.17, 0.62, 0.72))
        # A gap between CRS and ICANS bars.
        xs = []
        for i, event in enumerate(table["event"]):
            xs.append(i + (0.6 if event == "ICANS" and "CRS" in set(table["event"]) else 0.0))
        for level in GRADE_LEVELS:
            bottoms = table[[f"percent_{lv}" for lv in GRADE_LEVELS[: GRADE_LEVELS.index(level)]]].sum(axis=1)
            heights = table[f"percent_{level}"]
            ax.bar(xs, heights, bottom=bottoms, width=0.72, color=GRADE_COLOURS[level], edgecolor="white",
                   linewidth=0.5, label=level)
            for x, b, h in zip(xs, bottoms, heights):
                if h >= MIN_LABEL_PERCENT:
                    ax.text(x, b + h / 2, f"{h:.0f}%", ha="center", va="center", fontsize=5.5,
                            color="white" if level in ("3", "4+") else "black")
        for x, label in zip(xs, table["n_label"]):
            ax.text(x, 101.5, label, ha="center", va="bottom", fontsize=6)
        ax.set_xticks(xs, list(table["bar_label"]))
        for tick, group in zip(ax.get_xticklabels(), table["age_group"]):
            tick.set_color(AGE_GROUP_COLOURS[group])
        ax.set_ylim(0, 109)
        ax.set_yticks([0, 25, 50, 75, 100])
        ax.set_ylabel("Patients (%)")
        handles = [Patch(facecolor=GRADE_COLOURS[lv], edgecolor="#999999", linewidth=0.3, label=lv) for lv in reversed(GRADE_LEVELS)]
        ax.legend(handles=handles, title="ASTCT\ngrade", loc="center left", bbox_to_anchor=(1.02, 0.5), borderaxespad=0)
    return fig, table
