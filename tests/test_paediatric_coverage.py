"""Every child of the evidence dossier (../shared/literature/pediatric_cases.csv, P01-P15) is in the extraction:
as an individually described patient, inside a series' counts, or in the screening log as excluded with a reason.

The mapping below was made by the extractors (and checked by hand against the dossier's overlap section);
the test checks that each target exists in the workbooks, so a deleted patient row or a renamed label fails.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from review_utils.extraction import load_extraction

ROOT = Path(__file__).resolve().parents[1]
DOSSIER = ROOT.parent / "shared" / "literature" / "pediatric_cases.csv"

# P-id -> ("patient", report_id, label) | ("series", report_id) | ("screening", record_id)
MAPPING = {
    "P01": ("patient", "krickau2024lancet", "patient 1"),        # Lancet 2024 letter, girl 15, Erlangen
    "P02": ("patient", "br2024erlangen", "Yasmin"),              # press only; inferred inside Becilli 2026
    "P03": ("screening", "R035"),                                 # Bambino Gesù note: SLE 17, inside Becilli counts
    "P04": ("screening", "R035"),                                 # Bambino Gesù note: SLE "18", inside Becilli counts
    "P05": ("patient", "nicolai2024arthritisrheumatol", "patient 1"),  # JDM boy 12, Rome
    "P06": ("series", "becilli2026natmed"),                      # Nat Med 2026 series, no individual data
    "P07": ("series", "becilli2026natmed"),
    "P08": ("series", "becilli2026natmed"),
    "P09": ("patient", "parismunoz2025med", "patient 1"),        # anti-MDA5 JDM, Madrid
    "P10": ("patient", "zjuch2024sle", "Chan Chan"),             # Zhejiang news, girl 12
    "P11": ("patient", "sui2024chaonews", "Xingxing"),           # Zhejiang news, boy 12
    "P12": ("patient", "zheng2025asnkidneyweek", "patient 1"),   # ASN 2025 abstract, girl 16 on dialysis
    "P13": ("patient", "zjuch2025carnk", "Xiaoya"),              # CAR-NK news, girl 13
    "P14": ("patient", "zjuch2024jdm", "Qingqing"),              # JDM news
    "P15": ("patient", "mougiakakos2021nejm", "single patient"),  # onset 16, treated at 20 (adult workbook)
}


@pytest.fixture(scope="module")
def extraction():
    return load_extraction(ROOT / "extraction")


@pytest.mark.skipif(not DOSSIER.exists(), reason="the dossier lives in ../shared beside the repository")
def test_the_mapping_covers_exactly_the_children_of_the_dossier():
    with DOSSIER.open(encoding="utf-8") as handle:
        ids = {m for row in csv.DictReader(handle) for m in re.findall(r"\[(P\d\d)\]", row["notes"])}
    assert ids == set(MAPPING)


@pytest.mark.parametrize("pid", sorted(MAPPING))
def test_each_child_is_in_a_workbook_or_excluded_with_a_reason(extraction, pid):
    kind, *target = MAPPING[pid]
    if kind == "patient":
        report_id, label = target
        rows = extraction.patients[(extraction.patients["report_id"] == report_id)
                                   & (extraction.patients["patient_label"] == label)]
        assert len(rows) == 1
    elif kind == "series":
        report = extraction.reports[extraction.reports["report_id"] == target[0]]
        assert len(report) == 1 and report["number_treated"].iloc[0] >= 1
        assert (extraction.aggregates["report_id"] == target[0]).any(), "the series gives its counts"
    else:
        record = extraction.records[extraction.records["record_id"] == target[0]]
        assert len(record) == 1
        assert record["decision"].iloc[0] == "excluded" and record["exclusion_reason"].iloc[0] not in (None, "NA")
        assert pid in str(record["notes"].iloc[0]), "the record's notes name the child"
