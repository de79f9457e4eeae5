"""Forest plot of one binary outcome: reports grouped by age group, pooled diamonds and prediction intervals.

Input
-----
``reports``: one row per independent report, columns

* ``report_label`` (text shown, e.g. "Krickau 2024"), ``year`` (integer),
* ``age_group`` ("children" or "adults"), ``events`` and ``total`` (patients with the outcome / assessed).

``pooled``: a mapping with keys "children", "adults" and "overall" (each optional) to a
:class:`~review_utils.pooling.result.PoolResult`. When a result has ``weights`` (inverse-variance models), they
are the percent weights of that group's reports *in the order of the rows of* ``reports``; the squares are then
sized by weight. The GLMM has no per-report weights, and the squares are uniform.

What is drawn
-------------
Per report: a square at events/total and its exact Clopper-Pearson interval. Per group and overall: a diamond
spanning the pooled confidence interval and, on the row below, the prediction interval as a bar. A model that
could not be fitted shows "not estimable" and, when the result carries one, the crude pooled proportion as an
open diamond. Text columns: report, year, events/total, proportion % [CI], weight %.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.transforms import blended_transform_factory

from .style import AGE_GROUP_COLOURS, AGE_GROUP_LABELS, new_figure, style_context

if TYPE_CHECKING:
    from ..pooling.result import PoolResult

__all__ = ["forest_plot", "forest_table", "format_percent", "format_interval", "TABLE_COLUMNS"]

GROUPS = ("children", "adults")
TABLE_COLUMNS = ["kind", "age_group", "label", "year", "events_total", "estimate_ci", "weight"]
MAX_LABEL_CHARS = 36
ROW_MM = 3.6
HEADER_MM = 11.0
FOOTER_LINE_MM = 3.0


def format_percent(p: float) -> str:
    """A proportion as a percentage with one decimal: 0.3333 -> '33.3'."""
    return f"{100.0 * p:.1f}"


def format_interval(lower: float, upper: float) -> str:
    """An interval as percentages in brackets: '[4.3, 77.7]'."""
    return f"[{format_percent(lower)}, {format_percent(upper)}]"


def _truncate(text: str, n: int = MAX_LABEL_CHARS) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _year_text(year) -> str:
    if year is None or (isinstance(year, float) and math.isnan(year)) or pd.isna(year):
        return ""
    return str(int(year))


def _pooled_texts(result: PoolResult) -> tuple[str, str]:
    """(events/total, estimate text) of a pooled row."""
    events_total = f"{result.events}/{result.patients}"
    if result.estimable and result.estimate is not None:
        return events_total, f"{format_percent(result.estimate)} {format_interval(result.ci_lower, result.ci_upper)}"
    if result.estimate is not None and result.ci_lower is not None and result.ci_upper is not None:
        crude = f"{format_percent(result.estimate)} {format_interval(result.ci_lower, result.ci_upper)}"
        return events_total, f"not estimable (crude {crude})"
    return events_total, "not estimable"


def _check_reports(reports: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("report_label", "year", "age_group", "events", "total") if c not in reports.columns]
    if missing:
        raise ValueError(f"forest plot: reports lack column(s) {missing}; give report_label, year, age_group, events, total.")
    unknown = sorted(set(reports["age_group"]) - set(GROUPS))
    if unknown:
        raise ValueError(f"forest plot: age_group must be 'children' or 'adults', got {unknown}.")
    return reports.reset_index(drop=True)


def forest_table(reports: pd.DataFrame, pooled: Mapping[str, PoolResult | None], level: float = 0.95) -> pd.DataFrame:
    """The rows of the forest plot and exactly the text shown on each (plus numbers used for drawing).

    Columns of :data:`TABLE_COLUMNS` (all text) and, for drawing, ``estimate``, ``ci_lower``, ``ci_upper``,
    ``weight_percent``, ``estimable``. Row kinds: heading, report, pooled, prediction, and empty (an age group
    with no report of the outcome: its heading and "No report gives this outcome", so the absence shows).
    Reports are sorted by year, then label, within each age group (children first).
    """
    from ..pooling.exact import clopper_pearson
    reports = _check_reports(reports)
    rows: list[dict] = []
    for group in (*GROUPS, "overall"):
        result = pooled.get(group) if pooled else None
        if group == "overall":
            sub = reports.iloc[0:0]
        else:
            sub = reports[reports["age_group"] == group].copy()
            if sub.empty and result is None:
                # The absence is a finding: say that no report of this age group gives the outcome.
                rows.append(dict(kind="heading", age_group=group, label=AGE_GROUP_LABELS[group]))
                rows.append(dict(kind="empty", age_group=group, label="No report gives this outcome"))
                continue
        if group != "overall":
            weights = tuple(result.weights) if result is not None else ()
            sub["weight_percent"] = list(weights) if len(weights) == len(sub) and len(sub) else np.nan
            sub["_year_sort"] = pd.to_numeric(sub["year"], errors="coerce").fillna(9999)
            sub = sub.sort_values(["_year_sort", "report_label"], kind="mergesort")
            rows.append(dict(kind="heading", age_group=group, label=AGE_GROUP_LABELS[group]))
            if len(sub):
                lower, upper = clopper_pearson(sub["events"].to_numpy(), sub["total"].to_numpy(), level)
                for (_, r), lo, hi in zip(sub.iterrows(), lower, upper):
                    p = int(r["events"]) / int(r["total"])
                    w = r["weight_percent"]
                    rows.append(
                        dict(
                            kind="report",
                            age_group=group,
                            label=_truncate(r["report_label"]),
                            year=_year_text(r["year"]),
                            events_total=f"{int(r['events'])}/{int(r['total'])}",
                            estimate_ci=f"{format_percent(p)} {format_interval(lo, hi)}",
                            weight="" if pd.isna(w) else f"{w:.1f}%",
                            estimate=p,
                            ci_lower=float(lo),
                            ci_upper=float(hi),
                            weight_percent=None if pd.isna(w) else float(w),
                            estimable=True,
                        )
                    )
        if result is None:
            continue
        events_total, estimate_text = _pooled_texts(result)
        pooled_label = "Pooled, all reports" if group == "overall" else f"Pooled, {AGE_GROUP_LABELS[group].lower()}"
        rows.append(
            dict(
                kind="pooled",
                age_group=group,
                label=f"{pooled_label} (k = {result.k})",
                events_total=events_total,
                estimate_ci=estimate_text,
                estimate=result.estimate,
                ci_lower=result.ci_lower,
                ci_upper=result.ci_upper,
                estimable=bool(result.estimable),
            )
        )
        if result.estimable and result.pi_lower is not None and result.pi_upper is not None:
            rows.append(
                dict(
                    kind="prediction",
                    age_group=group,
                    label=f"{level:.0%} prediction interval",
                    estimate_ci=format_interval(result.pi_lower, result.pi_upper),
                    ci_lower=float(result.pi_lower),
                    ci_upper=float(result.pi_upper),
                    estimable=True,
                )
            )
    table = pd.DataFrame(rows)
    for col in TABLE_COLUMNS:
        if col not in table:
            table[col] = ""
        table[col] = table[col].fillna("").astype(str)
    for col in ("estimate", "ci_lower", "ci_upper", "weight_percent"):
        if col not in table:
            table[col] = np.nan
        table[col] = pd.to_numeric(table[col], errors="coerce")
    table["estimable"] = table.get("estimable", True)
    return table[[*TABLE_COLUMNS, "estimate", "ci_lower", "ci_upper", "weight_percent", "estimable"]].reset_index(drop=True)


def _methods(pooled: Mapping[str, PoolResult | None]) -> list[str]:
    labels: list[str] = []
    for group in (*GROUPS, "overall"):
        result = pooled.get(group) if pooled else None
        if result is not None and result.label not in labels:
            labels.append(result.label)
    return labels


def forest_plot(
    reports: pd.DataFrame,
    pooled: Mapping[str, PoolResult | None],
    *,
    outcome: str = "",
    level: float = 0.95,
    width: str | float = "double",
) -> tuple[Figure, pd.DataFrame]:
    """Draw the forest plot; return (figure, table of exactly the text shown per row).

    The table has the columns of :data:`TABLE_COLUMNS`; its ``attrs`` carry outcome, methods, level,
    reports (k) and patients for captions. The text columns need the double-column width (180 mm, the default);
    a wider figure (a number of mm) spreads them further apart.
    """
    full = forest_table(reports, pooled, level)
    show_weight = bool((full["weight"] != "").any())
    table = full[TABLE_COLUMNS if show_weight else [c for c in TABLE_COLUMNS if c != "weight"]].copy()
    methods = _methods(pooled)
    n_reports = int((full["kind"] == "report").sum())
    n_patients = int(pd.to_numeric(reports["total"]).sum()) if len(reports) else 0
    table.attrs.update(outcome=outcome, methods=methods, level=level, reports=n_reports, patients=n_patients)

    footer = [
        f"Squares: reports with exact Clopper-Pearson {level:.0%} CI"
        + ("; square area proportional to the weight within the age-group model." if show_weight else "."),
        f"Diamonds: pooled proportion with {level:.0%} CI; bar below: {level:.0%} prediction interval.",
    ]
    not_fitted = full[(full["kind"] == "pooled") & ~full["estimable"].astype(bool)]
    if len(not_fitted):
        footer.append(
            "Not estimable: the model could not be fitted"
            + ("; open diamond = crude pooled proportion with exact CI." if not_fitted["estimate"].notna().any() else ".")
        )
    footer.append("Method: " + ("; ".join(methods) if methods else "none (no pooled result given)") + ".")

    n_rows = len(full)
    bottom_mm = 11.0 + FOOTER_LINE_MM * len(footer)
    height = HEADER_MM + ROW_MM * max(n_rows, 1) + bottom_mm
    with style_context():
        fig = new_figure(width, height)
        x0, x1 = 0.31, 0.59
        ax = fig.add_axes((x0, bottom_mm / height, x1 - x0, ROW_MM * max(n_rows, 1) / height))
        ax.set_ylim(-n_rows + 0.5, 0.5)
        ax.set_xlim(-0.02, 1.02)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "25", "50", "75", "100"])
        ax.set_xlabel("Proportion (%)")
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.xaxis.grid(True, color="#E5E5E5", linewidth=0.5)
        ax.set_axisbelow(True)
        text_tf = blended_transform_factory(fig.transFigure, ax.transData)
        columns = {
            "label": (0.01, "left"),
            "year": (0.255, "left"),
            "events_total": (0.665, "right"),
            "estimate_ci": (0.68, "left"),
            "weight": (0.99, "right"),
        }
        headers = {
            "label": "Report",
            "year": "Year",
            "events_total": "Events/\ntotal",
            "estimate_ci": f"Proportion, % [{level:.0%} CI]",
            "weight": "Weight",
        }
        if outcome:
            fig.text(0.01, 1.0 - 1.0 / height, outcome, fontsize=8, fontweight="bold", va="top", ha="left")
        for key, (x, ha) in columns.items():
            if key == "weight" and not show_weight:
                continue
            fig.text(x, 1.0 - (HEADER_MM - 0.5) / height, headers[key], ha=ha, va="bottom", fontweight="bold", fontsize=6.5)
        overall = pooled.get("overall") if pooled else None
        if overall is not None and overall.estimable and overall.estimate is not None:
            ax.axvline(overall.estimate, color="#7F7F7F", linewidth=0.6, linestyle=(0, (2, 2)), zorder=1)

        # Square area is proportional to weight within each age group (each group's model has its own weights).
        max_w = full.groupby("age_group")["weight_percent"].max().to_dict()
        for i, row in full.iterrows():
            y = -float(i)
            colour = AGE_GROUP_COLOURS[row["age_group"]]
            bold = row["kind"] in ("heading", "pooled")
            for key, (x, ha) in columns.items():
                if key == "weight" and not show_weight:
                    continue
                text = row[key]
                if not text:
                    continue
                ax.text(
                    x, y, text, transform=text_tf, ha=ha, va="center", fontsize=6.5,
                    fontweight="bold" if bold else "normal",
                    color=colour if row["kind"] == "heading" else "black",
                    clip_on=False,
                )
            if row["kind"] == "report":
                ax.hlines(y, row["ci_lower"], row["ci_upper"], color=colour, linewidth=0.8, zorder=2)
                if show_weight and not math.isnan(row["weight_percent"]):
                    size = max(1.5, 6.0 * math.sqrt(row["weight_percent"] / max_w[row["age_group"]]))
                else:
                    size = 3.5
                ax.add_line(Line2D([row["estimate"]], [y], marker="s", markersize=size, color=colour,
                                   markeredgewidth=0, linestyle="none", zorder=3))
            elif row["kind"] == "pooled" and not math.isnan(row["estimate"]):
                lo, est, hi = row["ci_lower"], row["estimate"], row["ci_upper"]
                corners = [(lo, y), (est, y + 0.36), (hi, y), (est, y - 0.36)]
                if row["estimable"]:
                    ax.add_patch(Polygon(corners, closed=True, facecolor=colour, edgecolor=colour, linewidth=0.6, zorder=3))
                else:
                    ax.add_patch(Polygon(corners, closed=True, facecolor="white", edgecolor=colour, linewidth=0.8,
                                         linestyle=(0, (2, 1)), zorder=3))
            elif row["kind"] == "prediction":
                ax.hlines(y, row["ci_lower"], row["ci_upper"], color=colour, linewidth=1.6, zorder=2)
                ax.vlines([row["ci_lower"], row["ci_upper"]], y - 0.2, y + 0.2, color=colour, linewidth=0.8, zorder=2)
            starts_block = row["kind"] == "heading" or (row["kind"] == "pooled" and row["age_group"] == "overall")
            if starts_block and i > 0:
                ax.axhline(y + 0.5, color="#BFBFBF", linewidth=0.4, zorder=0)
        for j, line in enumerate(footer):
            fig.text(0.01, (bottom_mm - 9.5 - FOOTER_LINE_MM * j) / height, line, fontsize=6, va="top", ha="left",
                     color="#333333")
    return fig, table
