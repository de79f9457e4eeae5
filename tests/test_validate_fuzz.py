"""Fuzzing: random values typed into any column of a valid workbook never crash the validator.

Whatever a co-investigator types (numbers, dates, booleans, text in any script, formula-like text, very long
text), `check_folder` returns a list of problems, each with a location and a fix, and never raises.
"""
from __future__ import annotations

import datetime as dt
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_utils.codebook import load_codebook
from review_utils.problems import Problem
from review_utils.validate import check_folder
from workbook_factory import REPORT_FORM, ROWS, write_report, write_screening

CODEBOOK = load_codebook()
TABLES = ("patients", "measurements", "events", "aggregates", "appraisal")

# Excel cannot store control characters (openpyxl refuses them), so the typed text never contains them.
TYPABLE = st.characters(blacklist_categories=("Cs", "Cc"))
values = st.one_of(
    st.none(),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.text(alphabet=TYPABLE, max_size=40),
    st.text(alphabet=TYPABLE, min_size=1, max_size=300),
    st.sampled_from(["NR", "nr", "NA", "n/a", "Grade 3", "grade3", "1 x 10^6", "1e6", "=1+1", "+A1", "-", "@x",
                     "CRS", "crs", "SLE", "F", "yes", "Yes", "unclear", "10.1000/x", "https://doi.org/10.1/x"]),
)
cells = st.one_of(
    st.tuples(st.sampled_from(TABLES).flatmap(
        lambda sheet: st.tuples(st.just(sheet), st.sampled_from(CODEBOOK.report_sheets[sheet].column_names))), values),
    st.tuples(st.tuples(st.just("report"), st.sampled_from([f.name for f in CODEBOOK.report_sheets["report"].fields])),
              values),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(cells, min_size=1, max_size=4))
def test_random_values_give_problems_never_an_exception(tmp_path_factory, edits):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "reports").mkdir()
    form = dict(REPORT_FORM)
    rows = {sheet: [dict(record) for record in records] for sheet, records in ROWS.items()}
    for (sheet, column), value in edits:
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            continue
        if sheet == "report":
            form[column] = "" if value is None else value
        else:
            rows[sheet][0][column] = "" if value is None else value
    form["report_id"] = "smith2024lupus"
    write_report(root / "reports" / "smith2024lupus.xlsx", form=form, rows=rows)
    write_screening(root / "screening.xlsx", ["smith2024lupus"])
    result = check_folder(root)
    assert isinstance(result.problems, list)
    for problem in result.problems:
        assert isinstance(problem, Problem)
        assert problem.rule and problem.fix and problem.severity in ("error", "warning")
