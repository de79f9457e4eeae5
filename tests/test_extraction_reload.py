"""Loading the same extraction twice in one process (a kernel reused for several notebook runs).

Rule: the workbooks are validated and parsed once per folder content; every load hands out its own copies of
the tables, so one run's changes never reach another; any change to any file means a fresh validation.
"""
from __future__ import annotations

import pytest
from workbook_factory import edit, make_folder

from review_utils.extraction import ExtractionInvalid, load_extraction


def test_a_second_load_of_the_same_files_gives_equal_tables_as_new_copies(tmp_path):
    folder = make_folder(tmp_path / "extraction")
    first = load_extraction(folder)
    first.patients.loc[0, "age_at_infusion_years"] = 99.0  # what one run does to its own tables ...
    second = load_extraction(folder)
    assert second.patients.loc[0, "age_at_infusion_years"] == 15.0  # ... does not reach the next run
    assert second.patients is not first.patients
    assert second.events.equals(load_extraction(folder).events)


def test_a_changed_workbook_is_read_again(tmp_path):
    folder = make_folder(tmp_path / "extraction")
    assert load_extraction(folder).patients.loc[0, "age_at_infusion_years"] == 15.0
    edit(folder / "reports" / "smith2024lupus.xlsx", "patients", "B2", 16)
    assert load_extraction(folder).patients.loc[0, "age_at_infusion_years"] == 16.0


def test_an_invalid_edit_after_a_valid_load_is_still_refused(tmp_path):
    folder = make_folder(tmp_path / "extraction")
    load_extraction(folder)
    edit(folder / "reports" / "smith2024lupus.xlsx", "patients", "B2", "fifteen")
    with pytest.raises(ExtractionInvalid):
        load_extraction(folder)
