"""The review's figures: one module per figure, one style, one save helper.

Every figure function takes tidy DataFrames, builds a :class:`matplotlib.figure.Figure` with the object API
(no pyplot state) and returns ``(figure, shown)``, where ``shown`` is the data the figure displays (the text
table of a forest plot, the PRISMA counts, the lanes of a swimmer plot, ...). Save with :func:`save_figure`;
caption with :func:`caption_for`.
"""

from ..lazy import lazy_attributes

# name -> module: each figure module (and what it imports) is loaded on first use, so a notebook that draws
# a PRISMA diagram does not pay for the forest plot's statistics.
_WHERE = {
    "appraisal_plot": "appraisal",
    "Caption": "captions", "caption_for": "captions", "write_captions": "captions",
    "forest_plot": "forest", "forest_table": "forest",
    "prisma_counts": "prisma", "prisma_diagram": "prisma",
    "AGE_GROUP_COLOURS": "style", "DOUBLE_COLUMN_MM": "style", "SINGLE_COLUMN_MM": "style", "figure_bytes": "style",
    "new_figure": "style", "save_figure": "style", "style_context": "style",
    "swimmer_plot": "swimmer",
    "grade_distribution": "toxicity", "toxicity_plot": "toxicity",
    "trajectory_plot": "trajectories",
}


# The one function named like its module is imported now: importing the submodule (as the notebooks do) would
# otherwise leave the package attribute `evidence_map` pointing at the module, not the function.
from .evidence_map import evidence_map  # noqa: E402


__getattr__ = lazy_attributes(__name__, _WHERE)


__all__ = sorted([*_WHERE, "evidence_map"])
