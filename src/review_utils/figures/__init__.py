"""The review's figures: one module per figure, one style, one save helper.

Every figure function takes tidy DataFrames, builds a :class:`matplotlib.figure.Figure` with the object API
(no pyplot state) and returns ``(figure, shown)``, where ``shown`` is the data the figure displays (the text
table of a forest plot, the PRISMA counts, the lanes of a swimmer plot, ...). Save with :func:`save_figure`;
caption with :func:`caption_for`.
"""

from .appraisal import appraisal_plot
from .captions import Caption, caption_for, write_captions
from .evidence_map import evidence_map
from .forest import forest_plot, forest_table
from .prisma import prisma_counts, prisma_diagram
from .style import (
    AGE_GROUP_COLOURS,
    DOUBLE_COLUMN_MM,
    SINGLE_COLUMN_MM,
    figure_bytes,
    new_figure,
    save_figure,
    style_context,
)
from .swimmer import swimmer_plot
from .toxicity import grade_distribution, toxicity_plot
from .trajectories import trajectory_plot

__all__ = [
    "AGE_GROUP_COLOURS",
    "Caption",
    "DOUBLE_COLUMN_MM",
    "SINGLE_COLUMN_MM",
    "appraisal_plot",
    "caption_for",
    "evidence_map",
    "figure_bytes",
    "forest_plot",
    "forest_table",
    "grade_distribution",
    "new_figure",
    "prisma_counts",
    "prisma_diagram",
    "save_figure",
    "style_context",
    "swimmer_plot",
    "toxicity_plot",
    "trajectory_plot",
    "write_captions",
]
