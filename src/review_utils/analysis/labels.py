"""How a report is named in figures and tables."""
from __future__ import annotations


def report_labels(run) -> dict[str, str]:
    """report_id -> 'First author year' for plots; 'Wang 2024a', 'Wang 2024b' when two reports share it
    (letters in report_id order); the report id itself when the first author is not reported."""
    reports = run.extraction.reports.sort_values("report_id")
    base = {r.report_id: (r.report_id if str(r.first_author).startswith("NR") else f"{r.first_author} {int(r.year)}")
            for r in reports.itertuples()}
    labels = {}
    for rid, label in base.items():
        same = [other for other, text in base.items() if text == label]
        labels[rid] = label if len(same) == 1 else f"{label}{'abcdefghijklmnopqrstuvwxyz'[same.index(rid)]}"
    return labels
