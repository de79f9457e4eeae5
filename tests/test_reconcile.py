"""Dual extraction: two independent copies of one report are compared row by row, matched by key.

Methods rule: disagreements are found cell by cell on rows matched by their codebook key (patient
label; patient + measure + day; patient + event + onset day), never by row number; agreement is
reported per field, with Cohen's kappa for categorical fields; the consensus draft holds the agreed
values and leaves every disagreement empty, highlighted, with both values in a comment.

`make_workbook` (the fixture builder) is imported by the other co-investigator test modules.
"""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import openpyxl
import pytest

from review_utils import cli
from review_utils.coinvestigator.agreement import cohen_kappa, percent_agreement
from review_utils.coinvestigator.compare import load
from review_utils.coinvestigator.reconcile import reconcile
from review_utils.io.xlsx_writer import workbook_bytes
from review_utils.template import build_template


@lru_cache(maxsize=2)
def _template_bytes(kind: str = "report") -> bytes:
    return workbook_bytes(build_template(kind))


def make_workbook(path: Path, form: dict | None = None, tables: dict | None = None, kind: str = "report") -> Path:
    """A workbook from the blank template, filled like a co-investigator would in Excel.

    form: field -> value, or (value, source) / (value, source, notes).
    tables: sheet -> list of {column: value} rows, written from row 2 in the order given.
    """
    wb = openpyxl.load_workbook(io.BytesIO(_template_bytes(kind)))
    if form:
        ws = wb["report"]
        rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
        for name, value in form.items():
            values = value if isinstance(value, tuple) else (value,)
            for column, item in enumerate(values, start=2):
                ws.cell(row=rows[name], column=column, value=item)
    for sheet, records in (tables or {}).items():
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        for r, record in enumerate(records, start=2):
            for name, value in record.items():
                ws.cell(row=r, column=header.index(name) + 1, value=value)
    wb.save(path)
    return path


FORM = {
    "report_id": "doe2024lupus", "citation": ("Doe J et al. CAR T cells in childhood lupus. 2024", "p. 1"),
    "first_author": ("Doe", "p. 1"), "year": (2024, "p. 1"), "publication_type": ("journal article", "p. 1"),
    "design": ("case series", "abstract"), "population": ("paediatric", "abstract"),
    "diseases": ("systemic lupus erythematosus", "abstract"), "number_treated": (4, "table 1"),
    "patients_described_individually": ("yes", "table 1"), "extractor": "JS", "extraction_date": "2024-05-01",
}


def patient(label, sex, age, disease="systemic lupus erythematosus"):
    return {"patient_label": label, "age_at_infusion_years": age, "sex": sex, "disease": disease,
            "cell_therapy_type": "CAR-T", "car_target": "CD19", "source": "table 1"}


def sledai(label, day, value):
    return {"patient_label": label, "day_since_infusion": day, "measure": "SLEDAI-2K", "value": value,
            "unit": "points", "source": "figure 2"}


def event(label, name, day, grade):
    return {"patient_label": label, "event": name, "occurred": "yes", "grade_astct": grade, "onset_day": day,
            "grading_system": "ASTCT 2019", "source": "table 2"}


# Sex, the categorical field whose kappa is checked by hand:
#   patient   A        B
#   P1        female   female
#   P2        male     female    <- disagreement
#   P3        female   female
#   P4        male     male
PATIENTS_A = [patient("P1", "female", 14, "SLE"), patient("P2", "male", 16), patient("P3", "female", 12),
              patient("P4", "male", 9)]
# B lists the patients in another order, writes the disease in full for P1 (the same term), reads P3 as 13.
PATIENTS_B = [patient("P4", "male", 9), patient("P3", "female", 13), patient("P2", "female", 16),
              patient("P1", "female", 14)]
MEASURES_A = [sledai("P1", 0, 12), sledai("P1", 28, 4), sledai("P2", 0, 10)]
MEASURES_B = [sledai("P2", 0, 10), sledai("P1", 0, 14), sledai("P1", 28, 4), sledai("P1", 90, 2)]  # P1/90 only in B
EVENTS_A = [event("P1", "CRS", 2, 1), event("P2", "CRS", 1, 1), event("P2", "ICANS", 5, 1)]  # P2 ICANS only in A
EVENTS_B = [event("P1", "CRS", 3, 1), event("P2", "CRS", 1, 2)]

KNOWN_DISAGREEMENTS = {
    ("patients", "P2", "sex", "male", "female"),
    ("patients", "P3", "age_at_infusion_years", "12", "13"),
    ("measurements", "P1 / SLEDAI-2K / 0", "value", "12", "14"),
    ("events", "P1 / CRS / 2", "onset_day", "2", "3"),  # same patient and event, another day: one row
    ("events", "P2 / CRS / 1", "grade_astct", "1", "2"),
}


@pytest.fixture()
def pair(tmp_path):
    a = make_workbook(tmp_path / "doe2024lupus.A.xlsx", FORM,
                      {"patients": PATIENTS_A, "measurements": MEASURES_A, "events": EVENTS_A})
    b = make_workbook(tmp_path / "doe2024lupus.B.xlsx", dict(FORM, extractor="MK", extraction_date="2024-05-03"),
                      {"patients": PATIENTS_B, "measurements": MEASURES_B, "events": EVENTS_B})
    return a, b


def test_reconcile_finds_exactly_the_known_disagreements_matching_rows_by_key(pair):
    """B lists rows in another order and spells a term differently: only true disagreements are reported."""
    result = reconcile(load(pair[0]), load(pair[1]))
    found = {(d.sheet, d.key, d.field, d.a, d.b) for d in result.disagreements}
    assert found == KNOWN_DISAGREEMENTS
    # The cells point at each copy's own row: P2 is row 3 in A and row 4 in B (sex is column D).
    sex = next(d for d in result.disagreements if d.field == "sex")
    assert (sex.cell_a, sex.cell_b) == ("D3", "D4")
    only = {(o.sheet, o.key, o.side, o.extractor) for o in result.one_copy}
    assert only == {("measurements", "P1 / SLEDAI-2K / 90", "B", "MK"), ("events", "P2 / ICANS / 5", "A", "JS")}
    # Extractor and extraction date differ by design and are not counted as disagreements.
    assert {d.key for d in result.admin} == {"extractor", "extraction_date"}


def test_kappa_of_sex_equals_the_hand_computed_value(pair):
    """Cohen's kappa for sex from the 2x2 table of the fixture.

                 B female  B male
        A female     2        0
        A male       1        1
    n = 4; p_o = 3/4 = 0.75; p_e = (2*3 + 2*1) / 16 = 0.5; kappa = (0.75 - 0.5) / (1 - 0.5) = 0.5
    """
    result = reconcile(load(pair[0]), load(pair[1]))
    sex = next(f for f in result.fields if (f.sheet, f.field) == ("patients", "sex"))
    assert (sex.compared, sex.agreed) == (4, 3)
    assert sex.percent == pytest.approx(75.0)
    assert sex.kappa == pytest.approx(0.5)
    # A numeric field has percent agreement but no kappa.
    age = next(f for f in result.fields if (f.sheet, f.field) == ("patients", "age_at_infusion_years"))
    assert (age.compared, age.agreed, age.kappa) == (4, 3, None)


def test_kappa_of_a_three_category_table():
    """Cohen's kappa from a 3x3 table, computed by hand.

               B x  B y  B z   (A total)
        A x     4    1    0       5
        A y     1    3    1       5
        A z     0    0    2       2
     (B total)  5    4    3      n = 12
    p_o = 9/12; p_e = (5*5 + 5*4 + 2*3) / 144 = 51/144; kappa = (108 - 51) / (144 - 51) = 57/93 = 19/31
    """
    cells = {("x", "x"): 4, ("x", "y"): 1, ("y", "x"): 1, ("y", "y"): 3, ("y", "z"): 1, ("z", "z"): 2}
    pairs = [pair for pair, n in cells.items() for _ in range(n)]
    assert cohen_kappa(pairs) == pytest.approx(19 / 31)
    assert percent_agreement(pairs) == pytest.approx(75.0)
    # Both raters used one category throughout: chance agreement is 1 and kappa is undefined, not 1.
    assert cohen_kappa([("yes", "yes")] * 5) is None


def test_consensus_holds_agreed_values_and_highlights_each_disagreement(pair, tmp_path):
    out = tmp_path / "doe2024lupus.consensus.xlsx"
    assert cli.main(["reconcile", str(pair[0]), str(pair[1]), "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["patients"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, 7) if ws.cell(row=r, column=1).value}
    assert list(rows) == ["P1", "P2", "P3", "P4"]  # A's order
    header = [c.value for c in ws[1]]
    sex, age, disease = (header.index(n) + 1 for n in ("sex", "age_at_infusion_years", "disease"))
    assert ws.cell(rows["P1"], sex).value == "female"
    assert ws.cell(rows["P1"], disease).value == "systemic lupus erythematosus"  # "SLE" agreed as the canonical term
    disputed = ws.cell(rows["P2"], sex)
    assert disputed.value is None
    assert disputed.fill.fgColor.rgb.endswith("FFFF00")
    assert disputed.comment.text == "A: male\nB: female"
    assert ws.cell(rows["P3"], age).comment.text == "A: 12\nB: 13"
    assert ws.cell(rows["P1"], sex).fill.fill_type is None
    # A row of one copy only is copied in, highlighted, and says whose it was.
    ms = wb["measurements"]
    mrows = [[c.value for c in r[:4]] for r in ms.iter_rows(min_row=2, max_row=5)]
    assert ["P1", 90, "SLEDAI-2K", 2] in mrows
    r90 = 2 + mrows.index(["P1", 90, "SLEDAI-2K", 2])
    assert ms.cell(r90, 1).fill.fill_type == "solid"
    assert ms.cell(r90, 1).comment.text.startswith("Only in extraction B (MK)")
    # The form: agreed design is kept; the extractors are both named.
    form = {wb["report"].cell(r, 1).value: wb["report"].cell(r, 2).value for r in range(2, 22)}
    assert form["design"] == "case series"
    assert form["extractor"] == "JS and MK"


def test_identical_copies_give_full_agreement_and_a_consensus_with_the_same_content(tmp_path):
    tables = {"patients": PATIENTS_A, "measurements": MEASURES_A, "events": EVENTS_A}
    a = make_workbook(tmp_path / "doe2024lupus.A.xlsx", FORM, tables)
    b = make_workbook(tmp_path / "doe2024lupus.B.xlsx", FORM, tables)
    result = reconcile(load(a), load(b))
    assert result.disagreements == [] and result.one_copy == []
    assert all(f.agreed == f.compared for f in result.fields)
    out = tmp_path / "consensus.xlsx"
    assert cli.main(["reconcile", str(a), str(b), "-o", str(out)]) == 0

    def content(path):
        return {name: [(row.key, {c: cell.norm for c, cell in row.cells.items()}) for row in sheet.rows]
                for name, sheet in load(path).sheets.items()}

    assert content(out) == content(a)


def _one_line_error(capsys, argv) -> str:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_errors_are_one_line_for_people(pair, tmp_path, capsys):
    a, b = pair
    err = _one_line_error(capsys, ["reconcile", str(a), str(tmp_path / "missing.B.xlsx")])
    assert "no such file" in err
    csv = tmp_path / "doe2024lupus.csv.xlsx"
    csv.write_text("patient_label,sex\nP1,female\n")
    err = _one_line_error(capsys, ["reconcile", str(a), str(csv)])
    assert "not an Excel .xlsx workbook" in err
    other = make_workbook(tmp_path / "smith2023myositis.B.xlsx", dict(FORM, report_id="smith2023myositis"))
    err = _one_line_error(capsys, ["reconcile", str(a), str(other)])
    assert "different reports" in err
    # Without the .A/.B naming, the report ids typed in the forms tell the reports apart.
    neutral = make_workbook(tmp_path / "copy2.xlsx", dict(FORM, report_id="smith2023myositis"))
    err = _one_line_error(capsys, ["reconcile", str(a), str(neutral)])
    assert "smith2023myositis" in err


def test_refuses_to_overwrite_an_existing_file(pair, tmp_path, capsys):
    existing = tmp_path / "doe2024lupus.xlsx"
    existing.write_bytes(b"an earlier consensus")
    err = _one_line_error(capsys, ["reconcile", str(pair[0]), str(pair[1]), "-o", str(existing)])
    assert "never overwritten" in err
    assert existing.read_bytes() == b"an earlier consensus"
    err = _one_line_error(capsys, ["reconcile", str(pair[0]), str(pair[1]), "-o", str(pair[1])])
    assert "one of the inputs" in err


from hypothesis import given, settings, strategies as st  # noqa: E402

from review_utils.coinvestigator.compare import Row, match_rows  # noqa: E402

_KEYS = st.lists(st.tuples(st.sampled_from(["P1", "P2", "P3"]), st.sampled_from(["CRS", "ICANS"]),
                           st.integers(0, 4)), unique=True, max_size=12)


@settings(max_examples=60, deadline=None)
@given(keys_a=_KEYS, keys_b=_KEYS, seed=st.randoms(use_true_random=False))
def test_matching_does_not_depend_on_row_order(keys_a, keys_b, seed):
    """Shuffling the rows of B never changes which rows are paired, and every row appears exactly once."""
    def rows(keys):
        return [Row(k, " / ".join(map(str, k)), i + 2, {}) for i, k in enumerate(keys)]

    def pairs(b_keys):
        return {(p.a.key if p.a else None, p.b.key if p.b else None, p.by)
                for p in match_rows(rows(keys_a), rows(b_keys), 3)}

    shuffled = list(keys_b)
    seed.shuffle(shuffled)
    found = pairs(keys_b)
    assert found == pairs(shuffled)
    assert sorted(k for k, _, _ in found if k) == sorted(keys_a)
    assert sorted(k for _, k, _ in found if k) == sorted(keys_b)
    # Rows with the same key are always paired with each other.
    assert all((k, k, "key") in found for k in set(keys_a) & set(keys_b))
