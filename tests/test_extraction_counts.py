"""Headline counts of the real extraction, derived by hand from the overlap map (../shared/literature).

If an edit double-counts a patient (a missing overlap link, a duplicated report) or loses one, these fail.
The expected numbers are written out with their reasoning; they were not copied from the code's output.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from review_utils.evidence import EvidenceParameters, unique_patient_counts
from review_utils.extraction import load_extraction

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = EvidenceParameters()


@pytest.fixture(scope="module")
def extraction():
    return load_extraction(ROOT / "extraction")


def _by(counts, *columns):
    return {tuple(k) if len(columns) > 1 else k: int(v)
            for k, v in counts.table.groupby(list(columns))["patients"].sum().items()}


def test_the_real_extraction_has_no_errors(extraction):
    assert not [p for p in extraction.problems if p.severity == "error"]


def test_unique_children_in_eligible_reports(extraction):
    """Eligible = journal articles, letters, conference abstracts.

    - Becilli 2026 (Nat Med): 8 children, 4 SLE + 3 dermatomyositis + 1 systemic sclerosis. It contains the
      Krickau 2024 letter's girl (SLE, P01) and Nicolai 2024's boy (JDM, P05): not counted again.
    - París-Muñoz 2025 (Med): 1 girl with anti-MDA5 dermatomyositis (P09), not part of any series.
    - Zheng 2025 (ASN abstract): 1 girl with SLE on dialysis (P12), not linked to a published cohort.
    - The Zhejiang news items (P10, P11, P13, P14) and the Erlangen press item (P02) are press: not eligible.
    Children: SLE 4 + 1 = 5, dermatomyositis 3 + 1 = 4, systemic sclerosis 1; 10 in all.
    """
    counts = unique_patient_counts(extraction, DEFAULT)
    children = {d: n for (g, d), n in _by(counts, "age_group", "disease").items() if g == "children"}
    assert children == {"systemic lupus erythematosus": 5, "dermatomyositis": 4, "systemic sclerosis": 1}


def test_unique_children_including_press_items(extraction):
    """Adding press items: the Bambino Gesù press release is contained in Becilli (no new child); the Madrid press
    release is París-Muñoz's girl; Erlangen's Yasmin (P02) is inferred to be inside Becilli. New: the Zhejiang
    CAR-NK news (2 children with SLE: P13 and one more) and the Zhejiang JDM news (P14, 1 child). The 20-child
    Zhejiang cohort news counts as mixed (ages up to 19), not as children.
    Children: SLE 5 + 2 = 7, dermatomyositis 4 + 1 = 5, systemic sclerosis 1; 13 in all."""
    params = replace(DEFAULT, eligible_publication_types=("journal article", "letter", "conference abstract",
                                                          "press or news item"))
    counts = unique_patient_counts(extraction, params)
    children = {d: n for (g, d), n in _by(counts, "age_group", "disease").items() if g == "children"}
    assert children == {"systemic lupus erythematosus": 7, "dermatomyositis": 5, "systemic sclerosis": 1}


def test_unique_adults_with_sle(extraction):
    """Adult SLE cohorts after overlap resolution (the Erlangen chain Mougiakakos ⊂ Mackensen ⊂ Müller 2024 ⊂
    Taubmann 2024 ⊂ Hagen 2024 is mixed-disease and counted there, not here):
    Feng 2025 15, GC012F ACR 2025 10 (supersedes EULAR), KYSA-1 2, YTB323 Morand 2025 21 (supersedes LSM 2024
    and EULAR 2025), relma-cel Shu 2025 8 (contains EULAR 2024), Wang 2024 ARD 13 (contains the iCell press),
    Wang 2025 J Autoimmun 8, Wang 2025 Med 3, YTS109 5, Zhao 2025 6: 15+10+2+21+8+13+8+3+5+6 = 91. Each n is the
    dossier's n_treated_sle (adult_sle_studies.csv). Left unlinked because the dossier calls it only "possible":
    Wang 2025 J Autoimmun and Shu 2025 (same relma-cel product, both n = 8); if the review team links them, this
    number becomes 83."""
    counts = unique_patient_counts(extraction, DEFAULT)
    assert _by(counts, "age_group", "disease")[("adults", "systemic lupus erythematosus")] == 91


def test_age_at_onset_counts_childhood_onset_sle_treated_as_adults(extraction):
    """By age at onset, KYSA-1's first patient (SLE from age 9, treated as an adult) becomes a child. Mougiakakos'
    patient (onset 16) sits inside the mixed Erlangen cohort (counted in aggregate, not individually), so the
    children's SLE count rises by exactly one: 5 + 1 = 6."""
    counts = unique_patient_counts(extraction, replace(DEFAULT, age_definition="onset"))
    children = {d: n for (g, d), n in _by(counts, "age_group", "disease").items() if g == "children"}
    assert children["systemic lupus erythematosus"] == 6
