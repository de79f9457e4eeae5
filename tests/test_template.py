"""The template is generated from the codebook: every sheet and column, dropdowns, definitions, same bytes."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from review_utils.codebook import load_codebook
from review_utils.template import TemplateRefused, write_template
from workbook_factory import write_report

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = load_codebook()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("t") / "template.xlsx"
    write_template(path)
    return path


def test_generating_twice_gives_identical_bytes(tmp_path, template):
    again = tmp_path / "again.xlsx"
    write_template(again)
    assert again.read_bytes() == template.read_bytes()


def test_the_committed_template_is_the_generated_one(template):
    """extraction/template.xlsx is exactly what `make template` writes from the current codebook."""
    assert (ROOT / "extraction" / "template.xlsx").read_bytes() == template.read_bytes()


def test_the_committed_screening_template_is_the_generated_one(tmp_path):
    path = write_template(tmp_path / "s.xlsx", kind="screening")
    assert (ROOT / "extraction" / "screening_template.xlsx").read_bytes() == path.read_bytes()


def test_every_codebook_sheet_and_column_is_in_the_template(template):
    wb = load_workbook(template)
    for name, sheet in CODEBOOK.report_sheets.items():
        ws = wb[name]
        header = [c.value for c in ws[1] if c.value is not None]
        assert tuple(header) == sheet.column_names
        if sheet.layout == "form":
            assert [ws.cell(row=r, column=1).value for r in range(2, len(sheet.fields) + 2)] == [f.name for f in sheet.fields]
        else:
            assert ws.freeze_panes == "A2", f"{name}: header row frozen"
    assert {"about", "codebook", "lists"} <= set(wb.sheetnames)
    assert wb["lists"].sheet_state == "hidden"


def test_controlled_columns_have_dropdowns_with_their_terms_and_an_input_message(template):
    wb = load_workbook(template)
    ws = wb["events"]
    columns = CODEBOOK.report_sheets["events"].column_names
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[columns.index("event")]
    validations = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith(f"{letter}2:")]
    assert len(validations) == 1
    dv = validations[0]
    assert dv.type == "list" and dv.showInputMessage and "event or state after infusion" in dv.prompt
    sheet_name, cells = dv.formula1.lstrip("=").split("!")
    col = cells.split(":")[0].replace("$", "").rstrip("0123456789")
    listed = [c.value for c in wb["lists"][col] if c.value is not None]
    assert listed == list(CODEBOOK.vocabularies["event"].terms)


def test_number_columns_accept_only_their_range_or_the_allowed_codes(template):
    ws = load_workbook(template)["measurements"]
    dv = next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith("B2:"))
    assert dv.type == "custom"
    assert "B2>=-3650" in dv.formula1 and "B2<=7300" in dv.formula1 and "INT(B2)" in dv.formula1


def test_the_codebook_sheet_lists_every_column_with_its_definition(template):
    ws = load_workbook(template)["codebook"]
    rows = {(r[0].value, r[1].value): r for r in ws.iter_rows(min_row=2)}
    expected = sum(len(s.fields) if s.layout == "form" else len(s.columns) for s in CODEBOOK.report_sheets.values())
    assert len(rows) == expected
    crs = rows[("events", "grade_astct")]
    assert "ASTCT" in crs[6].value


@pytest.mark.parametrize("remove_about", [False, True], ids=["filled_template", "workbook_without_about_sheet"])
def test_the_generator_refuses_to_overwrite_a_workbook_holding_data(tmp_path, remove_about):
    """A co-investigator's workbook (made from the template, so it carries the marker) is never overwritten."""
    filled = write_report(tmp_path / "smith2024lupus.xlsx")
    if remove_about:
        wb = load_workbook(filled)
        del wb["about"]
        wb.save(filled)
    before = filled.read_bytes()
    with pytest.raises(TemplateRefused):
        write_template(filled)
    assert filled.read_bytes() == before


def test_a_blank_template_may_be_regenerated_in_place(tmp_path):
    path = write_template(tmp_path / "template.xlsx")
    assert write_template(path) == path
