"""PRISMA 2020 flow diagram: the box counts are derived from the screening log and obey the flow arithmetic.

The fixture is a small log whose counts are written out by hand below; the diagram must show exactly them.
"""

import pandas as pd
import pytest

from review_utils.figures.prisma import prisma_counts, prisma_diagram


def log(*groups):
    """Expand (n, source, decision, stage, reason) groups into one row per record."""
    rows = []
    for n, source, decision, stage, reason in groups:
        for _ in range(n):
            rows.append({"record_id": f"R{len(rows) + 1:03d}", "identification_source": source, "decision": decision,
                         "exclusion_stage": stage, "exclusion_reason": reason, "report_id": "NA"})
    return pd.DataFrame(rows)


# 30 records from databases, 4 from registers, 6 by other methods.
RECORDS = log(
    (5, "databases", "excluded", "duplicate", "duplicate record"),
    (1, "registers", "excluded", "duplicate", "duplicate record"),
    (2, "databases", "excluded", "removed before screening", "other"),
    (10, "databases", "excluded", "title and abstract", "review or commentary"),
    (1, "registers", "excluded", "title and abstract", "not CAR-based therapy"),
    (1, "databases", "excluded", "not retrieved", "other"),
    (3, "databases", "excluded", "full text", "no new patients"),
    (1, "databases", "excluded", "full text", "not a rheumatic disease"),
    (1, "registers", "excluded", "full text", "no new patients"),
    (8, "databases", "included", "NA", "NA"),
    (1, "registers", "included", "NA", "NA"),
    (2, "websites", "included", "NA", "NA"),
    (1, "organisations", "excluded", "not retrieved", "other"),
    (2, "citation searching", "included", "NA", "NA"),
    (1, "citation searching", "excluded", "full text", "press item adding nothing"),
)


def test_counts_equal_the_hand_count_of_the_fixture():
    """Every PRISMA box of the databases-and-registers and other-methods arms, counted by hand."""
    c = prisma_counts(RECORDS, studies=11)
    assert (c["database_results"], c["register_results"]) == (30, 4)
    assert (c["website_results"], c["organisation_results"], c["citations_results"]) == (2, 1, 3)
    assert (c["duplicates"], c["excluded_other"]) == (6, 2)
    assert c["records_screened"] == 26  # 34 - 6 - 2
    assert c["records_excluded"] == 11
    assert c["dbr_sought_reports"] == 15
    assert c["dbr_notretrieved_reports"] == 1
    assert c["dbr_assessed"] == 14
    assert c["dbr_excluded"] == {"no new patients": 4, "not a rheumatic disease": 1}
    assert (c["other_sought_reports"], c["other_notretrieved_reports"], c["other_assessed"]) == (6, 1, 5)
    assert c["other_excluded"] == {"press item adding nothing": 1}
    assert (c["new_reports"], c["total_reports"], c["total_studies"]) == (13, 13, 11)


def test_flow_arithmetic_invariants_hold():
    """screened = identified - duplicates - other removals; assessed = sought - not retrieved;
    included = assessed - sum(excluded with reasons), in each arm; reports = included records."""
    c = prisma_counts(RECORDS)
    identified = c["database_results"] + c["register_results"]
    assert c["records_screened"] == identified - c["duplicates"] - c["excluded_other"]
    assert c["dbr_sought_reports"] == c["records_screened"] - c["records_excluded"]
    assert c["dbr_assessed"] == c["dbr_sought_reports"] - c["dbr_notretrieved_reports"]
    assert c["other_assessed"] == c["other_sought_reports"] - c["other_notretrieved_reports"]
    dbr_included = c["dbr_assessed"] - sum(c["dbr_excluded"].values())
    other_included = c["other_assessed"] - sum(c["other_excluded"].values())
    assert dbr_included + other_included == c["total_reports"] == int((RECORDS["decision"] == "included").sum())


def test_other_methods_removed_before_retrieval_keep_the_arithmetic():
    """A duplicate found by citation searching is not sought: it is counted in other_removed."""
    records = pd.concat([RECORDS, log((2, "citation searching", "excluded", "duplicate", "duplicate record"))],
                        ignore_index=True)
    records["record_id"] = [f"X{i}" for i in range(len(records))]
    c = prisma_counts(records)
    assert c["other_removed"] == {"duplicate": 2}
    assert c["other_sought_reports"] == 8 - 2


def test_diagram_draws_the_counts_in_its_boxes():
    """The drawn box texts carry the counts (a count is never split from its label: non-breaking spaces);
    studies appear only when given."""
    fig, c = prisma_diagram(RECORDS, studies=11)
    # Box texts may wrap onto indented lines; compare with whitespace collapsed.
    drawn = " ".join(" ".join(t.get_text().replace("\u00a0", " ").split()) for t in fig.axes[0].texts)
    for text in ("Records screened (n = 26)", "Records excluded (n = 11)", "Reports sought for retrieval (n = 15)",
                 "Reports assessed for eligibility (n = 14)", "no new patients (n = 4)", "Duplicate records removed (n = 6)",
                 "Studies included in review (n = 11)", "Reports of included studies (n = 13)", "Websites (n = 2)"):
        assert text in drawn
    assert all("(n\u00a0=\u00a0" in line or "(n" not in line for lines in c["box_text"].values() for line in lines)
    assert set(c["box_text"]) >= {"dbr_identified", "screened", "dbr_excluded", "other_identified", "included"}
    _, c2 = prisma_diagram(RECORDS, studies=None)
    assert not any("Studies included" in line for line in c2["box_text"]["included"])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"decision": "excluded", "exclusion_stage": "NA"}, "no valid exclusion_stage"),
        ({"decision": "included", "exclusion_stage": "full text"}, "have an exclusion_stage"),
        ({"identification_source": "twitter"}, "unknown identification_source"),
    ],
)
def test_inconsistent_logs_are_refused(change, message):
    """An excluded record without a stage, an included record with one, or an unknown source is an error."""
    records = RECORDS.copy()
    for col, value in change.items():
        records.loc[0, col] = value
    with pytest.raises(ValueError, match=message):
        prisma_counts(records)
