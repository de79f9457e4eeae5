"""PRISMA 2020 flow diagram derived from the screening log (Page et al. BMJ 2021;372:n71).

Input: the screening ``records`` sheet, one row per record, columns

* ``record_id``;
* ``identification_source``: databases, registers, websites, organisations, citation searching;
* ``decision``: included or excluded;
* ``exclusion_stage`` (excluded records): duplicate, removed before screening, title and abstract,
  not retrieved, full text;
* ``exclusion_reason`` (excluded records): a codebook exclusion reason;
* ``report_id`` (optional; not needed for the counts).

The box names follow the PRISMA2020 R package's template (Haddaway et al. 2022), so the counts can be checked
against, or fed into, that tool. The arms: "databases and registers" (databases, registers) and "other methods"
(websites, organisations, citation searching).
"""

from __future__ import annotations

import textwrap
from collections import Counter

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from .style import DOUBLE_COLUMN_MM, new_figure, style_context

__all__ = ["prisma_counts", "prisma_diagram", "DBR_SOURCES", "OTHER_SOURCES"]

DBR_SOURCES = ("databases", "registers")
OTHER_SOURCES = ("websites", "organisations", "citation searching")
STAGES = ("duplicate", "removed before screening", "title and abstract", "not retrieved", "full text")
_NA = {"", "NA", "nan", "None"}


def _clean(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value).strip()
    return "" if text in _NA else text


def _reasons(frame: pd.DataFrame) -> dict[str, int]:
    """Exclusion reasons with counts, most frequent first (ties alphabetical)."""
    counts = Counter(_clean(r) or "reason not given" for r in frame["exclusion_reason"])
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def prisma_counts(records: pd.DataFrame, studies: int | None = None) -> dict:
    """The numbers of every PRISMA 2020 box, computed from the screening log.

    Arithmetic (tested): records_screened = identified (databases + registers) - duplicates - excluded_other;
    dbr_sought_reports = records_screened - records_excluded; dbr_assessed = sought - not retrieved;
    included = assessed - sum(excluded with reasons), per arm. Reports = included records
    (``total_reports``); studies = distinct cohorts, given by the caller (``studies``; None = not stated).

    Records found by other methods are not screened in the PRISMA 2020 template; any that the log excluded
    before retrieval (as duplicates or at title and abstract) are counted in ``other_removed`` so that the
    arithmetic of that arm still holds: other_sought_reports = identified by other methods - other_removed.

    Raises ValueError when the log is inconsistent (an unknown source or stage, an excluded record without a
    stage, an included record with one).
    """
    required = ("record_id", "identification_source", "decision", "exclusion_stage", "exclusion_reason")
    missing = [c for c in required if c not in records.columns]
    if missing:
        raise ValueError(f"PRISMA: the screening log lacks column(s) {missing}.")
    log = records.copy()
    for col in ("identification_source", "decision", "exclusion_stage", "exclusion_reason"):
        log[col] = [_clean(v) for v in log[col]]
    bad_source = sorted(set(log["identification_source"]) - set(DBR_SOURCES) - set(OTHER_SOURCES))
    if bad_source:
        raise ValueError(f"PRISMA: unknown identification_source {bad_source}; use {[*DBR_SOURCES, *OTHER_SOURCES]}.")
    bad_decision = sorted(set(log["decision"]) - {"included", "excluded"})
    if bad_decision:
        raise ValueError(f"PRISMA: decision must be 'included' or 'excluded', got {bad_decision}.")
    excluded = log["decision"] == "excluded"
    bad_stage = log[excluded & ~log["exclusion_stage"].isin(STAGES)]
    if len(bad_stage):
        raise ValueError(
            f"PRISMA: excluded record(s) {sorted(map(str, bad_stage['record_id']))[:5]} have no valid exclusion_stage "
            f"(one of {list(STAGES)})."
        )
    staged_included = log[~excluded & (log["exclusion_stage"] != "")]
    if len(staged_included):
        raise ValueError(
            f"PRISMA: included record(s) {sorted(map(str, staged_included['record_id']))[:5]} have an exclusion_stage; "
            "use NA for included records."
        )

    def n(frame: pd.DataFrame, stage: str) -> int:
        return int(((frame["decision"] == "excluded") & (frame["exclusion_stage"] == stage)).sum())

    source = log["identification_source"]
    dbr = log[source.isin(DBR_SOURCES)]
    other = log[source.isin(OTHER_SOURCES)]
    c: dict = {
        "database_results": int((source == "databases").sum()),
        "register_results": int((source == "registers").sum()),
        "website_results": int((source == "websites").sum()),
        "organisation_results": int((source == "organisations").sum()),
        "citations_results": int((source == "citation searching").sum()),
    }
    c["dbr_identified"] = c["database_results"] + c["register_results"]
    c["other_identified"] = c["website_results"] + c["organisation_results"] + c["citations_results"]
    c["duplicates"] = n(dbr, "duplicate")
    c["excluded_other"] = n(dbr, "removed before screening")
    c["records_screened"] = c["dbr_identified"] - c["duplicates"] - c["excluded_other"]
    c["records_excluded"] = n(dbr, "title and abstract")
    c["dbr_sought_reports"] = c["records_screened"] - c["records_excluded"]
    c["dbr_notretrieved_reports"] = n(dbr, "not retrieved")
    c["dbr_assessed"] = c["dbr_sought_reports"] - c["dbr_notretrieved_reports"]
    c["dbr_excluded"] = _reasons(dbr[(dbr["decision"] == "excluded") & (dbr["exclusion_stage"] == "full text")])
    c["dbr_included"] = c["dbr_assessed"] - sum(c["dbr_excluded"].values())

    c["other_removed"] = {
        stage: n(other, stage) for stage in ("duplicate", "removed before screening", "title and abstract") if n(other, stage)
    }
    c["other_sought_reports"] = c["other_identified"] - sum(c["other_removed"].values())
    c["other_notretrieved_reports"] = n(other, "not retrieved")
    c["other_assessed"] = c["other_sought_reports"] - c["other_notretrieved_reports"]
    c["other_excluded"] = _reasons(other[(other["decision"] == "excluded") & (other["exclusion_stage"] == "full text")])
    c["other_included"] = c["other_assessed"] - sum(c["other_excluded"].values())

    c["new_reports"] = c["dbr_included"] + c["other_included"]
    c["total_reports"] = c["new_reports"]
    c["new_studies"] = studies
    c["total_studies"] = studies
    included_in_log = int((log["decision"] == "included").sum())
    if included_in_log != c["total_reports"]:  # cannot happen when the checks above hold; kept as a guard
        raise ValueError(f"PRISMA: {included_in_log} included records but the flow arithmetic gives {c['total_reports']}.")
    return c


# ---------------------------------------------------------------------------------------------------------
# Drawing: a fixed grid in millimetres.

_LINE_MM = 2.75
_PAD_MM = 1.6
_CHAR_MM = 1.2  # average width of one character at 6.5 pt DejaVu Sans
_HEAD_COLOUR = "#FFD966"  # the PRISMA 2020 template: yellow header for the main arm
_OTHER_HEAD_COLOUR = "#D9D9D9"
_SIDE_COLOUR = "#A6C8E6"


def _wrap(lines: list[str], width_mm: float) -> list[str]:
    chars = max(10, int((width_mm - 2 * _PAD_MM) / _CHAR_MM))
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(line, chars, subsequent_indent="  ") or [""])
    return out


def _n(value: int) -> str:
    return f"(n\u00a0=\u00a0{value})"  # non-breaking spaces: a count is never split over two lines


def _box_texts(c: dict) -> dict[str, list[str]]:
    identified = ["Records identified from:", f"Databases {_n(c['database_results'])}",
                  f"Registers {_n(c['register_results'])}"]
    removed = [
        "Records removed before screening:",
        f"Duplicate records removed {_n(c['duplicates'])}",
        f"Records removed for other reasons {_n(c['excluded_other'])}",
    ]
    other_ident = [
        "Records identified from:",
        f"Websites {_n(c['website_results'])}",
        f"Organisations {_n(c['organisation_results'])}",
        f"Citation searching {_n(c['citations_results'])}",
    ]
    for stage, k in c["other_removed"].items():
        label = {"duplicate": "duplicates", "removed before screening": "removed for other reasons",
                 "title and abstract": "excluded on title/abstract"}[stage]
        other_ident.append(f"Of these, {label} {_n(k)}")
    dbr_excl = ["Reports excluded:"] + [f"{r} {_n(k)}" for r, k in c["dbr_excluded"].items()]
    if not c["dbr_excluded"]:
        dbr_excl = [f"Reports excluded {_n(0)}"]
    oth_excl = ["Reports excluded:"] + [f"{r} {_n(k)}" for r, k in c["other_excluded"].items()]
    if not c["other_excluded"]:
        oth_excl = [f"Reports excluded {_n(0)}"]
    included = []
    if c["total_studies"] is not None:
        included.append(f"Studies included in review {_n(c['total_studies'])}")
    included.append(f"Reports of included studies {_n(c['total_reports'])}")
    return {
        "dbr_identified": identified,
        "dbr_removed": removed,
        "screened": [f"Records screened {_n(c['records_screened'])}"],
        "screen_excluded": [f"Records excluded {_n(c['records_excluded'])}"],
        "dbr_sought": [f"Reports sought for retrieval {_n(c['dbr_sought_reports'])}"],
        "dbr_notretrieved": [f"Reports not retrieved {_n(c['dbr_notretrieved_reports'])}"],
        "dbr_assessed": [f"Reports assessed for eligibility {_n(c['dbr_assessed'])}"],
        "dbr_excluded": dbr_excl,
        "other_identified": other_ident,
        "other_sought": [f"Reports sought for retrieval {_n(c['other_sought_reports'])}"],
        "other_notretrieved": [f"Reports not retrieved {_n(c['other_notretrieved_reports'])}"],
        "other_assessed": [f"Reports assessed for eligibility {_n(c['other_assessed'])}"],
        "other_excluded": oth_excl,
        "included": included,
    }


def prisma_diagram(records: pd.DataFrame, studies: int | None = None) -> tuple[Figure, dict]:
    """Draw the PRISMA 2020 flow diagram (double column); return (figure, counts of :func:`prisma_counts`).

    The drawn box texts are in ``counts["box_text"]`` (box name -> list of lines as drawn).
    """
    c = prisma_counts(records, studies)
    texts = _box_texts(c)
    W = DOUBLE_COLUMN_MM
    # Columns (x, width) in mm: side bar, main arm, main arm side boxes, other arm, other arm side boxes.
    cols = {"side": (1.0, 6.0), "m": (10.0, 42.0), "ms": (56.0, 52.0), "o": (113.0, 32.0), "os": (149.0, 30.0)}
    placement = {
        "dbr_identified": "m", "dbr_removed": "ms", "screened": "m", "screen_excluded": "ms",
        "dbr_sought": "m", "dbr_notretrieved": "ms", "dbr_assessed": "m", "dbr_excluded": "ms",
        "other_identified": "o", "other_sought": "o", "other_notretrieved": "os", "other_assessed": "o",
        "other_excluded": "os", "included": "m",
    }
    wrapped = {name: _wrap(lines, cols[placement[name]][1]) for name, lines in texts.items()}
    grid = [
        ("identification", [("dbr_identified", "dbr_removed", "other_identified")]),
        ("screening", [("screened", "screen_excluded"), ("dbr_sought", "dbr_notretrieved", "other_sought", "other_notretrieved"),
                       ("dbr_assessed", "dbr_excluded", "other_assessed", "other_excluded")]),
        ("included", [("included",)]),
    ]
    head_h, gap = 7.0, 5.0
    row_heights = []
    for section, rows in grid:
        heights = [max(len(wrapped[b]) for b in row) * _LINE_MM + 2 * _PAD_MM for row in rows]
        # The side bar's rotated label must fit: stretch the section's last row when it is too short.
        need = len(section) * 1.35 + 4.0 - (sum(heights) + gap * (len(heights) - 1))
        if need > 0:
            heights[-1] += need
        row_heights.extend(heights)
    H = 2.0 + head_h + gap + sum(row_heights) + gap * (len(row_heights) - 1) + 2.0
    boxes: dict[str, tuple[float, float, float, float]] = {}
    with style_context():
        fig = new_figure("double", H)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, W)
        ax.set_ylim(H, 0)  # y grows downwards, in mm
        ax.axis("off")

        def box(x, y, w, h, lines, face="white", bold=False, rotate=False, gid=None):
            ax.add_patch(Rectangle((x, y), w, h, facecolor=face, edgecolor="black", linewidth=0.6, gid=gid))
            if rotate:
                ax.text(x + w / 2, y + h / 2, lines[0], rotation=90, ha="center", va="center", fontsize=6.5,
                        fontweight="bold")
            else:
                ax.text(x + _PAD_MM, y + h / 2, "\n".join(lines), ha="left", va="center", fontsize=6.5,
                        linespacing=1.15, fontweight="bold" if bold else "normal")

        top = 2.0
        mx, mw = cols["m"]
        box(mx, top, cols["ms"][0] + cols["ms"][1] - mx, head_h,
            ["Identification of new studies via databases and registers"], face=_HEAD_COLOUR, bold=True)
        ox, ow = cols["o"]
        box(ox, top, cols["os"][0] + cols["os"][1] - ox, head_h, ["Identification of new studies via other methods"],
            face=_OTHER_HEAD_COLOUR, bold=True)
        y = top + head_h + gap
        k = 0
        for section, rows in grid:
            section_top = y
            for row in rows:
                h = row_heights[k]
                k += 1
                for name in row:
                    x, w = cols[placement[name]]
                    boxes[name] = (x, y, w, h)
                    box(x, y, w, h, wrapped[name], gid=name)
                y += h + gap
            sx, sw = cols["side"]
            box(sx, section_top, sw, y - gap - section_top, [section.capitalize()], face=_SIDE_COLOUR, rotate=True)

        def arrow(a, b, side=False):
            ax_, ay, aw, ah = boxes[a]
            bx, by, bw, bh = boxes[b]
            if side:
                start, end = (ax_ + aw, ay + ah / 2), (bx, ay + ah / 2)
            else:
                start, end = (ax_ + aw / 2, ay + ah), (ax_ + aw / 2, by)
            ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=6, linewidth=0.6,
                                         color="black", shrinkA=0, shrinkB=0))

        for a, b in [("dbr_identified", "screened"), ("screened", "dbr_sought"), ("dbr_sought", "dbr_assessed"),
                     ("dbr_assessed", "included"), ("other_identified", "other_sought"), ("other_sought", "other_assessed")]:
            arrow(a, b)
        for a, b in [("dbr_identified", "dbr_removed"), ("screened", "screen_excluded"), ("dbr_sought", "dbr_notretrieved"),
                     ("dbr_assessed", "dbr_excluded"), ("other_sought", "other_notretrieved"),
                     ("other_assessed", "other_excluded")]:
            arrow(a, b, side=True)
        # Other methods -> included: down from the other arm's assessed box, then left into the included box.
        ox_, oy, ow_, oh = boxes["other_assessed"]
        ix, iy, iw, ih = boxes["included"]
        xm = ox_ + ow_ / 2
        ax.plot([xm, xm], [oy + oh, iy + ih / 2], color="black", linewidth=0.6)
        ax.add_patch(FancyArrowPatch((xm, iy + ih / 2), (ix + iw, iy + ih / 2), arrowstyle="-|>", mutation_scale=6,
                                     linewidth=0.6, color="black", shrinkA=0, shrinkB=0))
    c = dict(c)
    c["box_text"] = wrapped
    return fig, c
