"""Screening: the PRISMA 2020 flow diagram and the excluded records, from the screening log."""
from __future__ import annotations

import pandas as pd

from ..evidence import every_publication_type, independent_cohorts
from ..figures.prisma import prisma_diagram
from ..tables import excluded_records
from .context import Run


def included_studies(run: Run) -> int:
    """Studies = independent cohorts among all included reports, whatever their type (PRISMA: studies vs
    reports): a report contained in or superseded by another is a report of the same study."""
    return int(len(independent_cohorts(run.extraction, every_publication_type(run.extraction, run.evidence))))


def prisma(run: Run):
    """Draw, save and caption the flow diagram; return the PRISMA box counts."""
    records = run.extraction.records
    fig, counts = prisma_diagram(records, studies=included_studies(run))
    run.publisher.figure(fig, "prisma_flow", "prisma", counts, label="Figure 1")
    return counts


def counts_table(counts: dict) -> pd.DataFrame:
    """The PRISMA box counts as a two-column table (box, n) for the notebook."""
    rows = []
    for key, value in counts.items():
        if key.startswith("box_text"):  # the wording drawn in each box, not a count
            continue
        if isinstance(value, dict):
            for reason, n in value.items():
                rows.append((f"{key}: {reason}", n))
        else:
            rows.append((key, value))
    return pd.DataFrame(rows, columns=["box", "n"])


def excluded(run: Run) -> pd.DataFrame:
    records = run.extraction.records.copy()
    records["year"] = [str(int(y)) if y == y else "NR" for y in records["year"]]  # whole years; NR when unknown
    table = excluded_records(records)
    return run.publisher.table(table, "excluded_records", "table_excluded", label="Table S1")
