"""One save helper for every figure: byte-identical output across calls and processes, no dates or versions,
atomic writes, and no pyplot state touched by the library."""

import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (only to check that the library leaves pyplot alone)
import pytest  # noqa: E402

from review_utils.figures.style import (  # noqa: E402
    AGE_GROUP_COLOURS,
    DOUBLE_COLUMN_MM,
    SINGLE_COLUMN_MM,
    figure_bytes,
    new_figure,
    png_with_preview,
    save_figure,
    save_figure_with_preview,
    style_context,
)

# Builds all seven figures from small inline data and saves them into the folder given as argv[1] / FOLDER.
# Run in this process (twice) and in a fresh interpreter; all three must give the same bytes.
BUILD_ALL = r'''
import sys
from pathlib import Path
import pandas as pd
from review_utils.figures import (appraisal_plot, evidence_map, forest_plot, prisma_diagram, save_figure,
                                  swimmer_plot, toxicity_plot, trajectory_plot)
from review_utils.pooling.result import PoolResult

out = Path(FOLDER)
reports = pd.DataFrame({"report_label": ["Krickau 2024", "He 2025", "Adult A 2023", "Adult B 2024"],
                        "year": [2024, 2025, 2023, 2024], "age_group": ["children", "children", "adults", "adults"],
                        "events": [1, 0, 3, 5], "total": [1, 1, 10, 12]})
pooled = {"adults": PoolResult("iv", "Logit inverse-variance", 2, 22, 8, 0.36, 0.2, 0.55, 0.1, 0.8, weights=(45.0, 55.0)),
          "children": PoolResult("glmm", "GLMM", 2, 2, 1, 0.5, 0.01, 0.99, estimable=False)}
records = pd.DataFrame({"record_id": ["R1", "R2", "R3", "R4", "R5"],
                        "identification_source": ["databases", "databases", "registers", "websites", "databases"],
                        "decision": ["included", "excluded", "excluded", "included", "excluded"],
                        "exclusion_stage": ["NA", "duplicate", "full text", "NA", "title and abstract"],
                        "exclusion_reason": ["NA", "duplicate record", "no new patients", "NA", "review or commentary"]})
children = pd.DataFrame({"patient_id": ["P1", "P2"], "disease": ["systemic lupus erythematosus", "dermatomyositis"],
                         "follow_up_months": [12, "NR"]})
events = pd.DataFrame({"patient_id": ["P1", "P2"], "event": ["CRS", "DORIS remission"], "onset_day": [2, 60],
                       "grade_astct": [1, "NA"]})
measures = pd.DataFrame({"patient_id": ["P1", "P1", "A1", "A1"], "age_group": ["children", "children", "adults", "adults"],
                         "measure": "SLEDAI-2K", "day": [0, 90, 0, 100], "value": [12, 2, 10, 4]})
tox = pd.DataFrame({"age_group": ["children", "adults", "adults"], "event": "CRS", "grade": [1, 0, 2], "count": [2, 5, 3]})
appraisal = pd.DataFrame({"report_label": "Krickau 2024", "checklist": "JBI case report", "item": range(1, 9),
                          "judgement": ["yes", "no", "unclear", "not applicable"] * 2})
emap = pd.DataFrame({"report_id": ["a", "b"], "year": [2023, 2024], "disease": "systemic lupus erythematosus",
                     "age_group": ["adults", "children"], "patients": [10, 1], "publication_type": "journal article"})
figures = {
    "forest": forest_plot(reports, pooled, outcome="CRS any grade")[0],
    "prisma": prisma_diagram(records, studies=2)[0],
    "swimmer": swimmer_plot(children, events)[0],
    "trajectories": trajectory_plot(measures)[0],
    "toxicity": toxicity_plot(tox)[0],
    "appraisal": appraisal_plot(appraisal)[0],
    "evidence_map": evidence_map(emap)[0],
}
for name, fig in figures.items():
    save_figure(fig, out / name)
'''
NAMES = ("forest", "prisma", "swimmer", "trajectories", "toxicity", "appraisal", "evidence_map")


def build_all(folder: Path) -> dict[str, bytes]:
    exec(compile(BUILD_ALL, "build_all", "exec"), {"FOLDER": str(folder)})
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    first = build_all(tmp_path_factory.mktemp("first"))
    second = build_all(tmp_path_factory.mktemp("second"))
    sub = tmp_path_factory.mktemp("subprocess")
    code = f"FOLDER = {str(sub)!r}\n" + BUILD_ALL
    subprocess.run([sys.executable, "-c", code], check=True, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    third = {p.name: p.read_bytes() for p in sorted(sub.iterdir())}
    return first, second, third


def test_every_figure_is_written_as_png_pdf_and_svg(outputs):
    """Seven figures x three formats = 21 files, nothing else (no temporary files left behind)."""
    first, _, _ = outputs
    assert sorted(first) == sorted(f"{n}.{ext}" for n in NAMES for ext in ("png", "pdf", "svg"))


def test_saving_twice_gives_identical_bytes_in_one_process_and_in_another(outputs):
    """Two separate builds in this process and one in a fresh interpreter give the same bytes, file by file."""
    first, second, third = outputs
    differing = sorted(name for name in first if not (first[name] == second[name] == third[name]))
    assert differing == []


def test_no_dates_or_software_versions_in_the_files(outputs):
    """PNG has no Software chunk, PDF no Creator/Producer/CreationDate/ModDate, SVG no dc:date; PDF fonts TrueType."""
    first, _, _ = outputs
    for name, data in first.items():
        assert b"Matplotlib" not in data and matplotlib.__version__.encode() not in data, name
        if name.endswith(".pdf"):
            for key in (b"/Creator", b"/Producer", b"/CreationDate", b"/ModDate"):
                assert key not in data, (name, key)
            # pdf.fonttype 42: TrueType glyphs embedded (as a CIDFontType2 font), never Type 3 bitmaps-as-procedures.
            assert (b"/CIDFontType2" in data or b"/TrueType" in data) and b"/Type3" not in data
        if name.endswith(".svg"):
            assert b"<dc:date>" not in data
        if name.endswith(".png"):
            assert b"Software" not in data and data.startswith(b"\x89PNG")


def test_png_is_300_dpi_at_the_journal_width(tmp_path):
    """A single-column figure is 85 mm wide: 85 / 25.4 x 300 = 1003.9, i.e. 1003 whole pixels at 300 dpi
    (pHYs chunk = 11811 px/m)."""
    with style_context():
        fig = new_figure("single", 50)
    (png,) = save_figure(fig, tmp_path / "blank", formats=("png",))
    data = png.read_bytes()
    width = int.from_bytes(data[16:20], "big")
    assert width == int(SINGLE_COLUMN_MM / 25.4 * 300) == 1003
    assert b"pHYs" in data and int.from_bytes(data[data.index(b"pHYs") + 4:][:4], "big") == 11811
    assert new_figure("double", 50).get_figwidth() * 25.4 == pytest.approx(DOUBLE_COLUMN_MM)


def test_one_drawing_gives_the_same_png_file_and_a_preview_at_the_notebook_resolution():
    """The notebook shows a copy of the file's image scaled from 300 to 110 dpi (one drawing for both); the
    file's bytes are those of matplotlib's own PNG writer."""
    from io import BytesIO

    from PIL import Image

    with style_context():
        fig = new_figure("single", 50)
        fig.add_axes((0.1, 0.1, 0.8, 0.8)).plot([0, 1], [0, 1])
    png, preview = png_with_preview(fig, dpi=300, preview_dpi=110)
    assert png == figure_bytes(fig, "png", dpi=300)
    full, small = Image.open(BytesIO(png)), Image.open(BytesIO(preview))
    # 85 x 50 mm at 300 dpi: 1003 x 590 pixels; scaled by 110/300: 367.8 x 216.3, rounded
    assert full.size == (1003, 590) and small.size == (368, 216)
    assert round(small.info["dpi"][0]) == 110


def test_saving_with_a_preview_writes_the_same_files_as_saving_alone(tmp_path):
    with style_context():
        fig = new_figure("single", 50)
        fig.add_axes((0.1, 0.1, 0.8, 0.8)).plot([0, 1], [1, 0])
    for formats in (("png", "pdf", "svg"), ("pdf",)):
        alone, with_preview = tmp_path / "alone" / "_".join(formats), tmp_path / "preview" / "_".join(formats)
        written = save_figure(fig, alone / "f", formats)
        preview = save_figure_with_preview(fig, with_preview / "f", formats, preview_dpi=110)
        assert [p.read_bytes() for p in written] == [(with_preview / p.name).read_bytes() for p in written]
        drawn_once = "png" in formats  # then the preview is the file's image scaled down, else its own drawing
        expected = png_with_preview(fig, preview_dpi=110)[1] if drawn_once else figure_bytes(fig, "png", dpi=110)
        assert preview == expected


def test_save_returns_the_paths_and_keeps_dots_in_the_stem(tmp_path):
    """save_figure('forest_crs.v2') writes forest_crs.v2.png/.pdf/.svg and returns them in the order asked."""
    fig = new_figure("single", 30)
    paths = save_figure(fig, tmp_path / "forest_crs.v2", formats=("svg", "png"))
    assert [p.name for p in paths] == ["forest_crs.v2.svg", "forest_crs.v2.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forest_crs.v2.png", "forest_crs.v2.svg"]


def test_library_leaves_pyplot_and_rcparams_alone(tmp_path):
    """Building and saving figures opens no pyplot figure and leaves the global rcParams as they were."""
    before_figs = plt.get_fignums()
    before_rc = dict(matplotlib.rcParams)
    build_all(tmp_path)
    assert plt.get_fignums() == before_figs
    assert dict(matplotlib.rcParams) == before_rc


def test_children_and_adults_have_fixed_okabe_ito_colours():
    """Children vermillion #D55E00, adults blue #0072B2 (Okabe-Ito), the same in every figure module."""
    assert AGE_GROUP_COLOURS["children"] == "#D55E00" and AGE_GROUP_COLOURS["adults"] == "#0072B2"
