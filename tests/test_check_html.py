"""The validation report as an HTML page for clinicians.

Methods rule: the page shows the counts first, then every problem grouped by workbook and sheet with
its cell, value, rule and fix; text from a workbook can never become markup (every value is escaped);
the same problems give the same bytes (no timestamps), written atomically.
"""
from __future__ import annotations

import re

from review_utils import cli
from review_utils.check_report import render_html, write_html
from review_utils.problems import Problem
from test_reconcile import FORM, make_workbook, patient

PROBLEMS = [
    Problem("reports/b2024.xlsx", "patients", "D3", "error", "'mael' is not a term of sex", "mael",
            "choose one of: female; male (or NR)"),
    Problem("reports/a&b2024.xlsx", "", "", "error", "the file is a PDF, not an Excel .xlsx workbook", "",
            "save the data from Excel as .xlsx"),
    Problem("reports/b2024.xlsx", "events", "G2", "warning", "onset_day is a number stored as text",
            "<script>alert('x')</script>", "retype it as a number"),
    Problem("reports/b2024.xlsx", "patients", "B2", "error", "age_at_infusion_years must be between 0 and 100 years",
            "140", "check the value against the report (and the unit)"),
]


def test_counts_come_first_then_problems_grouped_by_workbook_and_sheet():
    page = render_html(PROBLEMS, 3, "extraction")
    counts = re.search(r'<table class="counts">.*?</table>', page, re.S).group(0)
    # workbooks checked, workbooks with errors, errors, warnings
    assert re.findall(r"<td>(\d+)</td>", counts) == ["3", "2", "3", "1"]
    assert "FAILED: 3 errors" in page
    assert page.index('class="counts"') < page.index("<section")
    # Workbooks in name order; inside b2024 the sheets in name order, cells in reading order.
    order = [page.index(s) for s in ("<h2>reports/a&amp;b2024.xlsx", "<h2>reports/b2024.xlsx", "<h3>sheet events",
                                     "<h3>sheet patients", '<td class="cell">B2', '<td class="cell">D3')]
    assert order == sorted(order)
    row = re.search(r'<tr class="error"><td class="severity">error</td><td class="cell">D3</td>.*?</tr>', page).group(0)
    assert "mael" in row and "is not a term of sex" in row and "choose one of: female; male (or NR)" in row
    assert "<h3>the whole file</h3>" in page


def test_every_value_is_escaped():
    page = render_html(PROBLEMS, 3, "extraction <dev>")
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "a&b2024" not in page and "a&amp;b2024" in page
    assert "extraction &lt;dev&gt;" in page
    assert "<script" not in page.lower() and "http" not in page  # nothing runs, nothing is fetched


def test_output_is_deterministic_and_written_atomically(tmp_path):
    first, second = tmp_path / "one.html", tmp_path / "two.html"
    write_html(first, PROBLEMS, 3, "extraction")
    write_html(second, list(reversed(PROBLEMS)), 3, "extraction")  # the order problems arrive in does not matter
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.html", "two.html"]  # no temporary file left
    assert "No problems found." in render_html([], 2, "extraction")


def test_check_html_from_the_command_line(tmp_path, capsys):
    """A real folder: one workbook with an age out of range; the page names its cell and value."""
    reports = tmp_path / "extraction" / "reports"
    reports.mkdir(parents=True)
    make_workbook(reports / "doe2024lupus.xlsx", FORM, {"patients": [patient("P1", "female", 140)]})
    page = tmp_path / "check.html"
    status = cli.main(["check", str(tmp_path / "extraction"), "--html", str(page)])
    assert status == 1
    text = page.read_text(encoding="utf-8")
    assert re.search(r'<td class="cell">B2</td><td class="value">140</td><td>age_at_infusion_years must be between',
                     text)
    assert "<h2>reports/doe2024lupus.xlsx" in text
    capsys.readouterr()
