"""One style for every figure of the review, and the one helper through which every figure is saved.

* Colours: the Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008). Children are always vermillion and
  adults always blue, in every figure.
* Font: DejaVu Sans, which ships with matplotlib, so the output does not depend on the fonts of the machine.
* Widths: single column 85 mm, double column 180 mm (typical journal widths).
* Output: PNG at 300 dpi, PDF and SVG, byte-deterministic (no dates, no software versions, fixed SVG ids,
  TrueType fonts embedded in PDF), written atomically (temporary file, then rename).

Library code builds figures with the object API (:class:`matplotlib.figure.Figure`), never with pyplot
state, so importing or calling it does not change a notebook's figures.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from ..io.atomic import write_bytes_atomic

__all__ = [
    "AGE_GROUP_COLOURS",
    "AGE_GROUP_LABELS",
    "DISEASE_COLOURS",
    "DOUBLE_COLUMN_MM",
    "DPI",
    "INLINE_PRINT_FIGURE_KWARGS",
    "METADATA",
    "OKABE_ITO",
    "SINGLE_COLUMN_MM",
    "STYLE",
    "disease_colour",
    "figure_bytes",
    "mm_to_inches",
    "png_with_preview",
    "save_figure_with_preview",
    "new_figure",
    "save_figure",
    "style_context",
    "width_mm",
]

# Okabe & Ito (2008), "Color Universal Design": eight colours distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

AGE_GROUP_COLOURS = {
    "children": OKABE_ITO["vermillion"],
    "adults": OKABE_ITO["blue"],
    "mixed": OKABE_ITO["reddish_purple"],
    "overall": OKABE_ITO["black"],
}
AGE_GROUP_LABELS = {"children": "Children", "adults": "Adults", "mixed": "Mixed", "overall": "Overall"}

# Diseases keep one colour everywhere (swimmer plot bars, legends). Vermillion and blue are reserved for the
# age groups, so diseases use the other Okabe-Ito colours, then neutral greys.
_DISEASE_ORDER = (
    "systemic lupus erythematosus",
    "dermatomyositis",
    "systemic sclerosis",
    "anti-synthetase syndrome",
    "immune-mediated necrotising myopathy",
    "idiopathic inflammatory myopathy other",
    "rheumatoid arthritis",
    "Sjogren disease",
    "ANCA-associated vasculitis",
    "mixed connective tissue disease",
    "antiphospholipid syndrome",
    "IgG4-related disease",
    "other rheumatic disease",
)
_DISEASE_PALETTE = (
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["yellow"],
    "#7F7F7F",
    "#B3B3B3",
    "#4D4D4D",
    "#D9D9D9",
)
DISEASE_COLOURS = {d: _DISEASE_PALETTE[i % len(_DISEASE_PALETTE)] for i, d in enumerate(_DISEASE_ORDER)}

SINGLE_COLUMN_MM = 85.0
DOUBLE_COLUMN_MM = 180.0
DPI = 300
MM_PER_INCH = 25.4

# The rcParams of every figure: applied while a figure is built and while it is saved.
STYLE: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 7.0,
    "axes.titlesize": 8.0,
    "axes.labelsize": 7.0,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5,
    "legend.fontsize": 6.5,
    "legend.title_fontsize": 7.0,
    "legend.frameon": False,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "lines.linewidth": 1.0,
    "hatch.linewidth": 0.6,
    "savefig.dpi": DPI,
    "figure.dpi": 100,
    # Determinism (anchors E): fixed SVG ids, TrueType in PDF and PS, text as paths in SVG.
    "svg.hashsalt": "review-utils",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "path.simplify": True,
}

# Metadata per format: every key that would carry a date or a software version is removed.
METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
    "svg": {"Date": None, "Creator": None},
}


# For notebooks (anchors E): `%config InlineBackend.print_figure_kwargs = INLINE_PRINT_FIGURE_KWARGS` makes the
# inline PNGs stored in .ipynb outputs carry no software version and keep the figure's exact size.
INLINE_PRINT_FIGURE_KWARGS: dict[str, object] = {"metadata": METADATA["png"], "bbox_inches": None}


def mm_to_inches(mm: float) -> float:
    return float(mm) / MM_PER_INCH


def width_mm(width: str | float) -> float:
    """'single' (85 mm), 'double' (180 mm) or a width in millimetres."""
    if isinstance(width, str):
        if width == "single":
            return SINGLE_COLUMN_MM
        if width == "double":
            return DOUBLE_COLUMN_MM
        raise ValueError(f"width must be 'single', 'double' or a number of millimetres, got {width!r}.")
    return float(width)


@contextmanager
def style_context() -> Iterator[None]:
    """The review's rcParams for the duration of the block (global state restored afterwards)."""
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(width: str | float = "double", height_mm: float = 100.0) -> Figure:
    """A Figure of the given journal width and height, detached from pyplot (no global figure manager).

    Call it inside :func:`style_context` so that the artists pick up the review's style.
    """
    return Figure(figsize=(mm_to_inches(width_mm(width)), mm_to_inches(height_mm)), dpi=100)


def disease_colour(disease: str) -> str:
    """The colour of a disease (codebook term); unknown diseases are mid grey."""
    return DISEASE_COLOURS.get(str(disease), "#999999")


def figure_bytes(fig: Figure, fmt: str, dpi: int = DPI) -> bytes:
    """The bytes of `fig` in one format, rendered deterministically."""
    if fmt not in METADATA:
        raise ValueError(f"unknown figure format {fmt!r}: use one of {sorted(METADATA)}.")
    buffer = io.BytesIO()
    with style_context():
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=METADATA[fmt])
    return buffer.getvalue()


def _encode_png(rgba, dpi: float) -> bytes:
    """PNG bytes of an RGBA array, encoded exactly as matplotlib's own PNG writer does (same metadata, same dpi)."""
    import matplotlib.image

    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, rgba, format="png", origin="upper", dpi=dpi, metadata=METADATA["png"])
    return buffer.getvalue()


def png_with_preview(fig: Figure, dpi: int = DPI, preview_dpi: int = 110) -> tuple[bytes, bytes]:
    """The PNG file of `fig` at `dpi` (the same bytes as :func:`figure_bytes`) and a smaller preview for a
    notebook, from one drawing: the preview is the drawn image scaled down (box filter: each preview pixel
    is the mean of the pixels it covers), not a second drawing."""
    import numpy as np
    from PIL import Image

    width_px, height_px = (int(size * dpi) for size in fig.get_size_inches())  # as matplotlib's Agg renderer
    buffer = io.BytesIO()
    with style_context():
        fig.savefig(buffer, format="rgba", dpi=dpi)
    raw = buffer.getvalue()
    if len(raw) != width_px * height_px * 4:
        raise RuntimeError(f"the drawn image has {len(raw)} bytes, not {width_px} x {height_px} x 4")
    rgba = np.frombuffer(raw, dtype=np.uint8).reshape(height_px, width_px, 4)
    scale = preview_dpi / dpi
    small = Image.fromarray(rgba, "RGBA").resize(
        (max(1, round(width_px * scale)), max(1, round(height_px * scale))), Image.Resampling.BOX)
    return _encode_png(rgba, dpi), _encode_png(np.asarray(small), preview_dpi)


def _write(fig: Figure, stem: str | Path, formats: Sequence[str], dpi: int, drawn: dict[str, bytes]) -> list[Path]:
    stem = Path(stem)
    paths: list[Path] = []
    for fmt in formats:
        target = stem.parent / f"{stem.name}.{fmt}"
        write_bytes_atomic(target, drawn[fmt] if fmt in drawn else figure_bytes(fig, fmt, dpi=dpi))
        paths.append(target)
    return paths


def save_figure(fig: Figure, stem: str | Path, formats: Sequence[str] = ("png", "pdf", "svg"), dpi: int = DPI) -> list[Path]:
    """Write `fig` to `stem`.png/.pdf/.svg (atomically, deterministically) and return the paths written.

    `stem` is the path without suffix (``figures/forest_crs``); any suffix it has is kept as part of the name.
    The same figure saved twice, in one process or two, gives the same bytes in every format.
    """
    return _write(fig, stem, formats, dpi, {})


def save_figure_with_preview(fig: Figure, stem: str | Path, formats: Sequence[str] = ("png", "pdf", "svg"),
                             preview_dpi: int = 110, dpi: int = DPI) -> bytes:
    """:func:`save_figure`, and return a PNG preview at `preview_dpi` for a notebook; when PNG is among the
    formats, the file and the preview come from one drawing (:func:`png_with_preview`)."""
    if "png" not in formats:
        _write(fig, stem, formats, dpi, {})
        return figure_bytes(fig, "png", dpi=preview_dpi)
    png, preview = png_with_preview(fig, dpi, preview_dpi)
    _write(fig, stem, formats, dpi, {"png": png})
    return preview
