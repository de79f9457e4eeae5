"""Benchmark: build and save every figure for realistic fixture data in one process (not a test).

Fixture: 4 children from 3 reports and 40 adult reports (about 300 adults), a screening log of ~600 records,
16 appraised reports. Also a forest plot of 200 reports. Targets: all figures under 10 s, forest-200 under 3 s.

    .venv/bin/python benchmarks/bench_figures.py            # time, writing into a temporary folder
    .venv/bin/python benchmarks/bench_figures.py --out /tmp/figs --png-only   # also keep the PNGs to look at
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from review_utils.figures import (
    appraisal_plot,
    evidence_map,
    forest_plot,
    prisma_diagram,
    save_figure,
    swimmer_plot,
    toxicity_plot,
    trajectory_plot,
)
from review_utils.pooling import pool

CHILDREN = pd.DataFrame(
    {
        "patient_id": ["krickau2024/P1", "nicolai2024/P1", "nicolai2024/P2", "he2025/P1"],
        "report_id": ["krickau2024", "nicolai2024", "nicolai2024", "he2025"],
        "disease": ["systemic lupus erythematosus", "dermatomyositis", "systemic lupus erythematosus", "systemic sclerosis"],
        "follow_up_months": [12.0, 6.5, "NR", 3.0],
    }
)
DISEASES = ["systemic lupus erythematosus", "dermatomyositis", "systemic sclerosis", "anti-synthetase syndrome",
            "ANCA-associated vasculitis"]
TYPES = ["journal article", "letter", "conference abstract", "preprint", "press or news item"]


def forest_fixture(n_adult_reports: int = 40) -> tuple[pd.DataFrame, dict]:
    rows = [("Krickau 2024", 2024, "children", 1, 1), ("Nicolai 2024", 2024, "children", 2, 2),
            ("He 2025", 2025, "children", 0, 1)]
    for i in range(n_adult_reports):
        total = 3 + (i * 5) % 14
        rows.append((f"Author {i:03d} {2021 + i % 5}", 2021 + i % 5, "adults", min(total, (i * 7) % 6), total))
    reports = pd.DataFrame(rows, columns=["report_label", "year", "age_group", "events", "total"])
    pooled = {}
    for group in ("children", "adults"):
        sub = reports[reports["age_group"] == group]
        pooled[group] = pool(sub["events"], sub["total"], method="iv_reml_knha")
    pooled["overall"] = pool(reports["events"], reports["total"], method="iv_reml_knha")
    return reports, pooled


def screening_fixture() -> pd.DataFrame:
    plan = [(180, "databases", "excluded", "duplicate", "duplicate record"),
            (5, "registers", "excluded", "duplicate", "duplicate record"),
            (3, "databases", "excluded", "removed before screening", "other"),
            (240, "databases", "excluded", "title and abstract", "review or commentary"),
            (30, "databases", "excluded", "title and abstract", "not CAR-based therapy"),
            (2, "databases", "excluded", "not retrieved", "other"),
            (12, "databases", "excluded", "full text", "no new patients"),
            (6, "databases", "excluded", "full text", "patients reported elsewhere"),
            (3, "registers", "excluded", "full text", "trial registration without results"),
            (4, "databases", "excluded", "full text", "not a rheumatic disease"),
            (38, "databases", "included", "NA", "NA"), (2, "registers", "included", "NA", "NA"),
            (2, "websites", "included", "NA", "NA"), (2, "websites", "excluded", "full text", "press item adding nothing"),
            (1, "organisations", "excluded", "not retrieved", "other"),
            (1, "citation searching", "included", "NA", "NA"),
            (1, "citation searching", "excluded", "full text", "no extractable outcome")]
    rows = []
    for n, source, decision, stage, reason in plan:
        for _ in range(n):
            rows.append(dict(record_id=f"R{len(rows) + 1:04d}", identification_source=source, decision=decision,
                             exclusion_stage=stage, exclusion_reason=reason, report_id="NA"))
    return pd.DataFrame(rows)


def events_fixture() -> pd.DataFrame:
    return pd.DataFrame(
        [("krickau2024/P1", "CRS", 1, 1), ("krickau2024/P1", "DORIS remission", 90, "NA"),
         ("krickau2024/P1", "drug-free remission", 180, "NA"), ("krickau2024/P1", "B-cell reconstitution", 120, "NA"),
         ("nicolai2024/P1", "CRS", 2, 2), ("nicolai2024/P1", "ICANS", 5, 1), ("nicolai2024/P1", "IVIG replacement", 30, "NA"),
         ("nicolai2024/P1", "relapse", 170, "NA"), ("nicolai2024/P2", "CRS", 1, 0),
         ("nicolai2024/P2", "DORIS remission", 60, "NA"), ("nicolai2024/P2", "IVIG replacement", "NR", "NA"),
         ("he2025/P1", "CRS", "NR", 1)],
        columns=["patient_id", "event", "onset_day", "grade_astct"],
    )


def measurements_fixture() -> pd.DataFrame:
    rows = []
    kids = {"krickau2024/P1": [(-3, 16), (30, 6), (90, 2), (180, 0), (365, 0)],
            "nicolai2024/P1": [(0, 12), (28, 4), (90, 4), (180, 2)],
            "nicolai2024/P2": [(-7, 20), (60, 8), (120, 4)], "he2025/P1": [(0, 10), (30, 2), (90, 0)]}
    for pid, series in kids.items():
        rows += [(pid, "children", "SLEDAI-2K", d, v) for d, v in series]
    for i in range(120):
        base = 8 + (i * 7) % 14
        days = [-(i % 5), 30 + (i % 7), 90 + (i % 11), 180 + (i % 13) * 3, 365 + (i % 17) * 4][: 3 + i % 3]
        rows += [(f"adult{i:03d}", "adults", "SLEDAI-2K", d, max(0, base - j * (3 + i % 3))) for j, d in enumerate(days)]
    return pd.DataFrame(rows, columns=["patient_id", "age_group", "measure", "day", "value"])


def toxicity_fixture() -> pd.DataFrame:
    rows = [("children", "CRS", 0, 1), ("children", "CRS", 1, 2), ("children", "CRS", 2, 1), ("children", "ICANS", 0, 3),
            ("children", "ICANS", 1, 1), ("adults", "CRS", 0, 60), ("adults", "CRS", 1, 180), ("adults", "CRS", 2, 40),
            ("adults", "CRS", 3, 6), ("adults", "CRS", 4, 1), ("adults", "ICANS", 0, 270), ("adults", "ICANS", 1, 12),
            ("adults", "ICANS", 2, 3), ("adults", "ICANS", 3, 2)]
    return pd.DataFrame(rows, columns=["age_group", "event", "grade", "count"])


def appraisal_fixture() -> pd.DataFrame:
    judgements = ["yes", "no", "unclear", "not applicable"]
    rows = []
    for i, report in enumerate(["Krickau 2024", "He 2025", "Lee 2023", "Wang 2024"]):
        for item in range(1, 9):
            rows.append((report, "JBI case report", item, judgements[(i * 3 + item * item) % 4] if (i + item) % 3 else "yes"))
    for i in range(12):
        for item in range(1, 11):
            rows.append((f"Series {i:02d} {2020 + i % 5}", "JBI case series", item,
                         judgements[(i + item * 2) % 4] if (i * item) % 4 else "yes"))
    return pd.DataFrame(rows, columns=["report_label", "checklist", "item", "judgement"])


def evidence_fixture() -> pd.DataFrame:
    rows = [("krickau2024", 2024, "systemic lupus erythematosus", "children", 1, "journal article"),
            ("nicolai2024", 2024, "dermatomyositis", "children", 2, "letter"),
            ("he2025", 2025, "systemic sclerosis", "children", 1, "conference abstract")]
    for i in range(40):
        rows.append((f"adult{i:02d}", 2021 + i % 5, DISEASES[(i * 3) % 5] if i % 4 else DISEASES[0],
                     "adults" if i % 9 else "mixed", [1, 3, 5, 8, 15, 24, 60][i % 7], TYPES[(i * 7) % 5]))
    return pd.DataFrame(rows, columns=["report_id", "year", "disease", "age_group", "patients", "publication_type"])


def builders() -> dict:
    reports, pooled = forest_fixture(40)
    return {
        "forest": lambda: forest_plot(reports, pooled, outcome="CRS any grade"),
        "prisma": lambda: prisma_diagram(screening_fixture(), studies=38),
        "swimmer": lambda: swimmer_plot(CHILDREN, events_fixture()),
        "trajectories": lambda: trajectory_plot(measurements_fixture()),
        "toxicity": lambda: toxicity_plot(toxicity_fixture()),
        "appraisal": lambda: appraisal_plot(appraisal_fixture()),
        "evidence_map": lambda: evidence_map(evidence_fixture()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None, help="folder for the outputs (default: a temporary folder)")
    parser.add_argument("--png-only", action="store_true", help="save PNG only")
    args = parser.parse_args()
    formats = ("png",) if args.png_only else ("png", "pdf", "svg")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        timings = []
        start_all = time.perf_counter()
        for name, build in builders().items():
            t0 = time.perf_counter()
            fig, _ = build()
            t1 = time.perf_counter()
            save_figure(fig, out / name, formats)
            timings.append((name, t1 - t0, time.perf_counter() - t1))
        total = time.perf_counter() - start_all
        reports, pooled = forest_fixture(197)
        t0 = time.perf_counter()
        fig, table = forest_plot(reports, pooled, outcome="CRS any grade (200 reports)")
        t1 = time.perf_counter()
        save_figure(fig, out / "forest_200", formats)
        t2 = time.perf_counter()
    print(f"{'figure':<16}{'build s':>10}{'save s':>10}{'total s':>10}   formats: {', '.join(formats)}")
    for name, build_s, save_s in timings:
        print(f"{name:<16}{build_s:>10.3f}{save_s:>10.3f}{build_s + save_s:>10.3f}")
    print(f"{'all figures':<16}{'':>10}{'':>10}{total:>10.3f}   target < 10 s: {'ok' if total < 10 else 'MISSED'}")
    n_reports = int((table['kind'] == 'report').sum())
    print(f"{f'forest {n_reports}':<16}{t1 - t0:>10.3f}{t2 - t1:>10.3f}{t2 - t0:>10.3f}   target < 3 s: "
          f"{'ok' if t2 - t0 < 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
