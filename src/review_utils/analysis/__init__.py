"""The review's analyses, one module per part of the review; the notebooks call these and show the results.

    run = start(globals())          # in a notebook, after its parameters cell
    figure, counts = screening.prisma(run)
"""
from .context import PARAMETER_NAMES, Run, start

__all__ = ["PARAMETER_NAMES", "Run", "start"]
