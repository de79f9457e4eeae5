"""Critical appraisal: JBI checklist judgements as traffic lights and summary bars (robvis style)."""
from __future__ import annotations

import pandas as pd

from ..figures.appraisal import appraisal_plot
from .context import Run
from .labels import report_labels


def judgements(run: Run) -> pd.DataFrame:
    appraisal = run.extraction.appraisal
    labels = report_labels(run)
    return pd.DataFrame({"report_label": appraisal["report_id"].map(labels), "checklist": appraisal["checklist"],
                         "item": appraisal["item"].astype(int), "judgement": appraisal["judgement"]})


def traffic_light(run: Run) -> pd.DataFrame:
    data = judgements(run)
    if data.empty:
        return pd.DataFrame()
    fig, shown = appraisal_plot(data)
    run.publisher.figure(fig, "appraisal_jbi", "appraisal", shown, label="Figure 5")
    return shown["summary"]
