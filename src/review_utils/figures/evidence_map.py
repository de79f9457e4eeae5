"""Evidence map: the included reports by publication year and disease, coloured by age group, sized by patients.

Input: one row per report, columns ``report_id``, ``year``, ``disease`` (codebook term; a report with several
diseases has one row per disease), ``age_group`` ("children", "adults" or "mixed"), ``patients`` (number treated)
and ``publication_type`` (codebook term).

Marker area is proportional to the number of patients; marker shape gives the publication type. Reports that
share a year and a disease are placed side by side (deterministic dodge, in report_id order), children last so
that they are drawn on top.
"""

from __future__ import annotations

import textwrap

import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .style import AGE_GROUP_COLOURS, AGE_GROUP_LABELS, new_figure, style_context

__all__ = ["evidence_map", "PUBLICATION_MARKERS", "marker_area"]

PUBLICATION_MARKERS = {
    "journal article": "o",
    "letter": "s",
    "conference abstract": "^",
    "preprint": "D",
    "registry entry": "P",
    "press or news item": "X",
    "institutional web page": "v",
}
GROUP_ORDER = ("adults", "mixed", "children")
_AREA_PER_PATIENT = 6.0
_MAX_AREA = 170.0
_MIN_AREA = 8.0


def marker_area(patients: float, largest: float = 1.0) -> float:
    """Marker area in points² for a number of patients.

    Proportional to patients (6 pt² per patient, or less when the largest report would exceed 170 pt²), with a
    floor so that one patient stays visible.
    """
    per_patient = min(_AREA_PER_PATIENT, _MAX_AREA / max(float(largest), 1.0))
    return max(_MIN_AREA, per_patient * float(patients))


def evidence_map(reports: pd.DataFrame, *, width: str | float = "double") -> tuple[Figure, pd.DataFrame]:
    """Draw the evidence map; return (figure, one row per drawn marker).

    The returned table: report_id, year, disease, age_group, patients, publication_type, x (year plus dodge),
    y (disease row, 0 = top), marker, colour, area.
    """
    for col in ("report_id", "year", "disease", "age_group", "patients", "publication_type"):
        if col not in reports.columns:
            raise ValueError(f"evidence map: reports lack column {col!r}.")
    data = reports[["report_id", "year", "disease", "age_group", "patients", "publication_type"]].copy()
    unknown = sorted(set(data["age_group"]) - set(GROUP_ORDER))
    if unknown:
        raise ValueError(f"evidence map: age_group must be one of {list(GROUP_ORDER)}, got {unknown}.")
    data["year"] = pd.to_numeric(data["year"]).astype(int)
    data["patients"] = pd.to_numeric(data["patients"], errors="coerce").fillna(1).astype(int)
    data["_group"] = data["age_group"].map({g: i for i, g in enumerate(GROUP_ORDER)})
    data = data.sort_values(["disease", "year", "_group", "report_id"], kind="mergesort").reset_index(drop=True)
    # Diseases ordered by number of reports (most first), ties alphabetical.
    order = data.groupby("disease")["report_id"].nunique().reset_index()
    order = order.sort_values(["report_id", "disease"], ascending=[False, True], kind="mergesort")["disease"].tolist()
    data["y"] = data["disease"].map({d: i for i, d in enumerate(order)})
    data["slot"] = data.groupby(["disease", "year"]).cumcount()
    data["n_slot"] = data.groupby(["disease", "year"])["report_id"].transform("size")
    step = (0.8 / data["n_slot"]).clip(upper=0.2)  # reports of one year and disease spread over at most 0.8 year
    data["x"] = data["year"] + (data["slot"] - (data["n_slot"] - 1) / 2) * step
    data["marker"] = data["publication_type"].map(PUBLICATION_MARKERS).fillna("o")
    data["colour"] = data["age_group"].map(AGE_GROUP_COLOURS)
    largest = float(data["patients"].max()) if len(data) else 1.0
    data["area"] = [marker_area(p, largest) for p in data["patients"]]

    years = sorted(set(data["year"]))
    height = 30.0 + 8.0 * max(len(order), 1)
    with style_context():
        fig = new_figure(width, height)
        ax = fig.add_axes((0.27, 14.0 / height, 0.53, (height - 20.0) / height))
        draw = data.sort_values(["_group", "area"], ascending=[True, False], kind="mergesort")
        for (group, marker), g in draw.groupby(["_group", "marker"], sort=True):
            children = GROUP_ORDER[int(group)] == "children"
            ax.scatter(g["x"], g["y"], s=g["area"], marker=marker, c=list(g["colour"]), alpha=0.95 if children else 0.75,
                       edgecolors="black" if children else "white", linewidths=0.6 if children else 0.4,
                       zorder=2 + int(group))
        # long disease names wrap onto two lines so they stay inside the figure's left margin
        ax.set_yticks(range(len(order)), [textwrap.fill(str(d), 24) for d in order])
        ax.set_ylim(len(order) - 0.5, -0.5)
        if years:
            ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
            ax.set_xticks(range(years[0], years[-1] + 1))
        ax.set_xlabel("Year of publication")
        ax.grid(True, axis="y", color="#EEEEEE", linewidth=0.5)
        ax.set_axisbelow(True)
        group_handles = [Line2D([], [], marker="o", linestyle="none", markersize=5, markerfacecolor=AGE_GROUP_COLOURS[g],
                                markeredgecolor="black" if g == "children" else "white", label=AGE_GROUP_LABELS[g])
                         for g in ("children", "mixed", "adults") if g in set(data["age_group"])]
        type_handles = [Line2D([], [], marker=PUBLICATION_MARKERS[t], linestyle="none", markersize=4.5,
                               markerfacecolor="#7F7F7F", markeredgecolor="white", label=t)
                        for t in PUBLICATION_MARKERS if t in set(data["publication_type"])]
        max_p = int(data["patients"].max()) if len(data) else 1
        sizes = sorted({1, *[v for v in (5, 10, 25, 50, 100) if v < max_p], max_p})
        if len(sizes) > 4:
            sizes = [sizes[0], sizes[len(sizes) // 2], sizes[-1]]
        size_handles = [Line2D([], [], marker="o", linestyle="none", markersize=math.sqrt(marker_area(v, largest)),
                               markerfacecolor="#BFBFBF", markeredgecolor="white", label=f"{v}") for v in sizes]
        leg1 = ax.legend(handles=group_handles, title="Age group", loc="upper left", bbox_to_anchor=(1.02, 1.0),
                         borderaxespad=0)
        ax.add_artist(leg1)
        leg2 = ax.legend(handles=type_handles, title="Publication type", loc="upper left", bbox_to_anchor=(1.02, 0.62),
                         borderaxespad=0)
        ax.add_artist(leg2)
        fig.legend(handles=size_handles, title="Patients", loc="lower left", bbox_to_anchor=(0.01, 0.01), ncol=len(size_handles),
                   labelspacing=1.2, columnspacing=1.2, borderaxespad=0)
    shown = data[["report_id", "year", "disease", "age_group", "patients", "publication_type", "x", "y", "marker",
                  "colour", "area"]].reset_index(drop=True)
    return fig, shown
