"""Swimmer plot: one lane per child, from infusion to last follow-up, with the events along the way.

Input
-----
``patients``: one row per child, columns ``patient_id``, ``disease`` (codebook term) and ``follow_up_months``
(number, or NR / missing when not reported).

``events``: one row per patient and event, columns ``patient_id``, ``event`` (codebook event term),
``onset_day`` (days since infusion; NR / missing when not reported) and ``grade_astct`` (CRS and ICANS; 0 = did
not occur). An optional ``occurred`` column ("yes"/"no"/"NR") drops events stated not to have happened.

What is drawn
-------------
A bar per child, its length the follow-up, coloured by disease. A child whose follow-up was not reported gets
a short hatched bar labelled "follow-up NR" (never a bar of length zero). Markers: CRS and ICANS (with the ASTCT
grade written beside), DORIS and drug-free remission, relapse, IVIG replacement, B-cell reconstitution, death.
Events without an onset day are drawn in a narrow "onset NR" panel right of the lanes (one column per event
type, same markers), never at an invented day.
"""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from .style import disease_colour, new_figure, style_context, width_mm

__all__ = ["swimmer_plot", "EVENT_MARKERS", "DAYS_PER_MONTH"]

DAYS_PER_MONTH = 365.25 / 12

# event -> (legend label, marker, face colour, edge colour, size, vertical offset in lane units)
EVENT_MARKERS: dict[str, tuple[str, str, str, str, float, float]] = {
    "CRS": ("CRS (ASTCT grade)", "^", "white", "black", 4.0, -0.14),
    "ICANS": ("ICANS (ASTCT grade)", "v", "#7F7F7F", "black", 4.0, 0.14),
    "DORIS remission": ("DORIS remission", "*", "white", "black", 7.0, 0.0),
    "drug-free remission": ("Drug-free remission", "*", "black", "black", 7.0, 0.0),
    "relapse": ("Relapse", "X", "black", "black", 5.0, 0.0),
    "IVIG replacement": ("IVIG replacement", "D", "white", "black", 3.5, 0.0),
    "B-cell reconstitution": ("B-cell reconstitution", "o", "white", "black", 4.0, 0.0),
    "death": ("Death", "s", "black", "black", 4.5, 0.0),
}
GRADED = ("CRS", "ICANS")
NR_STUB_MONTHS = 1.0


def _number(value) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def swimmer_plot(
    patients: pd.DataFrame, events: pd.DataFrame, *, width: str | float = "double", title: str = ""
) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Draw the swimmer plot; return (figure, {"lanes": ..., "markers": ..., "unplaced": ...}).

    ``lanes``: one row per child in drawing order from the top (lane 0), with patient_id, disease,
    follow_up_months (NaN when NR), follow_up_nr, bar_months (the drawn length). Children are sorted by
    follow-up, longest first (NR last), then patient_id.
    ``markers``: one row per drawn marker: patient_id, lane, event, month, grade, label (the grade text).
    ``unplaced``: events drawn in the "onset NR" panel: patient_id, lane, event, grade, slot (column), label.
    """
    for col in ("patient_id", "disease", "follow_up_months"):
        if col not in patients.columns:
            raise ValueError(f"swimmer plot: patients lack column {col!r}.")
    if patients["patient_id"].duplicated().any():
        dup = sorted(patients.loc[patients["patient_id"].duplicated(), "patient_id"].astype(str))
        raise ValueError(f"swimmer plot: patient_id must be unique (one lane per child); repeated: {dup}.")
    lanes = patients[["patient_id", "disease", "follow_up_months"]].copy()
    lanes["patient_id"] = lanes["patient_id"].astype(str)
    lanes["follow_up_months"] = [_number(v) for v in lanes["follow_up_months"]]
    lanes["follow_up_nr"] = lanes["follow_up_months"].isna()
    lanes["_sort"] = lanes["follow_up_months"].fillna(-1.0)
    lanes = lanes.sort_values(["_sort", "patient_id"], ascending=[False, True], kind="mergesort").drop(columns="_sort")
    lanes = lanes.reset_index(drop=True)
    lanes["lane"] = range(len(lanes))

    ev = events.copy()
    ev["patient_id"] = ev["patient_id"].astype(str)
    if "occurred" in ev.columns:
        ev = ev[ev["occurred"].astype(str).str.lower() != "no"]
    strangers = sorted(set(ev["patient_id"]) - set(lanes["patient_id"]))
    if strangers:
        raise ValueError(f"swimmer plot: events for patient(s) {strangers[:5]} who are not in patients.")
    ev = ev[ev["event"].isin(EVENT_MARKERS.keys())].copy()
    ev["grade"] = [_number(v) for v in ev.get("grade_astct", pd.Series(math.nan, index=ev.index))]
    # Grade 0 = the event did not occur (ASTCT); it is not drawn.
    ev = ev[~(ev["event"].isin(GRADED) & (ev["grade"] == 0))]
    ev["month"] = [_number(v) / DAYS_PER_MONTH for v in ev["onset_day"]]
    ev = ev.merge(lanes[["patient_id", "lane"]], on="patient_id", how="left")
    ev = ev.sort_values(["lane", "month", "event"], kind="mergesort", na_position="last").reset_index(drop=True)
    placed = ev[ev["month"].notna()].copy()
    unplaced = ev[ev["month"].isna()].copy()
    placed["label"] = [
        (str(int(g)) if not math.isnan(g) else "NR") if e in GRADED else "" for e, g in zip(placed["event"], placed["grade"])
    ]

    last_event = placed.groupby("patient_id")["month"].max() if len(placed) else pd.Series(dtype=float)
    bar = []
    for pid, fu in zip(lanes["patient_id"], lanes["follow_up_months"]):
        bar.append(fu if not math.isnan(fu) else max(NR_STUB_MONTHS, float(last_event.get(pid, 0.0))))
    lanes["bar_months"] = bar

    # Events whose onset day is not reported go into a narrow "onset NR" panel right of the lanes, one column
    # per event type, so they are shown without inventing a day.
    slots = [e for e in EVENT_MARKERS if e in set(unplaced["event"])]
    unplaced["slot"] = [slots.index(e) for e in unplaced["event"]]
    unplaced["label"] = [
        (str(int(g)) if not math.isnan(g) else "NR") if e in GRADED else "" for e, g in zip(unplaced["event"], unplaced["grade"])
    ]
    n = len(lanes)
    n_legend = len(set(lanes["disease"])) + int(lanes["follow_up_nr"].any()) + len(set(ev["event"])) + 3
    height = max(22.0 + 5.2 * max(n, 1), 24.0 + 3.1 * n_legend)
    fig_w = width_mm(width)
    label_mm = min(62.0, max(12.0, 1.3 * max((len(p) for p in lanes["patient_id"]), default=4) + 6.0))
    legend_mm = 50.0
    nr_mm = 5.0 + 4.0 * len(slots) if slots else 0.0
    main_mm = fig_w - label_mm - legend_mm - (nr_mm + 3.0 if slots else 0.0) - 2.0
    # Room right of the longest bar for the grade digits and the "follow-up NR" note (about 16 mm).
    x_max = max([*lanes["bar_months"], *placed["month"], 1.0]) * 1.12
    nr_ends = lanes.loc[lanes["follow_up_nr"], "bar_months"]
    if len(nr_ends):
        x_max = max(x_max, float(nr_ends.max()) / max(0.2, 1.0 - 17.0 / main_mm))
    bottom, top = 16.0 / height, (height - 20.0) / height
    with style_context():
        fig = new_figure(width, height)
        ax = fig.add_axes((label_mm / fig_w, bottom, main_mm / fig_w, top))
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xlim(min(0.0, placed["month"].min() if len(placed) else 0.0) - 0.02 * x_max, x_max)
        ax.set_yticks(range(n), list(lanes["patient_id"]))
        ax.set_xlabel("Months since CAR T-cell infusion")
        if title:
            ax.set_title(title, loc="left", fontweight="bold")
        for _, row in lanes.iterrows():
            y = row["lane"]
            colour = disease_colour(row["disease"])
            if row["follow_up_nr"]:
                ax.add_patch(Rectangle((0, y - 0.3), row["bar_months"], 0.6, facecolor="white", edgecolor=colour,
                                       hatch="////", linewidth=0.8, zorder=1))
                ax.text(row["bar_months"] + 3.0 / main_mm * x_max, y, "follow-up NR", va="center", ha="left", fontsize=6,
                        style="italic")
            else:
                ax.add_patch(Rectangle((0, y - 0.3), row["bar_months"], 0.6, facecolor=colour, edgecolor="none", zorder=1))
        for event, (label, marker, face, edge, size, dy) in EVENT_MARKERS.items():
            sub = placed[placed["event"] == event]
            if sub.empty:
                continue
            ax.add_line(Line2D(sub["month"], sub["lane"] + dy, marker=marker, markersize=size, markerfacecolor=face,
                               markeredgecolor=edge, markeredgewidth=0.6, linestyle="none", zorder=3, label=label))
            if event in GRADED:
                for m, lane, text in zip(sub["month"], sub["lane"], sub["label"]):
                    ax.text(m + 1.6 / main_mm * x_max, lane + dy, text, ha="left", va="center", fontsize=5.5, zorder=4)
        if slots:
            ax_nr = fig.add_axes(((label_mm + main_mm + 3.0) / fig_w, bottom, nr_mm / fig_w, top), sharey=ax)
            ax_nr.set_xlim(-0.7, len(slots) - 0.3)
            ax_nr.set_facecolor("#F2F2F2")
            ax_nr.tick_params(left=False, labelleft=False)
            ax_nr.set_xticks([])
            for spine in ax_nr.spines.values():
                spine.set_visible(False)
            ax_nr.set_xlabel("onset\nNR", fontsize=6, labelpad=2)
            for event, (label, marker, face, edge, size, dy) in EVENT_MARKERS.items():
                sub = unplaced[unplaced["event"] == event]
                if sub.empty:
                    continue
                ax_nr.add_line(Line2D(sub["slot"], sub["lane"] + dy, marker=marker, markersize=size, markerfacecolor=face,
                                      markeredgecolor=edge, markeredgewidth=0.6, linestyle="none", zorder=3))
                if event in GRADED:
                    for x, lane, text in zip(sub["slot"], sub["lane"], sub["label"]):
                        ax_nr.text(x + 0.3, lane + dy, text, ha="left", va="center", fontsize=5.5, zorder=4)
        ax.axvline(0, color="black", linewidth=0.6)
        diseases = sorted(set(lanes["disease"]))
        disease_handles = [Patch(facecolor=disease_colour(d), label=d) for d in diseases]
        if lanes["follow_up_nr"].any():
            disease_handles.append(Patch(facecolor="white", edgecolor="#555555", hatch="////", label="follow-up NR"))
        legend_x = 1.0 - (legend_mm - 2.0) / fig_w
        leg1 = ax.legend(handles=disease_handles, title="Disease", loc="upper left", borderaxespad=0,
                         bbox_to_anchor=(legend_x, bottom + top), bbox_transform=fig.transFigure)
        ax.add_artist(leg1)
        marker_handles = [
            Line2D([], [], marker=m, markersize=s, markerfacecolor=f, markeredgecolor=e, markeredgewidth=0.6,
                   linestyle="none", label=lab)
            for ev_name, (lab, m, f, e, s, _) in EVENT_MARKERS.items()
            if ev_name in set(placed["event"]) or ev_name in set(unplaced["event"])
        ]
        if marker_handles:
            ax.legend(handles=marker_handles, title="Events", loc="lower left", borderaxespad=0,
                      bbox_to_anchor=(legend_x, bottom), bbox_transform=fig.transFigure)
    markers = placed[["patient_id", "lane", "event", "month", "grade", "label"]].reset_index(drop=True)
    shown = {
        "lanes": lanes[["lane", "patient_id", "disease", "follow_up_months", "follow_up_nr", "bar_months"]],
        "markers": markers,
        "unplaced": unplaced[["patient_id", "lane", "event", "grade", "slot", "label"]].reset_index(drop=True),
    }
    return fig, shown
