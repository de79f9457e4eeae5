"""JBI critical appraisal: robvis-style traffic-light plot and summary bars, one panel per checklist.

Input: one row per report and checklist item, columns ``report_label``, ``checklist`` ("JBI case report",
8 items; "JBI case series", 10 items), ``item`` (1-based item number) and ``judgement`` (yes, no, unclear,
not applicable).

Traffic light (McGuinness & Higgins, robvis): reports are rows, items are columns, each judgement a coloured
circle with a symbol (yes green "+", no red "−", unclear yellow "?", not applicable grey "NA"). A missing
judgement leaves the cell empty. Summary: one 100% stacked bar per item (unweighted, share of reports).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .style import new_figure, style_context, width_mm

__all__ = ["appraisal_plot", "JUDGEMENT_COLOURS", "JUDGEMENT_SYMBOLS", "CHECKLIST_ITEMS"]

# robvis colours (R/helpers.R): low #02C100, some concerns #E2DF07, high #BF0000, NA #cccccc.
JUDGEMENT_COLOURS = {"yes": "#02C100", "no": "#BF0000", "unclear": "#E2DF07", "not applicable": "#CCCCCC"}
JUDGEMENT_SYMBOLS = {"yes": "+", "no": "\u2212", "unclear": "?", "not applicable": "NA"}
JUDGEMENT_LABELS = {"yes": "Yes", "no": "No", "unclear": "Unclear", "not applicable": "Not applicable"}
CHECKLIST_ITEMS = {"JBI case report": 8, "JBI case series": 10}
_CELL_MM = 4.6
_SUMMARY_ROW_MM = 3.2
_TITLE_MM = 6.0
_AXIS_MM = 9.0
_LABEL_MM = 40.0


def _check(data: pd.DataFrame) -> pd.DataFrame:
    for col in ("report_label", "checklist", "item", "judgement"):
        if col not in data.columns:
            raise ValueError(f"appraisal plot: data lack column {col!r}.")
    out = data[["report_label", "checklist", "item", "judgement"]].copy()
    out["report_label"] = out["report_label"].astype(str)
    out["item"] = pd.to_numeric(out["item"]).astype(int)
    unknown = sorted(set(out["judgement"]) - set(JUDGEMENT_COLOURS))
    if unknown:
        raise ValueError(f"appraisal plot: unknown judgement(s) {unknown}; use {list(JUDGEMENT_COLOURS)}.")
    bad = sorted(set(out["checklist"]) - set(CHECKLIST_ITEMS))
    if bad:
        raise ValueError(f"appraisal plot: unknown checklist(s) {bad}; use {list(CHECKLIST_ITEMS)}.")
    for checklist, n_items in CHECKLIST_ITEMS.items():
        sub = out[out["checklist"] == checklist]
        if ((sub["item"] < 1) | (sub["item"] > n_items)).any():
            raise ValueError(f"appraisal plot: {checklist} has items 1-{n_items}.")
    dup = out.duplicated(["report_label", "checklist", "item"])
    if dup.any():
        raise ValueError(f"appraisal plot: repeated judgement(s) for {out.loc[dup, ['report_label', 'item']].values.tolist()[:3]}.")
    return out


def appraisal_plot(data: pd.DataFrame, *, width: str | float = "double") -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Draw the traffic lights and summary bars; return (figure, {"cells": ..., "summary": ...}).

    ``cells``: one row per drawn circle: checklist, report_label, item, judgement, colour, symbol, row (0 = top).
    Reports are sorted by label within each checklist.
    ``summary``: one row per checklist item: checklist, item, n (reports judged) and percent_<judgement>.
    """
    data = _check(data)
    panels = [c for c in CHECKLIST_ITEMS if c in set(data["checklist"])]
    cells, summary = [], []
    heights = []
    for checklist in panels:
        reports = sorted(set(data.loc[data["checklist"] == checklist, "report_label"]))
        heights.append(len(reports))
    panel_h = []
    for checklist, n_rows in zip(panels, heights):
        n_items = CHECKLIST_ITEMS[checklist]
        panel_h.append(max(_CELL_MM * (n_rows + 1.6), _SUMMARY_ROW_MM * n_items + 2.0))
    legend_mm = 7.0
    fig_h = sum(h + _TITLE_MM + _AXIS_MM for h in panel_h) + legend_mm
    fig_w = width_mm(width)
    with style_context():
        fig = new_figure(width, fig_h)
        y_mm = fig_h - _TITLE_MM
        for checklist, n_rows, h in zip(panels, heights, panel_h):
            n_items = CHECKLIST_ITEMS[checklist]
            sub = data[data["checklist"] == checklist]
            reports = sorted(set(sub["report_label"]))
            fig.text(0.01, (y_mm + _TITLE_MM - 1.0) / fig_h,
                     f"{checklist} checklist ({len(reports)} report{'s' if len(reports) != 1 else ''})",
                     ha="left", va="top", fontsize=7.5, fontweight="bold")
            # Traffic light: reports as rows, items as columns.
            tl_h = _CELL_MM * (n_rows + 1.6)
            tl_left = _LABEL_MM / fig_w
            tl_w = _CELL_MM * (n_items + 0.2) / fig_w
            ax = fig.add_axes((tl_left, (y_mm - tl_h) / fig_h, tl_w, tl_h / fig_h))
            ax.set_xlim(0.4, n_items + 0.6)
            ax.set_ylim(n_rows - 0.4, -1.2)
            ax.axis("off")
            for item in range(1, n_items + 1):
                ax.text(item, -0.75, f"Q{item}", ha="center", va="center", fontsize=6)
            xs, ys, colours = [], [], []
            for r, report in enumerate(reports):
                ax.text(0.3, r, report, ha="right", va="center", fontsize=6)
                ax.axhline(r, color="#EEEEEE", linewidth=0.4, zorder=0)
                rows = sub[sub["report_label"] == report].sort_values("item")
                for item, judgement in zip(rows["item"], rows["judgement"]):
                    xs.append(item)
                    ys.append(r)
                    colours.append(JUDGEMENT_COLOURS[judgement])
                    ax.text(item, r, JUDGEMENT_SYMBOLS[judgement], ha="center", va="center",
                            fontsize=4.5 if judgement == "not applicable" else 7, fontweight="bold",
                            color="black" if judgement in ("unclear", "not applicable") else "white", zorder=4)
                    cells.append(dict(checklist=checklist, report_label=report, item=item, judgement=judgement,
                                      colour=JUDGEMENT_COLOURS[judgement], symbol=JUDGEMENT_SYMBOLS[judgement], row=r))
            collection = ax.scatter(xs, ys, s=58, c=colours, edgecolors="#555555", linewidths=0.4, zorder=3)
            collection.set_gid(f"traffic-light {checklist}")
            # Summary: one 100% stacked bar per item, to the right of the traffic light.
            sm_h = _SUMMARY_ROW_MM * n_items
            widest = max(CHECKLIST_ITEMS[c] for c in panels)  # summaries aligned across panels
            sm_left = tl_left + _CELL_MM * (widest + 0.2) / fig_w + 14.0 / fig_w
            ax2 = fig.add_axes((sm_left, (y_mm - 2.0 - sm_h) / fig_h, 0.97 - sm_left, sm_h / fig_h))
            for item in range(1, n_items + 1):
                judged = sub[sub["item"] == item]
                n = len(judged)
                row = {"checklist": checklist, "item": item, "n": n}
                left = 0.0
                for judgement, colour in JUDGEMENT_COLOURS.items():
                    share = 100.0 * (judged["judgement"] == judgement).sum() / n if n else 0.0
                    row[f"percent_{judgement}"] = share
                    if share:
                        ax2.barh(item, share, left=left, color=colour, edgecolor="white", linewidth=0.4, height=0.75)
                    left += share
                summary.append(row)
            ax2.set_ylim(n_items + 0.6, 0.4)
            ax2.set_xlim(0, 100)
            ax2.set_yticks(range(1, n_items + 1), [f"Q{i}" for i in range(1, n_items + 1)])
            ax2.set_xticks([0, 25, 50, 75, 100])
            ax2.set_xlabel("Reports (%)", labelpad=1)
            y_mm -= h + _TITLE_MM + _AXIS_MM
        handles = [Patch(facecolor=c, edgecolor="#555555", linewidth=0.4, label=f"{JUDGEMENT_SYMBOLS[j]}  {JUDGEMENT_LABELS[j]}")
                   for j, c in JUDGEMENT_COLOURS.items()]
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0 / fig_h), ncol=len(handles),
                   title="Judgement", title_fontsize=6.5)
    cells_df = pd.DataFrame(cells, columns=["checklist", "report_label", "item", "judgement", "colour", "symbol", "row"])
    summary_df = pd.DataFrame(summary)
    return fig, {"cells": cells_df, "summary": summary_df}
