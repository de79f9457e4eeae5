"""Save figures and tables of a run (deterministic, atomic) and collect their captions."""
from __future__ import annotations

import json
from dataclasses import asdict

import pandas as pd

from ..figures.captions import Caption, caption_for
from ..io.atomic import write_text_atomic
from ..paths import RunPaths

DISPLAY_DPI = 110  # the inline copy in the notebook; the files are 300 dpi


def _inline_display():
    """A function showing PNG bytes in the running notebook, or None outside IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:
        return None
    if get_ipython() is None:
        return None
    return lambda png: display(Image(data=png))


class Publisher:
    def __init__(self, paths: RunPaths, formats: tuple[str, ...], notebook: str):
        self.paths, self.formats, self.notebook = paths, formats, notebook
        self.captions: list[Caption] = []

    def figure(self, fig, name: str, kind: str, data, label: str = "") -> Caption:
        """Save `fig` as figures/<name>.<fmt>, record its caption, and show it in the notebook."""
        from ..figures.style import save_figure, save_figure_with_preview

        stem = self.paths.figures / name
        shown = _inline_display()
        if shown is None:
            save_figure(fig, stem, formats=self.formats)
        else:
            shown(save_figure_with_preview(fig, stem, formats=self.formats, preview_dpi=DISPLAY_DPI))
        return self._caption(name, kind, data, label)

    def table(self, frame: pd.DataFrame, name: str, kind: str | None = None, label: str = "") -> pd.DataFrame:
        """Save `frame` as tables/<name>.csv and .xlsx; record its caption when it has a kind."""
        from ..tables import write_table

        write_table(frame, self.paths.tables / name)
        if kind:
            self._caption(name, kind, frame, label)
        return frame

    def _caption(self, name: str, kind: str, data, label: str) -> Caption:
        text, alt = caption_for(kind, data)
        caption = Caption(name=name, kind=kind, caption=text, alt_text=alt, label=label)
        self.captions = [c for c in self.captions if c.name != name] + [caption]
        return caption

    def save_captions(self) -> None:
        """figures/captions/<notebook>.json: merged into figures/captions.md by `make`."""
        path = self.paths.figures / "captions" / f"{self.notebook}.json"
        write_text_atomic(path, json.dumps([asdict(c) for c in self.captions], indent=2, ensure_ascii=False) + "\n")
