"""Tables: deterministic, injection-safe CSV and XLSX, and builders whose numbers are counted by hand here."""

import subprocess
import sys

import pandas as pd
import pytest
from openpyxl import load_workbook

from review_utils.pooling.result import PoolResult
from review_utils.tables import (
    child_listing,
    excluded_records,
    neutralise,
    patient_characteristics,
    pooled_estimates,
    report_characteristics,
    write_table,
)

HOSTILE = pd.DataFrame(
    {
        "text": ["=1+1", "+A1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "plain", "a=b"],
        "number": [-2.5, 1.0, 0.125, 3.0, -7.0, 0.0, 1e-7, 2.0],
    }
)


def test_formula_like_text_is_neutralised_and_negative_numbers_stay_numbers(tmp_path):
    """OWASP: text starting with = + - @ tab or carriage return gets a leading quote, in CSV and XLSX;
    -2.5 stays the number -2.5; text with '=' inside is left alone."""
    csv_path, xlsx_path = write_table(HOSTILE, tmp_path / "hostile")
    lines = csv_path.read_bytes().decode("utf-8").split("\n")  # bytes: keep the carriage return as written
    assert lines[0] == "text,number"
    assert lines[1] == "'=1+1,-2.5"
    assert lines[2] == "'+A1,1"
    assert lines[3] == "'-2+3,0.125"
    assert lines[4] == "'@SUM(A1),3"
    assert lines[5] == "'\tcmd,-7"
    # A carriage return inside text becomes a newline, so the CSV writer quotes the field (one logical row).
    assert lines[6] == "\"'" and lines[7] == 'cmd",0'
    assert lines[8] == "plain,1e-07" and lines[9] == "a=b,2"
    assert pd.read_csv(csv_path, keep_default_na=False)["text"].tolist()[5] == "'\ncmd"
    ws = load_workbook(xlsx_path).active
    texts = [ws.cell(row=r, column=1) for r in range(2, 10)]
    assert [c.value for c in texts[:4]] == ["'=1+1", "'+A1", "'-2+3", "'@SUM(A1)"]
    assert all(c.data_type == "s" for c in texts)  # text, never a formula ("f")
    number = ws.cell(row=2, column=2)
    assert number.value == -2.5 and number.data_type == "n"


def test_neutralise_touches_only_text():
    """Numbers (negative too), None and booleans pass through unchanged."""
    assert neutralise(-2.5) == -2.5 and neutralise(None) is None and neutralise(True) is True
    assert neutralise("-") == "'-" and neutralise("") == ""


def test_csv_is_utf8_with_unix_line_endings_and_fixed_float_format(tmp_path):
    """UTF-8 (Sjögren survives), '\\n' only, floats with 6 significant digits, missing values empty."""
    df = pd.DataFrame({"disease": ["Sjögren disease", "SLE"], "estimate": [1 / 3, None]})
    csv_path, _ = write_table(df, tmp_path / "t")
    data = csv_path.read_bytes()
    assert b"\r\n" not in data
    assert data.decode("utf-8") == "disease,estimate\nSjögren disease,0.333333\nSLE,\n"


def test_xlsx_has_bold_frozen_header_and_column_widths(tmp_path):
    """Header row bold and frozen (panes at A2); each column at least as wide as its longest text."""
    df = pd.DataFrame({"characteristic": ["Age at infusion, years, median [range]"], "n": [4]})
    _, xlsx_path = write_table(df, tmp_path / "t", sheet_name="patients")
    ws = load_workbook(xlsx_path)["patients"]
    assert ws["A1"].font.bold and ws["B1"].font.bold
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width >= len("Age at infusion, years, median [range]")
    assert ws.column_dimensions["B"].width >= 8


def test_writing_twice_gives_identical_bytes_also_in_another_process(tmp_path):
    """Same table, same bytes: twice here and once in a fresh interpreter, for CSV and XLSX."""
    first = [p.read_bytes() for p in write_table(HOSTILE, tmp_path / "a")]
    second = [p.read_bytes() for p in write_table(HOSTILE, tmp_path / "b")]
    code = (
        "import pandas as pd\nfrom review_utils.tables import write_table\n"
        f"df = pd.DataFrame({HOSTILE.to_dict('list')!r})\nwrite_table(df, {str(tmp_path / 'c')!r})\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    third = [(tmp_path / f"c.{ext}").read_bytes() for ext in ("csv", "xlsx")]
    assert first == second == third
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "a.xlsx", "b.csv", "b.xlsx", "c.csv", "c.xlsx"]


PATIENTS = pd.DataFrame(
    {
        "patient_id": ["K1", "K2", "K3", "A1", "A2", "A3", "A4"],
        "report_id": ["r2", "r1", "r1", "r3", "r3", "r3", "r4"],
        "age_group": ["children"] * 3 + ["adults"] * 4,
        "age_at_infusion_years": [15, 11, "NR", 30, 40, 25, 51],
        "sex": ["female", "male", "female", "female", "female", "male", "NR"],
        "disease": ["systemic lupus erythematosus", "dermatomyositis", "systemic lupus erythematosus",
                    "systemic lupus erythematosus", "systemic sclerosis", "systemic lupus erythematosus", "dermatomyositis"],
        "follow_up_months": [12, 6, 3, 24, 12, 18, "NR"],
    }
)


def test_patient_characteristics_children_against_adults_counted_by_hand():
    """Children (n = 3): age median 13 [11-15] with 1 NR; female 2 of 3 (67%); SLE 2 (67%), DM 1 (33%);
    follow-up median 6 [3-12]. Adults (n = 4): age 35 [25-51]; female 3 of 3 known (100%), 1 NR."""
    table = patient_characteristics(PATIENTS).set_index("Characteristic")
    assert list(table.columns) == ["Children (n = 3)", "Adults (n = 4)"]
    kids, adults = table["Children (n = 3)"], table["Adults (n = 4)"]
    assert kids["Patients, n"] == 3 and adults["Patients, n"] == 4
    assert kids["Age at infusion, years, median [range]"] == "13.0 [11.0–15.0]; NR 1"
    assert adults["Age at infusion, years, median [range]"] == "35.0 [25.0–51.0]"
    assert kids["Female, n (%)"] == "2 (67%)" and adults["Female, n (%)"] == "2 (67%); NR 1"
    assert kids["  systemic lupus erythematosus"] == "2 (67%)" and kids["  dermatomyositis"] == "1 (33%)"
    assert adults["  systemic sclerosis"] == "1 (25%)"
    assert kids["Follow-up, months, median [range]"] == "6.0 [3.0–12.0]"
    # Diseases follow the codebook order (SLE before dermatomyositis before systemic sclerosis).
    diseases = [i for i in table.index if i.startswith("  ")]
    assert diseases == ["  systemic lupus erythematosus", "  dermatomyositis", "  systemic sclerosis"]


def test_pooled_estimates_one_row_per_outcome_group_and_method():
    """Three PoolResults -> three rows, proportions as percentages, not-estimable results labelled, sorted by
    outcome (codebook order), group (children, adults, overall), then method as given."""
    glmm = PoolResult("glmm", "GLMM (ML, t-based CI)", 3, 4, 3, 0.75, 0.1941, 0.9937, estimable=False,
                      notes=("not estimable: tau^2", "crude"))
    iv = PoolResult("iv_reml_knha", "Logit IV (REML, KnHa)", 40, 300, 90, 0.3, 0.25, 0.36, 0.1, 0.6, tau2=0.2, i2=35.04)
    death = PoolResult("crude", "Crude", 40, 300, 1, 1 / 300, 0.0001, 0.0184)
    table = pooled_estimates([("death", "adults", death), ("CRS any grade", "adults", iv), ("CRS any grade", "children", glmm)])
    assert list(zip(table["outcome"], table["age_group"], table["method"])) == [
        ("CRS any grade", "children", "glmm"), ("CRS any grade", "adults", "iv_reml_knha"), ("death", "adults", "crude")]
    adults = table.iloc[1]
    assert (adults["estimate_percent"], adults["ci_lower_percent"], adults["ci_upper_percent"]) == (30.0, 25.0, 36.0)
    assert (adults["pi_lower_percent"], adults["pi_upper_percent"], adults["i2_percent"]) == (10.0, 60.0, 35.0)
    assert adults["estimate_text"] == "30.0 [25.0, 36.0]"
    assert table.iloc[0]["estimate_text"] == "not estimable (crude 75.0 [19.4, 99.4])"
    assert table.iloc[0]["notes"] == "not estimable: tau^2; crude" and not table.iloc[0]["estimable"]


def test_child_listing_lists_every_child_with_event_summaries():
    """Only the three children, sorted by report then patient; CRS grade = highest ASTCT grade, 0 when stated
    absent, NR when not reported; remission 'yes (day d)'."""
    events = pd.DataFrame(
        [("K1", "CRS", "yes", 1, 2), ("K1", "CRS", "yes", 2, 3), ("K2", "CRS", "no", 0, "NA"),
         ("K1", "DORIS remission", "yes", "NA", 90), ("K2", "relapse", "no", "NA", "NA")],
        columns=["patient_id", "event", "occurred", "grade_astct", "onset_day"],
    )
    table = child_listing(PATIENTS, events)
    assert table["Patient"].tolist() == ["K2", "K3", "K1"]  # r1: K2, K3; r2: K1
    by = table.set_index("Patient")
    assert (by.loc["K1", "CRS grade"], by.loc["K2", "CRS grade"], by.loc["K3", "CRS grade"]) == ("2", "0", "NR")
    assert by.loc["K1", "DORIS remission"] == "yes (day 90)" and by.loc["K2", "Relapse"] == "no"


def test_excluded_records_in_prisma_stage_order_with_reasons():
    """Excluded records only, by stage (duplicate ... full text), then reason, then record id; stages filter."""
    records = pd.DataFrame(
        {"record_id": ["R4", "R1", "R2", "R3", "R5"],
         "decision": ["excluded", "excluded", "included", "excluded", "excluded"],
         "exclusion_stage": ["full text", "full text", "NA", "duplicate", "full text"],
         "exclusion_reason": ["review or commentary", "no new patients", "NA", "duplicate record", "no new patients"]}
    )
    table = excluded_records(records)
    assert table["Record"].tolist() == ["R3", "R1", "R5", "R4"]
    assert excluded_records(records, stages=["full text"])["Record"].tolist() == ["R1", "R5", "R4"]


def test_report_characteristics_sorted_by_year_with_readable_headers():
    """One row per report, by year then id; NR counts stay 'NR'."""
    reports = pd.DataFrame(
        {"report_id": ["b2024", "a2024", "z2022"], "year": [2024, 2024, 2022], "publication_type": "journal article",
         "design": "case report", "population": ["paediatric", "adult", "adult"], "diseases": "systemic sclerosis",
         "number_treated": [1, "NR", 12]}
    )
    table = report_characteristics(reports)
    assert table["Report"].tolist() == ["z2022", "a2024", "b2024"]
    assert table["Patients treated"].tolist() == [12, "NR", 1]
    assert list(table.columns) == ["Report", "Year", "Publication type", "Design", "Population", "Diseases",
                                   "Patients treated"]


def test_builders_name_missing_columns():
    """A builder given a frame without its required columns says which ones."""
    with pytest.raises(ValueError, match="age_at_infusion_years"):
        patient_characteristics(PATIENTS.drop(columns="age_at_infusion_years"))
